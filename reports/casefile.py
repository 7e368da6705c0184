"""A case file (调解卷宗): the documents of one dispute bound into one PDF.

A table of contents comes first; every page after it is stamped with its
number in the whole file, so a page can be cited as "卷宗第 37 页".
Attachments are merged as they are (scans, letters, other software's PDFs),
so the result is a plain PDF, not PDF/A.

The portal's own pages (sections given as HTML), the contents and the number
stamps are laid out in one renderer process and written as one PDF: starting
a renderer and subsetting the CJK fonts cost more than laying out a page, so
doing each once keeps a file of dozens of documents fast.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from jinja2 import Environment

if TYPE_CHECKING:  # pypdf is slow to import: the functions that bind a file import it
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

from reports.pdf import DEFAULT_TIMEOUT, layout, run_in_worker, template_environment


@dataclass(frozen=True, slots=True)
class Section:
    """One document of the case file: a title and a PDF (in memory or on disk)
    or the HTML of a page the portal renders itself.

    Files on disk are read page by page when the case file is written, so
    large scans need not be loaded into memory first.
    """

    title: str
    pdf: bytes | os.PathLike | str | None = None
    html: str | None = None

    def __post_init__(self) -> None:
        if (self.pdf is None) == (self.html is None):
            raise ValueError(f"{self.title}: give either a PDF or HTML")


@dataclass(frozen=True, slots=True)
class TocEntry:
    title: str
    pages: int
    first_page: int


@dataclass(frozen=True, slots=True)
class _Own:
    """What the renderer process needs: the HTML sections and every PDF's page count."""

    title: str
    case_number: str
    sections: Sequence[Section]
    pdf_counts: dict[int, int]
    environment: Environment | None


def build_casefile(
    title: str,
    case_number: str,
    sections: Sequence[Section],
    *,
    out: BinaryIO | None = None,
    environment: Environment | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes | None:
    """Bind ``sections`` in order behind a table of contents.

    Writes to ``out`` and returns None if it is given, else returns the bytes.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    readers = {i: _reader(s) for i, s in enumerate(sections) if s.pdf is not None}
    own = _Own(title, case_number, sections, {i: len(r.pages) for i, r in readers.items()},
               environment)
    if timeout is None:
        rendered, counts, toc_pages = _render_own(own)
    else:
        rendered, counts, toc_pages = run_in_worker(_render_own, own, timeout)
    own_pages = PdfReader(BytesIO(rendered)).pages
    stamps = own_pages[len(own_pages) - sum(counts):]

    writer = PdfWriter()
    for page in own_pages[:toc_pages]:
        writer.add_page(page)
    next_own = toc_pages
    for index, (section, count) in enumerate(zip(sections, counts, strict=True)):
        first = len(writer.pages)
        if index in readers:
            pages = readers[index].pages
        else:
            pages, next_own = own_pages[next_own:next_own + count], next_own + count
        for page in pages:
            writer.add_page(page)
        writer.add_outline_item(title=section.title, page_number=first)
    # The contents number their own pages.
    for number, (page, stamp) in enumerate(zip(writer.pages[toc_pages:], stamps, strict=True),
                                           start=toc_pages + 1):
        _stamp(writer, page, stamp, NameObject(f"/CasefileNumber{number}"))
    writer.add_metadata({"/Title": f"{case_number} {title}"})

    target = out if out is not None else BytesIO()
    writer.write(target)
    return None if out is not None else target.getvalue()


def _reader(section: Section) -> PdfReader:
    from pypdf import PdfReader

    if isinstance(section.pdf, bytes):
        return PdfReader(BytesIO(section.pdf))
    return PdfReader(Path(section.pdf))


def _render_own(own: _Own) -> tuple[bytes, list[int], int]:
    """Lay out the HTML sections, the contents and the stamps; write them as one PDF.

    Returns the PDF (contents, HTML sections in order, one stamp per page
    after the contents), the page count of every section and of the contents.
    """
    environment = own.environment or template_environment()
    documents = {i: layout(s.html) for i, s in enumerate(own.sections) if s.html is not None}
    counts = [own.pdf_counts[i] if i in own.pdf_counts else len(documents[i].pages)
              for i in range(len(own.sections))]
    toc = _layout_toc(environment, own, counts)
    first = len(toc.pages) + 1
    numbers = layout(environment.get_template("reports/casefile_numbers.html").render(
        numbers=range(first, first + sum(counts))))
    pages = list(toc.pages)
    for i in sorted(documents):
        pages.extend(documents[i].pages)
    pages.extend(numbers.pages)
    return toc.copy(pages).write_pdf(), counts, len(toc.pages)


def _layout_toc(environment: Environment, own: _Own, counts: list[int]):
    # The contents' own length shifts every page number after it, so lay it
    # out until the number of contents pages assumed is the number produced.
    # About 25 rows fit a page: start from that guess.
    template = environment.get_template("reports/casefile_toc.html")
    toc_pages = 1 + len(counts) // 25
    for _ in range(5):
        entries, first_page = [], toc_pages + 1
        for section, count in zip(own.sections, counts, strict=True):
            entries.append(TocEntry(section.title, count, first_page))
            first_page += count
        document = layout(template.render(
            title=own.title,
            case_number=own.case_number,
            entries=entries,
            total_pages=first_page - 1,
            toc_pages=toc_pages,
            draft=False,
        ))
        if len(document.pages) == toc_pages:
            return document
        toc_pages = len(document.pages)
    raise RuntimeError("the table of contents does not settle on a page count")


def _stamp(writer: PdfWriter, page, stamp, name: NameObject) -> None:
    """Draw ``stamp`` (an A4 page holding a page number) at the foot of ``page``.

    The stamp becomes a form XObject drawn after the page's own content, which
    leaves that content as it is: merging pages would parse and rewrite every
    content stream, the slowest part of binding a file of scans.
    """
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
    )

    # Scans are often stored rotated; turn the content instead so "bottom"
    # means the bottom as read.
    if page.rotation:
        page.transfer_rotation_to_content()
    box = page.mediabox
    offset_x = float(box.left) + (float(box.width) - float(stamp.mediabox.width)) / 2
    form = DecodedStreamObject()
    form.set_data(stamp.get_contents().get_data())
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in stamp.mediabox),
        NameObject("/Resources"): stamp["/Resources"].get_object().clone(writer),
        NameObject("/Matrix"): ArrayObject(FloatObject(v) for v in
                                           (1, 0, 0, 1, offset_x, float(box.bottom))),
    })
    resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    xobjects[name] = writer._add_object(form)
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q\n")
    after.set_data(b"\nQ q " + name.encode() + b" Do Q\n")
    contents = page.get("/Contents")
    old = [] if contents is None else (
        list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject)
        else [contents])
    page[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(before), *old, writer._add_object(after)])

"""A case file (调解卷宗): the documents of one dispute bound into one PDF.

The cover (卷宗封面) and the table of contents come first, the back sheet
(备考表) last; every page of the contents and the documents carries one
number, its number in the whole file, so a page can be cited as "卷宗第 37 页"
(the portal's own documents are bound from their HTML, without their own numbers). Attachments are
merged as they are (scans, letters, other software's PDFs), so the result is a
plain PDF, not PDF/A; one that cannot be read is replaced by a page saying
which it is and why, and the rest is bound.

The portal's own pages (sections given as HTML), the contents and the number
stamps are laid out in one renderer process and written as one PDF: starting
a renderer and subsetting the CJK fonts cost more than laying out a page, so
doing each once keeps a file of dozens of documents fast.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
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
class Cover:
    """What the cover (卷宗封面) and the back sheet (备考表) say about the file."""

    committee: str
    case_number: str
    title: str
    parties: Sequence[str]
    dispute_type: str
    filed_on: date
    closed_on: date | None
    keeping_period: str
    filed_by: str
    bound_on: date
    notes: Sequence[str] = field(default_factory=tuple)


# The portal's own pages drop their page numbers: the file numbers every page once.
# (A user stylesheet, so its rules must be important to win over the documents'.)
NO_OWN_NUMBERS = ("@page { @bottom-right { content: none !important } "
                  "@bottom-left { content: none !important } }")
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
               "WEBP": "image/webp"}


def image_section(title: str, data: bytes, environment: Environment | None = None) -> Section:
    """A scanned image as a page of the file, or the page saying why it cannot be."""
    from PIL import Image  # slow to import; only a file with scans needs it

    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()
            kind = IMAGE_TYPES.get(image.format or "")
        if kind is None:
            raise ValueError(f"不支持的图像格式 {image.format}")
    except Exception as error:  # Pillow raises many kinds for a damaged image
        return unreadable_section(title, _reason(error), environment)
    url = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
    html = (environment or template_environment()).get_template(
        "reports/casefile_image.html").render(title=title, url=url, draft=False)
    return Section(title, html=html)


def unreadable_section(title: str, reason: str,
                       environment: Environment | None = None) -> Section:
    html = (environment or template_environment()).get_template(
        "reports/casefile_unreadable.html").render(title=title, reason=reason, draft=False)
    return Section(f"{title}（无法装订）", html=html)


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def _readable(section: Section, environment: Environment | None) -> Section:
    """``section``, or the page that stands for it when its PDF cannot be read."""
    if section.pdf is None:
        return section
    try:
        reader = _reader(section)
        if not reader.pages:
            raise ValueError("文件中没有页面")
        for page in reader.pages:
            page.mediabox  # noqa: B018 - reading it is the check
            page.get_contents()
    except Exception as error:  # pypdf raises many kinds for a damaged file
        return unreadable_section(section.title, _reason(error), environment)
    return section


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
    cover: Cover | None


def build_casefile(
    title: str,
    case_number: str,
    sections: Sequence[Section],
    *,
    cover: Cover | None = None,
    out: BinaryIO | None = None,
    environment: Environment | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes | None:
    """Bind ``sections`` in order behind a table of contents (and ``cover``, if given,
    with its back sheet at the end).

    Writes to ``out`` and returns None if it is given, else returns the bytes. With a
    ``timeout`` the whole file is laid out and bound in a child process killed at the
    deadline: binding reads and stamps every page in Python, and in the caller's process it
    would hold the interpreter for seconds while a server's requests wait.
    """
    if timeout is None:
        return _bind(_Binding(title, case_number, tuple(sections), cover, out, environment))
    # A real file is written by the child itself; anything else gets the bytes back.
    through = out if out is not None and _has_descriptor(out) else None
    pdf = run_in_worker(_bind, _Binding(title, case_number, tuple(sections), cover, through,
                                        environment), timeout)
    if out is not None and through is None:
        out.write(pdf)
        return None
    return pdf


def _has_descriptor(out: BinaryIO) -> bool:
    try:
        out.fileno()
    except (AttributeError, OSError):  # io.UnsupportedOperation is an OSError
        return False
    return True


@dataclass(frozen=True)
class _Binding:
    title: str
    case_number: str
    sections: tuple[Section, ...]
    cover: Cover | None
    out: BinaryIO | None
    environment: Environment | None


def _bind(job: _Binding) -> bytes | None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    title, case_number, cover, out, environment = (
        job.title, job.case_number, job.cover, job.out, job.environment)
    sections = [_readable(s, environment) for s in job.sections]
    if cover is not None:
        unreadable = [s.title for s in sections if s.title.endswith("（无法装订）")]
        cover = replace(cover, notes=(*cover.notes, *(f"{t}：原件无法读取，已附说明页"
                                                     for t in unreadable)))
    readers = {i: _reader(s) for i, s in enumerate(sections) if s.pdf is not None}
    own = _Own(title, case_number, sections, {i: len(r.pages) for i, r in readers.items()},
               environment, cover)
    rendered, counts, toc_pages, cover_pages, back_pages = _render_own(own)
    own_pages = PdfReader(BytesIO(rendered)).pages
    stamps = own_pages[len(own_pages) - sum(counts):]
    back = own_pages[len(own_pages) - sum(counts) - back_pages:len(own_pages) - sum(counts)]

    writer = PdfWriter()
    for page in own_pages[:cover_pages + toc_pages]:
        writer.add_page(page)
    if cover_pages:
        writer.add_outline_item(title="卷宗封面", page_number=0)
        writer.add_outline_item(title="卷内目录", page_number=cover_pages)
    next_own = cover_pages + toc_pages
    body_start = next_own
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
    body = writer.pages[body_start:]
    for number, (page, stamp) in enumerate(zip(body, stamps, strict=True), start=toc_pages + 1):
        _stamp(writer, page, stamp, NameObject(f"/CasefileNumber{number}"))
    if back:
        first = len(writer.pages)
        for page in back:
            writer.add_page(page)
        writer.add_outline_item(title="备考表", page_number=first)
    writer.add_metadata({"/Title": f"{case_number} {title}"})

    target = out if out is not None else BytesIO()
    writer.write(target)
    if out is not None:
        out.flush()  # the child's buffer would be lost when it exits
        return None
    return target.getvalue()


def _reader(section: Section) -> PdfReader:
    from pypdf import PdfReader

    if isinstance(section.pdf, bytes):
        return PdfReader(BytesIO(section.pdf))
    return PdfReader(Path(section.pdf))


def _render_own(own: _Own) -> tuple[bytes, list[int], int, int, int]:
    """Lay out the cover, the contents, the HTML sections, the back sheet and the stamps;
    write them as one PDF.

    Returns the PDF (cover, contents, HTML sections in order, back sheet, one
    stamp per page after the contents), the page count of every section, and
    those of the contents, the cover and the back sheet.
    """
    environment = own.environment or template_environment()
    documents = {i: layout(s.html, extra_css=NO_OWN_NUMBERS)
                 for i, s in enumerate(own.sections) if s.html is not None}
    counts = [own.pdf_counts[i] if i in own.pdf_counts else len(documents[i].pages)
              for i in range(len(own.sections))]
    toc = _layout_toc(environment, own, counts)
    first = len(toc.pages) + 1
    numbers = layout(environment.get_template("reports/casefile_numbers.html").render(
        numbers=range(first, first + sum(counts))))
    cover_pages, back_pages = [], []
    if own.cover is not None:
        context = {"cover": own.cover, "total_pages": first - 1 + sum(counts), "draft": False}
        cover_pages = layout(environment.get_template("reports/casefile_cover.html").render(
            **context)).pages
        back_pages = layout(environment.get_template("reports/casefile_back.html").render(
            **context)).pages
    pages = [*cover_pages, *toc.pages]
    for i in sorted(documents):
        pages.extend(documents[i].pages)
    pages.extend(back_pages)
    pages.extend(numbers.pages)
    return (toc.copy(pages).write_pdf(), counts, len(toc.pages), len(cover_pages),
            len(back_pages))


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

"""A case file (调解卷宗): the documents of one dispute bound into one PDF.

A table of contents comes first; every page after it is stamped with its
number in the whole file, so a page can be cited as "卷宗第 37 页".
Attachments are merged as they are (scans, letters, other software's PDFs),
so the result is a plain PDF, not PDF/A.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from jinja2 import Environment
from pypdf import PdfReader, PdfWriter, Transformation

from reports.pdf import DEFAULT_TIMEOUT, render_pdf, template_environment


@dataclass(frozen=True, slots=True)
class Section:
    """One document of the case file: a title and a PDF, in memory or on disk.

    Files on disk are read page by page when the case file is written, so
    large scans need not be loaded into memory first.
    """

    title: str
    pdf: bytes | os.PathLike | str


@dataclass(frozen=True, slots=True)
class TocEntry:
    title: str
    pages: int
    first_page: int


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
    environment = environment or template_environment()
    counts = [len(_reader(section).pages) for section in sections]
    toc_pdf, toc_pages = _render_toc(environment, title, case_number, sections, counts, timeout)
    numbers = _render_numbers(
        environment, range(toc_pages + 1, toc_pages + sum(counts) + 1), timeout
    )

    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(toc_pdf)), import_outline=False)
    stamps = iter(numbers.pages)
    for section in sections:
        first = len(writer.pages)
        for page in _reader(section).pages:
            _stamp(writer.add_page(page), next(stamps))
        writer.add_outline_item(title=section.title, page_number=first)
    writer.add_metadata({"/Title": f"{case_number} {title}"})

    target = out if out is not None else BytesIO()
    writer.write(target)
    return None if out is not None else target.getvalue()


def _reader(section: Section) -> PdfReader:
    if isinstance(section.pdf, bytes):
        return PdfReader(BytesIO(section.pdf))
    return PdfReader(Path(section.pdf))


def _render_toc(environment, title, case_number, sections, counts, timeout) -> tuple[bytes, int]:
    # The contents' own length shifts every page number after it, so render
    # until the number of contents pages assumed is the number produced.
    template = environment.get_template("reports/casefile_toc.html")
    toc_pages = 1
    for _ in range(5):
        entries, first_page = [], toc_pages + 1
        for section, count in zip(sections, counts, strict=True):
            entries.append(TocEntry(section.title, count, first_page))
            first_page += count
        html = template.render(
            title=title,
            case_number=case_number,
            entries=entries,
            total_pages=first_page - 1,
            toc_pages=toc_pages,
            draft=False,
        )
        pdf = render_pdf(html, pdf_variant=None, timeout=timeout)
        produced = len(PdfReader(BytesIO(pdf)).pages)
        if produced == toc_pages:
            return pdf, toc_pages
        toc_pages = produced
    raise RuntimeError("the table of contents does not settle on a page count")


def _render_numbers(environment: Environment, numbers: range, timeout) -> PdfReader:
    html = environment.get_template("reports/casefile_numbers.html").render(numbers=numbers)
    return PdfReader(BytesIO(render_pdf(html, pdf_variant=None, timeout=timeout)))


def _stamp(page, stamp) -> None:
    # Scans are often stored rotated; turn the content instead so "bottom"
    # means the bottom as read. Then centre the A4 stamp on the page's width.
    page.transfer_rotation_to_content()
    box = page.mediabox
    offset_x = float(box.left) + (float(box.width) - float(stamp.mediabox.width)) / 2
    page.merge_transformed_page(stamp, Transformation().translate(offset_x, float(box.bottom)))

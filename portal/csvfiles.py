"""Reading uploaded CSV files: the encodings Chinese offices save in, and the refusal of a
file as a whole with every problem listed by line."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.errors import DomainError


@dataclass(frozen=True)
class RowError:
    """One problem in the file: the line it starts on (the header is line 1) and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return _("Line %(line)d: %(problem)s", line=self.line, problem=self.message)


class ImportRejected(DomainError):
    """The file was refused as a whole; `errors` lists every problem found in it."""

    def __init__(self, message: str, errors: list[RowError] | None = None):
        super().__init__(message, "file")
        self.errors = errors or []


def decode(data: bytes) -> str:
    """The text of a UTF-8 (with or without BOM) or GBK/GB18030 file; refuse anything else."""
    if not data.strip():
        raise ImportRejected(_("The file is empty."))
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRejected(_("This is an Excel workbook, not a CSV file. In Excel choose "
                               "“Save as” → “CSV UTF-8” and upload that file."))
    bom = data.startswith(b"\xef\xbb\xbf")
    encodings = ("utf-8-sig",) if bom else ("utf-8", "gb18030")
    failures = []
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            failures.append(error.start)
            continue
        control = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
        if control is None:
            return text
        failures.append(len(text[:control.start()].encode(encoding)))
    # The encoding that read further is the one the file most likely meant.
    line = data.count(b"\n", 0, max(failures)) + 1
    raise ImportRejected(_("The file is neither UTF-8 nor GBK text: line %(line)d holds bytes "
                           "that are not characters in either. Export the file again as CSV "
                           "in UTF-8 or GBK.", line=line))

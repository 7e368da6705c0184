"""CSV and XLSX downloads of tabular statistics.

Both formats are opened by people in Excel, so both guard against Excel's
habits: the CSV carries a UTF-8 byte-order mark (without it Excel reads
Chinese as mojibake) and neutralises text that Excel would run as a formula;
the XLSX stores text as text, numbers as numbers and dates as dates.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # openpyxl is slow to import: the functions that write XLSX import it
    from openpyxl.cell.cell import Cell as XlsxCell
    from openpyxl.worksheet.worksheet import Worksheet

Cell = str | int | float | Decimal | date | datetime | bool | None
SheetSpec = tuple[str, Sequence[str], Iterable[Sequence[Cell]]]

# OWASP's list of characters that make a spreadsheet treat a cell as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
_SHEET_NAME_MAX = 31
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_MIN_WIDTH, _MAX_WIDTH = 8, 60


class Sheet(NamedTuple):
    """One worksheet: its tab name, the header row and the data rows.

    Any plain ``(name, headers, rows)`` tuple works as well.
    """

    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def neutralise_formula(text: str) -> str:
    """Prefix an apostrophe to text that a spreadsheet would evaluate as a formula.

    Signed plain numbers such as ``-12.5`` are left alone: they are data, not code.
    """
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """A UTF-8 CSV with a byte-order mark and CRLF line ends, as Excel expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise_formula(str(h)) for h in headers])
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: Sequence[SheetSpec]) -> bytes:
    """An XLSX workbook with one worksheet per ``(name, headers, rows)``.

    Header rows are bold, frozen and filterable; columns are sized to their content.
    """
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for index, (name, headers, rows) in enumerate(sheets, start=1):
        title = unique_sheet_name(name, taken, fallback=f"Sheet{index}")
        taken.add(title.casefold())
        _fill_sheet(workbook.create_sheet(title), headers, rows)
    if not workbook.worksheets:
        workbook.create_sheet("Sheet1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_name(name: str, fallback: str = "Sheet1") -> str:
    """``name`` made acceptable to Excel as a tab name (31 characters, no \\ / ? * [ ] :)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cleaned = _SHEET_NAME_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", name))
    # Excel refuses names that begin or end with an apostrophe.
    cleaned = _truncate_utf16(cleaned.strip().strip("'"), _SHEET_NAME_MAX).strip().strip("'")
    return cleaned or fallback


def unique_sheet_name(name: str, taken: set[str], fallback: str = "Sheet1") -> str:
    """``sheet_name(name)``, suffixed with (2), (3)… if its casefold is in ``taken``.

    Excel compares tab names without case and reserves "History".
    """
    base = sheet_name(name, fallback)
    candidate, counter = base, 1
    while candidate.casefold() in taken or candidate.casefold() == "history":
        counter += 1
        suffix = f"({counter})"
        candidate = _truncate_utf16(base, _SHEET_NAME_MAX - len(suffix)) + suffix
    return candidate


def _truncate_utf16(text: str, limit: int) -> str:
    # Excel counts UTF-16 code units, so a character outside the BMP costs two.
    while len(text.encode("utf-16-le")) // 2 > limit:
        text = text[:-1]
    return text


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return _naive(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    return neutralise_formula(value)


def _naive(value: datetime) -> datetime:
    """Excel has no time zones: keep the wall-clock time the caller chose to show."""
    return value.replace(tzinfo=None)


def _fill_sheet(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    widths = [_display_width(str(h)) for h in headers]
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column)
        _set_text(cell, str(header))
        cell.font = bold
    row_number = 1
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            shown = _set_value(cell, value)
            if column > len(widths):
                widths.append(0)
            widths[column - 1] = max(widths[column - 1], _display_width(shown))
    for column, width in enumerate(widths, start=1):
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{row_number}"


def _set_value(cell: XlsxCell, value: Cell) -> str:
    """Writes ``value`` with its proper type; returns roughly how it will look."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        cell.value = _naive(value)
        cell.number_format = _DATETIME_FORMAT
        return "0000-00-00 00:00"
    if isinstance(value, date):
        cell.value = value
        cell.number_format = _DATE_FORMAT
        return "0000-00-00"
    if isinstance(value, bool | int | float | Decimal):
        cell.value = value
        return str(value)
    _set_text(cell, value)
    return value


def _set_text(cell: XlsxCell, text: str) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # openpyxl would store "=..." as a formula; forcing the string type keeps user text inert.
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"


def _display_width(text: str) -> int:
    """Width in Excel's character units, where a CJK character takes two."""
    longest = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)

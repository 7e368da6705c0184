"""Chinese resident ID numbers and phone numbers: validation and masking."""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def normalise_id(value: str) -> str:
    return value.strip().upper()


def check_digit(body: str) -> str:
    """The 18th character that completes the first 17 digits of an ID number (GB 11643)."""
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def id_number_problem(value: str, today: date | None = None) -> str | None:
    """Why an 18-digit resident ID number (GB 11643) is invalid, or None when it is valid."""
    value = normalise_id(value)
    if not _SHAPE.match(value):
        return "shape"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth_date"
    if born > (today or date.today()) or born.year < 1900:
        return "birth_date"
    if check_digit(value[:17]) != value[17]:
        return "check_digit"
    return None


def mask_id(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_address(value: str | None) -> str:
    """The place without the house: "建宁村3组12号" reads "建宁村*组**号"."""
    return "".join("*" if ch.isdigit() else ch for ch in value or "")

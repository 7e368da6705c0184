"""Form validators for Chinese phone numbers and IANA time zones."""

import re
from functools import cache
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms.validators import Length, ValidationError

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def is_phone(value: str) -> bool:
    return bool(MOBILE.match(value) or LANDLINE.match(value))


def phone(form, field) -> None:
    if field.data and not is_phone(field.data.strip()):
        raise ValidationError(
            _l("Enter an 11-digit mobile number (e.g. 13812345678) or a landline "
               "with area code (e.g. 0356-1234567).")
        )


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone(form, field) -> None:
    if field.data not in _zones():
        raise ValidationError(_l("Unknown time zone; use a name such as Asia/Shanghai."))


def length(max: int, min: int = -1) -> Length:  # noqa: A002 - mirrors WTForms' names
    """Length with a message in the user's language (WTForms' Chinese catalogue lacks it)."""
    if min > 0:
        return Length(min=min, max=max,
                      message=_l("Use between %(min)d and %(max)d characters."))
    return Length(max=max, message=_l("Use at most %(max)d characters."))

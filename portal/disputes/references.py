"""Reference numbers in the station's style, e.g. 南城矛〔2026〕0001号: per year, no gaps.

Each issuing body has its own prefix (`PORTAL_REFERENCE_PREFIX`) and so its own series.
A series' serials all have the width it started with (`PORTAL_REFERENCE_DIGITS` when its
first number of the year was issued, 4 by default): a body that registers more than
9,999 disputes a year sets 5 or 6 before the year begins, and a series that is full
refuses further numbers rather than printing one of another form.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from portal.disputes.models import ReferenceCounter
from portal.errors import DomainError
from portal.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def format_reference(prefix: str, year: int, serial: int, digits: int = 4) -> str:
    return f"{prefix}〔{year}〕{serial:0{digits}d}号"


@dataclass(frozen=True)
class Block:
    """Consecutive serials reserved in one go."""

    prefix: str
    year: int
    first: int
    count: int
    digits: int

    @property
    def last(self) -> int:
        return self.first + self.count - 1

    def reference(self, serial: int) -> str:
        return format_reference(self.prefix, self.year, serial, self.digits)


def reserve(year: int, count: int = 1, prefix: str | None = None) -> Block:
    """Reserve `count` serials for `year` in the caller's transaction, of the disputes'
    series or of another one's `prefix` (minutes, agreements).

    The counter row's update lock makes concurrent issuers wait for each other, and a
    rolled-back transaction gives its numbers back, so the sequence has neither gaps
    nor duplicates.
    """
    prefix = prefix or current_app.config["PORTAL_REFERENCE_PREFIX"]
    insert = _INSERTS[db.engine.dialect.name]
    table = ReferenceCounter.__table__
    connection = db.session.connection()
    connection.execute(
        insert(table).values(prefix=prefix, year=year, last=0,
                             digits=current_app.config["PORTAL_REFERENCE_DIGITS"])
        .on_conflict_do_nothing()
    )
    last, digits = connection.execute(
        sa.update(table)
        .where(table.c.prefix == prefix, table.c.year == year)
        .values(last=table.c.last + count)
        .returning(table.c.last, table.c.digits)
    ).one()
    if last >= 10 ** digits:
        raise DomainError(_(
            "The reference numbers %(prefix)s〔%(year)d〕 are used up: the series has "
            "%(digits)d digits. Ask an administrator to start a new series.",
            prefix=prefix, year=year, digits=digits))
    return Block(prefix, year, last - count + 1, count, digits)


def issue(year: int, count: int = 1) -> tuple[int, str]:
    """Reserve `count` serials for `year`; return the first and its reference."""
    block = reserve(year, count)
    return block.first, block.reference(block.first)


def next_number(prefix: str, year: int) -> int:
    """The next number of a document series such as 南城会纪, printed without padding."""
    return reserve(year, prefix=prefix).first

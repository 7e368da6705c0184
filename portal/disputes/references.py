"""Reference numbers in the station's style, e.g. 南城矛〔2026〕0001号: per year, no gaps.

Each issuing body has its own prefix (`PORTAL_REFERENCE_PREFIX`) and so its own series.
A series' serials all have the width it started with (`PORTAL_REFERENCE_DIGITS` when its
first number of the year was issued, 4 by default): a body that registers more than
9,999 disputes a year sets 5 or 6 before the year begins, and a series that is full
refuses further numbers rather than printing one of another form — until an administrator
opens a wider one (`open_series`, `portal references open`): its numbers go on from the
last one issued, so no number is given twice and the year stays without gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.audit.services import record
from portal.disputes.models import ReferenceCounter
from portal.errors import DomainError
from portal.extensions import db
from portal.upsert import upsert

# The widest serial a reference of the longest prefix still fits `Dispute.reference` with.
MAX_DIGITS = 8


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
    table = ReferenceCounter.__table__
    connection = db.session.connection()
    connection.execute(
        upsert(table).values(prefix=prefix, year=year, last=0,
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


@dataclass(frozen=True)
class Series:
    prefix: str
    year: int
    digits: int
    previous_digits: int | None  # None: the year had no series yet
    next_serial: int

    @property
    def next_reference(self) -> str:
        return format_reference(self.prefix, self.year, self.next_serial, self.digits)


def open_series(year: int, digits: int, prefix: str | None = None, actor=None) -> Series:
    """Give the series of `prefix` (the disputes' by default) in `year` serials of
    `digits` digits from its next number on, in the caller's transaction, audited.

    A series only ever widens: a narrower form could repeat a number already issued."""
    prefix = prefix or current_app.config["PORTAL_REFERENCE_PREFIX"]
    if not prefix.strip() or len(prefix) > ReferenceCounter.prefix.type.length:
        raise DomainError(_("A prefix has from 1 to %(most)d characters.",
                            most=ReferenceCounter.prefix.type.length), field="prefix")
    if not 1 <= year <= 9999:
        raise DomainError(_("Give the year as four digits."), field="year")
    if not 1 <= digits <= MAX_DIGITS:
        raise DomainError(_("A series has from 1 to %(most)d digits.", most=MAX_DIGITS),
                          field="digits")
    table = ReferenceCounter.__table__
    connection = db.session.connection()
    # The update lock: a number being issued meanwhile is counted before the width changes.
    locked = (sa.select(table.c.last, table.c.digits)
              .where(table.c.prefix == prefix, table.c.year == year).with_for_update())
    row = connection.execute(locked).first()
    if row is None and connection.execute(
            upsert(table)
            .values(prefix=prefix, year=year, last=0, digits=digits)
            .on_conflict_do_nothing()).rowcount:
        last, before = 0, None
    else:
        last, before = row or connection.execute(locked).one()
    if before is not None and digits <= before:
        raise DomainError(_(
            "The series %(prefix)s〔%(year)d〕 already has %(digits)d digits: a new series "
            "needs more.", prefix=prefix, year=year, digits=before), field="digits")
    connection.execute(sa.update(table)
                       .where(table.c.prefix == prefix, table.c.year == year)
                       .values(digits=digits))
    series = Series(prefix, year, digits, before, last + 1)
    record("reference_series.opened", summary=f"{prefix}〔{year}〕 → {series.next_reference}",
           changes={"prefix": prefix, "year": year, "digits": [before, digits],
                    "next_serial": series.next_serial}, actor=actor)
    return series

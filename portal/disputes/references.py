"""Reference numbers in the station's style, e.g. 南城矛〔2026〕0001号: per year, no gaps."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from portal.disputes.models import ReferenceCounter
from portal.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def format_reference(prefix: str, year: int, serial: int) -> str:
    return f"{prefix}〔{year}〕{serial:04d}号"


def issue(year: int, count: int = 1) -> tuple[int, str]:
    """Reserve `count` serials for `year` in the caller's transaction; return the first.

    The counter row's update lock makes concurrent issuers wait for each other, and a
    rolled-back transaction gives its numbers back, so the sequence has neither gaps
    nor duplicates.
    """
    prefix = current_app.config["PORTAL_REFERENCE_PREFIX"]
    first = reserve(prefix, year, count)
    return first, format_reference(prefix, year, first)


def reserve(prefix: str, year: int, count: int = 1) -> int:
    """The first of `count` new serials of the series `prefix` in `year` (see `issue`)."""
    insert = _INSERTS[db.engine.dialect.name]
    db.session.execute(
        insert(ReferenceCounter).values(prefix=prefix, year=year, last=0)
        .on_conflict_do_nothing()
    )
    last = db.session.execute(
        sa.update(ReferenceCounter)
        .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + count)
        .returning(ReferenceCounter.last)
    ).scalar_one()
    return last - count + 1

"""INSERT … ON CONFLICT, which SQLite and PostgreSQL both have, each as a construct of its
own dialect."""

from __future__ import annotations

from importlib import import_module

import sqlalchemy as sa


def upsert(table, dialect: str | None = None) -> sa.Insert:
    """An insert into `table` with ``on_conflict_do_nothing``/``on_conflict_do_update``, for
    `dialect` (a name) or else the portal's database."""
    if dialect is None:
        from portal.extensions import db

        dialect = db.engine.dialect.name
    # Only the dialect in use is imported: PostgreSQL's would cost a command on SQLite a
    # noticeable share of its start.
    name = "postgresql" if dialect == "postgresql" else "sqlite"
    return import_module(f"sqlalchemy.dialects.{name}").insert(table)

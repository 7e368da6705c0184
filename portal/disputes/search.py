"""Free-text search over disputes through an index on both databases.

Every dispute has one `dispute_search` row (reference, platform number, title and party
names in `head`, the description in `body`, lower-cased). Queries of three characters or
more use a trigram index: FTS5's trigram tokenizer on SQLite, pg_trgm's GIN operator class
on PostgreSQL. Neither can answer a shorter query — a two-character Chinese word such as
欠薪, or a surname — so `grams` also lists every distinct one- and two-character piece of
the text, indexed as whole tokens (FTS5 unicode61 on SQLite, a GIN index over the array on
PostgreSQL); for those queries that index names the rows exactly.

The writers keep the rows in step: an ORM flush that changes what a dispute is searched
by rewrites its row, and bulk writers call `refresh` themselves.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from portal.disputes.models import Dispute, DisputeSearch, Party
from portal.extensions import on_session
from portal.upsert import upsert

MAX_QUERY = 100
TRIGRAM = 3
SEARCHED = ("title", "reference", "external_ref", "description")
_CHUNK = 2_000
# The indexes the models cannot describe: made by the migration in SQL of their own.
_SQL_ONLY = re.compile(r"^(dispute_search_fts|dispute_grams_fts)(_\w+)?$"
                       r"|^ix_dispute_search_(head_trgm|body_trgm|grams)$")


def described_by_models(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's `include_name`: leave the search indexes out of model comparisons."""
    return not (name and _SQL_ONLY.match(name))
_RUNS = re.compile(r"\w+")
_TABLE = DisputeSearch.__table__


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def grams(text: str) -> str:
    """The distinct one- and two-character pieces of each run of letters and digits."""
    pieces = set()
    for run in _RUNS.findall(text):
        run = run.replace("_", "")
        pieces.update(run)
        pieces.update(run[i:i + 2] for i in range(len(run) - 1))
    return " ".join(sorted(pieces))


def document(title: str, reference: str, external_ref: str | None, description: str,
             party_names: Iterable[str]) -> dict:
    head = fold(" ".join([reference, external_ref or "", title, *party_names]))
    body = fold(description)
    return {"head": head, "body": body, "grams": grams(f"{head} {body}")}


def refresh(connection, ids: Iterable[int]) -> None:
    """Write the search rows of these disputes afresh from the register."""
    ids = sorted(set(ids))
    dialect = connection.dialect.name
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        names = defaultdict(list)
        for dispute_id, name in connection.execute(
                sa.select(Party.dispute_id, Party.name)
                .where(Party.dispute_id.in_(chunk)).order_by(Party.id)):
            names[dispute_id].append(name)
        rows = [{"dispute_id": row.id, **document(row.title, row.reference, row.external_ref,
                                                   row.description, names[row.id])}
                for row in connection.execute(
                    sa.select(Dispute.id, *(getattr(Dispute, c) for c in SEARCHED))
                    .where(Dispute.id.in_(chunk)))]
        if rows:
            statement = upsert(_TABLE, dialect)
            connection.execute(statement.on_conflict_do_update(
                index_elements=[_TABLE.c.dispute_id],
                set_={c: statement.excluded[c] for c in ("head", "body", "grams")}), rows)


def insert(connection, rows: list[dict]) -> None:
    """Add the search rows of new disputes, made with `document` by a bulk writer."""
    if rows:
        connection.execute(sa.insert(_TABLE), rows)


def rebuild_all(connection) -> None:
    ids = list(connection.execute(sa.select(Dispute.id)).scalars())
    refresh(connection, ids)


_PENDING = "search.disputes_to_refresh"


def init_app(app) -> None:
    """Keep the index in step with every flush of the application's session."""
    on_session("before_flush", _before_flush)
    on_session("after_flush_postexec", _after_flush)


def _before_flush(session: Session, context, instances) -> None:
    pending = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Party):
            pending.add(obj.dispute if obj.dispute is not None else obj.dispute_id)
        elif isinstance(obj, Dispute) and obj not in session.deleted and (
                obj in session.new or _changed(obj)):
            pending.add(obj)


def _changed(dispute: Dispute) -> bool:
    attrs = sa.inspect(dispute).attrs
    return any(attrs[name].history.has_changes() for name in (*SEARCHED, "parties"))


def _after_flush(session: Session, context) -> None:
    pending = session.info.pop(_PENDING, set())
    ids = {item.id if isinstance(item, Dispute) else item for item in pending}
    ids.discard(None)
    if ids:
        connection = session.connection()
        existing = set(connection.execute(
            sa.select(Dispute.id).where(Dispute.id.in_(sorted(ids)))).scalars())
        if existing:
            refresh(connection, existing)


# --- reading ------------------------------------------------------------------------------

def matches(q: str, dialect: str) -> sa.Subquery:
    """The disputes whose text contains `q` (any case), with a `score`: lower is better,
    matches in the reference, title or party names before those in the description."""
    q = fold(q)[:MAX_QUERY]
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    in_head = sa.case((_TABLE.c.head.like(pattern, escape="\\"), 0), else_=1)
    if len(q) >= TRIGRAM:
        if dialect == "sqlite":
            # bm25 ranks within the trigram index; the reference, title and names weigh most.
            phrase = '"' + q.replace('"', '""') + '"'
            return sa.select(
                sa.literal_column("rowid").label("dispute_id"),
                sa.literal_column("bm25(dispute_search_fts, 10.0, 1.0)").label("score"),
            ).select_from(sa.table("dispute_search_fts")).where(
                sa.text("dispute_search_fts MATCH :phrase").bindparams(phrase=phrase)
            ).subquery("matches")
        condition = sa.or_(_TABLE.c.head.like(pattern, escape="\\"),
                           _TABLE.c.body.like(pattern, escape="\\"))
    elif _RUNS.fullmatch(q) and "_" not in q:
        if dialect == "sqlite":
            condition = _TABLE.c.dispute_id.in_(
                sa.select(sa.literal_column("rowid")).select_from(sa.table("dispute_grams_fts"))
                .where(sa.text("dispute_grams_fts MATCH :gram")
                       .bindparams(gram='"' + q + '"')))
        else:
            from sqlalchemy.dialects import postgresql  # loaded already: the database's own

            condition = sa.func.string_to_array(
                _TABLE.c.grams, sa.literal_column("' '")).op("@>")(
                sa.cast(postgresql.array([q]), postgresql.ARRAY(sa.Text)))
    else:
        # One or two characters that are not letters or digits: no index holds them.
        condition = sa.or_(_TABLE.c.head.like(pattern, escape="\\"),
                           _TABLE.c.body.like(pattern, escape="\\"))
    return sa.select(_TABLE.c.dispute_id, in_head.label("score")).where(condition) \
        .subquery("matches")


def highlight(text: str | None, q: str) -> Markup:
    """`text` with every occurrence of `q` (any case) marked."""
    text = text or ""
    q = " ".join(q.split())
    if not q:
        return escape(text)
    parts = re.split(f"({re.escape(q)})", text, flags=re.IGNORECASE)
    return Markup("").join(Markup("<mark>{}</mark>").format(part) if i % 2 else escape(part)
                           for i, part in enumerate(parts))


def snippet(text: str | None, q: str, width: int = 60) -> Markup | None:
    """The part of `text` around the first occurrence of `q`, marked; None without one."""
    text = text or ""
    q = " ".join(q.split())
    found = text.casefold().find(q.casefold()) if q else -1
    if found < 0:
        return None
    start = max(0, found - width // 2)
    end = min(len(text), found + len(q) + width // 2)
    return Markup("{}{}{}").format("…" if start else "", highlight(text[start:end], q),
                                   "…" if end < len(text) else "")

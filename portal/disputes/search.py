"""Free-text search over disputes through an index on both databases.

Every dispute has one `dispute_search` row (reference, platform number, title and party
names in `head`, the description in `body`, lower-cased). Queries of three characters or
more use a trigram index: FTS5's trigram tokenizer on SQLite, pg_trgm's GIN operator class
on PostgreSQL. Neither can answer a shorter query — a two-character Chinese word such as
欠薪, or a surname — so `grams` also lists every distinct one- and two-character piece of
the text, indexed as whole tokens (FTS5 unicode61 on SQLite, a GIN index over the array on
PostgreSQL); for those queries that index names the rows exactly.

Matches in the head rank before matches in the description only, and the indexes say which
is which without reading the rows: the trigram index by its two columns, `grams` by a mark
on each piece, one for the head's and another for the description's that the head lacks.
Within each rank the list keeps its order (newest first), and asks each rank for only as
many rows as the page reaches.

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
from portal.extensions import db, on_session
from portal.upsert import upsert

MAX_QUERY = 100
TRIGRAM = 3
# Mark the pieces in `grams` as found in the head, or in the description only: private-use
# characters, never part of a word, that both indexes keep inside the token, so the index
# itself says where a piece was found.
HEAD, BODY = "\ue000", "\ue001"
# Matches from which an index walk in the list's order beats fetching every match (SQLite),
# and the orders of the list that an index of the register holds.
COMMON = 500
_INDEXED_ORDERS = {"reported_at", "due_on", "reference"}
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


def pieces(text: str) -> set[str]:
    """The distinct one- and two-character pieces of each run of letters and digits."""
    found = set()
    for run in _RUNS.findall(text):
        run = run.replace("_", "")
        found.update(run)
        found.update(run[i:i + 2] for i in range(len(run) - 1))
    return found


def grams(head: str, body: str) -> str:
    """The head's pieces marked as the head's, then the description's that the head lacks."""
    in_head = pieces(head)
    return " ".join([*(HEAD + p for p in sorted(in_head)),
                     *(BODY + p for p in sorted(pieces(body) - in_head))])


def document(title: str, reference: str, external_ref: str | None, description: str,
             party_names: Iterable[str]) -> dict:
    head = fold(" ".join([reference, external_ref or "", title, *party_names]))
    body = fold(description)
    return {"head": head, "body": body, "grams": grams(head, body)}


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

def _fts(table: str, query: str):
    return sa.select(sa.literal_column("rowid")).select_from(sa.table(table)).where(
        sa.text(f"{table} MATCH :query").bindparams(sa.bindparam("query", query, unique=True)))


def _sets(q: str, dialect: str) -> tuple:
    """The disputes containing `q`: (anywhere, in the head, only in the description),
    each a select of ids read from an index wherever one can answer."""
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    head_like = _TABLE.c.head.like(pattern, escape="\\")
    body_like = _TABLE.c.body.like(pattern, escape="\\")
    short_word = len(q) < TRIGRAM and _RUNS.fullmatch(q) and "_" not in q
    if dialect == "sqlite" and len(q) >= TRIGRAM:
        phrase = '"' + q.replace('"', '""') + '"'
        return (_fts("dispute_search_fts", phrase), _fts("dispute_search_fts", f"head : {phrase}"),
                _fts("dispute_search_fts", f"body : {phrase} NOT head : {phrase}"))
    if dialect == "sqlite" and short_word:
        head, body = f'"{HEAD}{q}"', f'"{BODY}{q}"'
        return (_fts("dispute_grams_fts", f"{head} OR {body}"), _fts("dispute_grams_fts", head),
                _fts("dispute_grams_fts", body))
    ids = sa.select(_TABLE.c.dispute_id)
    if short_word:
        from sqlalchemy.dialects import postgresql  # loaded already: the database's own

        def among(*tokens):
            return sa.func.string_to_array(_TABLE.c.grams, sa.literal_column("' '")).op("&&")(
                sa.cast(postgresql.array(tokens), postgresql.ARRAY(sa.Text)))

        return ids.where(among(HEAD + q, BODY + q)), ids.where(among(HEAD + q)), \
            ids.where(among(BODY + q))
    # pg_trgm answers three characters and more; for fewer that are not letters or digits
    # no index holds them, and the rows are read.
    return (ids.where(sa.or_(head_like, body_like)), ids.where(head_like),
            ids.where(body_like, ~head_like))


def _query(q: str) -> str:
    return fold(q)[:MAX_QUERY]


def matches(q: str, dialect: str) -> sa.Subquery:
    """The disputes whose text contains `q` (any case), with a `score`: 0 for a match in the
    reference, title or party names, 1 for one in the description only."""
    anywhere, in_head, _body = _sets(_query(q), dialect)
    return sa.select(_TABLE.c.dispute_id, sa.case(
        (_TABLE.c.dispute_id.in_(in_head), 0), else_=1).label("score")).where(
        _TABLE.c.dispute_id.in_(anywhere)).subquery("matches")


def counted(scope, filters: list, q: str, dialect: str) -> sa.Select:
    """The rows to count for the list: disputes in `scope` (what the viewer may see, a WHERE
    clause), meeting `filters`, that contain `q`. When every dispute is in scope and none
    is filtered out, every match is one, and the index alone counts them (no column read,
    so PostgreSQL need not visit the rows)."""
    anywhere = _sets(_query(q), dialect)[0]
    conditions = [*_narrowing(scope), *filters]
    if not conditions:
        return anywhere.with_only_columns(sa.literal(1), maintain_column_froms=True)
    # By key: PostgreSQL would otherwise walk the search rows in key order, reading every
    # row's pieces to find the matches, for want of knowing how costly that reading is.
    return sa.select(Dispute.id).where(*conditions, _looked_up(anywhere, dialect))


def first(scope, filters: list, q: str, dialect: str, order: list, depth: int,
          ranked: bool) -> sa.Subquery:
    """The first `depth` disputes in `scope` meeting `filters` that contain `q`, in `order` —
    after the matches in the head when `ranked` — as (dispute_id, score).

    Each part is its own statement in `order` with a limit, so the database can walk the
    index that holds the order and stop `depth` rows in, rather than sort every match: a
    common word matches thousands. Whether to walk depends on how many a part matches, and
    neither database can tell: SQLite never weighs the walk, and PostgreSQL takes the
    matches in the description only (the text's matches less the head's) for as common
    as the text's, then walks the whole register for none. So each part's matches are
    counted in the index first, up to `COMMON`: a rare part is looked up match by match
    and sorted, a common one left to PostgreSQL's planner or, on SQLite, written so that
    only the order's index can serve it — the viewer's scope then checked row by row along
    the walk, not gathered by its own indexes (a grid worker's reports and villages can be
    half the register). The filters are the viewer's own narrowing, left to the planner.
    """
    anywhere, in_head, body_only = _sets(_query(q), dialect)
    parts = [(0, in_head), (1, body_only)] if ranked else [(0, anywhere)]
    walkable = getattr(order[0], "element", order[0]).key in _INDEXED_ORDERS
    common = _common([ids for _score, ids in parts]) if walkable else [False] * len(parts)
    tops = []
    for (score, ids), walk in zip(parts, common, strict=True):
        if not walk:
            where = [*_narrowing(scope), _looked_up(ids, dialect)]
        elif dialect == "sqlite":
            # Expressions rather than columns: no index serves them, so the order's does.
            where = [*(c.is_(True) for c in _narrowing(scope)), (Dispute.id + 0).in_(ids)]
        else:
            where = [*_narrowing(scope), Dispute.id.in_(ids)]
        tops.append(sa.select(Dispute.id.label("dispute_id"), sa.literal(score).label("score"))
                    .where(*where, *filters).order_by(*order).limit(depth).subquery())
    return sa.union_all(*(sa.select(top.c.dispute_id, top.c.score) for top in tops)) \
        .subquery("matches")


def _looked_up(ids, dialect: str):
    """Disputes among `ids`, found by their primary key (PostgreSQL: from an array, which
    its planner cannot mistake for a set to walk)."""
    if dialect == "sqlite":
        return Dispute.id.in_(ids)
    return Dispute.id == sa.any_(sa.func.array(ids.scalar_subquery()))


def _narrowing(scope) -> list:
    return [] if scope is sa.true() else [scope]


def _common(sets: list) -> list[bool]:
    """Whether each set of ids holds at least `COMMON`, in one statement."""
    counts = db.session.execute(sa.select(*(
        sa.select(sa.func.count()).select_from(ids.limit(COMMON).subquery()).scalar_subquery()
        for ids in sets))).one()
    return [found >= COMMON for found in counts]


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

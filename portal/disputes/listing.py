"""The dispute list's pages: counted and skipped only as far as a person reads.

Past `DEEPEST` rows an offset makes the database walk every row before the page, and a
count walks them all; both stop there instead, and the page says to narrow the filter.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from portal.disputes.models import Dispute
from portal.extensions import db

DEEPEST = 5_000


class BoundedPage(SelectPagination):
    """A page of at most `DEEPEST` counted rows; `capped` when there are more."""

    def _query_count(self) -> int:
        ids = self._query_args["counted"]
        if ids is None:
            ids = self._query_args["select"].with_only_columns(Dispute.id).order_by(None)
        sub = ids.limit(DEEPEST + 1).subquery()
        found = db.session.execute(sa.select(sa.func.count()).select_from(sub)).scalar()
        self.capped = found > DEEPEST
        return min(found, DEEPEST)


def _wanted() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def _pages() -> tuple[int, int]:
    size = current_app.config["PORTAL_PAGE_SIZE"]
    return size, -(-DEEPEST // size)


def depth() -> int:
    """How many rows in order the requested page reaches to."""
    size, last = _pages()
    return min(_wanted(), last) * size


def page_of(statement, counted=None) -> BoundedPage:
    """The requested page of `statement`; `counted`, when given, selects the rows to count
    (the page's statement may hold only the rows up to the page)."""
    size, last = _pages()
    wanted = _wanted()
    page = BoundedPage(select=statement, counted=counted, session=db.session,
                       page=min(wanted, last), per_page=size, max_per_page=None,
                       error_out=False, count=True)
    page.beyond = wanted > last
    return page

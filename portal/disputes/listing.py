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
        select = self._query_args["select"]
        sub = (select.with_only_columns(Dispute.id).order_by(None)
               .limit(DEEPEST + 1).subquery())
        found = db.session.execute(sa.select(sa.func.count()).select_from(sub)).scalar()
        self.capped = found > DEEPEST
        return min(found, DEEPEST)


def page_of(statement) -> BoundedPage:
    size = current_app.config["PORTAL_PAGE_SIZE"]
    try:
        wanted = max(1, int(request.args.get("page", 1)))
    except ValueError:
        wanted = 1
    last = -(-DEEPEST // size)
    page = BoundedPage(select=statement, session=db.session, page=min(wanted, last),
                       per_page=size, max_per_page=None, error_out=False, count=True)
    page.beyond = wanted > last
    return page

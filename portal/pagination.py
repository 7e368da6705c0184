"""Page-number pagination over a select() statement."""

from flask import current_app, request

from portal.bounds import page_number
from portal.extensions import db


def paginate(statement):
    page = page_number(request.args.get("page"))
    return db.paginate(statement, page=page, per_page=current_app.config["PORTAL_PAGE_SIZE"],
                       error_out=False)

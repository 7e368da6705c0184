"""Page-number pagination over a select() statement."""

from flask import current_app, request

from portal.extensions import db


def paginate(statement):
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    return db.paginate(statement, page=page, per_page=current_app.config["PORTAL_PAGE_SIZE"],
                       error_out=False)

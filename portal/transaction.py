"""One unit of work per web request, command and job.

Services only flush: they add, change and audit inside the transaction they are given, and
one service may call another without either committing half of the work. The boundary is
here: a request commits once when its view answered with a status below 400 and rolls back
otherwise (an error page, a refused form, an exception); a command of `portal` commits when
it ends well (`unit_of_work`); the job runner commits each job (portal.jobs.queue).

The response is built before the commit, so nothing it shows is read from objects that
the commit expires.
"""

from __future__ import annotations

import urllib.parse

import click
import sqlalchemy as sa
from flask import Flask, current_app, flash, redirect, request, session, url_for

from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.redirects import local_path

UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError)


def init_app(app: Flask) -> None:
    sa.event.listen(db.session, "after_flush", _note_flush)
    sa.event.listen(db.session, "after_commit", _forget_flush)
    sa.event.listen(db.session, "after_rollback", _forget_flush)


def init_pages(app: Flask) -> None:
    # Registered after every other hook, so it runs first of them (Flask runs them last
    # registered first) and the page that replaces a failed commit gets their headers too.
    app.after_request(_end_request)
    app.register_error_handler(DomainError, _refused)


def _end_request(response):
    if response.status_code >= 400:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except UNAVAILABLE as error:
        from portal.main.views import plain_error_page

        current_app.logger.error("commit failed, nothing was saved: %s", error)
        session.pop("_flashes", None)  # "saved" would greet the user on the next page
        return plain_error_page(503)
    return response


def _refused(error: DomainError):
    """A service refused what a page asked: nothing it began is kept, the page the form
    was on shows why. Views that show the message by a field, with the input kept, catch
    the error themselves."""
    db.session.rollback()
    if isinstance(error, NotAllowed):
        from portal.main.views import forbidden_page

        return forbidden_page()
    flash(error.message, "danger")
    return redirect(back())


def back() -> str:
    """The page on this site the request came from, else the dashboard."""
    referrer = urllib.parse.urlsplit(request.referrer or "")
    if referrer.netloc == request.host:
        path = local_path(urllib.parse.urlunsplit(("", "", referrer.path, referrer.query, "")))
        if path:
            return path
    return url_for("main.dashboard")


def written() -> bool:
    """Whether the open transaction holds writes, flushed or not."""
    current = db.session()
    return bool(current.new or current.dirty or current.deleted
                or current.info.get("flushed"))


def _note_flush(current, flush_context) -> None:
    current.info["flushed"] = True


def _forget_flush(current) -> None:
    current.info.pop("flushed", None)


def run_as_unit(command, *args, **kwargs):
    """Run a `portal` command as one unit of work: committed once when it ends well,
    rolled back when it fails."""
    try:
        result = command(*args, **kwargs)
    except BaseException:
        db.session.rollback()
        raise
    try:
        db.session.commit()
    except UNAVAILABLE as error:
        raise click.ClickException(
            f"Nothing was saved: the database failed at the end ({error}).") from None
    return result

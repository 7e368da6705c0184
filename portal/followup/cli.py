"""`portal followup tick`: reminders, escalations and waiting case files."""

from __future__ import annotations

import time
from datetime import datetime

import click
from flask.cli import with_appcontext


@click.group()
def followup():
    """Follow-up of agreements and tasks."""


@followup.command("tick")
@click.option("--once", is_flag=True, help="Run once and exit.")
@click.option("--interval", type=click.FloatRange(min=1), default=300, show_default=True,
              help="Seconds between runs.")
@click.option("--now", "now_text", default=None, metavar="ISO-DATETIME",
              help="Pretend it is this instant (with a time zone), for trying reminders out.")
@with_appcontext
def tick(once, interval, now_text):
    """Send due follow-up reminders once each and build waiting case files."""
    from portal.extensions import db
    from portal.followup import casefile, reminders

    now = datetime.fromisoformat(now_text) if now_text else None
    if now is not None and now.tzinfo is None:
        raise click.BadParameter("give the time zone, e.g. 2026-12-01T09:00+08:00")
    while True:
        sent = reminders.tick(now)
        built = casefile.build_queued()
        click.echo(f"Follow-up: {sent}, case files built: {built}.")
        db.session.remove()
        if once:
            return
        time.sleep(interval)

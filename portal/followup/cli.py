"""`portal followup tick`: the scheduler's tick, under the name cron entries may still use."""

from __future__ import annotations

import click


@click.group()
def followup():
    """Follow-up of agreements and tasks."""


@followup.command("tick")
@click.option("--once", is_flag=True, help="Run one tick and exit.")
@click.option("--now", "now", default=None, metavar="ISO",
              help="Pretend it is this instant (ISO 8601 with offset).")
@click.option("--interval", type=click.IntRange(min=1), default=60, show_default=True,
              help="Seconds between ticks.")
@click.pass_context
def tick(ctx, once, now, interval):
    """The same as `portal scheduler`: its tick sends the follow-up reminders and builds
    waiting case files along with every other reminder."""
    from portal.cli import scheduler

    ctx.invoke(scheduler, once=once, now=now, interval=interval)

"""The `portal` command: Flask's own commands (run, routes, db ...) plus the portal's."""

import functools
import gc
import sys
import time

import click
from flask.cli import FlaskGroup, with_appcontext

# Flask's own commands that serve or list the pages get them at once; the portal's commands
# add them only if they render or link something (``web.PortalApp``).
_SERVING = {"run", "routes"}


def _create_app():
    from portal import create_app

    context = click.get_current_context(silent=True)
    command = context.meta.get("portal.command") if context else None
    app = create_app(pages=command is None or command in _SERVING)
    if not gc.isenabled():  # see run()
        from sqlalchemy.orm import configure_mappers

        configure_mappers()  # as long-lived as the models; else done by the first query
        gc.freeze()
        gc.enable()
    return app


class PortalGroup(FlaskGroup):
    """Finds the portal's own commands without building the application, so ``portal
    --help`` starts fast; a command builds it when it runs (``with_appcontext``). Commands
    only an extension adds still load the application."""

    # Flask-Migrate's group imports Alembic (and SQLAlchemy): the help listing shows this
    # stand-in, and only running `portal db ...` imports the real one.
    _db_summary = click.Command("db", help="Perform database migrations.")

    def resolve_command(self, ctx, args):
        ctx.meta["portal.running"] = True
        name, command, rest = super().resolve_command(ctx, args)
        ctx.meta["portal.command"] = name
        return name, command, rest

    def get_command(self, ctx, name):
        if name == "db":
            if not ctx.meta.get("portal.running"):
                return self._db_summary
            from flask_migrate.cli import db

            return db
        own = {command.name: command for command in _commands()}.get(name)
        return own if own is not None else super().get_command(ctx, name)

    def list_commands(self, ctx):
        self._load_plugin_commands()
        names = {command.name for command in _commands()}
        return sorted(set(click.Group.list_commands(self, ctx)) | names | {"db"})


def unit_of_work(command):
    """A command in an application context that commits once, when it ends well (see
    portal.transaction)."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from portal.transaction import run_as_unit

        return run_as_unit(command, *args, **kwargs)

    return with_appcontext(run)


@click.group(cls=PortalGroup, create_app=_create_app)
def main():
    """Case-conference portal management."""


def run() -> None:
    """The ``portal`` console script."""
    # Building the app makes tens of thousands of objects that live as long as the process
    # (models, mappers, the URL map); collecting garbage meanwhile only delays the start.
    # Collection resumes, with those objects frozen out of it, once the app is built.
    gc.disable()
    main()


def _commands() -> tuple[click.Command, ...]:
    return (seed_demo, import_disputes, audit, doctor, create_admin, keys, outbox, scheduler,
            worker, webhooks, followup, statistics, references)


def register_commands(app) -> None:
    for command in _commands():
        app.cli.add_command(command)


class Progress:
    """Staged lines with the time since the command started, on a terminal only: cron jobs
    and pipes get just the result lines."""

    def __init__(self) -> None:
        self.shown = sys.stdout.isatty()
        self.started = time.perf_counter()

    def __call__(self, text: str) -> None:
        if self.shown:
            click.echo(f"  [{time.perf_counter() - self.started:6.1f} s] {text}")


@click.command("seed-demo")
@click.option("--disputes", "disputes", type=click.IntRange(min=1), default=None, metavar="N",
              help="Also add N generated disputes from the last year. Not idempotent: "
                   "every run with this option adds N more.")
@click.option("--seed", type=int, default=None, help="Random seed for --disputes.")
@unit_of_work
def seed_demo(disputes, seed):
    """Create the Nancheng demo organisations, villages, rooms and accounts (idempotent).

    With --disputes N, also add N generated disputes on every run.
    """
    from flask import current_app

    from portal import demo

    if not current_app.config["PORTAL_DEMO"]:
        raise click.ClickException("Demo data is only for demo mode: set PORTAL_DEMO=1.")
    progress = Progress()
    summary = demo.seed(progress)
    from portal.extensions import db
    from portal.jobs import queue

    db.session.commit()  # the seed is one unit; then each document job is its own

    progress("Sealing the demo's issued documents")
    ran = queue.work_due()
    click.echo(f"Demo data ready: {summary}; {ran} document job(s) run")
    if disputes:
        from portal.demo.generator import generate_disputes
        from portal.errors import DomainError

        started = time.perf_counter()
        progress(f"Generating {disputes} disputes …")
        try:
            result = generate_disputes(disputes, seed=seed, progress=lambda done: progress(
                f"{done} of {disputes} disputes written"))
        except DomainError as error:
            raise click.ClickException(error.message) from None
        ranges = ", ".join(f"{first} – {last}" for first, last in result.references.values())
        click.echo(f"Added {result.count} disputes ({ranges}), {result.parties} parties and "
                   f"{result.events} timeline events in {time.perf_counter() - started:.1f} s.")
        from portal.statistics import upkeep

        progress("Building the statistics summaries …")
        upkeep.ensure_built()
        progress("Statistics summaries built")
    click.echo(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
    for username, name, role in demo.account_list():
        click.echo(f"  {username:<14} {role:<28} {name}")


@click.command("import-disputes")
@click.argument("file", type=click.File("rb"))
@click.option("--as", "username", required=True,
              help="The account the disputes are imported as (it needs the import right).")
@unit_of_work
def import_disputes(file, username):
    """Import disputes from a city-platform CSV export: all rows or none."""
    import sqlalchemy as sa

    from portal.disputes.importer import ImportRejected, import_csv
    from portal.errors import DomainError
    from portal.extensions import db
    from portal.orgs.models import User

    actor = db.session.scalar(sa.select(User).where(User.username == username, User.active))
    if actor is None:
        raise click.ClickException(f"No active account named {username!r}.")
    progress = Progress()
    data = file.read()
    progress(f"Read {len(data)} bytes; checking every row and importing …")
    try:
        result = import_csv(actor, data)
    except ImportRejected as rejected:
        for error in rejected.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(rejected.message) from None
    except DomainError as error:
        raise click.ClickException(error.message) from None
    progress(f"{result.count} disputes registered")
    click.echo(f"Imported {result.count} disputes: {result.first_reference} – "
               f"{result.last_reference}.")


@click.group()
def audit():
    """The audit log."""


@audit.command("verify")
@unit_of_work
def audit_verify():
    """Check the hash chain and report the first broken link."""
    from portal.audit.services import verify_chain

    report = verify_chain()
    if report.intact:
        click.echo(f"Audit chain intact: {report.checked} events verified.")
        return
    click.echo(f"Audit chain BROKEN at event #{report.broken_seq}: {report.reason} "
               f"({report.checked} events verified before it).", err=True)
    sys.exit(1)


@click.command()
@unit_of_work
def doctor():
    """Check the database, migrations, fonts and mail settings, and say what to fix."""
    from portal.doctor import run_checks

    problems = 0
    for check in run_checks():
        mark = "ok  " if check.ok else "FAIL"
        click.echo(f"[{mark}] {check.name}: {check.detail}")
        if not check.ok:
            problems += 1
            click.echo(f"       fix: {check.fix}")
    sys.exit(1 if problems else 0)


@click.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--full-name", prompt=True)
@click.option("--organisation", prompt=True, help="Name of an existing or new organisation.")
@click.password_option()
@unit_of_work
def create_admin(username, full_name, organisation, password):
    """Create the first system administrator of a production deployment."""
    from portal.orgs.bootstrap import create_first_admin

    try:
        create_first_admin(username, full_name, organisation, password)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Administrator {username} created; they must change the password at first login.")


@click.group()
def outbox():
    """The mail outbox."""


@outbox.command("send")
@click.option("--once", is_flag=True, help="Send what is due now and exit.")
@click.option("--interval", type=click.FloatRange(min=1), default=30, show_default=True,
              help="Seconds between runs.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="Most messages per run.")
@with_appcontext
def outbox_send(once, interval, limit):
    """Deliver due outbox mail to the SMTP relay; with --once a single run, else forever."""
    from portal.notifications.outbox import send_due

    _deliver("Outbox", "Sending outbox mail", send_due, once, interval, limit)


def _deliver(label: str, doing: str, send_due, once: bool, interval: float, limit: int) -> None:
    """The body of a delivery worker command: one run with --once, else forever."""
    from portal.notifications.outbox import run_forever

    if once:
        report = send_due(limit=limit)
        click.echo(f"{label}: {report}.")
        for error in report.errors:
            click.echo(f"  {error}", err=True)
        return
    click.echo(f"{doing} every {interval:g} s (Ctrl+C to stop).")
    run_forever(interval, limit, echo=lambda line: click.echo(f"{label}: {line}."),
                send=send_due)


@click.group()
def keys():
    """The seal that signs issued minutes."""


@keys.command("init")
@click.option("--organisation", default=None, help="Name in the certificates.")
@unit_of_work
def keys_init(organisation):
    """Create a local root CA, issuing CA and seal certificate (kept if they exist)."""
    from flask import current_app

    from portal.minutes.sealing import init_local

    directory = init_local(organisation or current_app.config["PORTAL_MINUTES_ISSUER"])
    click.echo(f"Seal keys and certificates in {directory}")


@click.group()
def statistics():
    """Statistics and the monthly reports."""


@statistics.command("monthly")
@click.option("--month", default=None, metavar="YYYY-MM",
              help="The month to report on; by default the previous month, once the first "
                   "working day of this month has come.")
@unit_of_work
def statistics_monthly(month):
    """Make the monthly report unless it exists (safe to run daily from cron, or twice)."""
    import re

    from portal.statistics import services

    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise click.ClickException("Give the month as YYYY-MM.")
    report = services.generate_monthly_report(month) if month else services.run_due()
    if report is None:
        click.echo("No report is due yet: it is made from the first working day of a month.")
    else:
        click.echo(f"Monthly report {report.month}: {report.size} bytes, sha256 {report.sha256}.")


@statistics.command("rebuild")
@unit_of_work
def statistics_rebuild():
    """Build the dashboard's summaries afresh from the registers, a few thousand disputes
    per short transaction (registrations go on meanwhile); the scheduler does this by
    itself whenever they may have fallen behind, e.g. after a bulk import."""
    from portal.statistics import upkeep

    started = time.perf_counter()
    progress = Progress()
    progress("Counting disputes, invitations and conferences in the registers …")
    if not upkeep.rebuild(progress):
        raise click.ClickException("The registers kept being changed in bulk during the "
                                   "rebuild; the scheduler's next tick tries again.")
    click.echo(f"Statistics summaries rebuilt in {time.perf_counter() - started:.1f} s.")


@click.group()
def references():
    """The reference number series (南城矛〔2026〕0001号)."""


@references.command("open")
@click.argument("year", type=int)
@click.option("--digits", type=int, required=True, help="Digits of the new series' serials.")
@click.option("--prefix", default=None,
              help="The issuing body's prefix (default: PORTAL_REFERENCE_PREFIX).")
@unit_of_work
def references_open(year, digits, prefix):
    """Open a wider series for YEAR: a full one goes on from its last number, and a year
    not begun yet starts with this width (audited)."""
    from portal.disputes.references import open_series
    from portal.errors import DomainError

    try:
        series = open_series(year, digits, prefix)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if series.previous_digits is None:
        click.echo(f"Series {series.prefix}〔{year}〕 opened with {digits} digits: "
                   f"its first number will be {series.next_reference}.")
    else:
        click.echo(f"Series {series.prefix}〔{year}〕 widened from {series.previous_digits} "
                   f"to {digits} digits: the next number is {series.next_reference}.")


@click.group()
def webhooks():
    """Webhook deliveries to the API clients."""


@webhooks.command("send")
@click.option("--once", is_flag=True, help="Deliver what is due now and exit.")
@click.option("--interval", type=click.FloatRange(min=1), default=10, show_default=True,
              help="Seconds between runs.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="Most delivery attempts per run.")
@with_appcontext
def webhooks_send(once, interval, limit):
    """Deliver due webhook events, in order per conference, with retries and back-off."""
    from portal.api.webhooks import send_due

    _deliver("Webhooks", "Delivering webhooks", send_due, once, interval, limit)


@click.command()
@click.option("--once", is_flag=True, help="Run one tick and exit.")
@click.option("--now", "now", default=None, envvar="PORTAL_SCHEDULER_NOW", metavar="ISO",
              help="Pretend it is this instant (ISO 8601 with offset), for tests and "
                   "rehearsals; also PORTAL_SCHEDULER_NOW.")
@click.option("--interval", type=click.IntRange(min=1), default=60, show_default=True,
              help="Seconds between ticks.")
@with_appcontext
def scheduler(once, now, interval):
    """Send due reminders: every INTERVAL seconds, or one tick with --once.

    Run exactly as many as you like: the database decides who sends what, so each
    reminder goes out once (see portal/scheduler/tick.py)."""
    from datetime import datetime

    from flask import current_app

    from portal.scheduler.tick import run_tick
    from scheduling.runner import build_scheduler, run_once, utc_now

    clock = utc_now
    if now is not None:
        fixed = datetime.fromisoformat(now)
        if fixed.tzinfo is None:
            raise click.BadParameter("give the offset, e.g. 2026-12-01T09:00:00+08:00")
        clock = lambda: fixed  # noqa: E731
    app = current_app._get_current_object()
    if once:
        sent = []
        at = run_once(lambda instant: sent.append(run_tick(app, instant)), clock)
        click.echo(f"Scheduler tick at {at.isoformat()}: {sent[0]} reminders sent.")
        return
    click.echo(f"Scheduler ticking every {interval} s (Ctrl+C to stop).")
    build_scheduler(lambda instant: run_tick(app, instant), clock=clock,
                    interval_seconds=interval, blocking=True).start()


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
def followup_tick(ctx, once, now, interval):
    """The same as `portal scheduler`, under the name cron entries may still use: its tick
    sends the follow-up reminders along with every other reminder."""
    ctx.invoke(scheduler, once=once, now=now, interval=interval)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then stop.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="Seconds to wait when no job is due.")
@with_appcontext
def worker(once, interval):
    """Run background jobs: render and seal documents, build case files, make reports.

    Run as many as you like, on as many machines as share the database: each job is
    claimed with a lease, so no two workers run it at once (see portal/jobs)."""
    from flask import current_app

    from portal.jobs import queue
    from portal.jobs.worker import run_forever

    if once:
        click.echo(f"{queue.work_due()} job(s) run.")
        return
    click.echo(f"Worker waiting for jobs every {interval:g} s (Ctrl+C to stop).")
    try:
        run_forever(current_app._get_current_object(), interval, echo=click.echo)
    except KeyboardInterrupt:
        click.echo("Worker stopped.")

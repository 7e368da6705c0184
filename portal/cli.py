"""The `portal` command: Flask's own commands (run, routes, db ...) plus the portal's."""

import sys

import click
from flask.cli import FlaskGroup, with_appcontext


def _create_app():
    from portal import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main():
    """Case-conference portal management."""


def register_commands(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(audit)
    app.cli.add_command(doctor)
    app.cli.add_command(create_admin)


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the Nancheng demo organisations, villages, rooms and accounts (idempotent)."""
    from flask import current_app

    from portal import demo

    if not current_app.config["PORTAL_DEMO"]:
        raise click.ClickException("Demo data is only for demo mode: set PORTAL_DEMO=1.")
    summary = demo.seed()
    click.echo(f"Demo data ready: {summary}")
    click.echo(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
    for username, name, role in demo.account_list():
        click.echo(f"  {username:<14} {role:<28} {name}")


@click.group()
def audit():
    """The audit log."""


@audit.command("verify")
@with_appcontext
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
@with_appcontext
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
@with_appcontext
def create_admin(username, full_name, organisation, password):
    """Create the first system administrator of a production deployment."""
    from portal.orgs.bootstrap import create_first_admin

    try:
        create_first_admin(username, full_name, organisation, password)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Administrator {username} created; they must change the password at first login.")

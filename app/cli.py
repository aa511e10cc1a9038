"""`flask …` commands: accounts, content, serving, backups (the search index's and the API
tokens' commands are in indexer/cli.py and cli_tokens.py)."""
from __future__ import annotations

import subprocess  # nosec B404  # only `flask serve`: our own gunicorn
import sys
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app import serving
from app.cli_tokens import token_cli
from app.database import refresh_planner_statistics
from app.indexer.cli import search_cli, stop_on_signals
from app.models import SiteRole
from app.services.exchange import backup
from app.services.exchange.content_export import ExportFailed, export_content
from app.services.exchange.content_import import ContentInvalid, import_content
from app.services.exchange.export_folder import MANIFEST
from app.services.people import users
from app.services.people.accounts import create_user, find_user
from app.services.validation import ValidationFailed

user_cli = AppGroup("user", help="Manage local accounts.")
content_cli = AppGroup("content", help="Import and export content folders.")


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name, shown on the site.")
@click.option("--role", "site_role", type=click.Choice([r.value for r in SiteRole]),
              default=SiteRole.PARTICIPANT.value, show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for (twice, not echoed) when left out.")
@click.option("--group", "groups", multiple=True, help="Slug of a learning group; repeatable.")
def create_user_command(email, name, site_role, password, groups):
    """Create an account that can sign in at /inloggen."""
    try:
        user = create_user(email, name, password, site_role, list(groups), actor_email=CLI)
    except ValidationFailed as failure:
        raise _explained(failure, email) from None
    click.echo(f"created {user.site_role} {user.email} (id {user.id})")


CLI = "cli"  # the actor the audit log names for changes made here


def _explained(failure: ValidationFailed, email: str) -> click.ClickException:
    if any(error.code == "last_admin" for error in failure.errors.values()):
        return click.ClickException(f"refused: {email} is the last active admin; make another "
                                    "account admin first")
    return click.ClickException(
        "; ".join(f"{field} {error}" for field, error in failure.errors.items()))


def _change(email: str, change, *args) -> None:
    """Find the account, apply one users.* change, say what happened."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account with e-mail address {email!r}")
    try:
        done = change(None, user, *args, actor_email=CLI)
    except ValidationFailed as failure:
        raise _explained(failure, user.email) from None
    click.echo(f"{user.email}: {', '.join(done) if done else 'nothing changed'}")


@user_cli.command("list")
@click.option("--role", "site_role", type=click.Choice(list(users.ROLES)),
              help="Only accounts with this site role.")
def list_users_command(site_role):
    """Every account: e-mail, name, role, active, groups, last sign-in (UTC)."""
    rows = [("EMAIL", "NAME", "ROLE", "ACTIVE", "GROUPS", "LAST SIGN-IN")] + [
        (user.email, user.name, user.site_role, "yes" if user.active else "no",
         ",".join(group.slug for group in user.groups) or "-",
         f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never")
        for user in users.list_users(role=site_role or "")]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                   .rstrip())


@user_cli.command("set-role")
@click.argument("email")
@click.argument("site_role", metavar="ROLE", type=click.Choice(list(users.ROLES)))
def set_role_command(email, site_role):
    """Make an account participant, editor or admin."""
    _change(email, users.set_role, site_role)


@user_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email):
    """Stop an account from signing in; its cases, reflections and log entries stay."""
    _change(email, users.deactivate)


@user_cli.command("activate")
@click.argument("email")
def activate_command(email):
    """Let a deactivated account sign in again."""
    _change(email, users.activate)


@user_cli.command("set-groups")
@click.argument("email")
@click.option("--group", "groups", multiple=True, help="Slug of a learning group; repeatable.")
@click.option("--none", "no_groups", is_flag=True, help="Remove every membership.")
def set_groups_command(email, groups, no_groups):
    """Make an account a member of exactly these learning groups."""
    if bool(groups) == no_groups:
        raise click.UsageError("give either --group SLUG (repeatable) or --none")
    _change(email, users.set_groups, list(groups))


@content_cli.command("import")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def import_command(directory):
    """Import DIRECTORY (default: CONTENT_DIR); all or nothing, unchanged files skipped
    (a glossary entry with a problem is left out with a warning; the rest goes on)."""
    try:
        report = import_content(directory or current_app.config["CONTENT_DIR"])
    except ContentInvalid as invalid:
        for problem in invalid.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(
            f"{len(invalid.problems)} problem(s); nothing was imported") from None
    refresh_planner_statistics()
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.summary() if report.changed else f"nothing changed ({report.summary()})")


@content_cli.command("export", help=f"""Write the library to DIRECTORY as a content folder
that `flask content import` reads: taxonomy, synonyms, glossary, roles, groups and every
published case and reflection, with author, visibility and dates. Unpublished items are
never written, private ones only with --include-private.

DIRECTORY must be new, empty, or an earlier export in which nothing was added or changed
(its {MANIFEST} lists every file); an earlier export is replaced, and only the files it
lists are deleted. Anything else is refused and left alone. Files are written into
DIRECTORY.partial-* first and moved into place at the end, so an interrupted export leaves
that folder and DIRECTORY as it was.""")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--include-private", is_flag=True,
              help="Also write private items, which only their authors may read.")
def export_command(directory, include_private):
    try:
        report = export_content(directory, include_private=include_private)
    except ExportFailed as failed:
        for problem in failed.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(f"{len(failed.problems)} problem(s); nothing was exported"
                                   ) from None
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.summary())


@click.command("serve")
@click.option("--bind", help="host:port (default: SERVE_BIND).")
@click.option("--workers", type=int, help="gunicorn workers (default: SERVE_WORKERS).")
def serve_command(bind, workers):
    """Run gunicorn and the indexer together; a stopped indexer is started again (see
    app/serving.py); Ctrl-C stops both."""
    config = current_app.config
    indexer = serving.Companion("indexer", [sys.executable, "-m", "flask", "--app", "app",
                                            "search", "worker"])
    # No control socket: it would be shared in $HOME by every instance on the machine.
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "--no-control-socket",
                            # A file, not `python:app.web_worker`: importing the
                            # package would load the whole site into gunicorn's master.
                            "--config", f"file:{Path(__file__).with_name('web_worker.py')}",
                            "--workers", str(workers or config["SERVE_WORKERS"]),
                            "--bind", bind or config["SERVE_BIND"],
                            # gunicorn's longest; the site's own limit is below it
                            # (web.forms.MAX_ADDRESS_BYTES), so the site answers.
                            "--limit-request-line", "8190",
                            "app:create_app()"])  # nosec B603  # argv list, no shell
    stop = threading.Event()
    stop_on_signals(stop)
    code = serving.supervise(web, [indexer], stop)
    if code is not None:
        raise click.ClickException(f"the web server stopped unexpectedly (exit code {code})")


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--no-export", is_flag=True, help="Leave out the content export (the slow part).")
@with_appcontext
def backup_command(directory, no_export):
    """Back up into DIRECTORY (new or empty): the SQLite database (an online backup,
    consistent while the app runs), the search index and a content export, with a
    manifest.json. For PostgreSQL use pg_dump."""
    try:
        report = backup.make_backup(directory, export=not no_export)
    except backup.BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.summary())


@click.command("restore")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(directory, force):
    """Restore a `flask backup` folder into this instance (stop the app first): the
    database, then the search index, brought up to date with the change log."""
    try:
        report = backup.restore_backup(directory, force=force)
    except (backup.BackupRefused, backup.RestoreRefused) as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(report.summary())


def register_commands(app: Flask) -> None:
    for command in (user_cli, content_cli, search_cli, token_cli, serve_command,
                    backup_command, restore_command):
        app.cli.add_command(command)

"""`flask token …`: personal API tokens from the command line (beside cli.py, which holds
the other commands)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.services.people import api_tokens
from app.services.people.accounts import find_user
from app.services.validation import ValidationFailed

token_cli = AppGroup("token", help="Personal API tokens (Authorization: Bearer …).")


def _account(email: str):
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account with e-mail address {email}")
    return user


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="command line", show_default=True,
              help="What the token is for, as its owner sees it on their account page.")
def create_token_command(email, name):
    """Print a new token for EMAIL's account. It is shown once and stored only as a hash."""
    user = _account(email)
    if not user.active:
        raise click.ClickException(f"the account {email} is deactivated")
    try:
        _token, plain = api_tokens.create_token(user, name)
    except ValidationFailed as failure:
        raise click.ClickException(str(failure)) from failure
    click.echo(plain)


@token_cli.command("list")
@click.argument("email")
def list_tokens_command(email):
    """EMAIL's tokens: id, start, name, state."""
    for token in api_tokens.tokens_of(_account(email)):
        state = "active" if token.active else f"revoked {token.revoked_at:%Y-%m-%d}"
        click.echo(f"{token.id}\t{token.prefix}…\t{token.name}\t{state}")


@token_cli.command("revoke")
@click.argument("email")
@click.argument("token_id", type=int)
def revoke_token_command(email, token_id):
    """Revoke token TOKEN_ID of EMAIL's account (ids: `flask token list EMAIL`)."""
    if not api_tokens.revoke_token(_account(email), token_id):
        raise click.ClickException(f"{email} has no active token {token_id}")
    click.echo(f"revoked token {token_id}")

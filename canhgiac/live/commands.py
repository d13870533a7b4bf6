"""`canhgiac trainer ...` (trainer accounts) and `canhgiac purge` (per-person data of old live
sessions). They need only the database, not the content: they work when the site cannot start.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.exc import SQLAlchemyError

from .. import config
from ..store import Store, StoreError
from . import auth
from .autopurge import settings
from .retention import purge


@contextmanager
def _store() -> Iterator[Store]:
    url = config.bare_app().config["DATABASE_URL"]
    store = Store(url)
    try:
        store.check_schema(create_if_empty=url.startswith("sqlite"))
        yield store
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot use the database: {exc}") from None
    finally:
        store.dispose()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise click.ClickException("no password on standard input")
        return password
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


_password_stdin = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking.",
)


@click.group("trainer")
def trainer_group() -> None:
    """Trainer accounts: only a trainer starts and runs live sessions and sees their reports."""


@trainer_group.command("add")
@click.argument("name")
@_password_stdin
def trainer_add(name: str, password_stdin: bool) -> None:
    """Create the trainer NAME; the password is asked (or read with --password-stdin)."""
    try:
        name = auth.clean_name(name)
        password = auth.check_password(_read_password(password_stdin))
        with _store() as store:
            auth.add_trainer(store.engine, name, password)
    except auth.TrainerError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added the trainer {name}")


@trainer_group.command("passwd")
@click.argument("name")
@_password_stdin
def trainer_passwd(name: str, password_stdin: bool) -> None:
    """Set a new password for the trainer NAME (logs out their browsers)."""
    try:
        password = auth.check_password(_read_password(password_stdin))
        with _store() as store:
            auth.set_password(store.engine, name, password)
    except auth.TrainerError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"changed the password of {name.strip().lower()}")


@trainer_group.command("list")
def trainer_list() -> None:
    """List the trainers, with the number of their sessions."""
    with _store() as store:
        found = auth.list_trainers(store.engine)
    if not found:
        click.echo("no trainers yet: add one with `canhgiac trainer add NAME`")
    for trainer, sessions in found:
        click.echo(f"{trainer.name}\tsince {trainer.created_at:%Y-%m-%d}\t{sessions} sessions")


@trainer_group.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def trainer_remove(name: str, yes: bool) -> None:
    """Delete the trainer NAME. Their open sessions end; their sessions' counts are kept."""
    if not yes:
        click.confirm(f"Remove the trainer {name}?", abort=True)
    try:
        with _store() as store:
            sessions = auth.remove_trainer(store.engine, name)
    except auth.TrainerError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"removed the trainer {name.strip().lower()} ({sessions} sessions kept)")


@click.command("purge")
@click.option(
    "--days",
    type=click.IntRange(0, None),
    default=None,
    help="Purge sessions older than this many days (default: RETENTION_DAYS, 30).",
)
def purge_command(days: int | None) -> None:
    """Delete nicknames and per-person answers of live sessions older than the retention
    period; the aggregate counts their reports need are kept. The site also runs it itself
    every PURGE_EVERY_HOURS hours (24)."""
    if days is None:
        try:
            days = settings(config.bare_app())[0]
        except config.ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    with _store() as store:
        done = purge(store.engine, days)
    click.echo(
        f"purged {done.sessions} sessions older than {days} days: {done.participants} "
        f"participants and {done.responses} answers deleted, aggregate counts kept"
    )

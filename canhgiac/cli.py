"""The `canhgiac` command: validate content, set up the instance, manage the database, run."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from alembic.util.exc import CommandError as AlembicError
from flask.cli import FlaskGroup
from sqlalchemy.exc import SQLAlchemyError

from . import config
from .content.commands import contents_command, validate_command
from .live.commands import purge_command, trainer_group
from .printing.commands import print_command
from .startup import create_app_or_exit
from .store import Store, StoreError


@click.group(cls=FlaskGroup, create_app=create_app_or_exit, add_version_option=False)
def main() -> None:
    """Cảnh Giác: a scam-awareness quiz and training kit."""


main.add_command(validate_command)
main.add_command(contents_command)
main.add_command(trainer_group)
main.add_command(purge_command)
main.add_command(print_command)


@main.command("init", with_appcontext=False)
def init_command() -> None:
    """Write instance/config.py with a new secret key (if missing) and create or upgrade the
    database."""
    app = config.bare_app()
    written = config.write_instance_config(Path(app.instance_path))
    if written:
        click.echo(f"wrote a new secret key to {written}")
    else:
        click.echo(f"kept {Path(app.instance_path) / config.INSTANCE_CONFIG}")
    _upgrade(app.config["DATABASE_URL"])


@main.group("db")
def db_group() -> None:
    """The database: its schema version and upgrades."""


@db_group.command("upgrade", with_appcontext=False)
def db_upgrade_command() -> None:
    """Apply every pending schema migration."""
    _upgrade(config.bare_app().config["DATABASE_URL"])


@db_group.command("current", with_appcontext=False)
def db_current_command() -> None:
    """Show the database's schema revision and the newest one."""
    store = Store(config.bare_app().config["DATABASE_URL"])
    try:
        current, head = store.schema_revision()
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot open the database: {exc}") from None
    finally:
        store.dispose()
    state = "up to date" if current == head else "out of date: run `canhgiac db upgrade`"
    click.echo(f"schema {current or 'empty'} (newest {head}): {state}")


@main.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (one per core is a good start).",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker.",
)
def serve_command(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the kit with gunicorn, for production."""
    from . import serve

    serve.run(create_app_or_exit(), host=host, port=port, workers=workers, threads=threads)


@main.command("export", with_appcontext=False)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The CSV file to write (default: standard output).",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only attempts started on or after this day (YYYY-MM-DD).",
)
def export_command(out: Path | None, since: datetime | None) -> None:
    """Write every stored (anonymous) answer as CSV, one row per answer."""
    from .datacare import write_export

    store = Store(config.bare_app().config["DATABASE_URL"])
    try:
        if out is None:
            write_export(store, sys.stdout, since)
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                rows = write_export(store, handle, since)
            click.echo(f"wrote {rows} rows to {out}", err=True)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read the database: {exc}") from None
    finally:
        store.dispose()


@main.command("backup", with_appcontext=False)
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Copy the SQLite database to TARGET while the site keeps running."""
    from .datacare import backup_sqlite

    try:
        written = backup_sqlite(config.bare_app().config["DATABASE_URL"], target)
    except (ValueError, FileExistsError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up the database to {written}")


def _upgrade(url: str) -> None:
    store = Store(url)
    try:
        before, head = store.upgrade()
    except (StoreError, AlembicError, SQLAlchemyError) as exc:
        raise click.ClickException(f"cannot upgrade the database: {exc}") from None
    finally:
        store.dispose()
    if before == head:
        click.echo(f"database schema is up to date ({head})")
    else:
        click.echo(f"database schema upgraded from {before or 'empty'} to {head}")

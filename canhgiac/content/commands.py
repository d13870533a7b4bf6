"""`canhgiac validate`: check lessons and quizzes and print every problem as path:line: message."""

from __future__ import annotations

from pathlib import Path

import click

from .checker import LANGUAGE_RE
from .errors import ContentError
from .loader import load_catalog

#: The project root: the shipped content lives in its lessons/ and quizzes/ folders.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _parse_languages(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(code.strip() for code in value.split(",") if code.strip()))
    bad = [code for code in codes if not LANGUAGE_RE.match(code)]
    if bad:
        raise click.BadParameter(f"'{bad[0]}' is not a 2–3 letter language code such as 'en'")
    if "vi" not in codes:
        raise click.BadParameter("the languages must include 'vi' (content is Vietnamese first)")
    return codes


#: --content, shared by the commands that read a content folder.
content_option = click.option(
    "--content",
    "content",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The content folder holding lessons/ and quizzes/ (default: the shipped content).",
)


@click.command("validate")
@content_option
@click.option(
    "--strict", is_flag=True, help="Treat warnings (such as a missing translation) as errors."
)
@click.option(
    "--languages",
    default="vi,en",
    show_default=True,
    callback=_parse_languages,
    help="Comma-separated languages every text must have.",
)
def validate_command(content: Path | None, strict: bool, languages: tuple[str, ...]) -> None:
    """Check lessons and quizzes; print every problem as path:line: message."""
    try:
        catalog, warnings = load_catalog(
            content if content is not None else PROJECT_ROOT, strict=strict, languages=languages
        )
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        click.get_current_context().exit(1)
    for problem in warnings:
        click.echo(str(problem))
    click.echo(catalog.summary_line())


@click.command("contents")
@content_option
def contents_command(content: Path | None) -> None:
    """Print a Markdown listing of the lessons and quizzes (the page docs/content-pack.md)."""
    from .listing import pack_listing

    try:
        catalog, _warnings = load_catalog(content if content is not None else PROJECT_ROOT)
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.get_current_context().exit(1)
    click.echo(pack_listing(catalog), nl=False)

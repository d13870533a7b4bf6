"""`canhgiac print`: build the whole print pack into a folder, with manifest.json.

The command reads the configuration and the content itself (it needs no database), so it runs
on a trainer's laptop as well as on the server. Every failure is a plain message and exit
status 1, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from .. import config
from ..content import ContentError, load_catalog
from .pack import MANIFEST, PdfCache, build_pack, cache_folder, default_workers
from .qr import check_public_url, check_src_label

__all__ = ["print_command", "warn_loudly"]

RULE = "!" * 78


def warn_loudly(message: str, *, error: bool = False) -> None:
    """A warning nobody can miss, on stderr."""
    word = "ERROR" if error else "WARNING"
    click.secho(RULE, fg="red" if error else "yellow", bold=True, err=True)
    click.secho(f"{word}: {message}", fg="red" if error else "yellow", bold=True, err=True)
    click.secho(RULE, fg="red" if error else "yellow", bold=True, err=True)


def _fail(message: str) -> NoReturn:
    click.echo(f"canhgiac print: {message}", err=True)
    sys.exit(1)


def _languages(value: str | None, available: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        return available
    codes = tuple(dict.fromkeys(c.strip() for c in value.split(",") if c.strip()))
    unknown = [c for c in codes if c not in available]
    if not codes or unknown:
        shown = unknown[0] if unknown else value
        _fail(
            f"--lang: '{shown}' is not one of the site's languages ({', '.join(available)}); "
            "set LANGUAGES to print others"
        )
    return codes


@click.command("print")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write the pack into (created if missing).",
)
@click.option(
    "--public-url",
    default=None,
    help="The public address of the site, printed in every QR code (default: PUBLIC_URL).",
)
@click.option(
    "--src",
    default=None,
    help="A label put in every QR link (?src=LABEL), e.g. cho-giao-phong for a market.",
)
@click.option(
    "--lang",
    "lang",
    default=None,
    help="Comma-separated languages to print (default: every language of the site).",
)
@click.option(
    "--content",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The content folder holding lessons/ and quizzes/ (default: CONTENT).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Stop on any warning: a missing translation, no or a private PUBLIC_URL.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes rendering at once (default: 2, or 1 on a one-core machine).",
)
def print_command(
    out: Path,
    public_url: str | None,
    src: str | None,
    lang: str | None,
    content: Path | None,
    strict: bool,
    workers: int | None,
) -> None:
    """Build every handout (leaflets, pocket cards, posters, paper quizzes, answer keys,
    blank certificates) in every language into OUT, with OUT/manifest.json."""
    app = config.bare_app()
    settings = app.config

    try:
        label = check_src_label(src)
    except ValueError as exc:
        _fail(f"--src: {exc}")

    url = check_public_url(public_url if public_url is not None else settings.get("PUBLIC_URL"))
    for message in url.errors:
        _fail(message)
    for message in url.warnings:
        warn_loudly(message, error=strict)
    if strict and url.warnings:
        _fail("not printing with --strict: the QR codes would not reach the public site")

    root = content if content is not None else Path(settings["CONTENT"])
    if not root.is_dir():
        _fail(f"the content folder {root} does not exist")
    try:
        catalog, warnings = load_catalog(root, strict=strict, languages=settings["LANGUAGES"])
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        _fail("the content has errors; fix them (see `canhgiac validate`) and print again")
    for problem in warnings:
        click.echo(str(problem), err=True)
    languages = _languages(lang, catalog.languages)

    from .handouts import handouts_for

    total = len(handouts_for(catalog, languages))
    if total == 0:
        _fail(f"there is nothing to print: {root} has no lessons or quizzes")
    cache = PdfCache(cache_folder(settings, app.instance_path))
    workers = workers or default_workers()
    with click.progressbar(
        length=total,
        label=f"Printing {total} handouts on {workers} core{'s' if workers > 1 else ''}",
        file=sys.stderr,
        show_pos=True,
    ) as bar:
        try:
            result = build_pack(
                catalog,
                out,
                public_url=url.url,
                src=label,
                languages=languages,
                cache=cache,
                workers=workers,
                progress=lambda _handout: bar.update(1),
            )
        except OSError as exc:
            _fail(f"cannot write the pack: {exc}")
    if result.errors:
        for message in result.errors:
            click.echo(f"error: {message}", err=True)
        _fail(
            f"{len(result.errors)} handout(s) cannot be printed; no manifest was written "
            "(the others are cached and will not be rendered again)"
        )
    click.echo(
        f"wrote {len(result.entries)} PDFs to {out} ({result.rendered} rendered, "
        f"{result.cached} from the cache); QR codes point at {url.url}"
    )
    click.echo(f"manifest: {out / MANIFEST}")

"""Rendering one handout to PDF with WeasyPrint, offline, and checking that it fits.

WeasyPrint is imported inside the functions (it is slow to import and only printing needs it).
Rendering never touches the network: the URL fetcher serves only files under printables/ and
data: URIs, and fails the render for anything else. Fonts come from fontconfig ("DejaVu Sans",
which covers every Vietnamese letter) and are embedded as subsets.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from ..config import ROOT
from .handouts import Job, context

__all__ = [
    "PRINTABLES",
    "ClosedFetcherError",
    "PrintError",
    "Rendered",
    "clean_name",
    "closed_fetch",
    "fit_problem",
    "render_html",
    "render_job",
    "templates_hash",
]

#: The print layouts: Jinja templates and print CSS.
PRINTABLES = ROOT / "printables"

#: Longest name printed on a certificate.
MAX_NAME = 80

#: Source files whose change changes the PDFs, besides printables/ (part of the cache key).
_CODE = ("handouts.py", "labels.py", "qr.py", "render.py")

#: Counts renders in this process: tests use it to prove that a cached build renders nothing.
RENDER_COUNT = 0


class PrintError(Exception):
    """A handout cannot be printed as it is; the message names the lesson or quiz."""


class ClosedFetcherError(ValueError):
    """A template asked for something outside printables/ (a web font, an image online...)."""


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    qr_url: str | None


def closed_fetch(url: str, root: Path = PRINTABLES) -> tuple[bytes, str, str]:
    """(data, mime type, url) for a data: URI or a file under ``root``. Anything else
    (http, https, ftp, a file elsewhere) raises ClosedFetcherError: rendering is offline."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "data":
        from urllib.request import urlopen

        with urlopen(url) as response:  # data: URIs are decoded in memory, no network
            return response.read(), response.headers.get_content_type(), url
    if scheme != "file":
        raise ClosedFetcherError(f"printing is offline: refused to fetch {url}")
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ClosedFetcherError(f"printing is offline: refused to fetch {url}")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    base = root.resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise ClosedFetcherError(f"printing reads only files in {base}: refused {url}")
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.read_bytes(), mime, path.as_uri()


def closed_url_fetcher(blocked: list[str]) -> Any:
    """A WeasyPrint URL fetcher around closed_fetch that records what it refused."""
    import weasyprint.urls as wurls

    def fetch(url: str) -> tuple[bytes, str, str]:
        try:
            return closed_fetch(url)
        except ClosedFetcherError as exc:
            blocked.append(str(exc))
            raise

    base = getattr(wurls, "URLFetcher", None)
    if base is None:  # WeasyPrint < 68: a plain function returning a dict

        def legacy(url: str) -> dict[str, Any]:
            data, mime, real = fetch(url)
            return {"string": data, "mime_type": mime, "redirected_url": real}

        return legacy

    class ClosedURLFetcher(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__(fail_on_errors=True)

        def fetch(self, url: str, headers: Any = None) -> Any:
            data, mime, real = fetch(url)
            return wurls.URLFetcherResponse(real, data, {"Content-Type": mime})

    return ClosedURLFetcher()


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(PRINTABLES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from ..markup import render_markdown

    env.filters["markdown"] = render_markdown
    return env


def templates_hash() -> str:
    """sha256 over printables/ and the printing code that shapes the PDFs."""
    digest = hashlib.sha256()
    files = sorted(p for p in PRINTABLES.rglob("*") if p.is_file())
    files += [Path(__file__).parent / name for name in _CODE]
    for path in files:
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        from importlib.metadata import version

        digest.update(version("weasyprint").encode())
    except Exception:  # pragma: no cover - an uninstalled WeasyPrint fails later anyway
        pass
    return digest.hexdigest()


def clean_name(name: str | None) -> str | None:
    """A name typed for a certificate: one line of printable text, at most MAX_NAME
    characters, or None when blank."""
    if not name:
        return None
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(c if unicodedata.category(c)[0] not in "CZ" or c == " " else " " for c in text)
    text = re.sub(r"\s+", " ", text).strip()[:MAX_NAME].strip()
    return text or None


def render_html(job: Job, font_size: float | None = None) -> str:
    """The handout as HTML, at ``font_size`` (pt; the format's largest by default)."""
    template = _environment().get_template(job.handout.fmt.template)
    ctx = context(job)
    ctx["name"] = clean_name(job.name)
    ctx["font_size"] = font_size or job.handout.fmt.font_sizes[0]
    return template.render(ctx)


def render_job(job: Job) -> Rendered:
    """Render ``job`` to PDF at the largest font size of its format that fits its pages.
    Raises PrintError when even the smallest does not fit, or when the layout asked for
    something outside printables/."""
    sizes = job.handout.fmt.font_sizes
    for step, size in enumerate(sizes):
        document = _render_document(job, size)
        problem = fit_problem(job, document)
        if problem is None:
            break
        if step == len(sizes) - 1:
            raise PrintError(problem)
    return Rendered(document.write_pdf(), len(document.pages), job.qr_url)


def _render_document(job: Job, font_size: float) -> Any:
    global RENDER_COUNT
    import weasyprint

    RENDER_COUNT += 1
    blocked: list[str] = []
    html = weasyprint.HTML(
        string=render_html(job, font_size),
        base_url=PRINTABLES.resolve().as_uri() + "/",
        url_fetcher=closed_url_fetcher(blocked),
    )
    try:
        document = html.render()
    except BaseException as exc:
        if blocked:
            raise PrintError(f"{job.handout.label}: {blocked[0]}") from None
        if isinstance(exc, Exception):
            raise PrintError(f"{job.handout.label}: cannot be rendered ({exc})") from exc
        raise
    if blocked:
        raise PrintError(f"{job.handout.label}: {blocked[0]}")
    return document


_WORDS = {1: "one page", 2: "two sides"}

#: How the parts of a layout (ids part-X) are named in messages.
PART_NAMES = {
    "cover": "the cover",
    "red-flags": "the red flags",
    "do": "the do list",
    "dont": "the don't list",
    "if-happened": "'if it already happened'",
    "report": "'where to report'",
    "leaflet": "the leaflet",
    "card": "the card",
    "poster": "the headline",
    "certificate": "the certificate",
}


def fit_problem(job: Job, document: Any) -> str | None:
    """What is wrong when a fixed layout ran over its pages (naming the part that overflows
    when it can be told: parts carry ids part-X, and end-X at their end), else None."""
    fmt = job.handout.fmt
    pages = len(document.pages)
    if fmt.flowing or pages <= fmt.pages:
        return None
    where = _overflowing_part(document)
    detail = f" ({PART_NAMES.get(where, repr(where))} runs over)" if where else ""
    return (
        f"{job.handout.label} does not fit on {_WORDS.get(fmt.pages, f'{fmt.pages} pages')}"
        f"{detail}: it takes {pages} even in the smallest type; "
        f"{fmt.advice or 'shorten it'}"
    )


def _overflowing_part(document: Any) -> str | None:
    starts: dict[str, tuple[int, int]] = {}
    ends: dict[str, tuple[int, int]] = {}
    for number, page in enumerate(document.pages):
        for anchor, position in getattr(page, "anchors", {}).items():
            x = position[0]  # (x, y) or (x1, y1, x2, y2) depending on the WeasyPrint version
            if anchor.startswith("part-"):
                starts[anchor[5:]] = (number, round(x))
            elif anchor.startswith("end-"):
                ends[anchor[4:]] = (number, round(x))
    for part, start in starts.items():
        end = ends.get(part)
        if end is not None and end != start:
            return part
    return None

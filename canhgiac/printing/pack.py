"""The print pack: every handout in every language, rendered on both cores, cached on disk.

A PDF is cached under a key that hashes everything that shapes it: the lesson's or quiz's
content, the print templates and code, and the options (format, language, the exact QR link).
The web page and the CLI share the cache, so a handout downloaded once is never rendered again
until something it depends on changes, and a rebuild with nothing changed renders nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content.model import Catalog
from .handouts import Handout, Job, handouts_for, job_for
from .render import PrintError, Rendered, render_job, templates_hash

__all__ = [
    "MANIFEST",
    "CachedPdf",
    "PackResult",
    "PdfCache",
    "build_pack",
    "cache_folder",
    "cache_key",
    "get_or_render",
]

MANIFEST = "manifest.json"

#: The cache keeps at most this many PDFs; the least recently used go first.
MAX_CACHE_FILES = 4000


def cache_folder(settings: Mapping[str, Any], instance_path: str) -> Path:
    """The PDF cache: the PRINT_CACHE setting, else <instance>/print-cache."""
    folder = settings.get("PRINT_CACHE")
    return Path(folder) if folder else Path(instance_path) / "print-cache"


def content_digest(job: Job) -> str:
    """sha256 of the content a handout prints (its lesson and quiz, without file paths)."""
    parts = []
    for item in (job.lesson, job.quiz):
        parts.append(repr(dataclasses.replace(item, path="")) if item is not None else "-")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def cache_key(job: Job, templates: str | None = None) -> str:
    """The cache key of a job's PDF. A job with a name (a certificate typed on the web) has
    none: it is never cached."""
    if job.name:
        raise ValueError("a named certificate is never cached")
    data = {
        "content": content_digest(job),
        "templates": templates or templates_hash(),
        **job.options,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedPdf:
    path: Path
    pages: int
    qr_url: str | None


class PdfCache:
    """PDFs on disk: <key>.pdf with <key>.json beside it (pages, QR link). Writes are atomic,
    so several processes (web workers, the CLI) may share one folder."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def path(self, key: str, suffix: str = ".pdf") -> Path:
        return self.folder / f"{key}{suffix}"

    def get(self, key: str) -> CachedPdf | None:
        pdf, meta = self.path(key), self.path(key, ".json")
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            if not pdf.is_file():
                return None
            os.utime(meta)  # least recently used goes first when pruning
        except (OSError, ValueError):
            return None
        return CachedPdf(pdf, int(info["pages"]), info.get("qr_url"))

    def put(self, key: str, rendered: Rendered) -> CachedPdf:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.write_atomic(self.path(key), rendered.pdf)
        meta = {"pages": rendered.pages, "qr_url": rendered.qr_url}
        self.write_atomic(self.path(key, ".json"), json.dumps(meta).encode("utf-8"))
        return CachedPdf(self.path(key), rendered.pages, rendered.qr_url)

    def write_atomic(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def prune(self, keep: int = MAX_CACHE_FILES) -> int:
        """Remove the least recently used entries beyond ``keep``. Returns how many went."""
        try:
            metas = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        except OSError:
            return 0
        removed = 0
        for meta in metas[: max(0, len(metas) - keep)]:
            for suffix in (".json", ".pdf", ".png"):
                meta.with_suffix(suffix).unlink(missing_ok=True)
            removed += 1
        return removed


def get_or_render(job: Job, cache: PdfCache, templates: str | None = None) -> CachedPdf:
    """The cached PDF of ``job``, rendering it first if needed. Raises PrintError."""
    key = cache_key(job, templates)
    found = cache.get(key)
    if found is not None:
        return found
    return cache.put(key, render_job(job))


@dataclass
class PackResult:
    entries: list[dict[str, Any]] = field(default_factory=list)
    rendered: int = 0  # PDFs rendered by this build
    cached: int = 0  # PDFs taken from the cache
    errors: list[str] = field(default_factory=list)


def _render_in_worker(job: Job) -> Rendered | str:
    """Runs in a worker process: the PDF, or the PrintError message."""
    try:
        return render_job(job)
    except PrintError as exc:
        return str(exc)


def _warm_up() -> None:
    import weasyprint  # noqa: F401 - import once per worker, not once per job


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def build_pack(
    catalog: Catalog,
    out: Path,
    *,
    public_url: str,
    src: str | None = None,
    languages: tuple[str, ...] | None = None,
    cache: PdfCache,
    workers: int | None = None,
    progress: Callable[[Handout], None] | None = None,
) -> PackResult:
    """Build every handout into ``out``/<lang>/<name>.pdf and write ``out``/manifest.json.

    PDFs come from ``cache`` when they are there; the others are rendered in ``workers``
    processes (two by default). When some handout cannot be printed, the others are still
    rendered and cached, ``errors`` lists every problem and no manifest is written.
    """
    templates = templates_hash()
    jobs = [job_for(catalog, h, public_url, src) for h in handouts_for(catalog, languages)]
    keys = {job.handout: cache_key(job, templates) for job in jobs}
    result = PackResult()
    found: dict[Handout, CachedPdf] = {}
    missing: list[Job] = []
    for job in jobs:
        hit = cache.get(keys[job.handout])
        if hit is None:
            missing.append(job)
        else:
            found[job.handout] = hit
            result.cached += 1
            if progress:
                progress(job.handout)

    def done(job: Job, outcome: Rendered | str) -> None:
        if isinstance(outcome, str):
            result.errors.append(outcome)
        else:
            found[job.handout] = cache.put(keys[job.handout], outcome)
            result.rendered += 1
        if progress:
            progress(job.handout)

    workers = workers or default_workers()
    if workers <= 1 or len(missing) <= 1:
        for job in missing:
            done(job, _render_in_worker(job))
    else:
        _render_parallel(missing, workers, done)

    if result.errors:
        return result
    out.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        cached = found[job.handout]
        rel = f"{job.handout.lang}/{job.handout.name}.pdf"
        target = out / rel
        if not _same_file(cached.path, target):
            cache.write_atomic(target, cached.path.read_bytes())
        result.entries.append(manifest_entry(job, rel, cached))
    _remove_stale(out, {e["file"] for e in result.entries})
    cache.write_atomic(
        out / MANIFEST,
        (json.dumps(result.entries, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
    )
    cache.prune()
    return result


def _render_parallel(
    missing: list[Job], workers: int, done: Callable[[Job, Rendered | str], None]
) -> None:
    with ProcessPoolExecutor(max_workers=min(workers, len(missing)), initializer=_warm_up) as pool:
        pending: dict[Future[Rendered | str], Job] = {
            pool.submit(_render_in_worker, job): job for job in missing
        }
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                done(pending.pop(future), future.result())


def manifest_entry(job: Job, rel: str, cached: CachedPdf) -> dict[str, Any]:
    handout = job.handout
    return {
        "file": rel,
        "kind": handout.kind,
        "lang": handout.lang,
        ("lesson" if handout.is_lesson else "quiz"): handout.item,
        "page_size": handout.fmt.page_size,
        "pages": cached.pages,
        "qr_url": cached.qr_url,
    }


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _remove_stale(out: Path, keep: set[str]) -> None:
    """Remove PDFs that the previous manifest listed and this one does not (a deleted lesson,
    a language no longer printed)."""
    try:
        previous = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for entry in previous if isinstance(previous, list) else []:
        rel = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(rel, str) or rel in keep:
            continue
        path = (out / rel).resolve()
        if path.is_relative_to(out.resolve()) and path.suffix == ".pdf":
            path.unlink(missing_ok=True)

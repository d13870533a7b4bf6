"""Benchmark: the whole print pack, cold (empty cache) and warm (everything cached).

    python bench/print_pack.py [--content DIR] [--workers N] [--lang vi,en]

Prints the time of a cold build, of a warm rebuild into the same folder, their ratio, the
pack's size, and a baseline measured in the same run (one trivial one-page PDF rendered by
WeasyPrint) so that figures from different machines can be compared. No assertion on time:
this is for reading, not for CI.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from canhgiac.content import ContentError, load_catalog  # noqa: E402
from canhgiac.printing.pack import PdfCache, build_pack, default_workers  # noqa: E402

PUBLIC_URL = "https://canhgiac.example.org"


def baseline(runs: int = 5) -> float:
    """Seconds to render a trivial one-page PDF (after WeasyPrint is imported and warm)."""
    import weasyprint

    html = '<p style="font-family: DejaVu Sans">Cảnh Giác</p>'
    weasyprint.HTML(string=html).write_pdf()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        weasyprint.HTML(string=html).write_pdf()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, default=ROOT, help="folder with lessons/")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--lang", default=None, help="comma-separated languages (default: all)")
    args = parser.parse_args()

    try:
        catalog, _warnings = load_catalog(args.content)
    except ContentError as exc:
        print(f"the content in {args.content} has errors:\n{exc}", file=sys.stderr)
        return 1
    languages = tuple(args.lang.split(",")) if args.lang else None

    base = baseline()
    with tempfile.TemporaryDirectory(prefix="canhgiac-bench-") as tmp:
        cache = PdfCache(Path(tmp) / "cache")
        out = Path(tmp) / "pack"
        kwargs = {"public_url": PUBLIC_URL, "src": "bench", "languages": languages}

        start = time.perf_counter()
        cold = build_pack(catalog, out, cache=cache, workers=args.workers, **kwargs)
        cold_s = time.perf_counter() - start
        if cold.errors:
            print("some handouts cannot be printed:", *cold.errors, sep="\n  ", file=sys.stderr)
            return 1

        start = time.perf_counter()
        warm = build_pack(catalog, out, cache=cache, workers=args.workers, **kwargs)
        warm_s = time.perf_counter() - start

        size = sum(p.stat().st_size for p in out.rglob("*.pdf"))
        pages = sum(e["pages"] for e in cold.entries)

    count = len(cold.entries)
    print(f"content:   {args.content} ({catalog.summary_line()})")
    print(f"pack:      {count} PDFs, {pages} pages, {size / 1e6:.1f} MB, {args.workers} workers")
    print(f"baseline:  {base * 1000:.1f} ms to render a trivial one-page PDF")
    print(
        f"cold:      {cold_s:.2f} s ({cold.rendered} rendered; "
        f"{cold_s / count * 1000:.0f} ms per PDF = {cold_s / count / base:.1f}x baseline)"
    )
    print(f"warm:      {warm_s:.2f} s ({warm.rendered} rendered, {warm.cached} from the cache)")
    print(f"cold/warm: {cold_s / warm_s:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Pages compressed per request (lane.py), as Flask-Compress compresses Flask's own pages.

Flask-Compress's settings are followed: `COMPRESS_ALGORITHM` (what is offered, zstd first by
default: current Chrome and Firefox take it), `COMPRESS_ZSTD_LEVEL`, `COMPRESS_BR_LEVEL`,
`COMPRESS_BR_WINDOW` and `COMPRESS_LEVEL` (gzip). zstd's output is byte for byte what
Flask-Compress's `zstd.compress` makes, from a compressor each thread keeps: a new one per page
set up its tables anew every time, a quarter of the compression's time for a result page.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Mapping
from typing import Any

import brotli

try:  # Python 3.14
    from compression import zstd  # type: ignore[import-not-found]
except ImportError:
    from backports import zstd  # type: ignore[no-redef]

from .pages import choose_encoding

#: The encodings made per request, in Flask-Compress's default order.
CODINGS = ("zstd", "br", "gzip")


class Encoder:
    """Chooses an encoding for a request and compresses a page with it."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.br_quality = int(config.get("COMPRESS_BR_LEVEL", 4))
        self.br_window = int(config.get("COMPRESS_BR_WINDOW", 22))
        self.gzip_level = int(config.get("COMPRESS_LEVEL", 6))
        self.zstd_level = int(config.get("COMPRESS_ZSTD_LEVEL", 3))
        offered = config.get("COMPRESS_ALGORITHM", CODINGS)
        if isinstance(offered, str):  # "zstd, br" as Flask-Compress takes it too
            offered = [c.strip() for c in offered.split(",")]
        #: What Flask-Compress offers, of what is made here, in its order.
        self.codings = tuple(c for c in offered if c in CODINGS)
        self._local = threading.local()

    def choose(self, accept_encoding: str) -> str:
        """The encoding for a request's Accept-Encoding header ("identity": none)."""
        return choose_encoding(accept_encoding, self.codings)

    def encode(self, body: bytes, coding: str) -> bytes:
        """The body compressed with that encoding (as it is for "identity")."""
        if coding == "zstd":
            return self._zstd(body)
        if coding == "br":
            return brotli.compress(
                body, quality=self.br_quality, lgwin=self.br_window, mode=brotli.MODE_TEXT
            )
        if coding == "gzip":
            return gzip.compress(body, compresslevel=self.gzip_level, mtime=0)
        return body

    def _zstd(self, body: bytes) -> bytes:
        compressor = getattr(self._local, "zstd", None)
        if compressor is None:
            compressor = self._local.zstd = zstd.ZstdCompressor(self.zstd_level)
        # The whole page in one call that ends the frame: zstd knows its size, and the frame is
        # the one a new compressor makes.
        return compressor.compress(body, zstd.ZstdCompressor.FLUSH_FRAME)  # type: ignore[no-any-return]

"""Pages compressed per request (canhgiac/web/coding.py), as Flask-Compress compresses them."""

from __future__ import annotations

import gzip
import threading
from pathlib import Path
from typing import Any

import brotli
import pytest

from canhgiac import create_app
from canhgiac.web.coding import Encoder, zstd

#: Pages of different sizes, one after another as a worker thread compresses them.
TEMPLATES = Path(__file__).parents[1] / "templates"
SIZES = (("base.html", 1), ("question.html", 3), ("result.html", 9), ("home.html", 30))
PAGES = [(TEMPLATES / name).read_bytes() * times for name, times in SIZES]


def test_zstd_is_byte_for_byte_what_flask_compress_makes() -> None:
    """One compressor per thread, used page after page: each frame is the one a new compressor
    makes (Flask-Compress's zstd.compress), with the page's size in its header."""
    encoder = Encoder({"COMPRESS_ZSTD_LEVEL": 3})
    for page in PAGES * 2:
        made = encoder.encode(page, "zstd")
        assert made == zstd.compress(page, 3)
        assert zstd.get_frame_info(made).decompressed_size == len(page)
    assert Encoder({"COMPRESS_ZSTD_LEVEL": 9}).encode(PAGES[2], "zstd") == zstd.compress(
        PAGES[2], 9
    )


def test_pages_compressed_in_several_threads_at_once() -> None:
    encoder = Encoder({})
    made: dict[int, list[bytes]] = {}

    def compress(n: int) -> None:
        made[n] = [encoder.encode(page, "zstd") for page in PAGES * 20]

    threads = [threading.Thread(target=compress, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [zstd.compress(page, 3) for page in PAGES * 20]
    assert all(made[n] == expected for n in range(4))


def test_brotli_gzip_and_none() -> None:
    encoder = Encoder({"COMPRESS_BR_LEVEL": 2, "COMPRESS_BR_WINDOW": 18, "COMPRESS_LEVEL": 6})
    page = PAGES[2]
    assert brotli.decompress(encoder.encode(page, "br")) == page
    assert encoder.encode(page, "br") == brotli.compress(
        page, quality=2, lgwin=18, mode=brotli.MODE_TEXT
    )
    assert gzip.decompress(encoder.encode(page, "gzip")) == page
    assert encoder.encode(page, "identity") is page


@pytest.mark.parametrize(
    ("offered", "accept", "coding"),
    [
        (None, "gzip, deflate, br, zstd", "zstd"),
        (None, "gzip, deflate, br", "br"),
        (None, "gzip", "gzip"),
        (None, "deflate", "identity"),
        (None, "", "identity"),
        ("br, gzip", "gzip, deflate, br, zstd", "br"),
        (["gzip", "deflate", "br"], "gzip, deflate, br, zstd", "gzip"),
        (["deflate"], "gzip, deflate, br, zstd", "identity"),
    ],
)
def test_the_encoding_follows_compress_algorithm(offered: object, accept: str, coding: str) -> None:
    config = {} if offered is None else {"COMPRESS_ALGORITHM": offered}
    assert Encoder(config).choose(accept) == coding


def test_the_app_compresses_its_own_pages_with_zstd_at_level_1(app_config: dict[str, Any]) -> None:
    """Pages made per request, by the lane or by Flask (Flask-Compress), at the kit's level;
    an instance can set another (CANHGIAC_COMPRESS_ZSTD_LEVEL)."""
    for settings, level in (({}, 1), ({"COMPRESS_ZSTD_LEVEL": 3}, 3)):
        app = create_app({**app_config, **settings})
        client = app.test_client()
        path = client.post("/q/demo-otp/start", data={"src": ""}).headers["Location"]
        by_flask = client.get(path, headers={"Accept-Encoding": "zstd"}).data  # nothing kept yet
        plain = client.get(path, headers={"Accept-Encoding": "identity"}).data
        by_lane = client.get(path, headers={"Accept-Encoding": "zstd"}).data
        assert by_flask == by_lane == zstd.compress(plain, level)
        app.extensions["canhgiac.store"].dispose()

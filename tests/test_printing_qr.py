"""QR links and codes: short links on the public address, `src` labels, the checks on
PUBLIC_URL, and the vector SVG with its quiet zone. No rendering here: these are fast."""

from __future__ import annotations

import re

import pytest

from canhgiac.printing.handouts import Handout, job_for, parse_name, qr_target
from canhgiac.printing.qr import (
    DEFAULT_PUBLIC_URL,
    QUIET_ZONE,
    build_url,
    check_public_url,
    check_src_label,
    qr_svg,
)


def test_short_links_for_quizzes_and_lessons() -> None:
    assert build_url("https://cg.example.org", "q", "otp") == "https://cg.example.org/q/otp"
    assert build_url("https://cg.example.org/", "l", "otp") == "https://cg.example.org/l/otp"
    assert (
        build_url("https://cg.example.org/", "q", "gia-danh-co-quan", "cho-giao-phong")
        == "https://cg.example.org/q/gia-danh-co-quan?src=cho-giao-phong"
    )
    assert build_url("https://cg.example.org/sub", "q", "otp", "") == (
        "https://cg.example.org/sub/q/otp"
    )
    with pytest.raises(ValueError):
        build_url("https://cg.example.org", "x", "otp")


@pytest.mark.parametrize("label", ["cho-giao-phong", "a", "0", "truong-thcs-2", "a" * 64])
def test_valid_src_labels(label: str) -> None:
    assert check_src_label(label) == label


@pytest.mark.parametrize(
    "label", ["Cho", "-cho", "chợ", "cho giao", "cho_giao", "a" * 65, "x?y=1", "a&b", "a/b"]
)
def test_invalid_src_labels(label: str) -> None:
    with pytest.raises(ValueError, match="not valid"):
        check_src_label(label)
    with pytest.raises(ValueError):
        build_url("https://cg.example.org", "q", "otp", label)


def test_empty_label_means_none() -> None:
    assert check_src_label(None) is None
    assert check_src_label("") is None


def test_no_public_url_warns_and_falls_back_to_the_development_server() -> None:
    for value in (None, "", "   "):
        check = check_public_url(value)
        assert check.url == DEFAULT_PUBLIC_URL
        assert not check.errors
        assert check.warnings[0].startswith(
            f"no PUBLIC_URL is set: the QR codes will point at {DEFAULT_PUBLIC_URL}"
        )


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:5000",
        "http://127.0.0.1:5000",
        "http://127.8.9.1",
        "http://[::1]:8000",
        "http://10.0.0.5",
        "http://172.16.3.4",
        "http://172.31.255.1",
        "http://192.168.1.10:8080",
        "http://169.254.1.1",
        "http://0.0.0.0:5000",
        "https://canhgiac.local",
        "http://raspberrypi",
        "http://[fd00::1]",
        "http://[::ffff:192.168.1.1]",
    ],
)
def test_local_and_private_addresses_warn(url: str) -> None:
    check = check_public_url(url)
    assert not check.errors
    assert check.warnings and "local or private address" in check.warnings[0]


@pytest.mark.parametrize(
    "url", ["https://canhgiac.example.org", "https://canhgiac.example.org/", "http://14.225.1.1",
            "https://172.32.0.1", "https://example.org/canhgiac"],
)  # fmt: skip
def test_public_addresses_pass(url: str) -> None:
    check = check_public_url(url)
    assert check.url == url.rstrip("/")
    assert not check.errors and not check.warnings


@pytest.mark.parametrize(
    "url", ["ftp://example.org", "example.org", "https://", "https://example.org?x=1",
            "https://example.org/#top", "https://example.org:99999"],
)  # fmt: skip
def test_malformed_public_urls_are_errors(url: str) -> None:
    assert check_public_url(url).errors


def _modules(svg: str) -> tuple[int, list[tuple[int, int]]]:
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    cells = [(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", svg)]
    return size, cells


def test_qr_svg_is_an_inline_vector_with_its_quiet_zone() -> None:
    url = "https://canhgiac.example.org/q/gia-danh-co-quan?src=cho-giao-phong"
    svg = str(qr_svg(url))
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "<?xml" not in svg
    assert not re.search(r"<svg[^>]*\swidth=", svg)  # CSS sizes it; the viewBox keeps it square
    assert '<rect fill="white"' in svg  # the quiet zone is white even on a tinted background
    size, cells = _modules(svg)
    xs = [x for x, _ in cells]
    ys = [y for _, y in cells]
    assert min(xs) == min(ys) == QUIET_ZONE == 4
    assert max(xs) == max(ys) == size - QUIET_ZONE - 1
    # A short link stays low density: version 5 or less (37 modules) at error correction M.
    assert (size - 2 * QUIET_ZONE - 17) // 4 <= 5
    q_size, _ = _modules(str(qr_svg(url, error_correction="Q")))
    assert q_size - 2 * QUIET_ZONE <= 41  # version 6 at Q, for the large codes


def test_qr_svg_has_no_duplicate_ids() -> None:
    assert " id=" not in str(qr_svg("https://canhgiac.example.org/q/otp"))


def test_handout_names_round_trip() -> None:
    for handout in (
        Handout("leaflet-a4", "gia-danh-co-quan", "vi"),
        Handout("quiz-sheet", "otp-1", "en"),
        Handout("card", "a", "vi"),
    ):
        assert parse_name(handout.name) == handout
    assert Handout("poster-a3", "demo-otp", "en").name == "demo-otp_poster-a3_en"
    for bad in ("demo-otp_flyer_vi", "demo-otp_card", "../x_card_vi", "demo_otp_card_vi", ""):
        assert parse_name(bad) is None


def test_qr_targets(app) -> None:
    from canhgiac import get_catalog

    with app.app_context():
        catalog = get_catalog()
    assert qr_target(catalog, Handout("leaflet-a4", "demo-otp", "vi")) == ("q", "demo-otp")
    assert qr_target(catalog, Handout("card", "demo-qr", "vi")) == ("l", "demo-qr")
    assert qr_target(catalog, Handout("quiz-sheet", "demo-qr", "vi")) == ("q", "demo-qr")
    assert qr_target(catalog, Handout("answer-key", "demo-qr", "vi")) is None
    assert qr_target(catalog, Handout("certificate", "demo-qr", "vi")) is None
    job = job_for(catalog, Handout("poster-a3", "demo-otp", "en"), "https://x.example.org/", "s-1")
    assert job.qr_url == "https://x.example.org/q/demo-otp?src=s-1"


def test_the_inline_qr_code_has_an_accessible_name() -> None:
    from canhgiac.printing.qr import qr_svg

    svg = str(qr_svg("https://canhgiac.example.org/j/123456"))
    assert svg.startswith('<svg class="qr-code" role="img" aria-label="QR: ')
    assert 'aria-label="QR: https://canhgiac.example.org/j/123456"' in svg

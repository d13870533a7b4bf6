"""The print page as a trainer uses it on the laptop (logged in): handouts download as PDFs, with a
place label in their QR links, and a certificate with a typed name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Download, Page, expect

from .browserkit import Contexts, LiveServer, arrived, login_trainer, placeholder_previews

pytestmark = pytest.mark.browser


#: Rendering a PDF takes a second or two, and previews on the screen are rendered first (one
#: at a time): a download may wait a while on a busy machine.
RENDER_TIMEOUT_MS = 60_000


def open_print_page(contexts: Contexts, live_server: LiveServer, *, previews: bool) -> Page:
    if not live_server.has("printing.index"):
        pytest.skip("the print page is not in this build")
    context = contexts.new("laptop")
    login_trainer(context, live_server)  # handouts are rendered for trainers only
    page = context.new_page()
    if not previews:
        placeholder_previews(page)
    page.goto("/print")
    arrived(page, "/print")
    return page


@pytest.fixture
def print_page(contexts: Contexts, live_server: LiveServer) -> Page:
    """The print page, its previews replaced by a grey placeholder (not what is tested)."""
    return open_print_page(contexts, live_server, previews=False)


def is_pdf(download: Download) -> bytes:
    path = download.path()
    assert path is not None
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF-"), data[:20]
    assert data.rstrip().endswith(b"%%EOF")
    return data


def test_a_handout_downloads_as_a_pdf(contexts: Contexts, live_server: LiveServer, shoot) -> None:  # type: ignore[no-untyped-def]
    page = open_print_page(contexts, live_server, previews=True)
    expect(page.locator("h1")).to_be_visible()
    shoot(page, "print-page", full_page=False)
    # The first handouts with their real previews (rendered by the server from the PDFs).
    page.locator("main h2 ~ section").first.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle", timeout=RENDER_TIMEOUT_MS)
    shoot(page, "print-page-handouts", full_page=False)

    link = page.locator("a[href$='.pdf']").first
    href = link.get_attribute("href")
    assert href is not None
    with page.expect_download(timeout=RENDER_TIMEOUT_MS) as info:
        link.click()
    download = info.value
    assert download.suggested_filename == href.rsplit("/", 1)[1]
    assert len(is_pdf(download)) > 1000


def test_a_place_label_goes_into_the_downloads(print_page: Page) -> None:
    page = print_page
    page.locator("input#src").fill("cho-giao-phong")
    page.locator("form[method=get] [type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]src=cho-giao-phong"))
    link = page.locator("a[href$='.pdf?src=cho-giao-phong']").first
    with page.expect_download(timeout=RENDER_TIMEOUT_MS) as info:
        link.click()
    is_pdf(info.value)


def test_a_certificate_with_a_name(print_page: Page) -> None:
    page = print_page
    form = page.locator("form[action$='/print/certificate']").first
    form.locator("input[name=name]").fill("Nguyễn Thị Hoa")
    with page.expect_download(timeout=RENDER_TIMEOUT_MS) as info:
        form.locator("[type=submit]").click()
    assert info.value.suggested_filename.endswith(".pdf")
    is_pdf(info.value)

"""Every page type (browserkit.PAGE_TYPES) on a 360 x 640 phone (the projector view on a
1280 x 720 laptop), in Vietnamese and English: served with its status, the right `lang`, no
serious or critical axe-core violation, no sideways scrolling, nothing cut off with text at
200 %, nothing loaded from another host, no CSP violation or script error. Each page is opened
once per language and screenshotted at normal and large text (test-artifacts/screenshots/);
axe-core's full findings, minor ones included, land in test-artifacts/axe/.

Problems in pages of features other than the core quiz are listed in PageType.known: those
checks are expected failures until fixed (strict, so a fix shows up as a failure to remove the
entry).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page

from .browserkit import (
    DEVICES,
    LANGUAGES,
    Contexts,
    LiveServer,
    PageType,
    overflow_problems,
    reset_text_zoom,
    run_axe,
    save_axe_report,
    serious,
    zoom_text,
)

pytestmark = pytest.mark.browser

#: The skip link, the first thing on every page, in the interface language.
SKIP_LINK = {"vi": "Chuyển đến nội dung chính", "en": "Skip to the content"}


@dataclass
class Opened:
    page: Page
    page_type: PageType
    lang: str
    status: int
    contexts: Contexts

    @property
    def label(self) -> str:
        return f"{self.page_type.name}-{self.lang}"


@pytest.fixture(scope="module", params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def opened(
    page_type: PageType, lang: str, browser: Browser, live_server: LiveServer
) -> Iterator[Opened]:
    missing = [e for e in page_type.needs if not live_server.has(e)]
    if missing:
        pytest.skip(f"not in this build: {', '.join(missing)}")
    contexts = Contexts(browser, live_server)
    try:
        page = contexts.page(page_type.device, lang=lang)
        statuses: list[int] = []
        page.on(
            "response",
            lambda r: (
                statuses.append(r.status)
                if r.request.is_navigation_request() and r.frame == page.main_frame
                else None
            ),
        )
        page_type.open(page, contexts)
        page.wait_for_load_state()
        assert statuses, "no page was loaded"
        yield Opened(page, page_type, lang, statuses[-1], contexts)
    finally:
        contexts.close()


def known(request: pytest.FixtureRequest, opened: Opened, check: str) -> None:
    problem = opened.page_type.known.get(check)
    if problem:
        request.applymarker(pytest.mark.xfail(reason=f"known: {problem}", strict=True))


def test_status_and_language(opened: Opened) -> None:
    page = opened.page
    assert opened.status == opened.page_type.status
    assert page.locator("html").get_attribute("lang") == opened.lang
    assert page.title().strip()
    assert page.locator("a.skip").inner_text().strip() == SKIP_LINK[opened.lang]
    # The language switch offers the other language, marked with its own language.
    for link in page.locator(".langs a").all():
        assert link.get_attribute("lang") in LANGUAGES
        assert link.get_attribute("lang") != opened.lang


def test_axe_no_serious_violations(
    request: pytest.FixtureRequest, opened: Opened, axe_available: None
) -> None:
    known(request, opened, "axe")
    violations = run_axe(opened.page)
    save_axe_report(opened.label, violations)
    assert not serious(violations), "\n".join(serious(violations))


def test_no_sideways_scroll(request: pytest.FixtureRequest, opened: Opened, shoot) -> None:  # type: ignore[no-untyped-def]
    """360 px on a phone: nothing wider than the screen, no content wider than its box."""
    known(request, opened, "fits")
    page = opened.page
    reset_text_zoom(page)
    shoot(page, opened.label)
    width = DEVICES[opened.page_type.device]["viewport"]["width"]
    assert page.evaluate("() => document.documentElement.clientWidth") == width
    assert overflow_problems(page) == []


def test_text_200_percent(request: pytest.FixtureRequest, opened: Opened, shoot) -> None:  # type: ignore[no-untyped-def]
    """Large text as set on the phone: every rem doubled, still nothing wider than the screen
    and nothing cut off."""
    known(request, opened, "text_200")
    page = opened.page
    zoom_text(page, 2)
    try:
        shoot(page, opened.label)
        assert overflow_problems(page) == []
    finally:
        reset_text_zoom(page)


def test_nothing_foreign_or_broken(opened: Opened) -> None:
    """No request to another host, no server error, CSP violation or script error so far."""
    problems = [p for _, watch in opened.contexts.made for p in watch.problems]
    problems += [f"server: {e}" for e in opened.contexts.server.take_errors()]
    assert problems == []

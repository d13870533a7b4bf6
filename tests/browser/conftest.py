"""Fixtures of the browser tests: the real app on 127.0.0.1 (a free port, its own instance folder
and SQLite file, the shipped content, CSRF on), Debian's Chromium driven by Playwright, and
browser contexts that fail the test when a page loads from another host, gets a server error,
breaks the CSP or throws a script error.

The tests need /usr/bin/chromium, the `playwright` Python package and axe-core in
tests/browser/node_modules; `make test` installs all three. Without them the tests are skipped
with the reason, unless CANHGIAC_REQUIRE_BROWSER=1 (set by `make test`, so CI), which makes
them fail instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REQUIRE_BROWSER = os.environ.get("CANHGIAC_REQUIRE_BROWSER") == "1"

try:
    from playwright.sync_api import Browser, Page, Playwright, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    if REQUIRE_BROWSER:
        raise pytest.UsageError(
            "CANHGIAC_REQUIRE_BROWSER=1 but the playwright package is missing: "
            "pip install -e '.[test]'"
        ) from None
    sync_playwright = None  # type: ignore[assignment]
    # The test modules import Playwright: leave them out, and say so in the header.
    collect_ignore_glob = ["test_*.py"]

    def pytest_report_header() -> str:
        return "browser tests: not collected (the playwright package is not installed)"


if sync_playwright is not None:
    from playwright.sync_api import expect

    # A busy CI machine (or one running load tests next door) is slower than Playwright's 5 s
    # default for expect(); nothing here is a timed assertion.
    expect.set_options(timeout=15_000)

    from .browserkit import (
        AXE_JS,
        CHROMIUM,
        CHROMIUM_ARGS,
        PAGE_TYPES,
        PROJECT_ROOT,
        Contexts,
        LiveServer,
        screenshot,
        start_server,
        stop_server,
    )


def _unavailable(reason: str) -> None:
    hint = " (`make test` installs it)"
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason}{hint}; CANHGIAC_REQUIRE_BROWSER=1 forbids skipping", pytrace=False)
    pytest.skip(f"{reason}{hint}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, marked or not."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`page_type` runs a test on every page type of browserkit.PAGE_TYPES."""
    if "page_type" in metafunc.fixturenames and sync_playwright is not None:
        # Module scope: the tests of one page type run together, on a page opened once.
        metafunc.parametrize(
            "page_type", PAGE_TYPES, ids=[p.name for p in PAGE_TYPES], scope="module"
        )


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (Debian package `chromium`)")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app as a resident meets it: the shipped content, not in testing mode, CSRF on."""
    tmp = tmp_path_factory.mktemp("browser-server")
    config: dict[str, Any] = {
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": tmp / "instance",
        "DATABASE_URL": f"sqlite:///{tmp / 'canhgiac.sqlite3'}",
        "CONTENT": str(PROJECT_ROOT),
        "PRINT_CACHE": str(tmp / "print-cache"),
        "WTF_CSRF_ENABLED": True,
    }
    server = start_server(config)
    yield server
    stop_server(server)


@pytest.fixture
def contexts(browser: Browser, live_server: LiveServer) -> Iterator[Contexts]:
    """New browser contexts for this test (`contexts.new("phone", js=False, lang="en")`);
    checked when the test ends."""
    made = Contexts(browser, live_server)
    yield made
    problems = made.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def phone(contexts: Contexts) -> Page:
    """A page on a 360 x 640 phone with JavaScript on."""
    return contexts.page("phone")


@pytest.fixture
def shoot(request: pytest.FixtureRequest) -> Any:
    """shoot(page, "label"): test-artifacts/screenshots/<test-name>-<label>.png."""
    name = request.node.originalname

    def take(page: Page, label: str, *, full_page: bool = True) -> Path:
        return screenshot(page, name, label, full_page=full_page)

    return take


@pytest.fixture(scope="session")
def axe_available() -> None:
    if not AXE_JS.is_file():
        _unavailable(
            f"axe-core is not installed: {AXE_JS} is missing (npm ci --prefix tests/browser)"
        )

"""What the browser tests share: the app served on 127.0.0.1, the devices, the page types, and
the checks run inside the page (overflow, axe-core).

Adding a page type (a new feature's page) is one `PageType(...)` entry in PAGE_TYPES with a
function that opens it in a fresh browser context: every page-type test in
test_browser_pages.py (language, axe-core, 360 px, 200 % text, screenshots, no foreign
requests) then covers it in both languages.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask, got_request_exception
from playwright.sync_api import (
    APIRequestContext,
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parents[1]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_REPORTS = ARTIFACTS / "axe"
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"

#: Debian's Chromium; Playwright's own browser download is never used.
CHROMIUM = os.environ.get("CANHGIAC_CHROMIUM", "/usr/bin/chromium")
#: Without the background-networking flags Chromium keeps trying to reach Google services,
#: which on a closed network only fills the log with refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: A cheap Android phone (360 x 640 CSS pixels), and the trainer's laptop on a projector.
DEVICES: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 360, "height": 640},
        "device_scale_factor": 1,
        "is_mobile": True,
        "has_touch": True,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
    },
    "laptop": {
        "viewport": {"width": 1280, "height": 720},
        "device_scale_factor": 1,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
    },
}
LANGUAGES = ("vi", "en")

#: Waiting for something the server or live.js does (a poll every 2 s, a 5 s meta refresh).
LIVE_TIMEOUT_MS = 20_000


# -- the server -----------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # one line per request: too many
        pass


@dataclass
class LiveServer:
    """The real app (CSRF on, not in testing mode) served by werkzeug in a background thread."""

    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread
    errors: list[str] = field(default_factory=list)
    trainer: tuple[str, str] | None = None
    trainer_cookies: list[Any] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def catalog(self) -> Any:
        return self.app.extensions["canhgiac.catalog"]

    def has(self, endpoint: str) -> bool:
        """Whether this build has the page (features land at different times)."""
        return endpoint in self.app.view_functions

    def engine(self) -> Any:
        return self.app.extensions["canhgiac.store"].engine

    def trainer_account(self) -> tuple[str, str]:
        """A trainer for the live-session pages (created once)."""
        if self.trainer is None:
            from canhgiac.live import auth

            name, password = "tap.huan", "mat-khau-" + secrets.token_hex(8)
            auth.add_trainer(self.engine(), name, password)
            self.trainer = (name, password)
        return self.trainer

    def say(self, message: str, lang: str, **values: Any) -> str:
        """An interface string as the app shows it in `lang` (from its translations)."""
        from flask_babel import gettext

        with self.app.test_request_context(f"/?lang={lang}"):
            return str(gettext(message, **values))

    def take_errors(self) -> list[str]:
        errors, self.errors[:] = list(self.errors), []
        return errors


def start_server(config: dict[str, Any]) -> LiveServer:
    from canhgiac import create_app

    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    live = LiveServer(app, server, thread)

    def record(sender: Flask, exception: BaseException, **extra: Any) -> None:
        live.errors.append(f"{type(exception).__name__}: {exception}")

    got_request_exception.connect(record, app, weak=False)
    thread.start()
    return live


def stop_server(live: LiveServer) -> None:
    live.server.shutdown()
    live.server.server_close()
    live.thread.join(timeout=10)
    live.app.extensions["canhgiac.store"].dispose()


# -- browser contexts that watch what pages do ------------------------------------------------


@dataclass
class Watch:
    """Everything a context's pages did that a resident's phone must never do: load from another
    host, hit a server error, break the Content-Security-Policy or throw a script error."""

    host: str
    problems: list[str] = field(default_factory=list)

    def request(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc != self.host:
            self.problems.append(f"request to another host: {url}")

    def response(self, url: str, status: int) -> None:
        if status >= 500:
            self.problems.append(f"server error {status}: {url}")

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.problems.append(f"CSP violation: {text}")

    def page_error(self, error: Any) -> None:
        self.problems.append(f"script error: {error}")

    def attach(self, context: BrowserContext) -> None:
        context.on("request", lambda r: self.request(r.url))
        context.on("response", lambda r: self.response(r.url, r.status))

        def on_page(page: Page) -> None:
            page.on("console", self.console)
            page.on("pageerror", self.page_error)

        context.on("page", on_page)


class Contexts:
    """Makes browser contexts for one test (or one module) and checks them when closed."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.made: list[tuple[BrowserContext, Watch]] = []

    def new(
        self, device: str = "phone", *, js: bool = True, lang: str | None = None, **options: Any
    ) -> BrowserContext:
        settings = {**DEVICES[device], **options}
        context = self.browser.new_context(
            base_url=self.server.base, java_script_enabled=js, **settings
        )
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(20_000)
        watch = Watch(self.server.host)
        watch.attach(context)
        if lang:
            set_language(context, self.server, lang)
        self.made.append((context, watch))
        return context

    def page(self, device: str = "phone", **options: Any) -> Page:
        return self.new(device, **options).new_page()

    def close(self) -> list[str]:
        """Close every context; returns what went wrong in them, with the server's errors."""
        problems: list[str] = []
        for context, watch in self.made:
            try:
                context.close()
            except Exception as exc:  # noqa: BLE001 - a crashed context is reported below
                problems.append(f"closing a context failed: {exc}")
            problems.extend(watch.problems)
        self.made.clear()
        problems.extend(f"server: {e}" for e in self.server.take_errors())
        return list(dict.fromkeys(problems))


def set_language(context: BrowserContext, server: LiveServer, lang: str) -> None:
    """The `lang` cookie the language switch sets (see test_browser_quiz.py for the switch)."""
    context.add_cookies([{"name": "lang", "value": lang, "url": server.base}])


# -- screenshots ----------------------------------------------------------------------------


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def screenshot(page: Page, test_name: str, label: str, *, full_page: bool = True) -> Path:
    """Save test-artifacts/screenshots/<test-name>-<label>.png for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{slug(test_name)}-{slug(label)}.png"
    page.wait_for_load_state()
    try:
        page.screenshot(path=str(path), full_page=full_page, animations="disabled", scale="css")
    except PlaywrightTimeoutError:
        # A live page may reload itself (live.js) just as the picture is taken: once more,
        # on the page it settled on.
        page.wait_for_load_state()
        page.screenshot(path=str(path), full_page=full_page, animations="disabled", scale="css")
    return path


# -- checks inside the page ------------------------------------------------------------------

#: The overflow check, run inside the page (see the file's comment).
OVERFLOW_JS = (HERE / "overflow.js").read_text(encoding="utf-8")

#: Large text as a resident sets it on the phone: every size in rem/em doubles.
TEXT_ZOOM_JS = """
(factor) => {
  const html = document.documentElement;
  html.style.fontSize = '';
  const base = parseFloat(getComputedStyle(html).fontSize);
  html.style.fontSize = (base * factor) + 'px';
  return parseFloat(getComputedStyle(html).fontSize) / base;
}
"""


def overflow_problems(page: Page) -> list[str]:
    return page.evaluate(OVERFLOW_JS)  # type: ignore[no-any-return]


def zoom_text(page: Page, factor: float) -> None:
    applied = page.evaluate(TEXT_ZOOM_JS, factor)
    assert abs(applied - factor) < 0.01, f"text zoom not applied: {applied}"


def reset_text_zoom(page: Page) -> None:
    page.evaluate("() => { document.documentElement.style.fontSize = ''; }")


AXE_RUN_JS = """
async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
  }));
}
"""


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page, injected from tests/browser/node_modules. The script
    is evaluated through the DevTools protocol, which the page's CSP does not govern."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(AXE_RUN_JS)  # type: ignore[no-any-return]


def save_axe_report(name: str, violations: list[dict[str, Any]]) -> None:
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{slug(name)}.json").write_text(
        json.dumps(violations, ensure_ascii=False, indent=1), encoding="utf-8"
    )


def serious(violations: list[dict[str, Any]]) -> list[str]:
    """The serious and critical violations, one line each with where they are."""
    lines = []
    for v in violations:
        if v["impact"] in ("serious", "critical"):
            where = ", ".join(n["target"] for n in v["nodes"][:5])
            lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {where}")
    return lines


# -- the quiz ---------------------------------------------------------------------------------

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = TOKEN_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def scenario_of(question: Any) -> Any:
    return getattr(question, "scenario", None)


def text_length(value: Any) -> int:
    """Rough amount of text in a content object (to pick the longest lesson)."""
    if value is None:
        return 0
    if hasattr(value, "items") and not isinstance(value, dict):
        return sum(len(str(v)) for _, v in value.items)
    if isinstance(value, tuple | list):
        return sum(text_length(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return sum(text_length(getattr(value, f)) for f in value.__dataclass_fields__)
    return len(value) if isinstance(value, str) else 0


def flow_quiz(server: LiveServer) -> Any:
    """The quiz the tests take: one with every question type the catalog has, fewest questions."""
    quizzes = list(server.catalog.quizzes.values())
    assert quizzes, "the content has no quiz"
    all_types = {q.type for quiz in quizzes for q in quiz.questions}
    return min(
        quizzes,
        key=lambda quiz: (
            len(all_types - {q.type for q in quiz.questions}),
            len(quiz.questions),
            quiz.id,
        ),
    )


def first_of_type(quiz: Any, kind: str) -> int | None:
    """The number (1-based) of the quiz's first question of this type."""
    for n, question in enumerate(quiz.questions, start=1):
        if question.type == kind:
            return n
    return None


def answer_for(question: Any, right: bool) -> list[tuple[str, str]]:
    """Form fields for a right or wrong answer: ("choice", key) pairs, and ("flag", part) for
    the red flags tapped in a scenario (all of them when right, a harmless part when wrong)."""
    correct = sorted(question.correct_keys)
    keys = [c.key for c in question.choices]
    wrong = [k for k in keys if k not in question.correct_keys]
    scenario = scenario_of(question)
    if scenario is not None:
        if right:
            return [("choice", correct[0])] + [("flag", f.part) for f in scenario.flags]
        flagged = {f.part for f in scenario.flags}
        harmless = [p for p in scenario.tappable if p not in flagged][:1]
        return [("choice", wrong[0])] + [("flag", p) for p in harmless]
    if right:
        return [("choice", k) for k in correct]
    if question.type == "multiple":
        return [("choice", k) for k in correct[:-1] or wrong[:1]]
    return [("choice", wrong[0])]


def start_quiz(page: Page, quiz_id: str) -> str:
    """Open the quiz's intro and press Start; returns the question page's URL prefix
    (/q/<quiz>/a/<attempt>/)."""
    page.goto(f"/q/{quiz_id}")
    page.locator("form[action$='/start'] [type=submit]").click()
    page.wait_for_url(re.compile(r"/q/[^/]+/a/[^/]+/1$"))
    return urlsplit(page.url).path.rsplit("/", 1)[0] + "/"


def press(locator: Any, finger: bool) -> None:
    """A tap on a phone (a touch screen), a click elsewhere."""
    if finger:
        locator.tap()
    else:
        locator.click()


def tick(page: Page, fields: list[tuple[str, str]], *, finger: bool = False) -> None:
    """Tick the answer's options on their labels, where a finger lands."""
    for name, value in fields:
        box = page.locator(f"input[name={name}][value='{value}']")
        press(page.locator(f"label[for='{box.get_attribute('id')}']"), finger)
        assert box.is_checked(), f"{name}={value} did not get ticked"


def submit_answer(page: Page, *, finger: bool = False) -> None:
    """Send the answer form and wait for the page it leads to (a plain form POST: waiting for
    the load state alone could return before the navigation starts)."""
    with page.expect_navigation():
        press(page.locator("main form [type=submit]"), finger)
    page.wait_for_load_state()


def expect_score(page: Page, server: LiveServer, score: int, total: int) -> None:
    """The page shows the score line of a finished quiz or session, in Vietnamese."""
    expect(page.locator(".score")).to_have_text(
        server.say(
            "You answered %(score)d of %(total)d questions correctly",
            "vi",
            score=score,
            total=total,
        )
    )


def post_answers(
    request: APIRequestContext, prefix: str, quiz: Any, numbers: list[int], right: bool = True
) -> None:
    """Answer questions without rendering them (to reach later pages quickly). The answer form
    has no CSRF token (canhgiac/web/origin.py)."""
    for n in numbers:
        post_urlencoded(request, f"{prefix}{n}", answer_for(quiz.questions[n - 1], right))


def post_urlencoded(request: APIRequestContext, url: str, fields: list[tuple[str, str]]) -> Any:
    """A form POST with repeated fields (Playwright's `form=` takes a dict), without following
    its redirect (nobody looks at the page it leads to)."""
    response = request.post(
        url,
        data=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    assert response.status in (200, 302, 303), (url, response.status)
    return response


# -- live sessions ----------------------------------------------------------------------------


def post_form(
    request: APIRequestContext, page_path: str, action: str, fields: dict[str, str]
) -> Any:
    """Submit a form the way the page would, with the CSRF token of that page."""
    token = csrf_token(request.get(page_path).text())
    body = {"csrf_token": token, **fields}
    return request.post(action, form=body)


def login_trainer(context: BrowserContext, server: LiveServer) -> None:
    """Log the context in as the test trainer: through the login form once, then with the
    session cookie that login got (checking a password is slow on purpose)."""
    if server.trainer_cookies:
        context.add_cookies(server.trainer_cookies)
        return
    name, password = server.trainer_account()
    response = post_form(
        context.request, "/t/login", "/t/login", {"name": name, "password": password}
    )
    assert response.ok and "/t/" in response.url, (response.status, response.url)
    if not server.trainer_cookies:
        server.trainer_cookies = [c for c in context.cookies() if c["name"] != "lang"]


@dataclass
class LiveRun:
    """A live session driven over HTTP from the trainer's context."""

    trainer: BrowserContext
    session_id: str
    code: str
    token: str  # the trainer's CSRF token (the same for every form of the browser session)

    def control(self, action: str, n: int | None = None) -> None:
        fields = [("csrf_token", self.token)] + ([("n", str(n))] if n is not None else [])
        post_urlencoded(self.trainer.request, f"/t/s/{self.session_id}/{action}", fields)


def start_live(trainer: BrowserContext, server: LiveServer, quiz_id: str) -> LiveRun:
    login_trainer(trainer, server)
    response = post_form(trainer.request, "/t/", "/t/sessions", {"quiz": quiz_id, "kind": "none"})
    assert response.ok, response.status
    match = re.search(r"/t/s/([0-9a-f]+)$", response.url)
    assert match, response.url
    html = response.text()
    code = re.search(r'class="join-code">(\d{6})<', html)
    assert code, "no join code on the control page"
    return LiveRun(trainer, match.group(1), code.group(1), csrf_token(html))


def join_live(context: BrowserContext, code: str, nickname: str = "") -> None:
    token = csrf_token(context.request.get(f"/j/{code}").text())
    fields = [("csrf_token", token), ("code", code), ("nickname", nickname)]
    response = post_urlencoded(context.request, "/j", fields)
    assert response.headers.get("location", "").endswith(f"/s/{code}"), response.headers


# -- page types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageType:
    """One kind of page, and how to open it in a fresh context (cookies: language only)."""

    name: str
    open: Callable[[Page, Contexts], None]
    #: Endpoints this build must have, else the page type is skipped (a feature not landed).
    needs: tuple[str, ...] = ()
    #: The status the page is served with.
    status: int = 200
    #: Where it is used: "phone" (360 x 640) or "laptop" (the projector view only).
    device: str = "phone"
    #: Known problems of pages owned by other features: check name ("axe", "fits",
    #: "text_200") -> the problem. The check is then an expected failure (strict: once the
    #: page is fixed the test fails until the entry is removed).
    known: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


#: A light grey 4 x 3 PNG standing in for the print page's previews, which the server would render
#: from PDFs (a second each) as a tall page scrolls them into view.
PLACEHOLDER_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000004000000030800000000919ff11a"
    "0000000e49444154789c63b80b040c7002004dc10a5d2768c27a0000000049454e44ae426082"
)


def placeholder_previews(page: Page) -> None:
    page.route(
        "**/print/*.png",
        lambda route: route.fulfill(status=200, body=PLACEHOLDER_PNG, content_type="image/png"),
    )


def arrived(page: Page, path: str) -> None:
    """The page is the one asked for, not a redirect (to the login page, say)."""
    assert urlsplit(page.url).path == urlsplit(path).path, f"asked for {path}, got {page.url}"


def _print_page(page: Page, contexts: Contexts) -> None:
    login_trainer(page.context, contexts.server)  # handouts are rendered for trainers only
    placeholder_previews(page)
    page.goto("/print")
    arrived(page, "/print")


def _goto(path: str) -> Callable[[Page, Contexts], None]:
    def open_(page: Page, contexts: Contexts) -> None:
        page.goto(path)
        arrived(page, path)

    return open_


def _longest_lesson(page: Page, contexts: Contexts) -> None:
    lessons = list(contexts.server.catalog.lessons.values())
    longest = max(lessons, key=text_length)
    page.goto(f"/l/{longest.id}")


def _intro(page: Page, contexts: Contexts) -> None:
    page.goto(f"/q/{flow_quiz(contexts.server).id}")


def _question(kind: str | None, *, answered: bool = False, right: bool = False) -> Any:
    def open_(page: Page, contexts: Contexts) -> None:
        quiz = flow_quiz(contexts.server)
        n = 1 if kind is None else first_of_type(quiz, kind)
        if n is None:
            pytest.skip(f"no {kind} question in {quiz.id}")
        prefix = start_quiz(page, quiz.id)
        if answered:
            post_answers(page.context.request, prefix, quiz, [n], right=right)
        page.goto(f"{prefix}{n}")

    return open_


def _question_missing(page: Page, contexts: Contexts) -> None:
    start_quiz(page, flow_quiz(contexts.server).id)
    submit_answer(page)  # nothing chosen
    assert page.locator("[role=alert]").count() == 1


def _result(page: Page, contexts: Contexts) -> None:
    quiz = flow_quiz(contexts.server)
    prefix = start_quiz(page, quiz.id)
    numbers = list(range(1, len(quiz.questions) + 1))
    post_answers(page.context.request, prefix, quiz, numbers[::2], right=True)
    post_answers(page.context.request, prefix, quiz, numbers[1::2], right=False)
    page.goto(f"{prefix}result")


def _scenario_tapped(page: Page, contexts: Contexts) -> None:
    """A scenario with one red flag and one harmless part tapped (not yet answered)."""
    _question("scenario")(page, contexts)
    scenario = scenario_of(flow_quiz(contexts.server).questions[_n_scenario(contexts) - 1])
    flagged = [f.part for f in scenario.flags][:1]
    harmless = [p for p in scenario.tappable if p not in {f.part for f in scenario.flags}][:1]
    tick(page, [("flag", p) for p in flagged + harmless])


def _n_scenario(contexts: Contexts) -> int:
    n = first_of_type(flow_quiz(contexts.server), "scenario")
    assert n is not None
    return n


def _trainer(path: str) -> Callable[[Page, Contexts], None]:
    def open_(page: Page, contexts: Contexts) -> None:
        login_trainer(page.context, contexts.server)
        page.goto(path)
        arrived(page, path)

    return open_


def _results_quiz(page: Page, contexts: Contexts) -> None:
    _trainer(f"/trainer/results/q/{flow_quiz(contexts.server).id}")(page, contexts)


def _live(view: str, stage: str) -> Callable[[Page, Contexts], None]:
    """A live-session page: `view` is phone, control, screen, report or hands; `stage` lobby,
    open, revealed or ended. Another phone joined too; past the first question both answered
    (this phone wrongly)."""

    def open_(page: Page, contexts: Contexts) -> None:
        server = contexts.server
        quiz = flow_quiz(server)
        trainer = page.context if view != "phone" else contexts.new("laptop")
        run = start_live(trainer, server, quiz.id)
        other = contexts.new("phone")
        join_live(other, run.code)
        if view == "phone":
            join_live(page.context, run.code)
        if stage != "lobby":
            run.control("start")
        if stage in ("revealed", "ended"):
            _live_answer(other, run.code, quiz, 1)
            if view == "phone":
                _live_answer(page.context, run.code, quiz, 1, right=False)
            run.control("reveal", 1)
        if stage == "ended":
            run.control("end")
        path = {
            "phone": f"/s/{run.code}",
            "control": f"/t/s/{run.session_id}",
            "screen": f"/t/s/{run.session_id}/screen",
            "report": f"/t/s/{run.session_id}/report",
            "hands": f"/t/s/{run.session_id}/hands/1",
        }[view]
        page.goto(path)
        arrived(page, path)

    return open_


def _live_answer(context: BrowserContext, code: str, quiz: Any, n: int, right: bool = True) -> None:
    question = quiz.questions[n - 1]
    token = csrf_token(context.request.get(f"/s/{code}").text())
    fields = [("csrf_token", token), ("n", str(n)), ("q", question.id)]
    fields += [(k, v) for k, v in answer_for(question, right) if k == "choice"]
    post_urlencoded(context.request, f"/s/{code}/answer", fields)


LIVE = ("live.phone", "trainer.control")
RESULTS = ("results.overview",)

# Problems found in pages of other features, reported to their owners; each is an expected
# failure of one check (PageType.known). Remove the entry once the page is fixed.
# (None at the moment.)

PAGE_TYPES: list[PageType] = [
    # The resident's pages, opened from a QR code or the home page.
    PageType("home", _goto("/")),
    PageType("lesson", _longest_lesson),
    PageType("quiz-intro", _intro),
    PageType("question", _question(None)),
    PageType("question-multiple", _question("multiple")),
    PageType("question-truefalse", _question("truefalse")),
    PageType("question-unanswered-alert", _question_missing, status=400),
    PageType("question-feedback", _question(None, answered=True)),
    PageType("scenario", _scenario_tapped),
    PageType("scenario-feedback", _question("scenario", answered=True, right=False)),
    PageType("result", _result),
    PageType("error-404", _goto("/no-such-page"), status=404),
    # Live sessions: the phones.
    PageType("live-join", _goto("/j"), needs=LIVE),
    PageType("live-phone-lobby", _live("phone", "lobby"), needs=LIVE),
    PageType("live-phone-question", _live("phone", "open"), needs=LIVE),
    PageType("live-phone-revealed", _live("phone", "revealed"), needs=LIVE),
    PageType("live-phone-ended", _live("phone", "ended"), needs=LIVE),
    # The trainer's pages (also used on the trainer's own phone).
    PageType("trainer-login", _goto("/t/login"), needs=LIVE),
    PageType("trainer-home", _trainer("/t/"), needs=LIVE),
    PageType("live-control-lobby", _live("control", "lobby"), needs=LIVE),
    PageType("live-control-question", _live("control", "open"), needs=LIVE),
    PageType("live-report", _live("report", "ended"), needs=LIVE),
    PageType("live-hands", _live("hands", "revealed"), needs=LIVE),
    PageType("results-overview", _trainer("/trainer/results"), needs=RESULTS),
    PageType("results-quiz", _results_quiz, needs=("results.quiz",)),
    PageType("results-sources", _trainer("/trainer/results/sources"), needs=("results.sources",)),
    PageType("print", _print_page, needs=("printing.index",)),
    # The projector view: on the laptop, never on a phone.
    PageType("live-screen-lobby", _live("screen", "lobby"), needs=LIVE, device="laptop"),
    PageType("live-screen-question", _live("screen", "open"), needs=LIVE, device="laptop"),
    PageType("live-screen-revealed", _live("screen", "revealed"), needs=LIVE, device="laptop"),
    PageType("live-screen-ended", _live("screen", "ended"), needs=LIVE, device="laptop"),
]


def page_type_ids() -> list[str]:
    return [p.name for p in PAGE_TYPES]

"""The data budget of a quiz question page, measured in the browser: what a phone downloads to
show it (HTML, CSS, JavaScript; decoded sizes, a cold cache) stays under 30 KB, and nothing is
asked of any other host. Residents pay for mobile data by the megabyte."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Response

from .browserkit import Contexts, LiveServer, first_of_type, flow_quiz, post_answers, start_quiz

pytestmark = pytest.mark.browser

BUDGET = 30 * 1024
COUNTED = ("document", "stylesheet", "script")


def question_pages(server: LiveServer) -> list[tuple[str, int, bool]]:
    """(label, question number, answered) for each kind of question page of the quiz."""
    quiz = flow_quiz(server)
    pages = []
    for kind in dict.fromkeys(q.type for q in quiz.questions):
        n = first_of_type(quiz, kind)
        assert n is not None
        pages += [(f"{kind}", n, False), (f"{kind}-feedback", n, True)]
    return pages


def test_question_pages_load_under_30_kb_from_this_host_only(
    contexts: Contexts, live_server: LiveServer
) -> None:
    quiz = flow_quiz(live_server)
    # One resident's phone with two attempts: one untouched, one with answers (feedback shown).
    first = contexts.new("phone")
    page = first.new_page()
    fresh = start_quiz(page, quiz.id)
    answered = start_quiz(page, quiz.id)
    pages = question_pages(live_server)
    post_answers(first.request, answered, quiz, sorted({n for _, n, done in pages if done}))
    state = first.storage_state()

    report = []
    for label, n, done in pages:
        # A fresh context with the same cookies: nothing in the cache.
        context = contexts.new("phone", storage_state=state)
        sizes, hosts = measure(context, f"{answered if done else fresh}{n}")
        total = sum(sizes.values())
        report.append(f"{label}: {total} bytes {sizes}")
        assert any(url.endswith(f"/{n}") for url in sizes), f"{label}: page not counted {sizes}"
        assert total < BUDGET, "\n".join(report)
        assert hosts == {live_server.host}, f"{label}: requests to {hosts}"
        context.close()
    print("\n".join(report))  # shown with -s, or when the test fails


def measure(context: BrowserContext, url: str) -> tuple[dict[str, int], set[str]]:
    """Load `url`: the decoded size of each HTML, CSS and JS response, and every host asked."""
    responses: list[Response] = []
    hosts: set[str] = set()
    context.on("response", lambda r: responses.append(r))
    context.on("request", lambda r: hosts.add(urlsplit(r.url).netloc or urlsplit(r.url).scheme))
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("load")
    sizes = {
        r.url: len(r.body())
        for r in responses
        if r.request.resource_type in COUNTED and r.status == 200
    }
    return sizes, hosts

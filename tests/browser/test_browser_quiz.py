"""The self-paced quiz as residents take it: on a 360 x 640 phone with JavaScript on and off,
from the home page to the score; switching language; by keyboard alone; tapping the red flags
of a scenario question."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .browserkit import (
    Contexts,
    LiveServer,
    answer_for,
    expect_score,
    first_of_type,
    flow_quiz,
    press,
    scenario_of,
    start_quiz,
    submit_answer,
    tick,
)

pytestmark = pytest.mark.browser

JS = pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])


def squash(text: str) -> str:
    return " ".join(text.split())


def progress(server: LiveServer, lang: str, n: int, total: int) -> str:
    return server.say("Question %(n)d of %(total)d", lang, n=n, total=total)


@JS
def test_whole_quiz_on_a_phone(
    contexts: Contexts, live_server: LiveServer, shoot, js: bool
) -> None:  # type: ignore[no-untyped-def]
    quiz = flow_quiz(live_server)
    total = len(quiz.questions)
    page = contexts.page("phone", js=js)
    label = "js-on" if js else "js-off"

    page.goto("/")
    press(page.locator(f"a.card[href='/q/{quiz.id}']"), True)
    expect(page).to_have_url(re.compile(f"/q/{quiz.id}$"))
    shoot(page, f"{label}-intro")
    press(page.locator("form[action$='/start'] [type=submit]"), True)

    right_count = 0
    shot: set[str] = set()
    for n, question in enumerate(quiz.questions, start=1):
        expect(page).to_have_url(re.compile(rf"/q/{quiz.id}/a/[^/]+/{n}$"))
        expect(page.locator(".progress")).to_contain_text(progress(live_server, "vi", n, total))
        right = n % 3 != 0  # every third answer wrong
        tick(page, answer_for(question, right), finger=True)
        if question.type not in shot:
            shoot(page, f"{label}-question-{question.type}")
        submit_answer(page, finger=True)
        verdict = page.locator(".verdict")
        expect(verdict).to_contain_text(live_server.say("Right!" if right else "Not quite.", "vi"))
        if question.type not in shot:
            shoot(page, f"{label}-feedback-{question.type}")
            shot.add(question.type)
        right_count += right
        press(page.locator(".actions a.button"), True)

    expect(page).to_have_url(re.compile(rf"/q/{quiz.id}/a/[^/]+/result$"))
    expect_score(page, live_server, right_count, total)
    assert page.locator("ol.review > li").count() == total
    shoot(page, f"{label}-result")


def test_language_switch(contexts: Contexts, live_server: LiveServer, shoot) -> None:  # type: ignore[no-untyped-def]
    quiz = flow_quiz(live_server)
    total = len(quiz.questions)
    page = contexts.page("phone")
    html = page.locator("html")

    page.goto("/")
    expect(html).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text(live_server.say("Learn to spot scams", "vi"))
    press(page.locator(".langs a[lang=en]"), True)
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Learn to spot scams")
    shoot(page, "home-en")

    # Remembered: the quiz opened later (as from a QR code, without ?lang) is in English.
    start_quiz(page, quiz.id)
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator(".progress")).to_contain_text(progress(live_server, "en", 1, total))
    prompt = page.locator("h1").first
    assert squash(prompt.inner_text()) == squash(quiz.questions[0].prompt.get("en"))
    shoot(page, "question-en")

    # Back to Vietnamese in the middle of the quiz: the same question, now in Vietnamese.
    url = page.url
    press(page.locator(".langs a[lang=vi]"), True)
    expect(html).to_have_attribute("lang", "vi")
    assert page.url.split("?")[0] == url.split("?")[0]
    expect(page.locator(".progress")).to_contain_text(progress(live_server, "vi", 1, total))
    assert squash(prompt.inner_text()) == squash(quiz.questions[0].prompt.get("vi"))
    assert {c["name"]: c["value"] for c in page.context.cookies()}["lang"] == "vi"
    shoot(page, "question-vi")


# -- keyboard alone -------------------------------------------------------------------------

FOCUS_JS = """
() => {
  const a = document.activeElement;
  const shows = (el) => {
    if (!el) return false;
    const s = getComputedStyle(el);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  };
  const label = a.labels && a.labels.length ? a.labels[0] : null;
  return {
    tag: a.tagName.toLowerCase(), type: a.type || '', name: a.name || '', value: a.value || '',
    checked: !!a.checked, cls: a.className || '', visible: shows(a) || shows(label),
  };
}
"""


def focused(page: Page) -> dict[str, object]:
    info = page.evaluate(FOCUS_JS)
    assert info["visible"], f"no visible focus indicator on {info}"
    return info  # type: ignore[no-any-return]


def tab_to(page: Page, matches, limit: int = 60) -> dict[str, object]:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        if matches(info):
            return info
    raise AssertionError("never reached by Tab")


def answer_by_keyboard(page: Page, wanted: list[tuple[str, str]]) -> None:
    """Tab through the form: Space ticks a wanted checkbox, arrows pick a radio, Enter on the
    submit button sends it."""
    want = set(wanted)
    radios = {name: value for name, value in wanted}
    for _ in range(100):
        page.keyboard.press("Tab")
        info = focused(page)
        if info["type"] == "checkbox":
            if (info["name"], info["value"]) in want and not info["checked"]:
                page.keyboard.press("Space")
        elif info["type"] == "radio":
            target = radios[str(info["name"])]
            for _ in range(12):
                if info["value"] == target:
                    if not info["checked"]:
                        page.keyboard.press("Space")
                    break
                page.keyboard.press("ArrowDown")
                info = focused(page)
            assert info["value"] == target
        elif info["type"] == "submit":
            for name, value in wanted:
                assert page.locator(f"input[name={name}][value='{value}']").is_checked()
            page.keyboard.press("Enter")
            return
    raise AssertionError("the submit button was never reached by Tab")


def test_quiz_by_keyboard_alone(contexts: Contexts, live_server: LiveServer, shoot) -> None:  # type: ignore[no-untyped-def]
    quiz = flow_quiz(live_server)
    total = len(quiz.questions)
    page = contexts.page("laptop")
    page.goto(f"/q/{quiz.id}")

    # The first Tab shows the skip link.
    skip = tab_to(page, lambda i: True, limit=1)
    assert "skip" in str(skip["cls"])
    expect(page.locator("a.skip")).to_be_in_viewport()
    tab_to(page, lambda i: i["type"] == "submit")
    page.keyboard.press("Enter")

    for n, question in enumerate(quiz.questions, start=1):
        expect(page).to_have_url(re.compile(rf"/a/[^/]+/{n}$"))
        answer_by_keyboard(page, answer_for(question, right=True))
        expect(page.locator(".verdict")).to_contain_text(live_server.say("Right!", "vi"))
        if n == 1:
            shoot(page, "feedback")
        tab_to(page, lambda i: i["tag"] == "a" and "button" in str(i["cls"]))
        page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/result$"))
    expect_score(page, live_server, total, total)
    shoot(page, "result")


# -- scenario questions: tapping the red flags --------------------------------------------------


@JS
def test_scenario_red_flags_by_tapping(
    contexts: Contexts, live_server: LiveServer, shoot, js: bool
) -> None:  # type: ignore[no-untyped-def]
    quiz = flow_quiz(live_server)
    candidates = [
        (n, q)
        for n, q in enumerate(quiz.questions, start=1)
        if scenario_of(q) is not None and len(scenario_of(q).flags) >= 2
    ]
    if not candidates:
        pytest.skip(f"{quiz.id} has no scenario question with two red flags")
    n, question = candidates[0]
    scenario = scenario_of(question)
    flags = [f.part for f in scenario.flags]
    harmless = [p for p in scenario.tappable if p not in flags]
    label = "js-on" if js else "js-off"

    page = contexts.page("phone", js=js)
    prefix = start_quiz(page, quiz.id)
    assert first_of_type(quiz, "scenario") is not None
    page.goto(f"{prefix}{n}")
    mock = page.locator("figure.sc")
    expect(mock).to_be_visible()

    # Tap the first red flag: it is marked, with words besides the colour.
    part = page.locator(f"label.sc-p[for='flag-{flags[0]}']")
    box = page.locator(f"#flag-{flags[0]}")
    press(part, True)
    expect(box).to_be_checked()
    expect(part.locator(".sc-tick")).to_be_visible()
    # A harmless part tapped by mistake, then tapped again to unmark it.
    if harmless:
        other = page.locator(f"label.sc-p[for='flag-{harmless[0]}']")
        press(other, True)
        expect(page.locator(f"#flag-{harmless[0]}")).to_be_checked()
        press(other, True)
        expect(page.locator(f"#flag-{harmless[0]}")).not_to_be_checked()
        expect(other.locator(".sc-tick")).to_be_hidden()
    shoot(page, f"{label}-tapped")

    tick(page, [("choice", scenario.verdict)], finger=True)
    submit_answer(page, finger=True)

    expect(page.locator(".verdict")).to_contain_text(live_server.say("Right!", "vi"))
    expect(page.locator(".sc-count")).to_have_text(
        live_server.say(
            "You found %(found)d of %(total)d red flags.", "vi", found=1, total=len(flags)
        )
    )
    reveal = page.locator("figure.sc")
    expect(reveal.locator(f"[data-part='{flags[0]}'] .is-found")).to_have_count(1)
    for missed in flags[1:]:
        expect(reveal.locator(f"[data-part='{missed}'] .is-missed")).to_have_count(1)
    expect(reveal.locator(".is-wrong")).to_have_count(0)
    shoot(page, f"{label}-feedback")

"""A live session as it runs in a room: the trainer's laptop (control page, and the projector
view in a second window), three residents' phones in their own browser contexts. One full round
(join, question, answers, results), a resident who joins late on a phone without JavaScript, a
phone reloaded in the middle, then the next question and the end of the session. Pages follow
the session by themselves: live.js polls with JavaScript on, a meta refresh without it."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from .browserkit import (
    LIVE_TIMEOUT_MS,
    Contexts,
    LiveServer,
    answer_for,
    expect_score,
    flow_quiz,
    press,
    submit_answer,
    tick,
)

pytestmark = pytest.mark.browser

ANSWER_FORM = "form[action$='/answer']"


def control(page: Page, action: str) -> None:
    """Press the control page's button whose form posts to .../<action>."""
    button = page.locator(f"form[action*='/{action}'] [type=submit]").first
    if not button.is_visible():  # "End the session now" sits under "Options and ending"
        page.locator("details.more-controls > summary").click()
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state()


def join(page: Page, code: str, nickname: str = "", *, from_qr: bool = True) -> None:
    if from_qr:
        page.goto(f"/j/{code}")
        expect(page.locator("input#code")).to_have_value(code)
    else:
        page.goto("/j")
        page.locator("input#code").fill(code)
    if nickname:
        page.locator("input#nickname").fill(nickname)
    press(page.locator("form.join [type=submit]"), True)
    expect(page).to_have_url(re.compile(rf"/s/{code}$"))


def answer(page: Page, question, right: bool) -> None:  # type: ignore[no-untyped-def]
    expect(page.locator(ANSWER_FORM)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    tick(page, [f for f in answer_for(question, right) if f[0] == "choice"], finger=True)
    submit_answer(page, finger=True)


def new_session(laptop: BrowserContext, live_server: LiveServer, quiz_id: str) -> tuple[Page, str]:
    """The trainer logs in on the laptop and starts a session: the control page, the code."""
    trainer = laptop.new_page()
    name, password = live_server.trainer_account()
    trainer.goto("/t/login")
    trainer.locator("input#name").fill(name)
    trainer.locator("input#password").fill(password)
    trainer.locator("form.login [type=submit]").click()
    expect(trainer).to_have_url(re.compile(r"/t/$"))
    trainer.locator("select#quiz").select_option(quiz_id)
    trainer.locator("form.start [type=submit]").click()
    expect(trainer).to_have_url(re.compile(r"/t/s/[0-9a-f]+$"))
    code = trainer.locator(".join-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code), code
    return trainer, code


def test_a_live_session_round(contexts: Contexts, live_server: LiveServer, shoot) -> None:  # type: ignore[no-untyped-def]
    if not (live_server.has("trainer.control") and live_server.has("live.phone")):
        pytest.skip("live sessions are not in this build")
    quiz = flow_quiz(live_server)
    first, second = quiz.questions[0], quiz.questions[1]
    total = len(quiz.questions)
    say = live_server.say
    wait = {"timeout": LIVE_TIMEOUT_MS}

    # The trainer logs in on the laptop and starts a session.
    laptop = contexts.new("laptop")
    trainer, code = new_session(laptop, live_server, quiz.id)

    # The projector view, in its own window.
    with laptop.expect_page() as opened:
        trainer.locator("a[href$='/screen']").click()
    screen = opened.value
    screen.wait_for_load_state()
    expect(screen.locator(".join-code")).to_have_text(code)
    expect(screen.locator(".qr svg")).to_be_visible()
    shoot(screen, "projector-lobby", full_page=False)

    # Two residents join from the QR code, one with a nickname.
    phone_a = contexts.page("phone")
    phone_b = contexts.page("phone")
    join(phone_a, code, "Bà Tư")
    join(phone_b, code)
    expect(phone_a.locator("h1")).to_have_text(say("You are in!", "vi"))
    expect(phone_a.locator(".nick")).to_have_text("Bà Tư")
    nick_b = phone_b.locator(".nick").inner_text()
    assert nick_b.strip()
    shoot(phone_a, "phone-a-lobby")
    expect(screen.locator("[data-count=joined]").first).to_have_text("2", **wait)

    # Question 1: the phones and the projector move on by themselves.
    control(trainer, "start")
    expect(screen.locator("h1.prompt")).to_have_text(first.prompt.get("vi"), **wait)
    shoot(screen, "projector-question", full_page=False)
    answer(phone_a, first, right=True)
    expect(phone_a.locator(".verdict-sent")).to_be_visible()
    shoot(phone_a, "phone-a-answered")
    answer(phone_b, first, right=False)
    expect(phone_b.locator(".verdict-sent")).to_be_visible()

    # A latecomer types the number on an old phone without JavaScript, and answers.
    phone_c = contexts.page("phone", js=False)
    join(phone_c, code, from_qr=False)
    shoot(phone_c, "phone-c-late-join")
    answer(phone_c, first, right=True)
    expect(phone_c.locator(".verdict-sent")).to_be_visible()

    # A reload (or a locked screen) keeps the place, the nickname and the answer.
    phone_b.reload()
    expect(phone_b.locator(".verdict-sent")).to_be_visible()
    expect(phone_b.locator(".nick")).to_have_text(nick_b)
    expect(screen.locator("[data-count=answered]").first).to_have_text("3", **wait)
    expect(screen.locator("[data-count=joined]").first).to_have_text("3", **wait)

    # Results: the bar chart on the projector, right or wrong on each phone.
    control(trainer, "reveal")
    expect(screen.locator(".bars")).to_be_visible(**wait)
    right_bar = screen.locator(".bar.bar-right")
    expect(right_bar).to_have_count(len(first.correct_keys))
    expect(right_bar.first.locator(".bar-count")).to_contain_text("2")
    shoot(screen, "projector-revealed", full_page=False)
    expect(phone_a.locator(".verdict-right")).to_be_visible(**wait)
    expect(phone_b.locator(".verdict-wrong")).to_be_visible(**wait)
    expect(phone_c.locator(".verdict-right")).to_be_visible(**wait)  # its meta refresh
    shoot(phone_a, "phone-a-revealed")
    shoot(phone_c, "phone-c-revealed")

    # Question 2, answered by one phone, then the trainer ends the session early.
    control(trainer, "next")
    expect(screen.locator("h1.prompt")).to_have_text(second.prompt.get("vi"), **wait)
    answer(phone_a, second, right=True)
    control(trainer, "end")

    ended = say("The session has ended", "vi")
    expect(screen.locator("h1")).to_have_text(say("Results of the session", "vi"), **wait)
    expect(screen.locator(".big-numbers strong").first).to_have_text("3")
    shoot(screen, "projector-ended", full_page=False)
    for page, score in ((phone_a, 2), (phone_b, 0), (phone_c, 1)):
        if page is phone_c:
            # A phone without JavaScript left on a question's form is never refreshed under
            # the resident's finger: they tap "Refresh this page" (or it refreshes by itself
            # when it was on a waiting page).
            expect(page.locator(f"{ANSWER_FORM}, h1:text-is('{ended}')")).to_be_visible(**wait)
            if page.locator(ANSWER_FORM).count():
                press(page.get_by_role("link", name=say("Refresh this page", "vi")), True)
        expect(page.locator("h1")).to_have_text(ended, **wait)
        expect_score(page, live_server, score, total)
    shoot(phone_a, "phone-a-ended")


def test_a_press_on_the_control_page_is_not_lost_to_its_refresh(
    contexts: Contexts, live_server: LiveServer
) -> None:
    """The control page reloads itself when the session moves on. If that happens while the
    trainer's press is on its way (here it is held for longer than one poll while the
    session's question is closed elsewhere, as a timer does), the reload must not cancel it."""
    if not live_server.has("trainer.control"):
        pytest.skip("live sessions are not in this build")
    from canhgiac.live import service

    quiz = flow_quiz(live_server)
    trainer, _ = new_session(contexts.new("laptop"), live_server, quiz.id)
    control(trainer, "start")
    session_id = trainer.url.rstrip("/").rsplit("/", 1)[1]

    def held(route: Route) -> None:
        try:
            assert service.close_answers(live_server.engine(), session_id, 1)  # polled next
            time.sleep(3)  # one poll comes every 2-2.4 s
        finally:
            route.continue_()

    trainer.route(re.compile(r"/reveal$"), held)
    control(trainer, "reveal")
    expect(trainer.locator("form[action$='/next'] [type=submit]").first).to_be_visible()
    assert service.get_session(live_server.engine(), session_id).status == service.REVEALED

"""Pages cut into pieces (canhgiac/web/pieces.py): a kept frame filled for each attempt, and
pieces that would need filling not kept."""

from __future__ import annotations

from datetime import datetime

from canhgiac.store import Attempt
from canhgiac.web.attempt import QuestionView, ResultView
from canhgiac.web.pieces import (
    CHOICE_MARK,
    ITEM_MARK,
    SRC_MARK,
    Frame,
    question_page,
    result_page,
    unmarked,
)

ID = "MRAxOy0UOwMqSbNT-k1ZKw"
HEADERS = (("Content-Type", "text/html; charset=utf-8"),)


def attempt(id_: str = ID, src: str | None = "cho-1") -> Attempt:
    return Attempt(
        id=id_,
        quiz_id="q",
        lang="vi",
        src=src,
        seed=1,
        question_count=2,
        started_at=datetime(2026, 12, 7),
        finished_at=None,
        score=None,
    )


def result_view_of(items: int) -> ResultView:
    return ResultView(("q", 1, items), tuple(("q", n, None) for n in range(1, items + 1)))


def test_a_frame_is_filled_with_each_attempts_id_and_src() -> None:
    page = (
        f'<a href="/q/q/a/{ID}/result?lang=en">100% sure, 50%(a)s</a>'
        f'<input name="src" value="{SRC_MARK}">{ITEM_MARK}<p>review</p>{ITEM_MARK}'
        f'<a href="/q/q/a/{ID}/1">%s</a>'
    )
    cut = result_page("200 OK", HEADERS, result_view_of(1), ID, page)
    assert cut is not None
    frame, reviews = cut
    assert reviews == [b"<p>review</p>"]

    other = attempt("AAAAAAAAAAAAAAAAAAAAAA", src="truong-thcs")
    assert frame.around(reviews, other) == (
        b'<a href="/q/q/a/AAAAAAAAAAAAAAAAAAAAAA/result?lang=en">100% sure, 50%(a)s</a>'
        b'<input name="src" value="truong-thcs"><p>review</p>'
        b'<a href="/q/q/a/AAAAAAAAAAAAAAAAAAAAAA/1">%s</a>'
    )
    assert (
        frame.around(reviews, attempt(src=None))
        == page.replace(SRC_MARK, "").replace(ITEM_MARK, "").encode()
    )


def test_a_frame_without_marks_is_sent_as_it_is() -> None:
    frame = Frame("200 OK", HEADERS, b"<p>50% off</p>", b"<p>%(a)s</p>")
    assert frame.around([b"<i>%</i>"], attempt()) == b"<p>50% off</p><i>%</i><p>%(a)s</p>"
    assert frame == Frame("200 OK", HEADERS, b"<p>50% off</p>", b"<p>%(a)s</p>")


def test_a_review_that_holds_the_attempt_id_is_not_kept() -> None:
    page = f"<h1>Result</h1>{ITEM_MARK}<p>Your code: {ID}</p>{ITEM_MARK}<footer>"
    assert result_page("200 OK", HEADERS, result_view_of(1), ID, page) is None
    assert result_page("200 OK", HEADERS, result_view_of(1), "B" * 22, page) is not None


def test_a_choice_that_holds_the_attempt_id_is_not_kept() -> None:
    view = QuestionView(page=("q", 1, None), order=("a", "b"))
    page = f"<form>{CHOICE_MARK}<label>a</label>{CHOICE_MARK}<label>{ID}</label>{CHOICE_MARK}"
    assert question_page("200 OK", HEADERS, view, ID, page) is None
    kept = question_page("200 OK", HEADERS, view, "B" * 22, page)
    assert kept is not None
    assert kept.body(("b", "a"), attempt()) == f"<form><label>{ID}</label><label>a</label>".encode()


def test_pieces_with_a_mark_are_told_apart() -> None:
    assert unmarked([b"<p>a</p>", b""])
    assert not unmarked([b"<p>a</p>", b"<a href=\x00attempt\x00>"])

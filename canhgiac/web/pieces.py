"""An attempt's pages cut into pieces that other attempts share (for lane.py).

Flask's views make a question page with CHOICE_MARK before each choice and after the last, and
a result page with ITEM_MARK before each question's review and after the last, and `offer` the
marked page to the lane with the view it shows (attempt.question_view, attempt.result_view).
The lane cuts it at the marks, takes the attempt id out, and keeps the pieces: a question
page whole but for the order of its choices; a result page's frame by its score, and each
review by what it shows of the answer. The reader gets the page without the marks.

Only a frame (the page before the pieces and after them) holds the attempt's id and `src`
label: it is kept with a template made once, filled for each attempt in one pass. A choice or a
review whose text holds the attempt's id is not kept, so the pieces between are sent as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import escape

from ..store import Attempt
from .attempt import QuestionView, ResultView
from .pages import Headers

#: Set in the WSGI environ by `offer`: (the view, the attempt id, the marked page).
OFFER_MARK = "canhgiac.attempt_page"
#: Stands for the attempt id in a kept piece (no page has a NUL in it).
ATTEMPT_MARK = b"\x00attempt\x00"
#: Comes before each choice of a question page and after the last.
CHOICE_MARK = "\x00choice\x00"
#: Comes before each question reviewed on a result page and after the last.
ITEM_MARK = "\x00item\x00"
#: Stands for the attempt's `src` label in a result page's "Try again" form.
SRC_MARK = "\x00src\x00"

SRC_BYTES = SRC_MARK.encode("ascii")


def offer(
    environ: dict[str, Any],
    view: QuestionView | ResultView | None,
    attempt: Attempt,
    page: str,
) -> str:
    """Offer the lane a page a view made with marks; returns the page to send, without them."""
    if view is not None:
        environ[OFFER_MARK] = (view, attempt.id, page)
    page = page.replace(CHOICE_MARK, "").replace(ITEM_MARK, "")
    return page.replace(SRC_MARK, str(escape(attempt.src or "")))


def cut(page: str, mark: str, attempt_id: str) -> list[bytes] | None:
    """The page's parts between the marks, the attempt id taken out of each; None for a page
    that has a NUL of its own."""
    if "\x00" in page.replace(mark, "").replace(SRC_MARK, ""):
        return None
    token = attempt_id.encode("ascii")
    return [part.encode("utf-8").replace(token, ATTEMPT_MARK) for part in page.split(mark)]


def _template(part: bytes) -> bytes | None:
    """The part as a bytes %-template for the attempt's id and `src` label, or None when it has
    neither (no NUL: no page has one of its own)."""
    if b"\x00" not in part:
        return None
    escaped = part.replace(b"%", b"%%")
    return escaped.replace(ATTEMPT_MARK, b"%(a)s").replace(SRC_BYTES, b"%(s)s")


def _values(attempt: Attempt) -> dict[bytes, bytes]:
    """What a template (`_template`) is filled with for this attempt."""
    return {
        b"a": attempt.id.encode("ascii"),
        b"s": str(escape(attempt.src or "")).encode("utf-8"),
    }


@dataclass(frozen=True)
class Frame:
    """What Flask answered around the pieces: its status and headers, the page before the
    pieces and after them."""

    status: str
    headers: Headers
    head: bytes
    tail: bytes
    #: The head and the tail as templates (`_template`), made once: a frame is kept to be
    #: filled again and again.
    _head: bytes | None = field(init=False, repr=False, compare=False)
    _tail: bytes | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_head", _template(self.head))
        object.__setattr__(self, "_tail", _template(self.tail))

    def around(self, pieces: Iterable[bytes], attempt: Attempt) -> bytes:
        """The page: the head and the tail with this attempt's id and `src` label, the pieces
        (which have no mark: `unmarked`) between them as they are."""
        head, tail = self.head, self.tail
        if self._head is not None or self._tail is not None:
            values = _values(attempt)
            head = head if self._head is None else self._head % values
            tail = tail if self._tail is None else self._tail % values
        return b"".join([head, *pieces, tail])


def unmarked(pieces: Iterable[bytes]) -> bool:
    """Whether none of these pieces has a mark in it (an attempt id or `src` label: only a
    frame is filled). A choice or a review that has one (its text holds the attempt's id) is
    not kept."""
    return not any(b"\x00" in piece for piece in pieces)


@dataclass(frozen=True)
class QuestionPage:
    """A question page for one QuestionView.page: its frame and each choice by its key. A
    page without marks (a scenario's) is whole in its frame's head, for `order` only."""

    frame: Frame
    choices: dict[str, bytes]
    order: tuple[str, ...] = ()

    def fits(self, order: tuple[str, ...]) -> bool:
        """Whether the page can show the choices in this order."""
        if not self.choices:
            return order == self.order
        return len(order) == len(self.choices) and set(order) == set(self.choices)

    def body(self, order: tuple[str, ...], attempt: Attempt) -> bytes:
        if not self.choices:
            return self.frame.around((), attempt)
        return self.frame.around([self.choices[k] for k in order], attempt)


def question_page(
    status: str, headers: Headers, view: QuestionView, attempt_id: str, page: str
) -> QuestionPage | None:
    """The page in pieces, or None when it cannot be cut into them."""
    parts = cut(page, CHOICE_MARK, attempt_id)
    if parts is None:
        return None
    if len(parts) == 1:
        return QuestionPage(Frame(status, headers, parts[0], b""), {}, view.order)
    if len(parts) != len(view.order) + 2 or not unmarked(parts[1:-1]):
        return None
    choices = dict(zip(view.order, parts[1:-1], strict=True))
    return QuestionPage(Frame(status, headers, parts[0], parts[-1]), choices)


def result_page(
    status: str, headers: Headers, view: ResultView, attempt_id: str, page: str
) -> tuple[Frame, list[bytes]] | None:
    """The result page's frame and each question's review, or None when it cannot be cut."""
    parts = cut(page, ITEM_MARK, attempt_id)
    if parts is None or len(parts) != len(view.items) + 2 or not unmarked(parts[1:-1]):
        return None
    return Frame(status, headers, parts[0], parts[-1]), parts[1:-1]

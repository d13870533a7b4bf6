"""An attempt's progress, carried in the browser's signed session beside its id.

A resident doing a quiz opens two pages per answer (the feedback, then the next question) and
each of them used to read the attempt and its answers from the database: on PostgreSQL a round
trip each time, most of what such a page costs. Answers are only ever added, never changed (a
second answer to a question keeps the first), so what the server itself wrote into the session
after storing an answer stays true: at worst it lacks an answer stored since (a response that
never reached the phone, two tabs). The attempt lane (lane.py) serves an attempt's pages from
that copy when it has one, and reads the database otherwise; the database stays the record.

Each entry is written by the server only (the session is signed), when the attempt starts and
after each answer is stored, with the answer as stored (the first one, for a second answer). An
entry serves pages for MAX_AGE after it was last written, a quiz done in one sitting, and only
for the quiz it was written for (the questions' ids, `fingerprint`); the oldest entries are
dropped first beyond MAX_CHARS, so the cookie stays small. Without a usable entry, pages are
read from the database as before.

An entry: `[written at (s), seed, fingerprint, src, [[n, "keys", correct 0/1, credit], ...]]`.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, MutableMapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from ..content.model import Quiz
from ..store import Answer, Attempt, stored_keys
from .attempt import remembered

#: Where a browser's session keeps the entries, by attempt id.
SESSION_KEY = "progress"
#: How long after its last answer an entry serves its attempt's pages (seconds).
MAX_AGE = 3600
#: How far the clocks of several app servers may be apart (seconds).
CLOCK_SKEW = 60
#: At most about this many characters of entries in the session (the oldest dropped first).
MAX_CHARS = 1500
#: The times of an attempt are not carried: no page made from an entry shows them.
NOT_CARRIED = datetime(1970, 1, 1)


def fingerprint(quiz: Quiz) -> int:
    """The quiz's questions, as an entry names them (by position): a changed quiz has another."""
    return _fingerprint(tuple(q.id for q in quiz.questions))


@lru_cache(maxsize=256)
def _fingerprint(ids: tuple[str, ...]) -> int:
    return zlib.crc32("\n".join(ids).encode("utf-8"))


def started(session: MutableMapping[str, Any], attempt: Attempt, quiz: Quiz, now: float) -> None:
    """Add the entry of an attempt just started (its id already remembered)."""
    entry = [int(now), attempt.seed, fingerprint(quiz), attempt.src or "", []]
    session[SESSION_KEY] = _kept(attempt.id, entry, session, now)


def answered(
    session: MutableMapping[str, Any], attempt_id: str, quiz: Quiz, answer: Answer, now: float
) -> None:
    """Add an answer as stored to its attempt's entry, if the session has a usable one (an
    entry is never made from part of what the database holds)."""
    entries = session.get(SESSION_KEY)
    entry = entries.get(attempt_id) if isinstance(entries, dict) else None
    if _usable(entry, quiz, now) is None:
        return
    assert isinstance(entry, list)
    given = [a for a in entry[4] if a[0] != answer.position]
    given.append(
        [answer.position, ",".join(sorted(answer.choices)), int(answer.correct), answer.credit]
    )
    given.sort()
    written = [int(now), entry[1], entry[2], entry[3], given]
    session[SESSION_KEY] = _kept(attempt_id, written, session, now)


def snapshot(
    session: Mapping[str, Any], attempt_id: str, quiz: Quiz, now: float
) -> tuple[Attempt, dict[str, Answer]] | None:
    """The attempt and its answers as the session's entry has them, or None when it has no
    usable one. The attempt is finished and scored when every question has an answer, as the
    database finishes it (Store.record_answer)."""
    entries = session.get(SESSION_KEY)
    if not isinstance(entries, dict):
        return None
    given = _usable(entries.get(attempt_id), quiz, now)
    if given is None:
        return None
    entry = entries[attempt_id]
    questions = quiz.questions
    answers = {}
    for n, keys, correct, credit in given:
        question_id = questions[n - 1].id
        answers[question_id] = Answer(question_id, n, stored_keys(keys), bool(correct), credit)
    finished = len(answers) >= len(questions)
    attempt = Attempt(
        id=attempt_id,
        quiz_id=quiz.id,
        lang="",
        src=entry[3] or None,
        seed=entry[1],
        question_count=len(questions),
        started_at=NOT_CARRIED,
        finished_at=NOT_CARRIED if finished else None,
        score=sum(1 for a in answers.values() if a.correct) if finished else None,
    )
    return attempt, answers


def _usable(entry: object, quiz: Quiz, now: float) -> list[list[Any]] | None:
    """The answers of an entry that may serve pages of this quiz now, or None."""
    if not (isinstance(entry, list) and len(entry) == 5):
        return None
    written, seed, fingerprint_, src, given = entry
    if not (
        isinstance(written, int)
        and -CLOCK_SKEW <= now - written <= MAX_AGE
        and isinstance(seed, int)
        and fingerprint_ == fingerprint(quiz)
        and isinstance(src, str)
        and isinstance(given, list)
    ):
        return None
    count = len(quiz.questions)
    for answer in given:
        if not (
            isinstance(answer, list)
            and len(answer) == 4
            and isinstance(answer[0], int)
            and 1 <= answer[0] <= count
            and isinstance(answer[1], str)
            and answer[2] in (0, 1)
            and isinstance(answer[3], int)
        ):
            return None
    return given


def _kept(
    attempt_id: str, entry: list[Any], session: Mapping[str, Any], now: float
) -> dict[str, Any]:
    """The session's entries with this one written: those of remembered attempts written
    within MAX_AGE, newest first (this one first of all) until MAX_CHARS."""
    ids = set(remembered(session))
    entries = session.get(SESSION_KEY)
    others = [
        (written[0], other, written)
        for other, written in (entries.items() if isinstance(entries, dict) else ())
        if other != attempt_id
        and other in ids
        and isinstance(written, list)
        and written
        and isinstance(written[0], int)
        and -CLOCK_SKEW <= now - written[0] <= MAX_AGE
    ]
    others.sort(key=lambda item: item[0], reverse=True)
    kept = {attempt_id: entry} if attempt_id in ids else {}
    size = len(attempt_id) + len(json.dumps(entry, separators=(",", ":")))
    for _written, other, written in others:
        size += len(other) + len(json.dumps(written, separators=(",", ":")))
        if size > MAX_CHARS:
            break
        kept[other] = written
    return kept

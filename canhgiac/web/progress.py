"""An attempt's progress, carried by the browser in a signed cookie of its own.

A resident doing a quiz opens two pages per answer (the feedback, then the next question) and
each of them used to read the attempt and its answers from the database: on PostgreSQL a round
trip each time, most of what such a page costs. Answers are only ever added, never changed (a
second answer to a question keeps the first), so what the server itself wrote after storing an
answer stays true: at worst it lacks an answer stored since (a response that never reached the
phone, two tabs). The attempt lane (lane.py) serves an attempt's pages from that copy when it
has one, and reads the database otherwise; the database stays the record.

The copy is the `progress` cookie, signed with the app's secret key (its own salt), written by
the server only: when an attempt starts and after each of its answers is stored, with the
answer as stored (the first one, for a second answer). It names attempts by id, and a page
uses it only for an attempt the browser's session names too (another browser's copy is of no
use). An entry serves pages for MAX_AGE after it was last written, a quiz done in one sitting,
and only for the quiz it was written for (the questions' ids: `fingerprint`); the cookie
itself expires then too, and the oldest entries are dropped first beyond MAX_CHARS, so it
stays small. Without a usable entry, pages are read from the database as before.

The cookie's value is its entries separated by `!`, signed. An entry is the attempt id, the
time it was written (s), the attempt's seed, the quiz's fingerprint and the `src` label, then
each answer in order of position, all separated by `~`. An answer is `keys*correct` (keys
separated by `+`, correct 1 or 0), with `*credit` after it when its credit is not 100 for a
right answer and 0 for a wrong one, and `n*` before it when it is not for the question after
the previous answer's (the first answer's is question 1):
`Xy3~1733500000~912~3141~cho-1~b*1~a+c*0~5*d*0*50`. A finished attempt of 15 questions takes
about 145 characters, so MAX_CHARS holds about ten. Entries written before this shape, each
answer as `n*keys*correct*credit`, read the same. None of these characters needs quoting in a
cookie, so the value is written and read as it is, without JSON or base64.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache

from flask import Flask, current_app
from itsdangerous import BadSignature, Signer
from werkzeug.http import dump_cookie

from ..content.model import Quiz
from ..store import Answer, Attempt, stored_keys
from .pages import Pages

#: The cookie's name.
COOKIE = "progress"
#: How long after its last answer an entry serves its attempt's pages (seconds); the cookie
#: expires as long after it was last written.
MAX_AGE = 3600
#: How far the clocks of several app servers may be apart (seconds).
CLOCK_SKEW = 60
#: At most about this many characters of entries (the oldest dropped first).
MAX_CHARS = 1500
#: Cookies whose signature was checked, kept per worker process.
MAX_KEPT = 4096
#: The times of an attempt are not carried: no page made from an entry shows them.
NOT_CARRIED = datetime(1970, 1, 1)
SALT = "canhgiac.progress"
EXTENSION_KEY = "canhgiac.progress"

Given = tuple[int, str, int, int]  # n, keys ("a,c" as stored), correct 0/1, credit
Entry = tuple[int, int, int, str, tuple[Given, ...]]  # written, seed, fingerprint, src, answers
Entries = Mapping[str, str]  # attempt id -> entry as written
NONE: Entries = {}


def fingerprint(quiz: Quiz) -> int:
    """The quiz's questions, as an entry names them (by position): a changed quiz has another."""
    return _fingerprint(quiz.question_ids)


@lru_cache(maxsize=256)
def _fingerprint(ids: tuple[str, ...]) -> int:
    return zlib.crc32("\n".join(ids).encode("utf-8"))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = Progress(app)


def get_progress() -> Progress:
    """The progress cookie of the current app."""
    return current_app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]


class Progress:
    """The progress cookie of one app: read (the cookies whose signature was checked kept,
    bounded) and written."""

    def __init__(self, app: Flask, size: int = MAX_KEPT) -> None:
        self.app = app
        self.kept = Pages(size)
        self._signer: tuple[tuple[object, ...], Signer] | None = None

    def signer(self) -> Signer:
        app = self.app
        keys = (*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)
        made = self._signer
        if made is None or made[0] != keys:
            # The newest key signs; any of them is taken (itsdangerous key rotation).
            made = self._signer = (keys, Signer(list(keys), salt=SALT))  # type: ignore[arg-type]
        return made[1]

    def read(self, value: str | None) -> Entries:
        """The entries of a cookie's value, by attempt id; NONE if it is missing or forged."""
        if not value:
            return NONE
        signer = self.signer()
        key = (value, signer)
        found: Entries | None = self.kept.get(key)
        if found is None:
            try:
                payload = signer.unsign(value).decode("ascii")
            except (BadSignature, UnicodeDecodeError):
                return NONE
            found = dict(_split(payload))
            self.kept.put(key, found)
        return found

    def cookie(self, entries: Entries) -> str:
        """The Set-Cookie header that saves these entries (or deletes the cookie when there is
        none), with the session cookie's attributes; kept as read, for the next request."""
        if not entries:
            return self._header("", 0, 0)
        signer = self.signer()
        value = signer.sign("!".join(entries.values()).encode("ascii")).decode("ascii")
        self.kept.put((value, signer), dict(entries))
        return f"{COOKIE}={value}" + self._header("", MAX_AGE, int(time.time()))[len(COOKIE) + 1 :]

    @lru_cache(maxsize=4)  # noqa: B019 - one Progress per app, for the app's life
    def _header(self, value: str, max_age: int, second: int) -> str:
        """werkzeug's Set-Cookie header, expiring `max_age` after `second` (worked out once a
        second; a value of these characters needs no quoting)."""
        app = self.app
        interface = app.session_interface
        return dump_cookie(
            COOKIE,
            value,
            max_age=max_age,
            expires=second + max_age,
            path=interface.get_cookie_path(app),
            domain=interface.get_cookie_domain(app),
            secure=interface.get_cookie_secure(app),
            httponly=True,
            samesite=interface.get_cookie_samesite(app),
            partitioned=interface.get_cookie_partitioned(app),
        )


def _split(payload: str) -> Iterable[tuple[str, str]]:
    for entry in payload.split("!"):
        attempt_id = entry.split("~", 1)[0]
        if read_entry(entry) is not None:
            yield attempt_id, entry


def started(
    entries: Entries, remembered: Iterable[str], attempt: Attempt, quiz: Quiz, now: float
) -> dict[str, str]:
    """The entries with that of an attempt just started (its id already remembered)."""
    entry = _entry(attempt.id, int(now), attempt.seed, fingerprint(quiz), attempt.src or "", ())
    return _kept(attempt.id, entry, entries, remembered, now)


def answered(
    entries: Entries,
    remembered: Iterable[str],
    attempt_id: str,
    quiz: Quiz,
    answer: Answer,
    now: float,
) -> dict[str, str] | None:
    """The entries with an answer as stored added to its attempt's, or None if there is no
    usable entry for it (an entry is never made from part of what the database holds)."""
    read = _usable(entries.get(attempt_id), quiz, now)
    if read is None:
        return None
    _written, seed, fingerprint_, src, given = read
    mine = (answer.position, ",".join(sorted(answer.choices)), int(answer.correct), answer.credit)
    answers = sorted([a for a in given if a[0] != mine[0]] + [mine])
    entry = _entry(attempt_id, int(now), seed, fingerprint_, src, answers)
    return _kept(attempt_id, entry, entries, remembered, now)


def snapshot(
    entries: Entries, attempt_id: str, quiz: Quiz, now: float
) -> tuple[Attempt, dict[str, Answer]] | None:
    """The attempt and its answers as its entry has them, or None when there is no usable
    one. The attempt is finished and scored when every question has an answer, as the
    database finishes it (Store.record_answer). Not to be changed: the same entry gives the
    same objects."""
    entry = entries.get(attempt_id)
    if _usable(entry, quiz, now) is None:
        return None
    return _snapshot(entry, attempt_id, quiz.id, quiz.question_ids)  # type: ignore[arg-type]


@lru_cache(maxsize=4096)
def _snapshot(
    entry: str, attempt_id: str, quiz_id: str, ids: tuple[str, ...]
) -> tuple[Attempt, dict[str, Answer]]:
    read = read_entry(entry)
    assert read is not None
    _written, seed, _fingerprint, src, given = read
    answers = {
        ids[n - 1]: Answer(ids[n - 1], n, stored_keys(keys), bool(correct), credit)
        for n, keys, correct, credit in given
    }
    finished = len(answers) >= len(ids)
    attempt = Attempt(
        id=attempt_id,
        quiz_id=quiz_id,
        lang="",
        src=src or None,
        seed=seed,
        question_count=len(ids),
        started_at=NOT_CARRIED,
        finished_at=NOT_CARRIED if finished else None,
        score=sum(1 for a in answers.values() if a.correct) if finished else None,
    )
    return attempt, answers


def _entry(
    attempt_id: str, written: int, seed: int, fingerprint_: int, src: str, given: Iterable[Given]
) -> str:
    answers = []
    last = 0
    for n, keys, c, credit in given:
        answer = f"{keys.replace(',', '+')}*{c}"
        if credit != 100 * c or n != last + 1:
            answer += f"*{credit}"
        answers.append(answer if n == last + 1 else f"{n}*{answer}")
        last = n
    return "~".join([attempt_id, str(written), str(seed), str(fingerprint_), src, *answers])


#: Keys as an answer carries them.
_KEYS = r"[A-Za-z0-9_.:+-]*"
#: An entry: only characters a cookie value holds without quoting, and the separators where
#: they belong (`!` between entries, `~` between fields, `*` in an answer). An answer has two
#: fields (keys, correct), three (and its credit) or four (its position first).
_ENTRY = re.compile(
    r"[A-Za-z0-9_-]+~[0-9]+~[0-9]+~[0-9]+~[a-z0-9-]*"
    rf"(?:~(?:[0-9]+\*{_KEYS}\*[01]\*[0-9]+|{_KEYS}\*[01](?:\*[0-9]+)?))*"
)


@lru_cache(maxsize=4096)
def read_entry(entry: str) -> Entry | None:
    """An entry's parts (written, seed, fingerprint, src, answers), or None if it is not
    one."""
    if _ENTRY.fullmatch(entry) is None:
        return None
    parts = entry.split("~")
    given = []
    last = 0
    for part in parts[5:]:
        fields = part.split("*")
        n = int(fields.pop(0)) if len(fields) == 4 else last + 1
        keys, correct = fields[0], int(fields[1])
        credit = int(fields[2]) if len(fields) == 3 else 100 * correct
        given.append((n, keys.replace("+", ","), correct, credit))
        last = n
    return int(parts[1]), int(parts[2]), int(parts[3]), parts[4], tuple(given)


def _usable(entry: str | None, quiz: Quiz, now: float) -> Entry | None:
    """An entry that may serve pages of this quiz now, read; or None."""
    read = None if entry is None else read_entry(entry)
    if read is None:
        return None
    written, _seed, fingerprint_, _src, given = read
    count = len(quiz.questions)
    if not (
        -CLOCK_SKEW <= now - written <= MAX_AGE
        and fingerprint_ == fingerprint(quiz)
        and all(1 <= n <= count for n, _k, _correct, _c in given)  # right: 0 or 1 (_ENTRY)
    ):
        return None
    return read


def _kept(
    attempt_id: str, entry: str, entries: Entries, remembered: Iterable[str], now: float
) -> dict[str, str]:
    """The entries with this one written: those of attempts the session remembers, written
    within MAX_AGE, newest first (this one first of all) until MAX_CHARS. An entry with a
    character it may not hold (none the kit writes) is not kept."""
    ids = set(remembered)
    others = []
    for other, written in entries.items():
        read = read_entry(written) if other != attempt_id and other in ids else None
        if read is not None and -CLOCK_SKEW <= now - read[0] <= MAX_AGE:
            others.append((read[0], other, written))
    others.sort(key=lambda item: item[0], reverse=True)
    kept = {attempt_id: entry} if attempt_id in ids and read_entry(entry) is not None else {}
    size = len(entry)
    for _written, other, written in others:
        size += len(written) + 1
        if size > MAX_CHARS:
            break
        kept[other] = written
    return kept

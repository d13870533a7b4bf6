"""A known set of attempts for the results tests, written straight into the store with
controlled timestamps (local time UTC+7, stored as naive UTC like the store does).

The period 2026-11-01 to 2026-11-28 holds four weeks. What it contains (and therefore every
figure the tests expect) is spelled out in EXPECTED below and in the comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from canhgiac.store import Store, answers, attempts

#: Right answers of the demo content (tests/data/content/quizzes).
RIGHT = {
    "demo-otp": {"goi-dien": "a", "dau-hieu": "a,b", "dung-sai": "false"},
    "demo-qr": {"ten": "true", "ma-la": "a"},
}
ORDER = {quiz: list(questions) for quiz, questions in RIGHT.items()}

FROM, TO = "2026-11-01", "2026-11-28"
PERIOD = {"from": FROM, "to": TO}
OFFSET = timedelta(hours=7)


@dataclass(frozen=True)
class Spec:
    name: str
    quiz: str
    src: str | None
    local: datetime  # local (UTC+7) start time
    given: tuple[str, ...]  # choice keys per question, in quiz order (fewer: unfinished)


def _spec(name: str, quiz: str, src: str | None, local: str, *given: str) -> Spec:
    return Spec(name, quiz, src, datetime.fromisoformat(local), given)


#: demo-otp (payments): 8 finished + 1 unfinished; weeks 0 and 1.
#: goi-dien: 9 answers, 7 right (78%), wrong b and c (2: hidden).
#: dau-hieu: 8 answers, 3 right (38%), wrong a x3, c, a+c (5): most chosen "a" 3/5 = 60%.
#: dung-sai: 8 answers, 4 right (50%), wrong true x4 (hidden).
#: demo-qr (fraud): 6 finished in week 3. ten 6/6 right (flag), ma-la 2/6 right.
SPECS = (
    _spec("A1", "demo-otp", "cho-a", "2026-11-01T06:30", "a", "a,b", "false"),  # 3 (UTC: Oct 31)
    _spec("A2", "demo-otp", "cho-a", "2026-11-02T09:00", "a", "a,b", "false"),  # 3
    _spec("A3", "demo-otp", "cho-a", "2026-11-03T09:00", "a", "a", "false"),  # 2
    _spec("A4", "demo-otp", "cho-a", "2026-11-04T09:00", "a", "a,b", "true"),  # 2
    _spec("A5", "demo-otp", "cho-a", "2026-11-05T09:00", "a", "a", "true"),  # 1
    _spec("A6", "demo-otp", "cho-a", "2026-11-07T23:50", "b", "a", "false"),  # 1 (week 0)
    _spec("A7", "demo-otp", "cho-b", "2026-11-08T00:10", "a", "c", "true"),  # 1 (week 1)
    _spec("A8", "demo-otp", "cho-b", "2026-11-09T10:00", "a", "a,c", "true"),  # 1
    _spec("A9", "demo-otp", "cho-b", "2026-11-10T10:00", "c"),  # unfinished
    _spec("B1", "demo-qr", "to-roi", "2026-11-22T08:00", "true", "a"),  # 2
    _spec("B2", "demo-qr", "to-roi", "2026-11-23T08:00", "true", "a"),  # 2
    _spec("B3", "demo-qr", "to-roi", "2026-11-24T08:00", "true", "b"),  # 1
    _spec("B4", "demo-qr", "to-roi", "2026-11-25T08:00", "true", "b"),  # 1
    _spec("B5", "demo-qr", "to-roi", "2026-11-26T08:00", "true", "b"),  # 1
    _spec("B6", "demo-qr", None, "2026-11-28T23:30", "true", "b"),  # 1 (UTC: Nov 28 16:30)
    # Outside the period, by local time (their UTC dates are inside it or next to it):
    _spec("O1", "demo-otp", "cho-a", "2026-10-31T23:00", "a", "a,b", "false"),
    _spec("O2", "demo-otp", "cho-a", "2026-11-29T05:00", "a", "a,b", "false"),  # UTC Nov 28
)


def rows(
    specs: tuple[Spec, ...] = SPECS,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The attempts and answers rows for ``specs``."""
    attempt_rows: list[dict[str, object]] = []
    answer_rows: list[dict[str, object]] = []
    for spec in specs:
        started = spec.local - OFFSET
        questions = ORDER[spec.quiz]
        score = 0
        for position, (question, keys) in enumerate(
            zip(questions, spec.given, strict=False), start=1
        ):
            right = RIGHT[spec.quiz][question] == keys
            score += right
            answer_rows.append(
                {
                    "attempt_id": spec.name,
                    "question_id": question,
                    "position": position,
                    "choices": keys,
                    "correct": right,
                    "answered_at": started + timedelta(minutes=position),
                    "credit": 100 if right else 0,
                }
            )
        finished = len(spec.given) == len(questions)
        attempt_rows.append(
            {
                "id": spec.name,
                "quiz_id": spec.quiz,
                "lang": "vi",
                "src": spec.src,
                "seed": 1,
                "question_count": len(questions),
                "started_at": started,
                "finished_at": started + timedelta(minutes=5) if finished else None,
                "score": score if finished else None,
            }
        )
    return attempt_rows, answer_rows


def fill(store: Store, specs: tuple[Spec, ...] = SPECS) -> None:
    attempt_rows, answer_rows = rows(specs)
    with store.engine.begin() as conn:
        conn.execute(sa.insert(attempts), attempt_rows)
        conn.execute(sa.insert(answers), answer_rows)


#: Every figure of the period 2026-11-01 to 2026-11-28, as the pages show them in Vietnamese
#: ("dưới 5": fewer than 5).
EXPECTED = {
    "summary": ("15", "14", "61%"),  # right 22 of 36 questions in finished attempts
    # topic, started, finished, average; weakest first
    "topics": [
        ("Thanh toán an toàn", "9", "8", "58%"),  # 14 / 24
        ("Lừa đảo trực tuyến", "6", "6", "67%"),  # 8 / 12
    ],
    "weeks": [
        ("01/11/2026 – 07/11/2026", "6", "6", "67%"),  # 12 / 18
        ("08/11/2026 – 14/11/2026", "dưới 5", "dưới 5", "dưới 5"),
        ("15/11/2026 – 21/11/2026", "0", "0", "—"),
        ("22/11/2026 – 28/11/2026", "6", "6", "67%"),
    ],
    "quizzes": [
        ("Bạn có giữ được mã OTP?", "Thanh toán an toàn", "9", "8", "58%"),
        ("Mã QR", "Lừa đảo trực tuyến", "6", "6", "67%"),
    ],
    "sources": [
        ("cho-a", "6", "6", "67%"),
        ("to-roi", "5", "5", "70%"),  # 7 / 10
        ("cho-b", "dưới 5", "dưới 5", "dưới 5"),
        ("(không có nhãn)", "dưới 5", "dưới 5", "dưới 5"),
    ],
    "sources-quizzes": [
        ("cho-a", "Bạn có giữ được mã OTP?", "6", "6", "67%"),
        ("to-roi", "Mã QR", "5", "5", "70%"),
        ("cho-b", "Bạn có giữ được mã OTP?", "dưới 5", "dưới 5", "dưới 5"),
        ("(không có nhãn)", "Mã QR", "dưới 5", "dưới 5", "dưới 5"),
    ],
}

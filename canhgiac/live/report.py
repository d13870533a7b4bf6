"""Reports of live sessions, the before/after comparison and the CSV export.

A report is built from an Aggregate: counts only, no person in it. Until the purge the
aggregate is computed from the responses; the purge writes it into `live_counts` first and
then deletes nicknames, tokens and responses (`retention`), so a report reads the same before
and after.
Show-of-hands counts are added on top: per choice always, and to the share of right answers
for questions with a single right choice (a raised hand is one choice, not a combination).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..content.model import Choice, Question, Quiz
from .counts import hand_counts_of
from .service import LiveSession, get_session
from .tables import live_counts, live_sessions, participants, responses


@dataclass(frozen=True)
class Aggregate:
    joined: int = 0
    #: score (right answers) -> people, over those who answered at least one question
    scores: dict[int, int] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    right: dict[str, int] = field(default_factory=dict)
    #: question -> choice key -> how many ticked it
    choices: dict[str, dict[str, int]] = field(default_factory=dict)


def compute(conn: Connection, session_id: str) -> Aggregate:
    """The aggregate, from the per-person rows."""
    joined = conn.execute(
        sa.select(sa.func.count())
        .select_from(participants)
        .where(participants.c.session_id == session_id)
    ).scalar_one()
    rows = conn.execute(
        sa.select(
            responses.c.participant_id,
            responses.c.question_id,
            responses.c.choices,
            responses.c.correct,
        ).where(responses.c.session_id == session_id)
    ).all()
    per_person: Counter[int] = Counter()
    answered: Counter[str] = Counter()
    right: Counter[str] = Counter()
    choices: dict[str, Counter[str]] = {}
    for row in rows:
        per_person[row.participant_id] += 1 if row.correct else 0
        answered[row.question_id] += 1
        right[row.question_id] += 1 if row.correct else 0
        counter = choices.setdefault(row.question_id, Counter())
        for key in row.choices.split(","):
            if key:
                counter[key] += 1
    return Aggregate(
        joined=joined,
        scores=dict(Counter(per_person.values())),
        answered=dict(answered),
        right=dict(right),
        choices={q: dict(c) for q, c in choices.items()},
    )


def stored(conn: Connection, session_id: str) -> Aggregate:
    """The aggregate kept in live_counts (after the purge)."""
    joined = 0
    scores: dict[int, int] = {}
    answered: dict[str, int] = {}
    right: dict[str, int] = {}
    choices: dict[str, dict[str, int]] = {}
    for r in conn.execute(live_counts.select().where(live_counts.c.session_id == session_id)):
        if r.kind == "joined":
            joined = r.count
        elif r.kind == "score":
            scores[int(r.key)] = r.count
        elif r.kind == "answered":
            answered[r.question_id] = r.count
        elif r.kind == "right":
            right[r.question_id] = r.count
        elif r.kind == "choice":
            choices.setdefault(r.question_id, {})[r.key] = r.count
    return Aggregate(joined, scores, answered, right, choices)


def aggregate(engine: Engine, session: LiveSession) -> Aggregate:
    with engine.connect() as conn:
        return stored(conn, session.id) if session.purged_at else compute(conn, session.id)


# -- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceLine:
    letter: str
    key: str
    choice: Choice | None
    phones: int
    hands: int

    @property
    def total(self) -> int:
        return self.phones + self.hands

    @property
    def correct(self) -> bool:
        return bool(self.choice and self.choice.correct)


@dataclass(frozen=True)
class QuestionReport:
    n: int
    question_id: str
    question: Question | None
    answered: int  # phones, plus hands when they count (see the module doc)
    right: int
    lines: list[ChoiceLine]
    hands_added: bool

    @property
    def share_right(self) -> float | None:
        return self.right / self.answered if self.answered else None

    @property
    def most(self) -> int:
        return max((line.total for line in self.lines), default=0)


@dataclass(frozen=True)
class WrongAnswer:
    question: QuestionReport
    line: ChoiceLine


@dataclass(frozen=True)
class Report:
    session: LiveSession
    joined: int
    answering: int  # people who answered at least one question
    distribution: list[tuple[int, int]]  # (score, people) for every score 0..question_count
    average: float | None  # average share of right answers, 0..1
    questions: list[QuestionReport]

    @property
    def most_people(self) -> int:
        return max((n for _, n in self.distribution), default=0)

    @property
    def hardest(self) -> list[QuestionReport]:
        answered = [q for q in self.questions if q.share_right is not None]
        return sorted(answered, key=lambda q: (q.share_right, q.n))[:3]

    @property
    def wrong_answers(self) -> list[WrongAnswer]:
        found = [
            WrongAnswer(q, line)
            for q in self.questions
            for line in q.lines
            if not line.correct and line.total and q.question is not None
        ]
        return sorted(found, key=lambda w: (-w.line.total, w.question.n, w.line.letter))[:5]


def letters(count: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(count)]


def shown_choices(session: LiveSession, question: Question) -> list[Choice]:
    """The choices in this session's order, the same on every phone and on the projector."""
    from ..web.attempt import ordered_choices

    return ordered_choices(session, question)  # type: ignore[arg-type]


def build(engine: Engine, session: LiveSession, quiz: Quiz | None) -> Report:
    agg = aggregate(engine, session)
    hands = hand_counts_of(engine, session.id)
    questions = []
    ids = [q.id for q in quiz.questions] if quiz else sorted(agg.answered)
    for n, question_id in enumerate(ids, start=1):
        question = quiz.question(question_id) if quiz else None
        phones = agg.choices.get(question_id, {})
        raised = hands.get(question_id, {})
        answered = agg.answered.get(question_id, 0)
        right = agg.right.get(question_id, 0)
        if question is not None:
            choices = shown_choices(session, question)
            lines = [
                ChoiceLine(letter, c.key, c, phones.get(c.key, 0), raised.get(c.key, 0))
                for letter, c in zip(letters(len(choices)), choices, strict=True)
            ]
            if len(question.correct_keys) == 1 and question.type != "multiple":
                answered += sum(raised.values())
                right += sum(n for k, n in raised.items() if k in question.correct_keys)
        else:
            keys = sorted(set(phones) | set(raised))
            lines = [
                ChoiceLine(letter, k, None, phones.get(k, 0), raised.get(k, 0))
                for letter, k in zip(letters(len(keys)), keys, strict=True)
            ]
        questions.append(
            QuestionReport(n, question_id, question, answered, right, lines, bool(raised))
        )
    answering = sum(agg.scores.values())
    total = session.question_count
    distribution = [(s, agg.scores.get(s, 0)) for s in range(total + 1)]
    points = sum(s * n for s, n in agg.scores.items())
    average = points / (answering * total) if answering and total else None
    return Report(session, agg.joined, answering, distribution, average, questions)


def before_session(engine: Engine, after: LiveSession) -> LiveSession | None:
    """The "before" session an "after" session compares with: the one chosen, else the
    latest earlier one of the same quiz by the same trainer."""
    if after.kind != "after" or after.trainer_id is None:
        return None
    same = [
        live_sessions.c.kind == "before",
        live_sessions.c.quiz_id == after.quiz_id,
        live_sessions.c.trainer_id == after.trainer_id,
    ]
    with engine.connect() as conn:
        if after.compare_with:
            chosen = conn.execute(
                sa.select(live_sessions.c.id).where(live_sessions.c.id == after.compare_with, *same)
            ).scalar()
            if chosen:
                return get_session(engine, chosen)
        latest = conn.execute(
            sa.select(live_sessions.c.id)
            .where(*same, live_sessions.c.created_at <= after.created_at)
            .order_by(live_sessions.c.created_at.desc())
            .limit(1)
        ).scalar()
    return get_session(engine, latest) if latest else None


def before_candidates(engine: Engine, after: LiveSession) -> list[LiveSession]:
    """The sessions an "after" session may be compared with."""
    if after.trainer_id is None:
        return []
    with engine.connect() as conn:
        ids = conn.execute(
            sa.select(live_sessions.c.id)
            .where(
                live_sessions.c.kind == "before",
                live_sessions.c.quiz_id == after.quiz_id,
                live_sessions.c.trainer_id == after.trainer_id,
                live_sessions.c.id != after.id,
            )
            .order_by(live_sessions.c.created_at.desc())
        ).scalars()
        found = [get_session(engine, x) for x in ids]
    return [s for s in found if s is not None]


# -- CSV ----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "session",
    "quiz",
    "kind",
    "n",
    "question_id",
    "question",
    "correct",
    "answered",
    "right",
    "share_right_percent",
    "choices_phones",
    "choices_hands",
)


def csv_text(report: Report, prompt_text: dict[str, str]) -> str:
    """One row per question with its counts; no person in it. `prompt_text` gives each
    question's prompt in the reader's language. Starts with a BOM so spreadsheet programs read
    the Vietnamese right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for q in report.questions:
        share = q.share_right
        writer.writerow(
            [
                report.session.id,
                report.session.quiz_id,
                report.session.kind,
                q.n,
                q.question_id,
                prompt_text.get(q.question_id, ""),
                "".join(line.letter for line in q.lines if line.correct),
                q.answered,
                q.right,
                "" if share is None else round(share * 100),
                "; ".join(f"{line.letter}={line.phones}" for line in q.lines),
                "; ".join(f"{line.letter}={line.hands}" for line in q.lines),
            ]
        )
    return out.getvalue()

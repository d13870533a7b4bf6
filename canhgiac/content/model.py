"""The immutable content model: what the loader builds from lessons/*.yaml and quizzes/*.yaml.

Everything here is frozen. The catalog is built once at start and shared by the web pages,
the print pipeline and the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType

#: Topic ids with their display names, in the order the home page lists them.
TOPICS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "fraud": {"vi": "Lừa đảo trực tuyến", "en": "Online fraud"},
        "data": {"vi": "Bảo vệ dữ liệu cá nhân", "en": "Personal data protection"},
        "payments": {"vi": "Thanh toán an toàn", "en": "Safe payments"},
        "services": {
            "vi": "VNeID và dịch vụ công trực tuyến",
            "en": "VNeID and online public services",
        },
        "shopping": {"vi": "Mua bán trực tuyến an toàn", "en": "Safe online buying and selling"},
    }
)

QUESTION_TYPES = ("single", "multiple", "truefalse", "scenario")

#: The fixed choices of a true/false question.
TRUE_KEY = "true"
FALSE_KEY = "false"

#: Where a scenario question's message is shown: a text message, a chat app, a phone call (as a
#: transcript), a web page (with its address bar), a bank transfer or QR payment screen, an e-mail.
SCENARIO_CHANNELS = ("sms", "chat", "call", "web", "payment", "email")
#: The fixed choices of a scenario question: its verdict.
SCAM_KEY = "scam"
SAFE_KEY = "safe"
VERDICTS = (SCAM_KEY, SAFE_KEY)
#: The id by which a flag (and a tap) points at the sender line of a scenario.
SENDER_PART = "sender"
#: Taps on a scenario's parts are stored among the answer's choices as "f:<part id>".
FLAG_PREFIX = "f:"
#: Who says a part: the other side (the sender, the caller, the page) or the resident.
SPEAKERS = ("them", "me")

#: Kinds of trusted contact in contacts.yaml.
CONTACT_KINDS = ("phone", "sms", "web")


@dataclass(frozen=True)
class Text:
    """A translatable text: Vietnamese always, other languages when given.

    ``items`` is a tuple of (language, text) pairs, Vietnamese first.
    """

    items: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, vi: str, **others: str) -> Text:
        return cls((("vi", vi), *others.items()))

    def get(self, lang: str) -> str:
        """The text in ``lang``, falling back to Vietnamese."""
        for code, value in self.items:
            if code == lang:
                return value
        return self.items[0][1]

    def has(self, lang: str) -> bool:
        return any(code == lang for code, _ in self.items)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.items)

    def __str__(self) -> str:
        return self.items[0][1]


@dataclass(frozen=True)
class Source:
    title: Text
    url: str | None  # None when a source is cited by name only (no page to link to)


@dataclass(frozen=True)
class Section:
    heading: Text
    body: Text  # Markdown


@dataclass(frozen=True)
class Lesson:
    id: str
    title: Text
    topic: str
    summary: Text
    sections: tuple[Section, ...]
    red_flags: tuple[Text, ...]
    do: tuple[Text, ...]
    dont: tuple[Text, ...]
    if_happened: tuple[Text, ...]
    report: tuple[Text, ...]
    quiz: str | None
    sources: tuple[Source, ...]
    reviewed: date
    path: str = field(default="", compare=False)

    @property
    def key_points(self) -> tuple[Text, ...]:
        """What a resident should remember: the do list, then the red flags."""
        return self.do + self.red_flags


@dataclass(frozen=True)
class Choice:
    key: str  # "a", "b", ... by position; "true"/"false" for true/false questions
    text: Text
    correct: bool
    why: Text | None = None


@dataclass(frozen=True)
class Part:
    """One piece of a scenario's message: a sentence, a link, a field of a payment screen."""

    id: str
    text: Text
    label: Text | None = None  # a field name shown before the text ("Người nhận", "Tiêu đề")
    by: str = "them"  # one of SPEAKERS
    new: bool = False  # starts a new bubble, turn or paragraph


@dataclass(frozen=True)
class Flag:
    """A red flag: a part of the message (or the sender line) that gives the scam away."""

    part: str  # a Part.id or SENDER_PART
    why: Text
    number: int = 0  # 1, 2, ... in the order the parts are shown (the sender first)


@dataclass(frozen=True)
class Grade:
    """How a scenario was answered: the verdict, the flags found and missed, the wrong taps."""

    correct: bool  # the verdict is right
    credit: int  # 0-100, see Scenario.grade
    found: tuple[Flag, ...]
    missed: tuple[Flag, ...]
    wrong: tuple[str, ...]  # part ids (or SENDER_PART) tapped that are not red flags


@dataclass(frozen=True)
class Scenario:
    """The thing itself: a message as the resident would meet it, to judge scam or safe.

    ``flags`` are in the order their parts are shown (the sender line first), numbered from 1.
    """

    channel: str  # one of SCENARIO_CHANNELS
    sender: Text  # as shown: a name, a caller id, the web address, the From line, a screen title
    parts: tuple[Part, ...]
    verdict: str  # SCAM_KEY or SAFE_KEY
    flags: tuple[Flag, ...] = ()
    context: Text | None = None  # the situation, shown above the message

    @property
    def initial(self) -> str:
        """The letter of a chat avatar: the name after a title such as "Cháu" or "Chị"
        ("Cháu Hà" -> "H"), else the first word; from the Vietnamese, the same in every language."""
        words = re.findall(r"\w+", self.sender.get("vi"))
        names = [w for w in words[1:] if w[0].isupper()]
        return (names or words or ["?"])[0][0].upper()

    @property
    def tappable(self) -> tuple[str, ...]:
        """What a resident can mark as suspicious: the sender line and the other side's parts."""
        return (SENDER_PART, *(p.id for p in self.parts if p.by == "them"))

    def part(self, part_id: str) -> Part | None:
        for p in self.parts:
            if p.id == part_id:
                return p
        return None

    def flag(self, part_id: str) -> Flag | None:
        for f in self.flags:
            if f.part == part_id:
                return f
        return None

    @property
    def messages(self) -> tuple[tuple[Part, ...], ...]:
        """The parts grouped into messages (bubbles, turns, paragraphs): a run of parts by the
        same speaker, broken where a part says ``new``."""
        groups: list[list[Part]] = []
        for p in self.parts:
            if groups and not p.new and groups[-1][-1].by == p.by:
                groups[-1].append(p)
            else:
                groups.append([p])
        return tuple(tuple(g) for g in groups)

    def grade(self, verdict: str | None, tapped: frozenset[str] | set[str]) -> Grade:
        """The verdict decides right or wrong; the red flags found give partial credit.

        * verdict wrong (or missing): credit 0;
        * a scam, verdict right: 50 + 50 x max(0, found - wrong taps) / red flags, rounded down;
        * a safe example, verdict right: 100 - 25 per wrong tap, at least 50.
        """
        tapped = frozenset(tapped)
        found = tuple(f for f in self.flags if f.part in tapped)
        missed = tuple(f for f in self.flags if f.part not in tapped)
        flagged = {f.part for f in self.flags}
        wrong = tuple(x for x in self.tappable if x in tapped and x not in flagged)
        correct = verdict == self.verdict
        if not correct:
            credit = 0
        elif self.flags:
            credit = 50 + 50 * max(0, len(found) - len(wrong)) // len(self.flags)
        else:
            credit = max(50, 100 - 25 * len(wrong))
        return Grade(correct, credit, found, missed, wrong)


def scenario_keys(verdict: str, tapped: frozenset[str] | set[str]) -> frozenset[str]:
    """The choice keys stored for a scenario answer: the verdict and "f:<id>" per part tapped."""
    return frozenset({verdict, *(FLAG_PREFIX + part for part in tapped)})


def scenario_answer(keys: frozenset[str] | set[str]) -> tuple[str | None, frozenset[str]]:
    """(verdict, parts tapped) from stored choice keys: the inverse of scenario_keys."""
    verdicts = [k for k in keys if k in VERDICTS]
    tapped = frozenset(k[len(FLAG_PREFIX) :] for k in keys if k.startswith(FLAG_PREFIX))
    return (verdicts[0] if len(verdicts) == 1 else None), tapped


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # one of QUESTION_TYPES
    prompt: Text
    choices: tuple[Choice, ...]
    explanation: Text
    #: Only for type "scenario": the message to judge. Its choices are then SCAM_KEY and
    #: SAFE_KEY, the verdict being the correct one, so code that counts choices keeps working.
    scenario: Scenario | None = None

    @property
    def correct_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.choices if c.correct)

    def choice(self, key: str) -> Choice | None:
        for c in self.choices:
            if c.key == key:
                return c
        return None

    def is_correct(self, keys: frozenset[str] | set[str]) -> bool:
        """A question is answered right when exactly the correct choices are chosen. For a
        scenario only the verdict counts: the tapped parts ("f:<id>" keys) give partial credit
        (see Scenario.grade), never a wrong answer."""
        keys = frozenset(keys)
        if self.scenario is not None:
            keys = frozenset(k for k in keys if not k.startswith(FLAG_PREFIX))
        return keys == self.correct_keys


@dataclass(frozen=True)
class Quiz:
    id: str
    title: Text
    topic: str
    lesson: str | None
    questions: tuple[Question, ...]
    summary: Text | None = None
    path: str = field(default="", compare=False)

    @cached_property
    def question_ids(self) -> tuple[str, ...]:
        """The questions' ids, in order (worked out once: a page of an attempt asks)."""
        return tuple(q.id for q in self.questions)

    def question(self, question_id: str) -> Question | None:
        for q in self.questions:
            if q.id == question_id:
                return q
        return None


@dataclass(frozen=True)
class Contact:
    """A trusted phone number, SMS short code or web address from contacts.yaml."""

    value: str  # as written in contacts.yaml, e.g. "1900 9247" or "khonggianmang.vn"
    kind: str  # one of CONTACT_KINDS
    name: Text
    source: str  # where the fact comes from (a citation, not shown as a link)
    confidence: str  # "H" or "M"
    use: Text | None = None
    key: str = ""  # normalised: digits for phone/sms ("19009247"), lowercase host for web


@dataclass(frozen=True, eq=False)
class Catalog:
    """All content, loaded and validated once. Lookups by id; iteration in file-name order."""

    lessons: Mapping[str, Lesson]
    quizzes: Mapping[str, Quiz]
    languages: tuple[str, ...] = ("vi", "en")
    content_hash: str = ""  # sha256 over every content file, for caches keyed by content
    #: The trusted contacts register (contacts.yaml), by Contact.key; empty when there is none.
    contacts: Mapping[str, Contact] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lessons", MappingProxyType(dict(self.lessons)))
        object.__setattr__(self, "quizzes", MappingProxyType(dict(self.quizzes)))
        object.__setattr__(self, "contacts", MappingProxyType(dict(self.contacts)))

    @property
    def question_count(self) -> int:
        return sum(len(q.questions) for q in self.quizzes.values())

    def topics(self) -> Iterator[tuple[str, list[Lesson], list[Quiz]]]:
        """(topic, lessons, quizzes) for every topic that has content, in TOPICS order."""
        for topic in TOPICS:
            lessons = [x for x in self.lessons.values() if x.topic == topic]
            quizzes = [x for x in self.quizzes.values() if x.topic == topic]
            if lessons or quizzes:
                yield topic, lessons, quizzes

    def summary_line(self) -> str:
        return (
            f"{len(self.lessons)} lessons, {len(self.quizzes)} quizzes, "
            f"{self.question_count} questions ({', '.join(self.languages)})"
        )

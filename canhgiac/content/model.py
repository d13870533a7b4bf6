"""The immutable content model: what the loader builds from lessons/*.yaml and quizzes/*.yaml.

Everything here is frozen. The catalog is built once at start and shared by the web pages,
the print pipeline and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
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

QUESTION_TYPES = ("single", "multiple", "truefalse")

#: The fixed choices of a true/false question.
TRUE_KEY = "true"
FALSE_KEY = "false"

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
class Question:
    id: str
    type: str  # one of QUESTION_TYPES
    prompt: Text
    choices: tuple[Choice, ...]
    explanation: Text

    @property
    def correct_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.choices if c.correct)

    def choice(self, key: str) -> Choice | None:
        for c in self.choices:
            if c.key == key:
                return c
        return None

    def is_correct(self, keys: frozenset[str] | set[str]) -> bool:
        """A question is answered right when exactly the correct choices are chosen."""
        return frozenset(keys) == self.correct_keys


@dataclass(frozen=True)
class Quiz:
    id: str
    title: Text
    topic: str
    lesson: str | None
    questions: tuple[Question, ...]
    summary: Text | None = None
    path: str = field(default="", compare=False)

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

"""Which handouts exist, and what each one needs to be rendered.

A handout is one PDF: a kind (leaflet, card, poster, quiz-sheet, answer-key, certificate), a
format (paper size), a language and the lesson or quiz it prints. Everything here is plain data
that pickles, so the pack can send jobs to worker processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..content.model import Catalog, Lesson, Quiz, Text
from .labels import labels
from .qr import build_url, qr_svg

__all__ = [
    "FORMATS",
    "KINDS",
    "Format",
    "Handout",
    "Job",
    "handouts_for",
    "job_for",
    "parse_name",
]

KINDS = ("leaflet", "card", "poster", "quiz-sheet", "answer-key", "certificate")

#: Card sheets print at most this many rules, and try to have at least MIN_RULES.
MAX_RULES = 5
MIN_RULES = 3


@dataclass(frozen=True)
class Format:
    """A layout of a kind: its template, paper, and how many pages it must fill."""

    kind: str
    size: str  # "a4", "a5", "a3", or "" when the kind has one format only
    template: str
    page_size: str  # as written in manifest.json, e.g. "A4 landscape"
    width_mm: float
    height_mm: float
    pages: int  # at most this many pages (sides), unless flowing
    flowing: bool = False  # may grow to as many pages as it needs (a long quiz)
    description: str = ""  # for overflow messages: "the A4 leaflet"
    advice: str = ""  # what to do when it does not fit
    #: Base font sizes (pt) tried in turn: the largest that fits is printed.
    font_sizes: tuple[float, ...] = (10.5,)

    @property
    def slug(self) -> str:
        return f"{self.kind}-{self.size}" if self.size else self.kind


FORMATS: dict[str, Format] = {
    f.slug: f
    for f in (
        Format(
            "leaflet", "a4", "leaflet_a4.html", "A4 landscape", 297, 210, 2,
            description="the A4 leaflet", advice="shorten it or print the A5 leaflet",
            font_sizes=(13, 12, 11, 10),
        ),
        Format(
            "leaflet", "a5", "leaflet_a5.html", "A5", 148, 210, 2,
            description="the A5 leaflet", advice="shorten its lists",
            font_sizes=(12, 11, 10, 9, 8),
        ),
        Format(
            "card", "", "card.html", "A4", 210, 297, 1,
            description="the pocket card", advice="shorten its first rules or the title",
            font_sizes=(8.5, 8, 7.5, 7, 6.5),
        ),
        Format(
            "poster", "a4", "poster.html", "A4", 210, 297, 1,
            description="the A4 poster", advice="shorten the title", font_sizes=(14, 12, 10),
        ),
        Format(
            "poster", "a3", "poster.html", "A3", 297, 420, 1,
            description="the A3 poster", advice="shorten the title", font_sizes=(20, 17, 14),
        ),
        Format(
            "quiz-sheet", "", "quiz_sheet.html", "A4", 210, 297, 1, flowing=True,
            description="the paper quiz", font_sizes=(11,),
        ),
        Format(
            "answer-key", "", "answer_key.html", "A4", 210, 297, 1, flowing=True,
            description="the answer key", font_sizes=(10,),
        ),
        Format(
            "certificate", "", "certificate.html", "A4 landscape", 297, 210, 1,
            description="the certificate", advice="shorten the quiz title", font_sizes=(12, 10),
        ),
    )
}  # fmt: skip

#: Formats printed for every lesson, and for every quiz, in this order.
LESSON_FORMATS = ("leaflet-a4", "leaflet-a5", "card", "poster-a4", "poster-a3")
QUIZ_FORMATS = ("quiz-sheet", "answer-key", "certificate")


@dataclass(frozen=True)
class Handout:
    """One handout: a format of a lesson or quiz in one language."""

    format: str  # a key of FORMATS
    item: str  # the lesson id (lesson formats) or quiz id (quiz formats)
    lang: str

    @property
    def fmt(self) -> Format:
        return FORMATS[self.format]

    @property
    def kind(self) -> str:
        return self.fmt.kind

    @property
    def is_lesson(self) -> bool:
        return self.format in LESSON_FORMATS

    @property
    def name(self) -> str:
        """The file name without .pdf, e.g. demo-otp_leaflet-a4_vi."""
        return f"{self.item}_{self.format}_{self.lang}"

    @property
    def label(self) -> str:
        """For messages: "lesson 'demo-otp': the A4 leaflet (vi)"."""
        what = "lesson" if self.is_lesson else "quiz"
        return f"{what} '{self.item}': {self.fmt.description} ({self.lang})"


_NAME = re.compile(r"^([a-z0-9-]+)_([a-z0-9-]+)_([a-z]{2,3}(?:-[a-zA-Z0-9]+)?)$")


def parse_name(name: str) -> Handout | None:
    """The handout named ``name`` (as in Handout.name), or None if it is not one."""
    match = _NAME.match(name)
    if not match or match[2] not in FORMATS:
        return None
    return Handout(match[2], match[1], match[3])


def handouts_for(catalog: Catalog, languages: tuple[str, ...] | None = None) -> list[Handout]:
    """Every handout of the pack: for each language, every lesson format of every lesson, then
    every quiz format of every quiz."""
    result = []
    for lang in languages or catalog.languages:
        for lesson_id in catalog.lessons:
            result += [Handout(f, lesson_id, lang) for f in LESSON_FORMATS]
        for quiz_id in catalog.quizzes:
            result += [Handout(f, quiz_id, lang) for f in QUIZ_FORMATS]
    return result


def exists(catalog: Catalog, handout: Handout) -> bool:
    items = catalog.lessons if handout.is_lesson else catalog.quizzes
    return handout.item in items and handout.lang in catalog.languages


def qr_target(catalog: Catalog, handout: Handout) -> tuple[str, str] | None:
    """Where the handout's QR code leads: ("q", quiz id) or ("l", lesson id), or None for a
    handout without a code. A lesson whose quiz exists leads to the quiz."""
    if handout.is_lesson:
        lesson = catalog.lessons[handout.item]
        if lesson.quiz and lesson.quiz in catalog.quizzes:
            return ("q", lesson.quiz)
        return ("l", lesson.id)
    if handout.kind == "quiz-sheet":
        return ("q", handout.item)
    return None


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to render one handout (picklable: no catalog)."""

    handout: Handout
    lesson: Lesson | None
    quiz: Quiz | None
    qr_url: str | None
    name: str | None = None  # certificates from the web form only; never cached or stored
    qr_kind: str | None = None  # "q" (a quiz) or "l" (a lesson): where the code leads

    @property
    def options(self) -> dict[str, Any]:
        """What, beside content and templates, changes the PDF (part of the cache key)."""
        return {
            "format": self.handout.format,
            "item": self.handout.item,
            "lang": self.handout.lang,
            "qr_url": self.qr_url,
            "qr_kind": self.qr_kind,
        }


def job_for(
    catalog: Catalog,
    handout: Handout,
    public_url: str,
    src: str | None = None,
    name: str | None = None,
) -> Job:
    """The job for ``handout``. Raises KeyError for a lesson or quiz that does not exist."""
    target = qr_target(catalog, handout)
    url = build_url(public_url, target[0], target[1], src) if target else None
    # Only what the layout prints goes into the job (and so into the cache key): a lesson's
    # handouts print the lesson, a quiz's the quiz; the link between them is in the QR URL.
    kind = target[0] if target else None
    if handout.is_lesson:
        return Job(handout, catalog.lessons[handout.item], None, url, name, kind)
    return Job(handout, None, catalog.quizzes[handout.item], url, name, kind)


def card_rules(lesson: Lesson) -> tuple[Text, ...]:
    """The three to five rules a pocket card prints: the key points, then don'ts if short."""
    rules = list(lesson.key_points[:MAX_RULES])
    for extra in lesson.dont:
        if len(rules) >= MIN_RULES:
            break
        rules.append(extra)
    return tuple(rules)


def context(job: Job) -> dict[str, Any]:
    """The template context of a job; ``t`` gives a text in the handout's language."""
    handout = job.handout
    lang = handout.lang

    def t(text: Text | None) -> str:
        return text.get(lang) if text is not None else ""

    large = handout.kind in ("leaflet", "poster")
    ctx: dict[str, Any] = {
        "lang": lang,
        "L": labels(lang),
        "fmt": handout.fmt,
        "handout": handout,
        "t": t,
        "lesson": job.lesson,
        "quiz": job.quiz,
        "qr_url": job.qr_url,
        "qr_text": _display_url(job.qr_url),
        "qr": qr_svg(job.qr_url, error_correction="Q" if large else "M") if job.qr_url else None,
        "scan_label": labels(lang)["scan_lesson" if job.qr_kind == "l" else "scan_quiz"],
        "name": job.name,
    }
    if job.lesson is not None and handout.kind == "card":
        ctx["rules"] = card_rules(job.lesson)
    return ctx


def _display_url(url: str | None) -> str:
    """The link as printed under a code, for typing by hand: no scheme."""
    if not url:
        return ""
    return re.sub(r"^https?://", "", url)

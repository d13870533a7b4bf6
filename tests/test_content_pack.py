"""The shipped content pack (lessons/, quizzes/, contacts.yaml): strictly valid, complete in both
languages, every lesson paired with its quiz, no repeated question, every contact registered,
and docs/content-pack.md up to date."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest
from click.testing import CliRunner

from canhgiac.content import Catalog, Text, load_catalog
from canhgiac.content.commands import contents_command
from canhgiac.content.listing import pack_listing

from conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def pack() -> Catalog:
    # strict: a missing translation or an unregistered phone number or address is an error
    catalog, warnings = load_catalog(PROJECT_ROOT, strict=True)
    assert warnings == []
    return catalog


def all_texts(catalog: Catalog) -> list[tuple[str, Text]]:
    texts: list[tuple[str, Text]] = []
    for lesson in catalog.lessons.values():
        texts += [(lesson.id, lesson.title), (lesson.id, lesson.summary)]
        for section in lesson.sections:
            texts += [(lesson.id, section.heading), (lesson.id, section.body)]
        for items in (lesson.red_flags, lesson.do, lesson.dont, lesson.if_happened, lesson.report):
            texts += [(lesson.id, t) for t in items]
        texts += [(lesson.id, s.title) for s in lesson.sources]
    for quiz in catalog.quizzes.values():
        texts.append((quiz.id, quiz.title))
        for q in quiz.questions:
            texts += [(quiz.id, q.prompt), (quiz.id, q.explanation)]
            for c in q.choices:
                texts.append((quiz.id, c.text))
                if c.why is not None:
                    texts.append((quiz.id, c.why))
    return texts


def test_the_pack_has_the_size_the_programme_needs(pack: Catalog) -> None:
    assert len(pack.lessons) >= 12
    assert len(pack.quizzes) >= 12
    assert pack.question_count >= 150


def test_every_lesson_has_its_quiz_and_every_quiz_its_lesson(pack: Catalog) -> None:
    for lesson in pack.lessons.values():
        assert lesson.quiz in pack.quizzes, lesson.id
        assert pack.quizzes[lesson.quiz].lesson == lesson.id
    for quiz in pack.quizzes.values():
        assert quiz.lesson in pack.lessons, quiz.id
        assert pack.lessons[quiz.lesson].quiz == quiz.id


def test_every_text_is_in_vietnamese_and_english(pack: Catalog) -> None:
    missing = [(where, str(text)) for where, text in all_texts(pack) if not text.has("en")]
    assert missing == []
    assert all(text.get("en").strip() and text.get("vi").strip() for _, text in all_texts(pack))


def test_no_two_questions_share_a_text(pack: Catalog) -> None:
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).casefold().split())

    for lang in ("vi", "en"):
        prompts = Counter(
            norm(q.prompt.get(lang)) for quiz in pack.quizzes.values() for q in quiz.questions
        )
        assert [p for p, n in prompts.items() if n > 1] == [], lang


def test_each_quiz_has_10_to_15_questions_mixing_the_types(pack: Catalog) -> None:
    for quiz in pack.quizzes.values():
        assert 10 <= len(quiz.questions) <= 15, quiz.id
        types = Counter(q.type for q in quiz.questions)
        assert set(types) == {"single", "multiple", "truefalse"}, quiz.id


def test_every_wrong_choice_explains_why(pack: Catalog) -> None:
    for quiz in pack.quizzes.values():
        for q in quiz.questions:
            if q.type == "truefalse":
                continue
            silent = [c.key for c in q.choices if not c.correct and c.why is None]
            assert silent == [], f"{quiz.id}/{q.id}"


def test_every_lesson_is_complete_and_sourced(pack: Catalog) -> None:
    for lesson in pack.lessons.values():
        assert lesson.red_flags and lesson.do and lesson.dont, lesson.id
        assert lesson.if_happened and lesson.report, lesson.id
        assert lesson.sources, lesson.id
        assert lesson.reviewed.year >= 2026, lesson.id


def test_the_pack_covers_every_topic(pack: Catalog) -> None:
    topics = {lesson.topic for lesson in pack.lessons.values()}
    assert topics == {"fraud", "data", "payments", "services", "shopping"}


def test_every_contact_in_the_content_is_in_the_register(pack: Catalog) -> None:
    # load_catalog(strict=True) above already fails on any unregistered contact; here we check
    # that the register is really in use, so that check cannot pass by being switched off.
    assert len(pack.contacts) >= 8
    for value in ("113", "156", "5656", "tinnhiemmang.vn", "khonggianmang.vn"):
        assert value in pack.contacts
    assert all(c.confidence in ("H", "M") for c in pack.contacts.values())


def test_the_register_holds_nothing_the_brief_marks_unconfirmed(pack: Catalog) -> None:
    assert "canhbao.khonggianmang.vn" not in pack.contacts
    assert "0692194053" not in pack.contacts  # A05 number: only in old news (L)
    assert "0692348560" not in pack.contacts  # C02 number: only in old news (L)


def test_docs_listing_is_up_to_date(pack: Catalog) -> None:
    listed = (PROJECT_ROOT / "docs" / "content-pack.md").read_text(encoding="utf-8")
    assert listed == pack_listing(pack), "run: canhgiac contents > docs/content-pack.md"


def test_contents_command_prints_the_listing(pack: Catalog) -> None:
    result = CliRunner().invoke(contents_command, [])
    assert result.exit_code == 0
    assert result.output == pack_listing(pack)
    assert "| Thanh toán an toàn | Quét mã QR và chuyển tiền an toàn (`thanh-toan-qr`)" in (
        result.output
    )

"""The shipped content pack (lessons/, quizzes/, contacts.yaml): strictly valid, complete in both
languages, every lesson paired with its quiz, no repeated question, every contact registered,
and docs/content-pack.md up to date."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest
from click.testing import CliRunner

from canhgiac.content import Catalog, Question, Text, load_catalog
from canhgiac.content.commands import contents_command
from canhgiac.content.listing import pack_listing
from canhgiac.content.model import QUESTION_TYPES, SCENARIO_CHANNELS

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
            if q.scenario is not None:
                s = q.scenario
                texts += [(quiz.id, s.sender), *((quiz.id, f.why) for f in s.flags)]
                texts += [(quiz.id, s.context)] if s.context else []
                for part in s.parts:
                    texts += [(quiz.id, part.text)] + (
                        [(quiz.id, part.label)] if part.label else []
                    )
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

    def text_of(q: Question, lang: str) -> str:
        """What a resident reads: the prompt, and for a scenario (whose prompt is often the
        default one) the situation and the message too."""
        if q.scenario is None:
            return norm(q.prompt.get(lang))
        s = q.scenario
        parts = " | ".join(p.text.get(lang) for p in s.parts)
        context = s.context.get(lang) if s.context else ""
        return norm(f"{q.prompt.get(lang)} | {context} | {s.sender.get(lang)} | {parts}")

    for lang in ("vi", "en"):
        prompts = Counter(
            text_of(q, lang) for quiz in pack.quizzes.values() for q in quiz.questions
        )
        assert [p for p, n in prompts.items() if n > 1] == [], lang


def test_each_quiz_has_10_to_15_questions_mixing_the_types(pack: Catalog) -> None:
    for quiz in pack.quizzes.values():
        assert 10 <= len(quiz.questions) <= 15, quiz.id
        types = Counter(q.type for q in quiz.questions)
        assert {"single", "multiple", "truefalse"} <= set(types) <= set(QUESTION_TYPES), quiz.id


def test_every_wrong_choice_explains_why(pack: Catalog) -> None:
    for quiz in pack.quizzes.values():
        for q in quiz.questions:
            if q.type in ("truefalse", "scenario"):  # a scenario explains its flags instead
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


def scenarios(catalog: Catalog) -> list[tuple[str, Question]]:
    return [(quiz.id, q) for quiz in catalog.quizzes.values() for q in quiz.questions if q.scenario]


def test_scenarios_cover_every_channel_with_safe_examples(pack: Catalog) -> None:
    found = scenarios(pack)
    assert len(found) >= 20
    channels = Counter(q.scenario.channel for _, q in found)  # type: ignore[union-attr]
    assert set(channels) == set(SCENARIO_CHANNELS)
    assert min(channels.values()) >= 3, channels
    safe = sum(q.scenario.verdict == "safe" for _, q in found)  # type: ignore[union-attr]
    assert 0.25 <= safe / len(found) <= 0.4, f"{safe} of {len(found)} safe: about a third"
    # spread over the quizzes, at most two in one quiz, where they fit the topic
    per_quiz = Counter(quiz_id for quiz_id, _ in found)
    assert len(per_quiz) == len(pack.quizzes) and max(per_quiz.values()) <= 2


def test_every_scam_scenario_has_its_red_flags_explained(pack: Catalog) -> None:
    for quiz_id, q in scenarios(pack):
        s = q.scenario
        assert s is not None
        if s.verdict == "scam":
            assert s.flags, f"{quiz_id}/{q.id}"
            # something to miss or to mark wrongly: never every part a flag, never one part
            assert len(s.flags) < len(s.tappable), f"{quiz_id}/{q.id}"
        else:
            assert not s.flags, f"{quiz_id}/{q.id}"
        assert all(f.why.get("en") and f.why.get("vi") for f in s.flags)


def test_scenario_addresses_are_never_live_links(pack: Catalog) -> None:
    """A scam address in a mock is defanged; a real one is a registered contact (checked by the
    strict load). Either way nothing in a part or a sender starts with http."""
    for quiz_id, q in scenarios(pack):
        s = q.scenario
        assert s is not None
        for lang in ("vi", "en"):
            texts = [s.sender.get(lang), *(p.text.get(lang) for p in s.parts)]
            assert not [t for t in texts if "http" in t.lower()], f"{quiz_id}/{q.id}"

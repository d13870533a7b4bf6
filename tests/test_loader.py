"""The content loader and validator: canhgiac.content.loader.load_catalog.

Each test writes a small scratch content tree (a valid lesson and quiz pair) into tmp_path,
breaks one thing and checks the exact `path:line: message` lines that come out.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canhgiac.content.errors import ContentError, Problem
from canhgiac.content.loader import load_catalog
from canhgiac.content.model import Catalog, Lesson, Quiz, Text

# Line numbers matter: the tests below point at them.
LESSON = """\
id: otp
title:
  vi: Giữ bí mật mã OTP
  en: Keep your OTP secret
topic: payments
summary:
  vi: Ngân hàng không bao giờ hỏi mã OTP.
  en: Banks never ask for your OTP.
reviewed: 2026-11-20
sources:
  - title: {vi: BIDV, en: BIDV}
    url: https://bidv.com.vn
sections:
  - heading: {vi: Kẻ gian nói gì, en: What the scammer says}
    body:
      vi: |
        "Chị đọc giúp em **mã OTP** nhé."
      en: |
        "Please read me the **OTP code**."
red_flags:
  - {vi: Hỏi mã OTP, en: Asks for the OTP}
do:
  - {vi: Cúp máy, en: Hang up}
dont:
  - {vi: Không đọc mã OTP, en: Never read an OTP}
if_happened:
  - {vi: Gọi ngay ngân hàng, en: Call your bank at once}
report:
  - {vi: Báo công an xã, en: Tell the commune police}
quiz: otp
"""

QUIZ = """\
id: otp
title: {vi: Giữ mã OTP, en: Keep your OTP}
topic: payments
lesson: otp
summary: {vi: 3 câu hỏi., en: 3 questions.}
questions:
  - id: goi-dien
    type: single
    prompt:
      vi: Một người gọi và hỏi mã OTP. Bạn làm gì?
      en: A caller asks for your OTP. What do you do?
    choices:
      - text: {vi: Cúp máy, en: Hang up}
        correct: true
        why: {vi: Ngân hàng không hỏi OTP., en: Banks never ask for the OTP.}
      - text: {vi: Đọc mã OTP, en: Read out the OTP}
    explanation: {vi: Hãy cúp máy., en: Hang up.}
  - id: dau-hieu
    type: multiple
    prompt: {vi: Dấu hiệu lừa đảo, en: Signs of a scam}
    choices:
      - text: {vi: Hỏi mã OTP, en: Asking for the OTP}
        correct: true
      - text: {vi: Giục làm ngay, en: Pushing you to act now}
        correct: true
      - text: {vi: Báo số dư, en: A balance notice}
    explanation: {vi: Hỏi OTP là lừa đảo., en: Asking for the OTP is a scam.}
  - id: dung-sai
    type: truefalse
    prompt: {vi: Ngân hàng có thể hỏi mã OTP., en: Your bank may ask for the OTP.}
    answer: false
    explanation: {vi: Sai., en: False.}
"""

L = "lessons/otp.yaml"
Q = "quizzes/otp.yaml"


def write_tree(tmp_path: Path, files: dict[str, str | bytes | None] | None = None) -> Path:
    """A content root with the valid pair lessons/otp.yaml + quizzes/otp.yaml, plus ``files``
    (relative path -> text or bytes; None-valued entries are left out)."""
    root = tmp_path / "content"
    all_files: dict[str, str | bytes | None] = {L: LESSON, Q: QUIZ, **(files or {})}
    for rel, data in all_files.items():
        if data is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    (root / "lessons").mkdir(parents=True, exist_ok=True)
    (root / "quizzes").mkdir(parents=True, exist_ok=True)
    return root


def needs_libyaml() -> None:
    """Syntax error messages are libyaml's (the loader uses it when PyYAML has it, as its wheels
    do); the pure-Python parser words them differently."""
    if not yaml.__with_libyaml__:
        pytest.skip("YAML syntax error messages are pinned to libyaml's wording")


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def problems(root: Path, **options: object) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_catalog(root, **options)  # type: ignore[arg-type]
    return [str(p) for p in info.value.problems]


def break_file(tmp_path: Path, rel: str, old: str, new: str, **options: object) -> list[str]:
    """Replace ``old`` by ``new`` in the valid file ``rel`` and return the problem lines."""
    text = {L: LESSON, Q: QUIZ}[rel]
    return problems(write_tree(tmp_path, {rel: edit(text, old, new)}), **options)


# -- a valid tree -------------------------------------------------------------------------------


def test_valid_tree_loads(tmp_path: Path) -> None:
    catalog, warnings = load_catalog(write_tree(tmp_path))
    assert warnings == []
    assert isinstance(catalog, Catalog)
    assert catalog.languages == ("vi", "en")
    assert catalog.summary_line() == "1 lessons, 1 quizzes, 3 questions (vi, en)"
    lesson = catalog.lessons["otp"]
    assert isinstance(lesson, Lesson)
    assert lesson.path == L
    assert lesson.title == Text.of("Giữ bí mật mã OTP", en="Keep your OTP secret")
    assert lesson.topic == "payments"
    assert lesson.reviewed == date(2026, 11, 20)
    assert lesson.quiz == "otp"
    assert lesson.sources[0].url == "https://bidv.com.vn"
    assert lesson.sections[0].body.get("vi") == '"Chị đọc giúp em **mã OTP** nhé."\n'
    assert lesson.red_flags == (Text.of("Hỏi mã OTP", en="Asks for the OTP"),)
    assert lesson.key_points == (lesson.do[0], lesson.red_flags[0])

    quiz = catalog.quizzes["otp"]
    assert isinstance(quiz, Quiz)
    assert (quiz.path, quiz.lesson, quiz.topic) == (Q, "otp", "payments")
    assert quiz.summary == Text.of("3 câu hỏi.", en="3 questions.")
    single, multiple, truefalse = quiz.questions
    assert [c.key for c in single.choices] == ["a", "b"]
    assert single.correct_keys == {"a"}
    assert single.choices[0].why == Text.of(
        "Ngân hàng không hỏi OTP.", en="Banks never ask for the OTP."
    )
    assert single.choices[1].why is None
    assert multiple.type == "multiple"
    assert multiple.correct_keys == {"a", "b"}
    assert multiple.is_correct({"a", "b"}) and not multiple.is_correct({"a"})
    assert [(c.key, c.text, c.correct) for c in truefalse.choices] == [
        ("true", Text.of("Đúng", en="True"), False),
        ("false", Text.of("Sai", en="False"), True),
    ]
    assert truefalse.correct_keys == {"false"}


def test_text_get_falls_back_to_vietnamese(tmp_path: Path) -> None:
    quiz = edit(QUIZ, "explanation: {vi: Sai., en: False.}", "explanation: Sai.")
    catalog, warnings = load_catalog(write_tree(tmp_path, {Q: quiz}), languages=("vi",))
    explanation = catalog.quizzes["otp"].questions[2].explanation
    assert explanation.get("en") == "Sai."
    assert not explanation.has("en")
    assert catalog.quizzes["otp"].title.get("en") == "Keep your OTP"
    assert catalog.languages == ("vi",)
    assert warnings == []


def test_translations_keep_yaml_order_after_vietnamese(tmp_path: Path) -> None:
    quiz = edit(
        QUIZ, "title: {vi: Giữ mã OTP, en: Keep your OTP}", "title: {fr: Garder, en: Keep, vi: Giữ}"
    )
    catalog, _ = load_catalog(write_tree(tmp_path, {Q: quiz}))
    assert catalog.quizzes["otp"].title.items == (("vi", "Giữ"), ("fr", "Garder"), ("en", "Keep"))


def test_true_answer_makes_the_true_choice_correct(tmp_path: Path) -> None:
    quiz = edit(QUIZ, "answer: false", "answer: True")
    catalog, _ = load_catalog(write_tree(tmp_path, {Q: quiz}))
    assert catalog.quizzes["otp"].questions[2].correct_keys == {"true"}


def test_ordering_by_file_name_and_other_files_ignored(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "lessons/b-lesson.yml": edit(LESSON, "id: otp", "id: b-lesson").replace("quiz: otp\n", ""),
        "lessons/a-lesson.yaml": edit(LESSON, "id: otp", "id: a-lesson").replace("quiz: otp\n", ""),
        "lessons/README.md": "# not content",
        "lessons/notes.txt": "id: [",
        "lessons/.hidden.yaml": "id: [",
        "quizzes/zz.yaml~": "backup: [",
    }
    catalog, _ = load_catalog(write_tree(tmp_path, files))
    assert list(catalog.lessons) == ["a-lesson", "b-lesson", "otp"]
    assert catalog.lessons["b-lesson"].path == "lessons/b-lesson.yml"


def test_content_hash_changes_with_any_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    first = load_catalog(root)[0].content_hash
    assert len(first) == 64 and int(first, 16) >= 0
    assert load_catalog(root)[0].content_hash == first
    (root / Q).write_text(QUIZ.replace("Hang up.", "Hang up now."), encoding="utf-8")
    second = load_catalog(root)[0].content_hash
    assert second != first
    (root / Q).rename(root / "quizzes/otp.yml")
    assert load_catalog(root)[0].content_hash != second


def test_a_string_of_languages_is_split(tmp_path: Path) -> None:
    catalog, _ = load_catalog(write_tree(tmp_path), languages="vi, en")  # type: ignore[arg-type]
    assert catalog.languages == ("vi", "en")


def test_empty_folders_give_an_empty_catalog(tmp_path: Path) -> None:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "quizzes").mkdir()
    catalog, warnings = load_catalog(tmp_path)
    assert (dict(catalog.lessons), dict(catalog.quizzes), warnings) == ({}, {}, [])


def test_the_examples_in_the_authoring_guide_are_valid(tmp_path: Path) -> None:
    guide = (Path(__file__).resolve().parents[1] / "docs" / "authoring.md").read_text("utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, re.DOTALL)
    lesson = next(b for b in blocks if "\nred_flags:" in b)
    quiz = next(b for b in blocks if "\nquestions:" in b)
    register = next(b for b in blocks if b.startswith("contacts:"))
    root = write_tree(
        tmp_path,
        {
            L: None,
            Q: None,
            "lessons/gia-danh-cong-an.yaml": lesson,
            "quizzes/gia-danh-cong-an.yaml": quiz,
            "contacts.yaml": register,
        },
    )
    catalog, _ = load_catalog(root, languages=("vi",))
    assert catalog.summary_line() == "1 lessons, 1 quizzes, 3 questions (vi)"
    assert list(catalog.contacts) == ["113", "19009247", "khonggianmang.vn"]


# -- broken content: one thing at a time ------------------------------------------------------

CASES = [
    # (id, file, old, new, expected problem lines)
    (
        "unknown-key-with-suggestion",
        Q,
        "    explanation: {vi: Hãy cúp máy., en: Hang up.}",
        "    explaination: {vi: Hãy cúp máy., en: Hang up.}",
        [
            f"{Q}:7: missing required key 'explanation'",
            f"{Q}:17: unknown key 'explaination' (did you mean 'explanation'?)",
        ],
    ),
    (
        "unknown-key-without-suggestion",
        L,
        "quiz: otp\n",
        "quiz: otp\ncolour: red\n",
        [f"{L}:31: unknown key 'colour'"],
    ),
    (
        "missing-required-key",
        L,
        "title:\n  vi: Giữ bí mật mã OTP\n  en: Keep your OTP secret\n",
        "",
        [f"{L}:1: missing required key 'title'"],
    ),
    (
        "missing-required-key-in-question",
        Q,
        "    prompt: {vi: Dấu hiệu lừa đảo, en: Signs of a scam}\n",
        "",
        [f"{Q}:18: missing required key 'prompt'"],
    ),
    (
        "yaml-syntax-error",
        Q,
        "    type: multiple",
        "    type: multiple: x",
        [f"{Q}:19: invalid YAML: mapping values are not allowed in this context"],
    ),
    (
        "yaml-tab-indentation",
        L,
        "topic: payments\n",
        "topic: payments\n\tcolour: red\n",
        [f"{L}:6: invalid YAML: found a tab character that violates indentation"],
    ),
    (
        "key-not-a-name",
        L,
        "quiz: otp\n",
        "quiz: otp\n[a, b]: c\n",
        [f"{L}:31: a key must be a plain name, not a list or mapping"],
    ),
    (
        "duplicate-key",
        L,
        "topic: payments\n",
        "topic: payments\ntopic: fraud\n",
        [f"{L}:6: duplicate key 'topic' (first at line 5)"],
    ),
    (
        "duplicate-language",
        Q,
        "title: {vi: Giữ mã OTP, en: Keep your OTP}",
        "title: {vi: Giữ mã OTP, vi: Keep your OTP}",
        [f"{Q}:2: duplicate key 'vi' (first at line 2)"],
    ),
    (
        "reviewed-not-a-real-date",
        L,
        "reviewed: 2026-11-20",
        "reviewed: 2026-02-30",
        [f"{L}:9: 'reviewed' must be a date (YYYY-MM-DD)"],
    ),
    (
        "reviewed-in-vietnamese-order",
        L,
        "reviewed: 2026-11-20",
        "reviewed: 20/11/2026",
        [f"{L}:9: 'reviewed' must be a date (YYYY-MM-DD)"],
    ),
    (
        "correct-yes",
        Q,
        "        correct: true\n        why",
        "        correct: yes\n        why",
        [f"{Q}:14: 'correct' must be true or false"],
    ),
    (
        "answer-quoted",
        Q,
        "answer: false",
        'answer: "false"',
        [f"{Q}:31: 'answer' must be true or false"],
    ),
    (
        "title-a-number",
        L,
        "title:\n  vi: Giữ bí mật mã OTP\n  en: Keep your OTP secret\n",
        "title: 123\n",
        [f"{L}:2: 'title' must be a text"],
    ),
    (
        "translation-a-boolean",
        Q,
        "explanation: {vi: Sai., en: False.}",
        "explanation: {vi: Sai., en: no}",
        [f"{Q}:32: 'explanation' ('en') must be a text"],
    ),
    (
        "text-a-list",
        L,
        "summary:\n  vi: Ngân hàng không bao giờ hỏi mã OTP.\n"
        "  en: Banks never ask for your OTP.\n",
        "summary: [Ngân hàng, OTP]\n",
        [f"{L}:6: 'summary' must be a text"],
    ),
    (
        "list-expected",
        L,
        "red_flags:\n  - {vi: Hỏi mã OTP, en: Asks for the OTP}\n",
        "red_flags: {vi: Hỏi mã OTP, en: Asks for the OTP}\n",
        [f"{L}:20: 'red_flags' must be a list"],
    ),
    (
        "list-item-not-a-text",
        L,
        "  - {vi: Cúp máy, en: Hang up}",
        "  - 113",
        [f"{L}:23: each item of 'do' must be a text"],
    ),
    (
        "empty-list",
        L,
        "do:\n  - {vi: Cúp máy, en: Hang up}\n",
        "do: []\n",
        [f"{L}:22: 'do' must not be empty"],
    ),
    (
        "empty-value",
        L,
        "sources:\n  - title: {vi: BIDV, en: BIDV}\n    url: https://bidv.com.vn\n",
        "sources:\n",
        [f"{L}:10: 'sources' must not be empty"],
    ),
    (
        "empty-string",
        Q,
        "explanation: {vi: Sai., en: False.}",
        'explanation: {vi: "", en: False.}',
        [f"{Q}:32: 'explanation' ('vi') must not be empty"],
    ),
    (
        "empty-plain-text",
        Q,
        "    explanation: {vi: Hãy cúp máy., en: Hang up.}",
        "    explanation: '  '",
        [f"{Q}:17: 'explanation' must not be empty"],
    ),
    (
        "missing-vietnamese",
        Q,
        "title: {vi: Giữ mã OTP, en: Keep your OTP}",
        "title: {en: Keep your OTP}",
        [f"{Q}:2: missing required key 'vi'"],
    ),
    (
        "bad-language-code",
        Q,
        "title: {vi: Giữ mã OTP, en: Keep your OTP}",
        "title: {vi: Giữ mã OTP, English: Keep your OTP}",
        [f"{Q}:2: 'English' is not a language code (use a 2–3 letter code such as 'en')"],
    ),
    (
        "unquoted-comma-in-braces",
        Q,
        "explanation: {vi: Sai., en: False.}",
        "explanation: {vi: Sai., en: Wrong, hang up.}",
        [
            f"{Q}:32: 'hang up.' is not a language code"
            " (a comma inside { } ends a text: put the text in quotes)"
        ],
    ),
    (
        "duplicate-question-id",
        Q,
        "  - id: dau-hieu",
        "  - id: goi-dien",
        [f"{Q}:18: duplicate question id 'goi-dien' (first at line 7)"],
    ),
    (
        "invalid-id",
        Q,
        "  - id: dung-sai",
        "  - id: Dung_Sai",
        [f"{Q}:28: invalid id 'Dung_Sai': use lowercase letters a-z, digits and single hyphens"],
    ),
    (
        "id-with-double-hyphen",
        Q,
        "  - id: dung-sai",
        "  - id: dung--sai",
        [f"{Q}:28: invalid id 'dung--sai': use lowercase letters a-z, digits and single hyphens"],
    ),
    (
        "id-too-long",
        Q,
        "  - id: dung-sai",
        "  - id: " + "a" * 41,
        [f"{Q}:28: id '{'a' * 41}' is longer than 40 characters"],
    ),
    (
        "unknown-topic",
        L,
        "topic: payments",
        "topic: scams",
        [f"{L}:5: unknown topic 'scams' (use one of: fraud, data, payments, services, shopping)"],
    ),
    (
        "quiz-refers-to-a-missing-lesson",
        Q,
        "lesson: otp",
        "lesson: otp-2",
        [f"{Q}:4: unknown lesson 'otp-2' (did you mean 'otp'?)"],
    ),
    (
        "lesson-refers-to-a-missing-quiz",
        L,
        "quiz: otp",
        "quiz: sms",
        [f"{L}:30: unknown quiz 'sms'"],
    ),
    (
        "reference-shortened",
        L,
        "quiz: otp",
        "quiz: ot",
        [f"{L}:30: unknown quiz 'ot' (did you mean 'otp'?)"],
    ),
    (
        "single-without-correct-choice",
        Q,
        "        correct: true\n        why",
        "        why",
        [f"{Q}:12: question 'goi-dien' has no correct choice"],
    ),
    (
        "single-with-two-correct-choices",
        Q,
        "      - text: {vi: Đọc mã OTP, en: Read out the OTP}\n",
        "      - text: {vi: Đọc mã OTP, en: Read out the OTP}\n        correct: true\n",
        [f"{Q}:12: question 'goi-dien' has 2 correct choices; a single-choice question needs one"],
    ),
    (
        "choice-question-with-one-choice",
        Q,
        "      - text: {vi: Đọc mã OTP, en: Read out the OTP}\n",
        "",
        [f"{Q}:12: question 'goi-dien' needs at least 2 choices"],
    ),
    (
        "choice-not-a-mapping",
        Q,
        "      - text: {vi: Đọc mã OTP, en: Read out the OTP}\n",
        "      - Đọc mã OTP\n",
        [f"{Q}:16: each item of 'choices' must be a mapping (key: value)"],
    ),
    (
        "choices-on-truefalse",
        Q,
        "    answer: false\n",
        "    answer: false\n    choices: [{text: Đúng}, {text: Sai}]\n",
        [f"{Q}:32: a true/false question has no 'choices' (use 'answer: true' or 'answer: false')"],
    ),
    (
        "truefalse-without-answer",
        Q,
        "    answer: false\n",
        "",
        [f"{Q}:28: missing required key 'answer'"],
    ),
    (
        "answer-on-choice-question",
        Q,
        "    type: multiple\n",
        "    type: multiple\n    answer: true\n",
        [f"{Q}:20: a multiple-choice question has no 'answer' (mark choices with 'correct: true')"],
    ),
    (
        "unknown-question-type",
        Q,
        "    type: truefalse",
        "    type: yesno",
        [
            f"{Q}:29: unknown question type 'yesno' "
            "(use one of: single, multiple, truefalse, scenario)"
        ],
    ),
    (
        "source-url-not-a-web-address",
        L,
        "url: https://bidv.com.vn",
        "url: javascript:alert(1)",
        [f"{L}:12: 'url' must be a web address starting with https:// or http://"],
    ),
    (
        "unsafe-tag",
        L,
        "topic: payments",
        "topic: !!python/object/apply:os.system ['echo hacked']",
        [f"{L}:5: YAML tags are not allowed ('tag:yaml.org,2002:python/object/apply:os.system')"],
    ),
    (
        "tag-on-a-key",
        L,
        "quiz: otp",
        "!!python/name:os.system quiz: otp",
        [f"{L}:30: YAML tags are not allowed ('tag:yaml.org,2002:python/name:os.system')"],
    ),
    (
        "harmless-tag-refused-too",
        Q,
        "    answer: false",
        "    answer: !!bool false",
        [f"{Q}:31: YAML tags are not allowed ('tag:yaml.org,2002:bool')"],
    ),
    (
        "anchor",
        L,
        "do:\n  - {vi: Cúp máy, en: Hang up}\n",
        "do:\n  - &hang {vi: Cúp máy, en: Hang up}\n",
        [f"{L}:23: anchors and aliases are not allowed (found anchor '&hang')"],
    ),
    (
        "second-document",
        L,
        "quiz: otp\n",
        "quiz: otp\n---\nid: other\n",
        [f"{L}:31: only one YAML document is allowed (remove the '---')"],
    ),
]


@pytest.mark.parametrize(
    ("rel", "old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_broken_content(tmp_path: Path, rel: str, old: str, new: str, expected: list[str]) -> None:
    if "invalid YAML" in expected[0]:
        needs_libyaml()
    assert break_file(tmp_path, rel, old, new) == expected


def test_multiple_choice_without_correct_choice(tmp_path: Path) -> None:
    quiz = QUIZ.replace(
        "      - text: {vi: Hỏi mã OTP, en: Asking for the OTP}\n        correct: true\n", ""
    )
    quiz = edit(
        quiz,
        "      - text: {vi: Giục làm ngay, en: Pushing you to act now}\n        correct: true\n",
        "",
    )
    quiz = edit(
        quiz,
        "      - text: {vi: Báo số dư, en: A balance notice}\n",
        "      - text: {vi: A, en: A}\n      - text: {vi: B, en: B}\n",
    )
    assert problems(write_tree(tmp_path, {Q: quiz})) == [
        f"{Q}:21: question 'dau-hieu' has no correct choice"
    ]


def test_alias_is_refused_without_expanding_it(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    root = write_tree(tmp_path, {Q: bomb})
    assert problems(root) == [f"{Q}:1: anchors and aliases are not allowed (found anchor '&a')"]
    root = write_tree(tmp_path, {Q: "id: otp\ntitle: *name\n"})
    assert problems(root) == [f"{Q}:2: anchors and aliases are not allowed (found alias '*name')"]


def test_tag_is_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    lesson = edit(
        LESSON, "topic: payments", f"topic: !!python/object/apply:os.system ['touch {marker}']"
    )
    assert len(problems(write_tree(tmp_path, {L: lesson}))) == 1
    assert not marker.exists()


# -- file-level problems ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "1: the file is empty"),
        (b"# only a comment\n\n# and another\n", "1: the file is empty"),
        (b"---\n", "1: the file is empty"),
        (b"- id: otp\n- id: sms\n", "1: the top level of the file must be a mapping (key: value)"),
        (b"just some words\n", "1: the top level of the file must be a mapping (key: value)"),
        (
            b"id: otp\ntitle: Gi\xe1\xbb\xaf\n\xff\xfe\n",
            "3: the file is not UTF-8 text (bad byte 0xff); save it as UTF-8",
        ),
        (
            "id: otp\ntitle: Giữ mã\n".encode("utf-16"),
            "1: the file is not UTF-8 text (bad byte 0xff); save it as UTF-8",
        ),
        (b"id: otp\ntitle: a\x00b\n", "2: the character U+0000 is not allowed in content files"),
        (
            "id: otp\ntitle: Giữ\x07\n".encode(),
            "2: the character U+0007 is not allowed in content files",
        ),
        (b"[" * 200 + b"]" * 200, "1: lists and mappings are nested too deeply (more than 64)"),
    ],
    ids=[
        "empty",
        "comments",
        "bare-document",
        "list",
        "scalar",
        "latin-1",
        "utf-16",
        "nul",
        "bell",
        "deep",
    ],
)
def test_unusable_file(tmp_path: Path, data: bytes, expected: str) -> None:
    assert problems(write_tree(tmp_path, {Q: data})) == [f"{Q}:{expected}"]


def test_bad_byte_line_after_a_bom(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfid: otp\ntitle: a\xffb\n"
    assert problems(write_tree(tmp_path, {Q: data})) == [
        f"{Q}:2: the file is not UTF-8 text (bad byte 0xff); save it as UTF-8"
    ]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    catalog, _ = load_catalog(write_tree(tmp_path, {Q: b"\xef\xbb\xbf" + QUIZ.encode()}))
    assert catalog.quizzes["otp"].id == "otp"


def test_file_just_over_the_limit(tmp_path: Path) -> None:
    data = QUIZ.encode() + b"#" * (1024 * 1024 - len(QUIZ.encode()))
    assert load_catalog(write_tree(tmp_path, {Q: data}))[0].quizzes["otp"]
    root = write_tree(tmp_path, {Q: data + b"\n"})
    assert problems(root) == [f"{Q}:1: the file is too large (1,025 KB; the limit is 1,024 KB)"]


def test_long_and_odd_values_are_shown_on_one_short_line(tmp_path: Path) -> None:
    lesson = edit(LESSON, "topic: payments", 'topic: "money\\nand\\tmore ' + "x" * 80 + '"')
    assert problems(write_tree(tmp_path, {L: lesson})) == [
        f"{L}:5: unknown topic 'money\\nand\\tmore {'x' * 42}…'"
        " (use one of: fraud, data, payments, services, shopping)"
    ]


def test_huge_file_is_refused_quickly(tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    with open(root / Q, "wb") as f:  # 50 MB, sparse where the file system allows
        f.truncate(50 * 1024 * 1024)
    started = time.monotonic()
    assert problems(root) == [f"{Q}:1: the file is too large (51,200 KB; the limit is 1,024 KB)"]
    assert time.monotonic() - started < 2


def test_missing_folders(tmp_path: Path) -> None:
    assert problems(tmp_path / "nowhere") == [
        "lessons:1: folder not found",
        "quizzes:1: folder not found",
    ]
    (tmp_path / "lessons").mkdir()
    (tmp_path / "quizzes").write_text("not a folder")
    assert problems(tmp_path) == ["quizzes:1: not a folder"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions")
def test_unreadable_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    (root / Q).chmod(0)
    assert problems(root) == [f"{Q}:1: cannot read the file (Permission denied)"]


# -- ids across files -------------------------------------------------------------------------


def test_duplicate_lesson_id_across_files(tmp_path: Path) -> None:
    # The later file in file-name order gets the error: "otp-2.yaml" sorts before "otp.yaml".
    root = write_tree(tmp_path, {"lessons/otp-2.yaml": LESSON})
    assert problems(root) == [
        "lessons/otp-2.yaml:1: warning: id 'otp' does not match the file name 'otp-2'",
        "lessons/otp.yaml:1: duplicate lesson id 'otp' (also in lessons/otp-2.yaml)",
    ]


def test_lesson_and_quiz_may_share_an_id(tmp_path: Path) -> None:
    catalog, _ = load_catalog(write_tree(tmp_path))
    assert "otp" in catalog.lessons and "otp" in catalog.quizzes


def test_reference_to_a_broken_file_is_not_reported_twice(tmp_path: Path) -> None:
    needs_libyaml()
    assert problems(write_tree(tmp_path, {L: "id: [otp\n"})) == [
        f"{L}:2: invalid YAML: did not find expected ',' or ']'"
    ]


# -- many problems at once --------------------------------------------------------------------


def test_every_problem_in_a_file_is_reported(tmp_path: Path) -> None:
    quiz = edit(QUIZ, "topic: payments", "topic: money")
    quiz = edit(quiz, "        correct: true\n        why", "        correct: yes\n        why")
    quiz = edit(
        quiz, "    explanation: {vi: Hãy cúp máy., en: Hang up.}", "    explaination: Hãy cúp máy."
    )
    quiz = edit(quiz, "    type: truefalse", "    type: true-false")
    assert problems(write_tree(tmp_path, {Q: quiz})) == [
        f"{Q}:3: unknown topic 'money' (use one of: fraud, data, payments, services, shopping)",
        f"{Q}:7: missing required key 'explanation'",
        f"{Q}:14: 'correct' must be true or false",
        f"{Q}:17: unknown key 'explaination' (did you mean 'explanation'?)",
        f"{Q}:29: unknown question type 'true-false' "
        "(use one of: single, multiple, truefalse, scenario)",
    ]


def test_problems_in_several_files_are_all_reported(tmp_path: Path) -> None:
    needs_libyaml()
    files: dict[str, str | bytes] = {
        L: edit(LESSON, "reviewed: 2026-11-20", "reviewed: soon"),
        Q: edit(QUIZ, "lesson: otp", "lesson: [otp]"),
        "quizzes/sms.yaml": "id: sms\ntitle: [\n",
        "lessons/qr.yaml": b"\x80",
    }
    assert problems(write_tree(tmp_path, files)) == [
        "lessons/otp.yaml:9: 'reviewed' must be a date (YYYY-MM-DD)",
        "lessons/qr.yaml:1: the file is not UTF-8 text (bad byte 0x80); save it as UTF-8",
        "quizzes/otp.yaml:4: 'lesson' must be a text",
        "quizzes/sms.yaml:3: invalid YAML: did not find expected node content",
    ]


# -- warnings ---------------------------------------------------------------------------------

UNTRANSLATED = edit(QUIZ, "explanation: {vi: Sai., en: False.}", "explanation: Sai.")


def test_missing_translation_is_a_warning(tmp_path: Path) -> None:
    catalog, warnings = load_catalog(write_tree(tmp_path, {Q: UNTRANSLATED}))
    assert [str(w) for w in warnings] == [f"{Q}:32: warning: missing translation 'en'"]
    assert warnings == [Problem(Q, 32, "missing translation 'en'", "warning")]
    assert catalog.quizzes["otp"].questions[2].explanation == Text.of("Sai.")


def test_several_missing_translations_give_one_warning_per_text(tmp_path: Path) -> None:
    _, warnings = load_catalog(
        write_tree(tmp_path, {Q: UNTRANSLATED}), languages=("vi", "en", "fr")
    )
    assert f"{Q}:32: warning: missing translations 'en', 'fr'" in [str(w) for w in warnings]
    assert len([w for w in warnings if w.line == 32]) == 1


def test_vietnamese_only_gives_no_english_warnings(tmp_path: Path) -> None:
    assert load_catalog(write_tree(tmp_path, {Q: UNTRANSLATED}), languages=("vi",))[1] == []


def test_id_not_matching_file_name_is_a_warning(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"quizzes/otp-quiz.yaml": QUIZ, Q: None})
    catalog, warnings = load_catalog(root)
    assert [str(w) for w in warnings] == [
        "quizzes/otp-quiz.yaml:1: warning: id 'otp' does not match the file name 'otp-quiz'"
    ]
    assert catalog.quizzes["otp"].path == "quizzes/otp-quiz.yaml"


def test_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {Q: UNTRANSLATED})
    assert problems(root, strict=True) == [f"{Q}:32: missing translation 'en'"]
    assert load_catalog(root, strict=True, languages=("vi",))[1] == []


def test_errors_come_with_the_warnings(tmp_path: Path) -> None:
    quiz = edit(UNTRANSLATED, "topic: payments", "topic: money")
    assert problems(write_tree(tmp_path, {Q: quiz})) == [
        f"{Q}:3: unknown topic 'money' (use one of: fraud, data, payments, services, shopping)",
        f"{Q}:32: warning: missing translation 'en'",
    ]


# -- fuzzing: any input gives a Catalog or a ContentError -------------------------------------

KEYS = [
    "id", "title", "topic", "lesson", "summary", "questions", "type", "prompt", "choices", "answer",
    "explanation", "text", "correct", "why", "vi", "en", "reviewed", "sources", "url", "sections",
    "heading", "body", "red_flags", "do", "dont", "if_happened", "report", "quiz",
    "channel", "sender", "parts", "verdict", "flags", "part", "by", "new", "label", "context",
]  # fmt: skip
SCALARS = st.one_of(
    st.sampled_from(
        [
            "otp",
            "payments",
            "single",
            "multiple",
            "truefalse",
            "2026-11-20",
            "https://x.vn",
            "",
            "scenario",
            "sms",
            "scam",
            "safe",
            "sender",
            "me",
        ]  # fmt: skip
    ),
    st.text(max_size=12),
    st.integers(),
    st.booleans(),
    st.none(),
    st.dates(),
    st.floats(allow_nan=True),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS), children, max_size=6)
    ),
    max_leaves=40,
)


def _load_anything(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tree(Path(tmp), files)
        try:
            catalog, warnings = load_catalog(root)
        except ContentError as exc:
            assert exc.problems
            assert all(isinstance(p, Problem) and p.line >= 1 for p in exc.problems)
        else:
            assert isinstance(catalog, Catalog)
            assert all(w.severity == "warning" for w in warnings)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzz_bytes(data: bytes) -> None:
    _load_anything({Q: data})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=st.sampled_from(list("ab:-[]{}?,!&*|>'\"#%@` \n\t\u00e1\u1ed7")), max_size=200)
)
def test_fuzz_yaml_punctuation(text: str) -> None:
    _load_anything({Q: text})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, st.sampled_from([Q, L]))
def test_fuzz_structures(document: object, rel: str) -> None:
    _load_anything({rel: yaml.safe_dump(document, allow_unicode=True)})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_mutated_valid_files(data: st.DataObject) -> None:
    """Replace one line of a valid file with something random."""
    rel = data.draw(st.sampled_from([Q, L]))
    lines = {L: LESSON, Q: QUIZ}[rel].splitlines(keepends=True)
    index = data.draw(st.integers(0, len(lines) - 1))
    indent = len(lines[index]) - len(lines[index].lstrip())
    key = data.draw(st.sampled_from(KEYS))
    value = data.draw(
        st.one_of(
            st.text(max_size=10), st.sampled_from(["[]", "{}", "", "yes", "1", "- a", "{vi: x}"])
        )
    )
    lines[index] = " " * indent + f"{key}: {value}\n"
    _load_anything({rel: "".join(lines)})


def test_a_source_may_be_cited_by_name_without_an_address(tmp_path: Path) -> None:
    root = write_tree(tmp_path)
    path = root / L
    path.write_text(
        edit(
            path.read_text(encoding="utf-8"),
            "    url: https://bidv.com.vn\n",
            "    url: https://bidv.com.vn\n  - title: {vi: Công an TP Hà Nội, en: Hanoi police}\n",
        ),
        encoding="utf-8",
    )
    catalog, warnings = load_catalog(root)
    assert warnings == []
    assert [s.url for s in catalog.lessons["otp"].sources] == ["https://bidv.com.vn", None]
    assert catalog.lessons["otp"].sources[1].title.get("en") == "Hanoi police"


# -- scenario questions -----------------------------------------------------------------------

# A scenario appended to QUIZ as its fourth question: it starts at line 33.
SCENARIO = """\
  - id: xem-tin
    type: scenario
    channel: sms
    context: {vi: Tin trong mục ngân hàng., en: A text in the bank thread.}
    sender: Ngân hàng
    parts:
      - id: cu
        text: {vi: Báo số dư., en: A balance notice.}
      - id: khoa
        new: true
        text: {vi: Tài khoản bị khóa., en: Account locked.}
      - id: link
        text: {vi: "Mở tại x[.]top", en: "Open at x[.]top"}
      - id: hoi
        by: me
        text: {vi: Sao vậy?, en: Why?}
    verdict: scam
    flags:
      - part: link
        why: {vi: Tin ngân hàng không có link., en: Bank texts have no links.}
      - part: khoa
        why: {vi: Dọa khóa., en: A lock threat.}
    explanation: {vi: Đừng bấm link., en: Do not tap the link.}
"""
QUIZ_SC = QUIZ + SCENARIO


def break_scenario(tmp_path: Path, old: str, new: str, **options: object) -> list[str]:
    return problems(write_tree(tmp_path, {Q: edit(QUIZ_SC, old, new)}), **options)


def test_scenario_loads(tmp_path: Path) -> None:
    catalog, warnings = load_catalog(write_tree(tmp_path, {Q: QUIZ_SC}))
    assert warnings == []  # a plain-string sender is the same in every language
    q = catalog.quizzes["otp"].questions[3]
    assert (q.id, q.type) == ("xem-tin", "scenario")
    assert q.prompt == Text.of(
        "Tin nhắn này là lừa đảo hay an toàn?", en="Is this text message a scam or safe?"
    )
    assert [(c.key, c.text.get("vi"), c.text.get("en"), c.correct) for c in q.choices] == [
        ("scam", "Lừa đảo", "Scam", True),
        ("safe", "An toàn", "Safe", False),
    ]
    s = q.scenario
    assert s is not None
    assert (s.channel, s.verdict) == ("sms", "scam")
    assert s.sender == Text((("vi", "Ngân hàng"), ("en", "Ngân hàng")))
    assert s.context == Text.of("Tin trong mục ngân hàng.", en="A text in the bank thread.")
    assert [(p.id, p.by, p.new, p.label) for p in s.parts] == [
        ("cu", "them", False, None),
        ("khoa", "them", True, None),
        ("link", "them", False, None),
        ("hoi", "me", False, None),
    ]
    # numbered in the order of the message, whatever the order in the file
    assert [(f.number, f.part) for f in s.flags] == [(1, "khoa"), (2, "link")]
    assert s.flag("link").why.get("en") == "Bank texts have no links."  # type: ignore[union-attr]
    assert s.flag("cu") is None
    assert s.tappable == ("sender", "cu", "khoa", "link")  # not the resident's own words
    assert [[p.id for p in m] for m in s.messages] == [["cu"], ["khoa", "link"], ["hoi"]]
    assert q.correct_keys == {"scam"}
    assert q.is_correct({"scam", "f:link", "f:cu"}) and not q.is_correct({"safe", "f:link"})
    assert catalog.question_count == 4


def test_scenario_prompt_and_translated_sender(tmp_path: Path) -> None:
    quiz = edit(
        QUIZ_SC, "    sender: Ngân hàng\n", "    sender: {vi: Ngân hàng}\n    prompt: Thật không?\n"
    )
    catalog, warnings = load_catalog(write_tree(tmp_path, {Q: quiz}))
    assert [str(w) for w in warnings] == [
        f"{Q}:37: warning: missing translation 'en'",
        f"{Q}:38: warning: missing translation 'en'",
    ]
    q = catalog.quizzes["otp"].questions[3]
    assert q.prompt.get("vi") == "Thật không?"
    assert not q.scenario.sender.has("en")  # type: ignore[union-attr]


def test_safe_scenario_has_no_flags(tmp_path: Path) -> None:
    quiz = edit(QUIZ_SC, "    verdict: scam\n", "    verdict: safe\n")
    quiz = quiz[: quiz.index("    flags:\n")] + quiz[quiz.index("    explanation: {vi: Đừng") :]
    catalog, _ = load_catalog(write_tree(tmp_path, {Q: quiz}))
    q = catalog.quizzes["otp"].questions[3]
    assert q.scenario.flags == () and q.correct_keys == {"safe"}  # type: ignore[union-attr]
    empty = edit(QUIZ_SC, "    verdict: scam\n", "    verdict: safe\n")
    empty = (
        empty[: empty.index("      - part: link")]
        + empty[empty.index("    explanation: {vi: Đừng") :]
    )
    empty = edit(empty, "    flags:\n", "    flags: []\n")
    catalog, _ = load_catalog(write_tree(tmp_path / "b", {Q: empty}))
    assert catalog.quizzes["otp"].questions[3].scenario.flags == ()  # type: ignore[union-attr]


SCENARIO_CASES = [
    # (id, old, new, expected problem lines)
    (
        "unknown-channel",
        "    channel: sms\n",
        "    channel: zalo\n",
        [f"{Q}:35: unknown channel 'zalo' (use one of: sms, chat, call, web, payment, email)"],
    ),
    (
        "flag-on-a-mistyped-part",
        "      - part: link\n",
        "      - part: lnk\n",
        [f"{Q}:51: flag on unknown part 'lnk' (did you mean 'link'?)"],
    ),
    (
        "flag-on-an-unknown-part",
        "      - part: link\n",
        "      - part: url\n",
        [f"{Q}:51: flag on unknown part 'url' (the parts are: sender, cu, khoa, link, hoi)"],
    ),
    (
        "duplicate-part-id",
        "      - id: link\n",
        "      - id: khoa\n",
        [
            f"{Q}:44: duplicate part id 'khoa' (first at line 41)",
            f"{Q}:51: flag on unknown part 'link' (the parts are: sender, cu, khoa, hoi)",
        ],
    ),
    (
        "duplicate-flag",
        "      - part: khoa\n",
        "      - part: link\n",
        [f"{Q}:53: duplicate flag on part 'link' (first at line 51)"],
    ),
    (
        "scam-without-flags",
        "    flags:\n      - part: link\n"
        "        why: {vi: Tin ngân hàng không có link., en: Bank texts have no links.}\n"
        "      - part: khoa\n        why: {vi: Dọa khóa., en: A lock threat.}\n",
        "",
        [
            f"{Q}:49: question 'xem-tin' is a scam but has no red flags "
            "(add 'flags' pointing at its parts)"
        ],
    ),
    (
        "scam-with-an-empty-flags-list",
        "    flags:\n      - part: link\n"
        "        why: {vi: Tin ngân hàng không có link., en: Bank texts have no links.}\n"
        "      - part: khoa\n        why: {vi: Dọa khóa., en: A lock threat.}\n",
        "    flags: []\n",
        [
            f"{Q}:50: question 'xem-tin' is a scam but has no red flags "
            "(add 'flags' pointing at its parts)"
        ],
    ),
    (
        "safe-with-flags",
        "    verdict: scam\n",
        "    verdict: safe\n",
        [
            f"{Q}:50: question 'xem-tin' is safe but has red flags (a safe example has none: "
            "remove 'flags' and say in 'explanation' why it is safe)"
        ],
    ),
    (
        "flag-on-the-residents-words",
        "      - part: khoa\n",
        "      - part: hoi\n",
        [f"{Q}:53: flag on part 'hoi', which the resident says (by: me)"],
    ),
    (
        "reserved-part-id",
        "      - id: cu\n",
        "      - id: sender\n",
        [f"{Q}:39: part id 'sender' is reserved (a flag with 'part: sender' marks the sender)"],
    ),
    (
        "long-part-id",
        "      - id: cu\n",
        "      - id: bao-so-du-cu-qua\n",
        [f"{Q}:39: part id 'bao-so-du-cu-qua' is longer than 12 characters"],
    ),
    (
        "invalid-part-id",
        "      - id: cu\n",
        "      - id: Cũ\n",
        [f"{Q}:39: invalid id 'Cũ': use lowercase letters a-z, digits and single hyphens"],
    ),
    (
        "unknown-verdict",
        "    verdict: scam\n",
        "    verdict: fake\n",
        [f"{Q}:49: unknown verdict 'fake' (use scam or safe)"],
    ),
    (
        "unknown-speaker",
        "        by: me\n",
        "        by: you\n",
        [f"{Q}:47: unknown speaker 'you' (use them or me)"],
    ),
    (
        "new-is-true-or-false",
        "        new: true\n",
        "        new: yes\n",
        [f"{Q}:42: 'new' must be true or false"],
    ),
    (
        "choices-on-a-scenario",
        "    explanation: {vi: Đừng bấm link., en: Do not tap the link.}\n",
        "    choices: [a, b]\n    explanation: {vi: Đừng bấm link., en: Do not tap the link.}\n",
        [f"{Q}:55: a scenario question has no 'choices' (use 'parts', 'verdict' and 'flags')"],
    ),
    (
        "answer-on-a-scenario",
        "    verdict: scam\n",
        "    verdict: scam\n    answer: true\n",
        [f"{Q}:50: a scenario question has no 'answer' (use 'verdict')"],
    ),
    (
        "missing-verdict",
        "    verdict: scam\n",
        "",
        [f"{Q}:33: missing required key 'verdict'"],
    ),
    (
        "missing-parts-does-not-make-flags-point-nowhere",
        "    parts:\n",
        "    xparts:\n",
        [
            f"{Q}:33: missing required key 'parts'",
            f"{Q}:38: unknown key 'xparts' (did you mean 'parts'?)",
        ],
    ),
    (
        "flag-without-why",
        "        why: {vi: Dọa khóa., en: A lock threat.}\n",
        "",
        [f"{Q}:53: missing required key 'why'"],
    ),
    (
        "part-without-text",
        "        text: {vi: Báo số dư., en: A balance notice.}\n",
        "",
        [f"{Q}:39: missing required key 'text'"],
    ),
    (
        "scenario-keys-on-another-question",
        "    answer: false\n",
        "    answer: false\n    verdict: scam\n    flags: []\n",
        [
            f"{Q}:32: 'verdict' is only for scenario questions (type: scenario)",
            f"{Q}:33: 'flags' is only for scenario questions (type: scenario)",
        ],
    ),
    (
        "prompt-still-required-elsewhere",
        "    prompt: {vi: Ngân hàng có thể hỏi mã OTP., en: Your bank may ask for the OTP.}\n",
        "",
        [f"{Q}:28: missing required key 'prompt'"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [c[1:] for c in SCENARIO_CASES], ids=[c[0] for c in SCENARIO_CASES]
)
def test_broken_scenario(tmp_path: Path, old: str, new: str, expected: list[str]) -> None:
    assert break_scenario(tmp_path, old, new) == expected


def test_scenario_with_too_many_parts(tmp_path: Path) -> None:
    many = "".join(
        f"      - id: p{i}\n        text: {{vi: Câu {i}., en: Line {i}.}}\n" for i in range(10)
    )
    quiz = edit(QUIZ_SC, "    parts:\n", "    parts:\n" + many)
    assert problems(write_tree(tmp_path, {Q: quiz})) == [
        f"{Q}:38: question 'xem-tin' has 14 parts; at most 12"
    ]


def test_the_longest_scenario_answer_fits_the_store() -> None:
    from canhgiac.content.model import scenario_keys
    from canhgiac.content.scenario_checks import MAX_PART_ID, MAX_PARTS

    ids = {f"{i:0{MAX_PART_ID}d}" for i in range(MAX_PARTS)} | {"sender"}
    keys = scenario_keys("scam", ids)
    assert len(",".join(sorted(keys))) <= 200  # answers.choices is String(200)


def test_contacts_are_checked_in_sender_and_parts(tmp_path: Path) -> None:
    quiz = edit(QUIZ_SC, "    sender: Ngân hàng\n", "    sender: Tổng đài 1900 1234\n")
    quiz = edit(quiz, '"Mở tại x[.]top"', '"Mở tại mo-khoa.top"')
    quiz = edit(
        quiz,
        "        text: {vi: Tài khoản bị khóa., en: Account locked.}\n",
        "        label: {vi: Gọi 0912 345 678, en: Call 0912 345 678}\n"
        "        text: {vi: Tài khoản bị khóa., en: Account locked.}\n",
    )
    register = (
        "contacts:\n  - value: '113'\n    kind: phone\n    name: {vi: Cảnh sát, en: Police}\n"
        "    source: CA\n    confidence: H\n"
    )
    root = write_tree(tmp_path, {Q: quiz, "contacts.yaml": register})
    _, warnings = load_catalog(root)
    assert [str(w) for w in warnings] == [
        f"{Q}:37: warning: phone number '1900 1234' is not in the contacts register",
        f"{Q}:43: warning: phone number '0912 345 678' is not in the contacts register",
        f"{Q}:46: warning: web address 'mo-khoa.top' is not in the contacts register",
    ]


def test_the_scenario_example_in_the_authoring_guide_is_valid(tmp_path: Path) -> None:
    guide = (Path(__file__).resolve().parents[1] / "docs" / "authoring.md").read_text("utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, re.DOTALL)
    example = next(b for b in blocks if "type: scenario" in b)
    quiz = "id: otp\ntitle: Thử\ntopic: fraud\nquestions:\n" + example
    quiz = quiz.replace("id: otp\ntitle: Thử", "id: otp\ntitle: {vi: Thử, en: Try}")
    catalog, warnings = load_catalog(write_tree(tmp_path, {Q: quiz, L: None}))
    assert warnings == []
    (q,) = catalog.quizzes["otp"].questions
    s = q.scenario
    assert s is not None and s.verdict == "scam"
    assert [(f.number, f.part) for f in s.flags] == [(1, "khoa"), (2, "link")]
    assert s.tappable == ("sender", "so-du", "khoa", "link")

"""`canhgiac validate` (canhgiac.content.commands.validate_command): output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from canhgiac.content import commands
from canhgiac.content.commands import validate_command

LESSON = """\
id: otp
title: {vi: Giữ bí mật mã OTP, en: Keep your OTP secret}
topic: payments
summary: {vi: Ngân hàng không hỏi mã OTP., en: Banks never ask for your OTP.}
reviewed: 2026-11-20
sources:
  - {title: BIDV, url: "https://bidv.com.vn"}
sections:
  - {heading: {vi: Kẻ gian nói gì, en: What they say}, body: {vi: Đọc mã OTP., en: Read the OTP.}}
red_flags: [{vi: Hỏi mã OTP, en: Asks for the OTP}]
do: [{vi: Cúp máy, en: Hang up}]
dont: [{vi: Không đọc mã, en: Never read it}]
if_happened: [{vi: Gọi ngân hàng, en: Call your bank}]
report: [{vi: Báo công an xã, en: Tell the police}]
"""

QUIZ = """\
id: otp
title: {vi: Giữ mã OTP, en: Keep your OTP}
topic: payments
questions:
  - id: dung-sai
    type: truefalse
    prompt: {vi: Ngân hàng có thể hỏi mã OTP., en: Your bank may ask for the OTP.}
    answer: false
    explanation: {vi: Sai., en: False.}
"""


def tree(tmp_path: Path, lesson: str = LESSON, quiz: str = QUIZ) -> Path:
    for rel, text in (("lessons/otp.yaml", lesson), ("quizzes/otp.yaml", quiz)):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(validate_command, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_clean_content_prints_one_summary_line(tmp_path: Path) -> None:
    # The source title is a plain string: one warning, which does not fail the check.
    assert run("--content", tree(tmp_path)) == (
        0,
        "lessons/otp.yaml:7: warning: missing translation 'en'\n"
        "1 lessons, 1 quizzes, 1 questions (vi, en)\n",
    )


def test_vietnamese_only(tmp_path: Path) -> None:
    assert run("--content", tree(tmp_path), "--languages", "vi") == (
        0,
        "1 lessons, 1 quizzes, 1 questions (vi)\n",
    )


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    assert run("--content", tree(tmp_path), "--strict") == (
        1,
        "lessons/otp.yaml:7: missing translation 'en'\n",
    )


def test_errors_are_all_printed_and_exit_1(tmp_path: Path) -> None:
    quiz = QUIZ.replace("answer: false", "answer: yes").replace("topic: payments", "topic: pay")
    assert run("--content", tree(tmp_path, quiz=quiz), "--languages", "vi,en") == (
        1,
        "lessons/otp.yaml:7: warning: missing translation 'en'\n"
        "quizzes/otp.yaml:3: unknown topic 'pay' (use one of: fraud, data, payments, services,"
        " shopping)\n"
        "quizzes/otp.yaml:8: 'answer' must be true or false\n",
    )


def test_missing_content_folder(tmp_path: Path) -> None:
    assert run("--content", tmp_path / "nowhere") == (
        1,
        "lessons:1: folder not found\nquizzes:1: folder not found\n",
    )


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        ("vi,English", "'English' is not a 2–3 letter language code such as 'en'"),
        ("en", "the languages must include 'vi' (content is Vietnamese first)"),
    ],
)
def test_bad_languages_option(tmp_path: Path, languages: str, message: str) -> None:
    code, output = run("--content", tree(tmp_path), "--languages", languages)
    assert code == 2
    assert message in output


def test_default_content_is_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Path(__file__).resolve().parents[1] == commands.PROJECT_ROOT
    monkeypatch.setattr(commands, "PROJECT_ROOT", tree(tmp_path))
    assert run("--languages", "vi") == (0, "1 lessons, 1 quizzes, 1 questions (vi)\n")

"""One question of a quiz file, read and checked: its type (single, multiple, truefalse,
scenario), its prompt, choices or true/false answer, and its explanation. Used by loader.py;
the format is specified in docs/authoring.md."""

from __future__ import annotations

import string

from .checker import Checker, Fields, show
from .model import (
    FALSE_KEY,
    QUESTION_TYPES,
    SAFE_KEY,
    SCAM_KEY,
    TRUE_KEY,
    Choice,
    Question,
    Scenario,
    Text,
)
from .scenario_checks import (
    SAFE_TEXT,
    SCAM_TEXT,
    SCENARIO_KEYS,
    SCENARIO_PROMPTS,
    read_scenario,
)
from .yamlnodes import Node

QUESTION_KEYS = ("id", "type", "prompt", "choices", "answer", "explanation", *SCENARIO_KEYS)
QUESTION_REQUIRED = ("id", "type", "explanation")  # and 'prompt', except for scenarios
CHOICE_KEYS = ("text", "correct", "why")

TRUE_TEXT = Text.of("Đúng", en="True")
FALSE_TEXT = Text.of("Sai", en="False")


def read_question(c: Checker, node: Node, number: int, seen: dict[str, int]) -> Question | None:
    """The quiz's `number`th question (1-based), or None with its problems reported; `seen`
    holds the question ids read so far in this quiz, with their lines."""
    f = c.mapping(node, "each item of 'questions'", QUESTION_KEYS, QUESTION_REQUIRED)
    if f is None:
        return None
    errors = c.errors
    qid = c.ident(f.get("id"))
    if qid is not None:
        line = f.key_line("id")
        if qid in seen:
            c.error(line, f"duplicate question id '{qid}' (first at line {seen[qid]})")
        else:
            seen[qid] = line
    label = f"question '{qid}'" if qid else f"question {number}"
    qtype = c.word(f.get("type"), "type")
    if qtype is not None and qtype not in QUESTION_TYPES:
        c.error(
            f.key_line("type"),
            f"unknown question type '{show(qtype)}' (use one of: {', '.join(QUESTION_TYPES)})",
        )
        qtype = None
    if "prompt" not in f and qtype != "scenario":
        c.error(f.node, "missing required key 'prompt'")
    prompt = c.text(f.get("prompt"), "'prompt'")
    choices: tuple[Choice, ...] | None = None
    scenario: Scenario | None = None
    if qtype == "truefalse":
        choices = _truefalse(c, f)
    elif qtype in ("single", "multiple"):
        choices = _choices(c, f, qtype, label)
    elif qtype == "scenario":
        scenario = read_scenario(c, f, label)
        if scenario is not None:
            choices = (
                Choice(SCAM_KEY, SCAM_TEXT, scenario.verdict == SCAM_KEY),
                Choice(SAFE_KEY, SAFE_TEXT, scenario.verdict == SAFE_KEY),
            )
            prompt = prompt or SCENARIO_PROMPTS[scenario.channel]
    if qtype in ("single", "multiple", "truefalse"):
        for key in SCENARIO_KEYS:
            if key in f:
                c.error(f.key_line(key), f"'{key}' is only for scenario questions (type: scenario)")
    explanation = c.text(f.get("explanation"), "'explanation'")
    if c.errors != errors or qid is None or qtype is None or prompt is None:
        return None
    if choices is None or explanation is None:  # pragma: no cover - reported as errors above
        return None
    return Question(qid, qtype, prompt, choices, explanation, scenario)


def _truefalse(c: Checker, f: Fields) -> tuple[Choice, ...] | None:
    if "choices" in f:
        c.error(
            f.key_line("choices"),
            "a true/false question has no 'choices' (use 'answer: true' or 'answer: false')",
        )
    if "answer" not in f:
        c.error(f.node, "missing required key 'answer'")
        return None
    answer = c.boolean(f.get("answer"), "answer")
    if answer is None:
        return None
    return (Choice(TRUE_KEY, TRUE_TEXT, answer), Choice(FALSE_KEY, FALSE_TEXT, not answer))


def _choices(c: Checker, f: Fields, qtype: str, label: str) -> tuple[Choice, ...] | None:
    if "answer" in f:
        c.error(
            f.key_line("answer"),
            f"a {qtype}-choice question has no 'answer' (mark choices with 'correct: true')",
        )
    if "choices" not in f:
        c.error(f.node, "missing required key 'choices'")
        return None
    items = c.seq(f.get("choices"), "choices", allow_empty=True)
    if items is None:
        return None
    choices: list[Choice] = []
    correct_known = True
    for index, item in enumerate(items):
        cf = c.mapping(item, "each item of 'choices'", CHOICE_KEYS, ("text",))
        if cf is None:
            correct_known = False
            continue
        text = c.text(cf.get("text"), "'text'")
        why = c.optional_text(cf, "why")
        correct = c.boolean(cf.get("correct"), "correct") if "correct" in cf else False
        if correct is None:
            correct_known = False
        elif text is not None:
            choices.append(Choice(_choice_key(index), text, correct, why))
    line = f.key_line("choices")
    count = sum(choice.correct for choice in choices)
    if len(items) < 2:
        c.error(line, f"{label} needs at least 2 choices")
    elif not correct_known:
        pass
    elif count == 0:
        c.error(line, f"{label} has no correct choice")
    elif qtype == "single" and count > 1:
        c.error(line, f"{label} has {count} correct choices; a single-choice question needs one")
    return tuple(choices)


def _choice_key(index: int) -> str:
    """'a', 'b', ... 'z', 'aa', 'ab', ...: the key of the choice at ``index``."""
    letters = string.ascii_lowercase
    key = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        key = letters[rest] + key
    return key

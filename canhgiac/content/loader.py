"""Loading and validating lessons/*.yaml and quizzes/*.yaml into a Catalog.

The format is specified in docs/authoring.md. Every problem is reported as ``path:line:
message``; any input gives either a Catalog or a ContentError, never another exception.
"""

from __future__ import annotations

import dataclasses
import hashlib
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import contacts as contacts_register
from .checker import Checker, Fields, Span, show, suggest
from .errors import ContentError, Problem
from .model import (
    FALSE_KEY,
    QUESTION_TYPES,
    SAFE_KEY,
    SCAM_KEY,
    TOPICS,
    TRUE_KEY,
    Catalog,
    Choice,
    Lesson,
    Question,
    Quiz,
    Scenario,
    Section,
    Source,
    Text,
)
from .scenario_checks import (
    SAFE_TEXT,
    SCAM_TEXT,
    SCENARIO_KEYS,
    SCENARIO_PROMPTS,
    read_scenario,
)
from .yamlnodes import Node, read_source

__all__ = ["load_catalog"]

LESSON_KEYS = (
    "id", "title", "topic", "summary", "reviewed", "sources", "sections",
    "red_flags", "do", "dont", "if_happened", "report", "quiz",
)  # fmt: skip
LESSON_REQUIRED = LESSON_KEYS[:-1]
QUIZ_KEYS = ("id", "title", "topic", "lesson", "summary", "questions")
QUIZ_REQUIRED = ("id", "title", "topic", "questions")
QUESTION_KEYS = ("id", "type", "prompt", "choices", "answer", "explanation", *SCENARIO_KEYS)
QUESTION_REQUIRED = ("id", "type", "explanation")  # and 'prompt', except for scenarios
CHOICE_KEYS = ("text", "correct", "why")
SOURCE_KEYS = ("title", "url")
SECTION_KEYS = ("heading", "body")
TEXT_LISTS = ("red_flags", "do", "dont", "if_happened", "report")
SUFFIXES = (".yaml", ".yml")

TRUE_TEXT = Text.of("Đúng", en="True")
FALSE_TEXT = Text.of("Sai", en="False")


@dataclass
class Entry:
    """One lesson or quiz file, as far as it could be read."""

    path: str
    stem: str
    id: str | None = None
    id_line: int = 1
    ref: str | None = None  # quiz.lesson or lesson.quiz
    ref_line: int = 1
    item: Lesson | Quiz | None = None
    spans: list[Span] = field(default_factory=list)


def load_catalog(
    root: Path | str, *, strict: bool = False, languages: Sequence[str] = ("vi", "en")
) -> tuple[Catalog, list[Problem]]:
    """Load root/lessons/*.yaml and root/quizzes/*.yaml. Raises ContentError(problems) if any
    error (with strict=True, warnings count as errors). Otherwise returns the catalog and the
    list of warnings. Problem.path is the path relative to root, e.g. 'quizzes/otp.yaml'."""
    root = Path(root)
    languages = _languages(languages)
    problems: list[Problem] = []
    files: list[tuple[str, bytes]] = []
    lessons = _load_folder(root, "lessons", _lesson, languages, problems, files)
    quizzes = _load_folder(root, "quizzes", _quiz, languages, problems, files)
    _check_unique(lessons, "lesson", problems)
    _check_unique(quizzes, "quiz", problems)
    _check_refs(quizzes, lessons, "lesson", problems)
    _check_refs(lessons, quizzes, "quiz", problems)

    register = contacts_register.load(root, languages, problems, files)
    if register is not None:
        for entry in (*lessons, *quizzes):
            contacts_register.scan(entry.path, entry.spans, register, problems)

    if strict:
        problems = [dataclasses.replace(p, severity="error") for p in problems]
    if any(p.severity == "error" for p in problems):
        raise ContentError(problems)
    catalog = Catalog(
        lessons={e.item.id: e.item for e in lessons if isinstance(e.item, Lesson)},
        quizzes={e.item.id: e.item for e in quizzes if isinstance(e.item, Quiz)},
        languages=languages,
        content_hash=_content_hash(files),
        contacts=register or {},
    )
    return catalog, sorted(problems)


def _languages(languages: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(languages, str):
        languages = languages.split(",")
    return tuple(dict.fromkeys(code.strip() for code in languages if code.strip()))


def _content_hash(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for rel, data in sorted(files):
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _load_folder(
    root: Path,
    folder: str,
    parse: Callable[[Checker, Node, Entry], None],
    languages: tuple[str, ...],
    problems: list[Problem],
    files: list[tuple[str, bytes]],
) -> list[Entry]:
    directory = root / folder
    try:
        if not directory.is_dir():
            message = "not a folder" if directory.exists() else "folder not found"
            problems.append(Problem(folder, 1, message))
            return []
        paths = sorted(
            p
            for p in directory.iterdir()
            if p.suffix.lower() in SUFFIXES and not p.name.startswith(".") and p.is_file()
        )
    except OSError as exc:
        problems.append(Problem(folder, 1, f"cannot read the folder ({exc.strerror})"))
        return []
    entries = []
    for path in paths:
        rel = f"{folder}/{path.name}"
        source = read_source(path, rel)
        files.append((rel, source.data))
        problems.extend(source.problems)
        entry = Entry(rel, path.stem)
        if source.root is not None:
            checker = Checker(rel, languages, problems)
            parse(checker, source.root, entry)
            entry.spans = checker.spans
            if checker.errors or source.problems:
                entry.item = None
        entries.append(entry)
    return entries


def _top(
    c: Checker, node: Node, entry: Entry, keys: Sequence[str], required: Sequence[str]
) -> tuple[Fields | None, str | None]:
    """The top-level mapping of a file, with its id checked against the file name."""
    fields = c.mapping(node, "the top level of the file", keys, required)
    if fields is None:
        return None, None
    ident = c.ident(fields.get("id"))
    if ident is not None:
        entry.id, entry.id_line = ident, fields.key_line("id")
        if ident != entry.stem:
            c.warn(entry.id_line, f"id '{ident}' does not match the file name '{entry.stem}'")
    return fields, ident


def _topic(c: Checker, fields: Fields) -> str | None:
    node = fields.get("topic")
    topic = c.word(node, "topic")
    if topic is None or node is None:
        return None
    if topic not in TOPICS:
        c.error(node, f"unknown topic '{show(topic)}' (use one of: {', '.join(TOPICS)})")
        return None
    return topic


def _ref(c: Checker, fields: Fields, key: str, entry: Entry) -> str | None:
    ref = c.word(fields.get(key), key) if key in fields else None
    if ref is not None:
        entry.ref, entry.ref_line = ref, fields.key_line(key)
    return ref


def _lesson(c: Checker, node: Node, entry: Entry) -> None:
    fields, ident = _top(c, node, entry, LESSON_KEYS, LESSON_REQUIRED)
    if fields is None:
        return
    title = c.text(fields.get("title"), "'title'")
    topic = _topic(c, fields)
    summary = c.text(fields.get("summary"), "'summary'")
    reviewed = c.date(fields.get("reviewed"), "reviewed")
    sources = []
    for item in c.seq(fields.get("sources"), "sources") or ():
        f = c.mapping(item, "each item of 'sources'", SOURCE_KEYS, ("title",))
        if f is not None:
            source_title = c.text(f.get("title"), "'title'", scan=False)
            url = c.url(f.get("url"), "url")
            if source_title is not None and (url is not None or "url" not in f):
                sources.append(Source(source_title, url))
    sections = []
    for item in c.seq(fields.get("sections"), "sections") or ():
        f = c.mapping(item, "each item of 'sections'", SECTION_KEYS, SECTION_KEYS)
        if f is not None:
            heading = c.text(f.get("heading"), "'heading'")
            body = c.text(f.get("body"), "'body'")
            if heading is not None and body is not None:
                sections.append(Section(heading, body))
    lists = {name: c.texts(fields.get(name), name) for name in TEXT_LISTS}
    quiz = _ref(c, fields, "quiz", entry)
    if c.errors or ident is None or title is None or topic is None or summary is None:
        return
    if reviewed is None:
        return
    entry.item = Lesson(
        id=ident,
        title=title,
        topic=topic,
        summary=summary,
        sections=tuple(sections),
        red_flags=lists["red_flags"] or (),
        do=lists["do"] or (),
        dont=lists["dont"] or (),
        if_happened=lists["if_happened"] or (),
        report=lists["report"] or (),
        quiz=quiz,
        sources=tuple(sources),
        reviewed=reviewed,
        path=entry.path,
    )


def _quiz(c: Checker, node: Node, entry: Entry) -> None:
    fields, ident = _top(c, node, entry, QUIZ_KEYS, QUIZ_REQUIRED)
    if fields is None:
        return
    title = c.text(fields.get("title"), "'title'")
    topic = _topic(c, fields)
    lesson = _ref(c, fields, "lesson", entry)
    summary = c.optional_text(fields, "summary")
    questions = []
    seen: dict[str, int] = {}
    for number, item in enumerate(c.seq(fields.get("questions"), "questions") or (), 1):
        question = _question(c, item, number, seen)
        if question is not None:
            questions.append(question)
    if c.errors or ident is None or title is None or topic is None:
        return
    entry.item = Quiz(
        id=ident,
        title=title,
        topic=topic,
        lesson=lesson,
        questions=tuple(questions),
        summary=summary,
        path=entry.path,
    )


def _question(c: Checker, node: Node, number: int, seen: dict[str, int]) -> Question | None:
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


def _check_unique(entries: list[Entry], kind: str, problems: list[Problem]) -> None:
    first: dict[str, Entry] = {}
    for entry in entries:
        if entry.id is None:
            continue
        if entry.id in first:
            other = first[entry.id].path
            message = f"duplicate {kind} id '{entry.id}' (also in {other})"
            problems.append(Problem(entry.path, entry.id_line, message))
            entry.item = None
        else:
            first[entry.id] = entry


def _check_refs(
    entries: list[Entry], targets: list[Entry], kind: str, problems: list[Problem]
) -> None:
    """Every reference names an existing target. Files whose id could not be read count by
    their file name, so one broken file does not cause a second, misleading error."""
    known = {t.id for t in targets if t.id is not None}
    known |= {t.stem for t in targets if t.id is None}
    for entry in entries:
        if entry.ref is not None and entry.ref not in known:
            message = f"unknown {kind} '{show(entry.ref)}'{_suggest_id(entry.ref, known)}"
            problems.append(Problem(entry.path, entry.ref_line, message))


def _suggest_id(ref: str, known: set[str]) -> str:
    """A suggestion for a mistyped id: an id that ``ref`` shortens or lengthens, else a close one
    (stricter than for keys: ids share many parts such as '-online')."""
    related = sorted(k for k in known if k.startswith(ref) or ref.startswith(k))
    if len(related) == 1:
        return f" (did you mean '{related[0]}'?)"
    return suggest(ref, sorted(known), cutoff=0.75)

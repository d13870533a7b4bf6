"""Loading and validating lessons/*.yaml and quizzes/*.yaml into a Catalog.

The format is specified in docs/authoring.md. Every problem is reported as ``path:line:
message``; any input gives either a Catalog or a ContentError, never another exception.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import contacts as contacts_register
from .checker import Checker, Fields, Span, show, suggest
from .errors import ContentError, Problem
from .model import (
    TOPICS,
    Catalog,
    Lesson,
    Quiz,
    Section,
    Source,
)
from .questions import read_question
from .yamlnodes import Node, read_source

__all__ = ["load_catalog"]

LESSON_KEYS = (
    "id", "title", "topic", "summary", "reviewed", "sources", "sections",
    "red_flags", "do", "dont", "if_happened", "report", "quiz",
)  # fmt: skip
LESSON_REQUIRED = LESSON_KEYS[:-1]
QUIZ_KEYS = ("id", "title", "topic", "lesson", "summary", "questions")
QUIZ_REQUIRED = ("id", "title", "topic", "questions")
SOURCE_KEYS = ("title", "url")
SECTION_KEYS = ("heading", "body")
TEXT_LISTS = ("red_flags", "do", "dont", "if_happened", "report")
SUFFIXES = (".yaml", ".yml")


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
        question = read_question(c, item, number, seen)
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

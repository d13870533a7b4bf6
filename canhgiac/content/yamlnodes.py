"""Reading one content file into a PyYAML node tree, safely.

Only PyYAML's parser runs (libyaml when available); the node tree is built here from its events
and nothing is ever constructed, so no tag can run code. Tags, anchors and aliases are refused
(aliases would also allow "billion laughs" bombs), files larger than MAX_FILE_SIZE are refused
before parsing, and nesting deeper than MAX_DEPTH is refused. Every failure becomes a Problem
with a 1-based line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Problem

MAX_FILE_SIZE = 1024 * 1024  # bytes
MAX_DEPTH = 64  # nesting of lists and mappings; real content needs about 6

TAG = "tag:yaml.org,2002:"
STR = TAG + "str"
BOOL = TAG + "bool"
NULL = TAG + "null"
TIMESTAMP = TAG + "timestamp"
#: Put on nodes that carried a refused tag: already reported, so checks skip them silently.
REFUSED = "!refused"

__all__ = [
    "BOOL", "MAX_DEPTH", "MAX_FILE_SIZE", "NULL", "REFUSED", "STR", "TIMESTAMP",
    "MappingNode", "Node", "ScalarNode", "SequenceNode", "SourceFile", "line_of", "read_source",
]  # fmt: skip


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _Stop(Exception):
    """Stops composing a file: the problem is reported and the file is not checked further."""

    def __init__(self, event: Event, message: str) -> None:
        super().__init__(message)
        self.line = int(event.start_mark.line) + 1
        self.message = message


#: libyaml when available: fast, and it reads plain scalars such as `{vi: Bạn làm gì?, en: …}`
#: the way authors expect (the pure-Python scanner stops at '?' inside braces).
_Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


@dataclass
class SourceFile:
    """One content file as read: its bytes (for the content hash) and its node tree."""

    path: str  # relative to the content root, with forward slashes
    data: bytes = b""
    root: Node | None = None
    problems: list[Problem] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))


def read_source(file: Path, rel: str) -> SourceFile:
    """Read and compose ``file``. ``root`` is None when the file cannot be used at all."""
    source = SourceFile(rel)
    try:
        with open(file, "rb") as f:
            data = f.read(MAX_FILE_SIZE + 1)
            if len(data) > MAX_FILE_SIZE:
                size = max(len(data), _size_of(f))
                source.error(
                    1, f"the file is too large ({_kb(size)}; the limit is {_kb(MAX_FILE_SIZE)})"
                )
                return source
    except OSError as exc:
        source.error(1, f"cannot read the file ({exc.strerror or exc.__class__.__name__})")
        return source
    source.data = data
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raw = bytes(exc.object)  # without a BOM, which utf-8-sig strips
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        source.error(line, f"the file is not UTF-8 text (bad byte 0x{bad}); save it as UTF-8")
        return source
    source.root = _compose(text, source)
    if source.root is None and not source.problems:
        source.error(1, "the file is empty")
    return source


def _compose(text: str, source: SourceFile) -> Node | None:
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        source.error(_reader_line(text, exc), _reader_message(exc))
        return None
    try:
        return _compose_events(loader, source)
    except _Stop as stop:
        source.error(stop.line, stop.message)
    except yaml.reader.ReaderError as exc:
        source.error(_reader_line(text, exc), _reader_message(exc))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        source.error(line, f"invalid YAML: {exc.problem or exc.context or 'syntax error'}")
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors in practice
        source.error(1, f"invalid YAML: {exc}")
    finally:
        loader.dispose()
    return None


def _compose_events(loader: Any, source: SourceFile) -> Node | None:
    """Build the node tree of the single document from parser events, without recursion.

    This is PyYAML's composer minus anchors, aliases and tags: explicitly tagged nodes get the
    tag REFUSED (and are reported), every other node gets its implicitly resolved tag.
    """
    loader.get_event()  # StreamStartEvent
    if loader.check_event(StreamEndEvent):
        return None
    loader.get_event()  # DocumentStartEvent
    root: Node | None = None
    stack: list[list[Any]] = []  # [collection node, pending mapping key]
    while root is None:
        event = loader.get_event()
        if isinstance(event, AliasEvent):
            raise _Stop(
                event, f"anchors and aliases are not allowed (found alias '*{event.anchor}')"
            )
        node: Node | None = None
        if isinstance(event, ScalarEvent | CollectionStartEvent):
            if event.anchor is not None:
                raise _Stop(
                    event, f"anchors and aliases are not allowed (found anchor '&{event.anchor}')"
                )
            if event.tag is not None:
                source.error(
                    int(event.start_mark.line) + 1, f"YAML tags are not allowed ('{event.tag}')"
                )
        if isinstance(event, ScalarEvent):
            tag = REFUSED if event.tag else loader.resolve(ScalarNode, event.value, event.implicit)
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        elif isinstance(event, CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise _Stop(
                    event, f"lists and mappings are nested too deeply (more than {MAX_DEPTH})"
                )
            kind = MappingNode if isinstance(event, MappingStartEvent) else SequenceNode
            tag = REFUSED if event.tag else loader.resolve(kind, None, event.implicit)
            stack.append([kind(tag, [], event.start_mark, None, event.flow_style), None])
            continue
        elif isinstance(event, CollectionEndEvent):
            node = stack.pop()[0]
            node.end_mark = event.end_mark
        else:  # pragma: no cover - the parser only emits the events above inside a document
            raise _Stop(event, "invalid YAML")
        if not stack:
            root = node
        elif isinstance(stack[-1][0], SequenceNode):
            stack[-1][0].value.append(node)
        elif stack[-1][1] is None:
            stack[-1][1] = node
        else:
            stack[-1][0].value.append((stack[-1][1], node))
            stack[-1][1] = None
    loader.get_event()  # DocumentEndEvent
    if not loader.check_event(StreamEndEvent):
        raise _Stop(loader.peek_event(), "only one YAML document is allowed (remove the '---')")
    if isinstance(root, ScalarNode) and root.tag == NULL and not root.value:
        return None
    return root


def _reader_line(text: str, exc: yaml.reader.ReaderError) -> int:
    position = exc.position if isinstance(exc.position, int) else 0
    if isinstance(exc.character, int):  # libyaml: a byte offset into the UTF-8 text
        return text.encode("utf-8", "surrogatepass")[:position].count(b"\n") + 1
    return text.count("\n", 0, position) + 1


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    char = exc.character
    code = ord(char) if isinstance(char, str) and len(char) == 1 else char
    if isinstance(code, int):
        return f"the character U+{code:04X} is not allowed in content files"
    return "the file contains a character that is not allowed"  # pragma: no cover


def _size_of(f: BinaryIO) -> int:
    try:
        return os.fstat(f.fileno()).st_size
    except OSError:  # pragma: no cover
        return 0


def _kb(size: int) -> str:
    return f"{-(-size // 1024):,} KB"  # rounded up: a file just over the limit shows as over

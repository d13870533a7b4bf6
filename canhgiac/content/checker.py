"""Checking a PyYAML node tree against the content format and converting it to model values.

Every check reports its problem with the line of the offending node and returns None, so the
caller carries on with the other keys: one run reports everything that is wrong.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from .errors import Problem
from .model import Text
from .yamlnodes import (
    BOOL,
    NULL,
    REFUSED,
    STR,
    TIMESTAMP,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    line_of,
)

ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MAX_ID_LENGTH = 40
LANGUAGE_RE = re.compile(r"[a-z]{2,3}\Z")
DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
URL_RE = re.compile(r"https?://[^\s/?#]+\S*\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """One string of content text and where it starts, for scans such as the contacts check."""

    line: int
    value: str
    style: str | None  # the YAML scalar style: None (plain), "'", '"', "|" or ">"


def show(value: str, limit: int = 60) -> str:
    """``value`` made safe for a one-line message: control characters escaped, long text cut."""
    value = value.translate(_ESCAPES)
    return value if len(value) <= limit else value[: limit - 1] + "…"


_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(32), 0x7F, 0x85)} | {
    0x2028: "\\u2028",
    0x2029: "\\u2029",
    ord("\n"): "\\n",
    ord("\t"): "\\t",
    ord("\r"): "\\r",
}


def suggest(word: str, candidates: Sequence[str], cutoff: float = 0.6) -> str:
    """' (did you mean 'x'?)' when a candidate is close to ``word``, else ''."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Fields:
    """The keys of a checked mapping: value nodes by key, first occurrence wins."""

    def __init__(self, node: MappingNode, pairs: dict[str, tuple[ScalarNode, Node]]) -> None:
        self.node = node
        self.pairs = pairs

    def __contains__(self, key: str) -> bool:
        return key in self.pairs

    def get(self, key: str) -> Node | None:
        pair = self.pairs.get(key)
        return pair[1] if pair else None

    def key_line(self, key: str) -> int:
        pair = self.pairs.get(key)
        return line_of(pair[0]) if pair else line_of(self.node)


class Checker:
    """Collects the problems of one file and converts its nodes."""

    def __init__(self, path: str, languages: Sequence[str], problems: list[Problem]) -> None:
        self.path = path
        self.languages = tuple(languages)
        self.problems = problems
        self.errors = 0
        self.spans: list[Span] = []

    # -- reporting --------------------------------------------------------------------------

    def error(self, where: Node | int, message: str) -> None:
        line = where if isinstance(where, int) else line_of(where)
        self.problems.append(Problem(self.path, line, message))
        self.errors += 1

    def warn(self, where: Node | int, message: str) -> None:
        line = where if isinstance(where, int) else line_of(where)
        self.problems.append(Problem(self.path, line, message, "warning"))

    # -- mappings and lists ---------------------------------------------------------------

    def _pairs(self, node: MappingNode) -> Iterator[tuple[str, ScalarNode, Node]]:
        """The (name, key, value) pairs of a mapping, reporting bad and duplicate keys."""
        seen: dict[str, int] = {}
        for key, value in node.value:
            if key.tag == REFUSED:
                continue
            if not isinstance(key, ScalarNode):
                self.error(key, "a key must be a plain name, not a list or mapping")
                continue
            name = str(key.value)
            if name in seen:
                self.error(key, f"duplicate key '{show(name)}' (first at line {seen[name]})")
                continue
            seen[name] = line_of(key)
            yield name, key, value

    def mapping(
        self, node: Node | None, subject: str, keys: Sequence[str], required: Sequence[str]
    ) -> Fields | None:
        """Check a mapping's keys: no duplicates, no unknown keys, every required key present."""
        if node is None or node.tag == REFUSED:
            return None
        if not isinstance(node, MappingNode):
            self.error(node, f"{subject} must be a mapping (key: value)")
            return None
        pairs: dict[str, tuple[ScalarNode, Node]] = {}
        for name, key, value in self._pairs(node):
            if name not in keys:
                self.error(key, f"unknown key '{show(name)}'{suggest(name, keys)}")
                continue
            pairs[name] = (key, value)
        for name in required:
            if name not in pairs:
                self.error(node, f"missing required key '{name}'")
        return Fields(node, pairs)

    def seq(self, node: Node | None, name: str, *, allow_empty: bool = False) -> list[Node] | None:
        """The items of a list; an empty list is an error unless ``allow_empty``."""
        if node is None or node.tag == REFUSED:
            return None
        if isinstance(node, ScalarNode) and node.tag == NULL:
            if allow_empty:
                return []
            self.error(node, f"'{name}' must not be empty")
            return None
        if not isinstance(node, SequenceNode):
            self.error(node, f"'{name}' must be a list")
            return None
        if not node.value and not allow_empty:
            self.error(node, f"'{name}' must not be empty")
            return None
        return [item for item in node.value if item.tag != REFUSED]

    # -- scalars -------------------------------------------------------------------------

    def string(self, node: Node, subject: str) -> str | None:
        """A non-empty string scalar (quoted or plain, never a number, date or true/false)."""
        if node.tag == REFUSED:
            return None
        if isinstance(node, ScalarNode) and (node.tag == NULL or node.tag == STR):
            value = str(node.value) if node.tag == STR else ""
            if value.strip():
                return value
            self.error(node, f"{subject} must not be empty")
            return None
        self.error(node, f"{subject} must be a text")
        return None

    def word(self, node: Node | None, name: str) -> str | None:
        """A single word such as a topic or an id reference, as written."""
        if node is None or node.tag == REFUSED:
            return None
        if not isinstance(node, ScalarNode):
            self.error(node, f"'{name}' must be a text")
            return None
        value = "" if node.tag == NULL else str(node.value).strip()
        if not value:
            self.error(node, f"'{name}' must not be empty")
            return None
        return value

    def ident(self, node: Node | None, name: str = "id") -> str | None:
        """An id: lowercase a-z, digits and single hyphens, at most MAX_ID_LENGTH long."""
        value = self.word(node, name)
        if value is None or node is None:
            return None
        if len(value) > MAX_ID_LENGTH:
            self.error(node, f"id '{show(value)}' is longer than {MAX_ID_LENGTH} characters")
            return None
        if not ID_RE.match(value):
            rule = "use lowercase letters a-z, digits and single hyphens"
            self.error(node, f"invalid id '{show(value)}': {rule}")
            return None
        return value

    def boolean(self, node: Node | None, name: str) -> bool | None:
        """Only `true` or `false`: YAML 1.1's yes/no/on/off are refused as too easy to misread."""
        if node is None or node.tag == REFUSED:
            return None
        if isinstance(node, ScalarNode) and node.tag == BOOL:
            word = str(node.value).lower()
            if word in ("true", "false"):
                return word == "true"
        self.error(node, f"'{name}' must be true or false")
        return None

    def date(self, node: Node | None, name: str) -> date | None:
        if node is None or node.tag == REFUSED:
            return None
        if isinstance(node, ScalarNode) and node.tag in (TIMESTAMP, STR):
            match = DATE_RE.match(str(node.value).strip())
            if match:
                try:
                    return date(*(int(part) for part in match.groups()))
                except ValueError:
                    pass
        self.error(node, f"'{name}' must be a date (YYYY-MM-DD)")
        return None

    def url(self, node: Node | None, name: str) -> str | None:
        if node is None:
            return None
        value = self.string(node, f"'{name}'")
        if value is None:
            return None
        value = value.strip()
        if not URL_RE.match(value):
            self.error(node, f"'{name}' must be a web address starting with https:// or http://")
            return None
        return value

    # -- texts ---------------------------------------------------------------------------

    def text(
        self, node: Node | None, subject: str, *, scan: bool = True, verbatim: bool = False
    ) -> Text | None:
        """A translatable text: a plain string (Vietnamese) or a mapping of language codes.

        ``subject`` names the text in messages, e.g. "'title'" or "each item of 'do'". Texts
        with ``scan`` are kept in ``spans`` for the contacts check. With ``verbatim``, a plain
        string is the same in every language (a name, a web address) rather than Vietnamese.
        """
        if node is None or node.tag == REFUSED:
            return None
        errors = self.errors
        items: list[tuple[str, str]] = []
        spans: list[Span] = []
        if isinstance(node, ScalarNode):
            value = self.string(node, subject)
            if value is not None:
                items.append(("vi", value))
                if verbatim:
                    items += [(lang, value) for lang in self.languages if lang != "vi"]
                spans.append(Span(line_of(node), value, node.style))
        elif isinstance(node, MappingNode):
            for lang, key, value_node in self._pairs(node):
                if not LANGUAGE_RE.match(lang):
                    hint = "use a 2–3 letter code such as 'en'"
                    if node.flow_style and value_node.tag == NULL:
                        hint = "a comma inside { } ends a text: put the text in quotes"
                    self.error(key, f"'{show(lang)}' is not a language code ({hint})")
                    continue
                value = self.string(value_node, f"{subject} ('{lang}')")
                if value is not None:
                    items.append((lang, value))
                    spans.append(Span(line_of(value_node), value, value_node.style))
            if not any(lang == "vi" for lang, _ in items) and self.errors == errors:
                self.error(node, "missing required key 'vi'")
        else:
            self.error(node, f"{subject} must be a text")
        if self.errors != errors:
            return None
        items.sort(key=lambda item: item[0] != "vi")  # stable: Vietnamese first, then as given
        missing = [lang for lang in self.languages if lang not in {code for code, _ in items}]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            names = ", ".join(f"'{lang}'" for lang in missing)
            self.warn(node, f"missing translation{plural} {names}")
        if scan:
            self.spans.extend(spans)
        return Text(tuple(items))

    def optional_text(self, fields: Fields, key: str, *, scan: bool = True) -> Text | None:
        return self.text(fields.get(key), f"'{key}'", scan=scan) if key in fields else None

    def texts(self, node: Node | None, name: str) -> tuple[Text, ...] | None:
        """A non-empty list of texts."""
        items = self.seq(node, name)
        if items is None:
            return None
        texts = [self.text(item, f"each item of '{name}'") for item in items]
        if any(text is None for text in texts):
            return None
        return tuple(t for t in texts if t is not None)

"""The trusted contacts register (contacts.yaml) and the scan of content texts against it.

Every phone number, SMS short code and web address a lesson or quiz tells residents to use must
be in the register, which records where the fact comes from. The detection rule is documented
in docs/authoring.md ("Trusted contacts"); in short:

* web addresses: ``http(s)://`` URLs and bare domains ending in a common suffix, compared by
  exact host name (a subdomain is not covered by its parent);
* phone numbers: digit groups joined by single spaces, dots or hyphens that make 8–11 digits
  starting with 0 or 1 (amounts such as ``10.000.000``, dates and year ranges excepted);
* short codes: a lone group of 3–4 digits next to a phone word ("gọi 113", "gửi 156 hoặc 5656",
  "**156** (nhắn tin)", "call 113").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from .checker import Checker, Span, show
from .errors import Problem
from .model import CONTACT_KINDS, Contact
from .yamlnodes import Node, read_source

REGISTER = "contacts.yaml"
CONTACT_KEYS = ("value", "kind", "name", "use", "source", "confidence")
CONTACT_REQUIRED = ("value", "kind", "name", "source", "confidence")
CONFIDENCES = ("H", "M")

# -- web addresses --------------------------------------------------------------------------

URL_RE = re.compile(r"https?://[^\s<>()\[\]{}\"'`*|\\^]+", re.IGNORECASE)
#: Suffixes that make a bare "word.word" a web address. Kept short on purpose: "TP.HCM",
#: "v.v." or "eTax.apk" must not count.
SUFFIXES = (
    "vn", "com", "net", "org", "gov", "edu", "info", "biz", "io", "co", "me", "app", "xyz", "top",
    "site", "online", "shop", "store", "link", "club", "asia", "tv", "cc", "us", "uk", "cn", "ru",
    "pro", "live", "vip", "fun", "icu", "cyou", "sbs", "click", "win", "loan", "bid", "tk", "ml",
    "ga", "cf", "gq",
)  # fmt: skip
DOMAIN_RE = re.compile(
    r"(?<![\w.@/-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:"
    + "|".join(SUFFIXES)
    + r"))(?![\w@-]|\.[a-z0-9])",
    re.IGNORECASE,
)
HOST_RE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z")

# -- phone numbers --------------------------------------------------------------------------

NUMBER_RE = re.compile(r"(?<!\w)(?:\+84[ .-]?)?\d+(?:[ .-]\d+)*")
GROUP_RE = re.compile(r"\d+")
AMOUNT_RE = re.compile(r"[1-9]\d{0,2}(?:[. ]\d{3})+\Z")  # 10.000.000 (đồng)
DATE_RE = re.compile(r"\d{1,2}[.-]\d{1,2}[.-]\d{4}\Z|\d{4}-\d{1,2}-\d{1,2}\Z")
YEARS_RE = re.compile(r"(?:19|20)\d\d-(?:19|20)\d\d\Z")  # 1990-2000
IP_RE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}\Z")  # 192.168.1.1
WORD_RE = re.compile(r"\w+|[^\w\s]")
#: Phrases that make a nearby 3–4 digit number a phone short code, as lowercase word tuples.
PHONE_WORDS = {
    tuple(phrase.split())
    for phrase in (
        "gọi", "gọi điện", "điện thoại", "tổng đài", "đường dây nóng", "hotline", "nhắn",
        "nhắn tin", "tin nhắn", "sms", "số", "đầu số", "gửi", "soạn", "bấm", "liên hệ",
        "call", "calls", "dial", "phone", "text", "texts", "send", "helpline", "number",
    )
}  # fmt: skip
#: Words and signs skipped between a phone word and the number ("gọi ngay 113",
#: "gửi 156 hoặc 5656", "text … to 156 or 5656", "Gọi **113**").
SKIPPED = {
    "ngay", "cho", "đến", "tới", "về", "qua", "vào", "tại", "theo", "hoặc", "và", "hay", "là", "ở",
    "to", "on", "at", "now", "or", "and", "the", "via",
    "*", "_", "`", '"', "'", "“", "”", "‘", "’", "(", ")", "[", "]", ":", ",", "-", "–", "—",
    "→", ">",
}  # fmt: skip


def load(
    root: Path, languages: Sequence[str], problems: list[Problem], files: list[tuple[str, bytes]]
) -> Mapping[str, Contact] | None:
    """The register by Contact.key, or None when there is no contacts.yaml or it has errors."""
    path = root / REGISTER
    try:
        if not path.is_file():
            return None
    except OSError:  # pragma: no cover - e.g. an unreadable root: reported for lessons/ already
        return None
    source = read_source(path, REGISTER)
    files.append((REGISTER, source.data))
    problems.extend(source.problems)
    if source.root is None:
        return None
    c = Checker(REGISTER, languages, problems)
    fields = c.mapping(source.root, "the top level of the file", ("contacts",), ("contacts",))
    items = c.seq(fields.get("contacts"), "contacts", allow_empty=True) if fields else None
    register: dict[str, Contact] = {}
    first_line: dict[str, int] = {}
    for item in items or ():
        found = _contact(c, item)
        if found is None:
            continue
        contact, line = found
        if contact.key in first_line:
            where = f"first at line {first_line[contact.key]}"
            c.error(line, f"duplicate contact '{show(contact.value)}' ({where})")
            continue
        first_line[contact.key] = line
        register[contact.key] = contact
    if c.errors or source.problems:
        return None
    return register


def _contact(c: Checker, node: Node) -> tuple[Contact, int] | None:
    """One register entry and the line of its value."""
    f = c.mapping(node, "each item of 'contacts'", CONTACT_KEYS, CONTACT_REQUIRED)
    if f is None:
        return None
    errors = c.errors
    kind = c.word(f.get("kind"), "kind")
    if kind is not None and kind not in CONTACT_KINDS:
        kinds = ", ".join(CONTACT_KINDS)
        c.error(f.key_line("kind"), f"unknown contact kind '{show(kind)}' (use one of: {kinds})")
        kind = None
    value = c.word(f.get("value"), "value")
    key = None
    if value is not None and kind is not None:
        key = web_host(value) if kind == "web" else phone_digits(value)
        if key is None:
            what = "web address" if kind == "web" else "phone number or short code"
            example = "khonggianmang.vn" if kind == "web" else "113 or 1900 9247"
            c.error(f.key_line("value"), f"'value' must be a {what}, such as {example}")
    name = c.text(f.get("name"), "'name'", scan=False)
    use = c.optional_text(f, "use", scan=False)
    source_node = f.get("source")
    source = c.string(source_node, "'source'") if source_node is not None else None
    confidence = c.word(f.get("confidence"), "confidence")
    if confidence is not None and confidence not in CONFIDENCES:
        c.error(
            f.key_line("confidence"),
            "'confidence' must be H or M (facts rated L or ✗ must not be in the register)",
        )
    if c.errors != errors or value is None or kind is None or key is None or name is None:
        return None
    if source is None or confidence is None:
        return None
    contact = Contact(value, kind, name, source.strip(), confidence, use, key)
    return contact, f.key_line("value")


def web_host(value: str) -> str | None:
    """The lowercase host of a URL or of a bare address such as 'khonggianmang.vn/abc'."""
    value = value.strip()
    try:
        host = urlsplit(value).hostname if "://" in value else value.split("/")[0]
    except ValueError:
        return None
    host = (host or "").lower().rstrip(".")
    return host if HOST_RE.match(host) else None


def phone_digits(value: str) -> str | None:
    """The digits of a phone number or short code: '069.219.4053' -> '0692194053'."""
    value = value.strip()
    if value.startswith("+84"):
        value = "0" + value[3:].lstrip(" .-")
    digits = re.sub(r"[ .-]", "", value)
    return digits if digits.isdigit() and 3 <= len(digits) <= 11 else None


def scan(
    path: str, spans: list[Span], register: Mapping[str, Contact], problems: list[Problem]
) -> None:
    """Warn about every phone number and web address in ``spans`` that is not in the register."""
    seen: set[tuple[int, str]] = set()
    for span in spans:
        for offset, kind, written, key in find_contacts(span.value):
            if key in register:
                continue
            line = span.line
            if span.style == "|":  # literal block: lines are kept, the text starts a line below
                line += 1 + span.value.count("\n", 0, offset)
            elif span.style == ">":
                line += 1
            if (line, key) in seen:
                continue
            seen.add((line, key))
            what = "web address" if kind == "web" else "phone number"
            message = f"{what} '{show(written)}' is not in the contacts register"
            problems.append(Problem(path, line, message, "warning"))


def find_contacts(text: str) -> Iterator[tuple[int, str, str, str]]:
    """(offset, kind, as written, key) for every web address and phone number in ``text``,
    kind being "web" or "phone" and key the normalised form compared with the register."""
    masked = list(text)
    for match in URL_RE.finditer(text):
        url = match.group().rstrip(".,;:!?")
        host = web_host(url)
        if host:
            yield match.start(), "web", host, host
        masked[match.start() : match.start() + len(url)] = " " * len(url)
    rest = "".join(masked)
    for match in DOMAIN_RE.finditer(rest):
        host = match.group(1).lower()
        yield match.start(), "web", host, host
        masked[match.start() : match.end()] = " " * (match.end() - match.start())
    rest = "".join(masked)
    for match in NUMBER_RE.finditer(rest):
        for start, written in _phone_numbers(rest, match):
            yield start, "phone", written, str(phone_digits(written))


def _phone_numbers(text: str, match: re.Match[str]) -> Iterator[tuple[int, str]]:
    """The phone numbers in one run of digit groups, as (offset, as written)."""
    start, end = match.span()
    run = match.group()
    if AMOUNT_RE.match(run) or any(AMOUNT_RE.match(part) for part in re.split(r"[ -]", run)):
        return  # an amount: "10.000.000 đồng", "1.000-2.000%"
    if DATE_RE.match(run) or YEARS_RE.match(run) or IP_RE.match(run):
        return
    plus = run.startswith("+")
    groups = [(m.start() + start, m.end() + start) for m in GROUP_RE.finditer(run)]
    if plus:
        groups = groups[1:]  # the 84 of +84
    # A group next to "/", "%" or a decimal comma belongs to a date, a law number, a percentage
    # or a decimal: "1/7/2024", "13/2023/NĐ-CP", "20%", "3,6 tỷ", "24/7".
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    if not plus and (before.endswith("/") or re.fullmatch(r"\d,", before)):
        groups = groups[1:]
    if after[:1] in ("/", "%") or re.fullmatch(r",\d", after) or _is_word_char(text, end):
        groups = groups[:-1]  # "24/7", "20%", "3,6", "5G", "10.000đ"
    if not groups:
        return
    if len(groups) == 1 and not plus and 3 <= groups[0][1] - groups[0][0] <= 4:
        if _near_phone_word(text, *groups[0]):
            yield groups[0][0], text[groups[0][0] : groups[0][1]]
        return
    i = 0
    while i < len(groups):
        j = _phone_end(text, groups, i, plus and i == 0)
        if j is None:
            i += 1
            continue
        first = start if plus and i == 0 else groups[i][0]
        yield first, text[first : groups[j - 1][1]]
        i = j


def _is_word_char(text: str, index: int) -> bool:
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


def _phone_end(text: str, groups: list[tuple[int, int]], i: int, plus: bool) -> int | None:
    """The end (exclusive group index) of a phone number starting at group ``i``: the shortest
    run of a standard Vietnamese length, else the longest one of 8–11 digits starting 0 or 1."""
    digits = "0" if plus else ""
    fallback = None
    for j in range(i, len(groups)):
        digits += text[groups[j][0] : groups[j][1]]
        if len(digits) > 11:
            break
        if digits[0] not in "01":
            return None
        if len(digits) in _standard_lengths(digits):
            return j + 1
        if len(digits) >= 8:
            fallback = j + 1
    return fallback


def _standard_lengths(digits: str) -> tuple[int, ...]:
    if digits.startswith("02"):
        return (11,)  # landlines: 02x + 8 digits
    if digits.startswith("0"):
        return (10,)  # mobiles and 069 police lines
    return (8, 10)  # 1800/1900 + 4 or 6 digits


def _near_phone_word(text: str, start: int, end: int) -> bool:
    """Whether a phone word comes right before the number (skipping fillers and other numbers)
    or right after it (skipping signs such as '**' or '('), on the same line."""
    line_before = text[max(0, start - 80) : start].rsplit("\n", 1)[-1]
    before = [w.lower() for w in WORD_RE.findall(unicodedata.normalize("NFC", line_before))]
    while before and (before[-1] in SKIPPED or before[-1].isdigit()):
        before.pop()
    if any(tuple(before[-len(p) :]) == p for p in PHONE_WORDS if len(p) <= len(before)):
        return True
    line_after = unicodedata.normalize("NFC", text[end : end + 60].split("\n", 1)[0])
    after = [w.lower() for w in WORD_RE.findall(line_after)]
    while after and after[0] in SKIPPED:
        after.pop(0)
    return any(tuple(after[: len(p)]) == p for p in PHONE_WORDS)

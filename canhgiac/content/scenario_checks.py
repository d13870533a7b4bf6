"""The scenario question type ("scam or safe?"): reading a question's channel, sender, parts,
verdict and red flags, with every problem reported at its line. Used by questions.py."""

from __future__ import annotations

from .checker import Checker, Fields, show, suggest
from .model import (
    SAFE_KEY,
    SCAM_KEY,
    SCENARIO_CHANNELS,
    SENDER_PART,
    SPEAKERS,
    VERDICTS,
    Flag,
    Part,
    Scenario,
    Text,
)

__all__ = ["SAFE_TEXT", "SCAM_TEXT", "SCENARIO_KEYS", "SCENARIO_PROMPTS", "read_scenario"]

SCENARIO_KEYS = ("context", "channel", "sender", "parts", "verdict", "flags")
SCENARIO_REQUIRED = ("channel", "sender", "parts", "verdict")
PART_KEYS = ("id", "text", "label", "by", "new")
FLAG_KEYS = ("part", "why")
#: Limits that keep a scenario's answer (the verdict and every part tapped, as "f:<id>") within
#: the store's 200 characters: 4 + 13 x 14 + 13 commas = 199 at most.
MAX_PARTS = 12
MAX_PART_ID = 12

SCAM_TEXT = Text.of("Lừa đảo", en="Scam")
SAFE_TEXT = Text.of("An toàn", en="Safe")
#: The prompt of a scenario question that gives none.
SCENARIO_PROMPTS = {
    channel: Text.of(f"{vi} là lừa đảo hay an toàn?", en=f"Is this {en} a scam or safe?")
    for channel, vi, en in (
        ("sms", "Tin nhắn này", "text message"),
        ("chat", "Tin nhắn này", "chat message"),
        ("call", "Cuộc gọi này", "call"),
        ("web", "Trang web này", "web page"),
        ("payment", "Màn hình chuyển tiền này", "payment screen"),
        ("email", "Thư điện tử này", "e-mail"),
    )
}


def read_scenario(c: Checker, f: Fields, label: str) -> Scenario | None:
    """The message of a scenario question: channel, sender, parts, verdict and red flags."""
    errors = c.errors
    hints = {"choices": "use 'parts', 'verdict' and 'flags'", "answer": "use 'verdict'"}
    for key, hint in hints.items():
        if key in f:
            c.error(f.key_line(key), f"a scenario question has no '{key}' ({hint})")
    for key in SCENARIO_REQUIRED:
        if key not in f:
            c.error(f.node, f"missing required key '{key}'")
    context = c.optional_text(f, "context")
    channel = c.word(f.get("channel"), "channel")
    if channel is not None and channel not in SCENARIO_CHANNELS:
        channels = ", ".join(SCENARIO_CHANNELS)
        message = f"unknown channel '{show(channel)}' (use one of: {channels})"
        c.error(f.key_line("channel"), message)
    sender = c.text(f.get("sender"), "'sender'", verbatim=True)
    verdict = c.word(f.get("verdict"), "verdict")
    if verdict is not None and verdict not in VERDICTS:
        c.error(f.key_line("verdict"), f"unknown verdict '{show(verdict)}' (use scam or safe)")
    parts, known = _parts(c, f, label)
    flags = _flags(c, f, parts, known)
    if verdict == SCAM_KEY and flags is not None and not flags:
        line = f.key_line("flags" if "flags" in f else "verdict")
        c.error(line, f"{label} is a scam but has no red flags (add 'flags' pointing at its parts)")
    elif verdict == SAFE_KEY and flags:
        c.error(
            f.key_line("flags"),
            f"{label} is safe but has red flags (a safe example has none: remove 'flags' and "
            "say in 'explanation' why it is safe)",
        )
    if c.errors != errors or channel is None or sender is None or verdict is None:
        return None
    if parts is None or flags is None:  # pragma: no cover - reported as errors above
        return None
    order = {part_id: n for n, part_id in enumerate((SENDER_PART, *(p.id for p in parts)))}
    flags.sort(key=lambda flag: order[flag.part])
    numbered = tuple(Flag(flag.part, flag.why, n) for n, flag in enumerate(flags, 1))
    return Scenario(channel, sender, tuple(parts), verdict, numbered, context)


def _parts(c: Checker, f: Fields, label: str) -> tuple[list[Part] | None, list[str] | None]:
    """The parts of a scenario, and every part id written (for the flags' checks; None when
    the list of parts cannot be read, so that flags are not reported as pointing nowhere)."""
    items = c.seq(f.get("parts"), "parts")
    if items is None:
        return None, None
    if len(items) > MAX_PARTS:
        c.error(f.key_line("parts"), f"{label} has {len(items)} parts; at most {MAX_PARTS}")
    errors = c.errors
    parts: list[Part] = []
    known: dict[str, int] = {}
    for item in items:
        pf = c.mapping(item, "each item of 'parts'", PART_KEYS, ("id", "text"))
        if pf is None:
            continue
        pid = c.ident(pf.get("id"))
        line = pf.key_line("id")
        if pid == SENDER_PART:
            c.error(
                line, "part id 'sender' is reserved (a flag with 'part: sender' marks the sender)"
            )
            pid = None
        elif pid is not None and pid in known:
            c.error(line, f"duplicate part id '{pid}' (first at line {known[pid]})")
            pid = None
        elif pid is not None:
            known[pid] = line
            if len(pid) > MAX_PART_ID:
                c.error(line, f"part id '{pid}' is longer than {MAX_PART_ID} characters")
                pid = None
        text = c.text(pf.get("text"), "'text'")
        part_label = c.optional_text(pf, "label")
        by = c.word(pf.get("by"), "by") if "by" in pf else "them"
        if by is not None and by not in SPEAKERS:
            c.error(pf.key_line("by"), f"unknown speaker '{show(by)}' (use them or me)")
            by = None
        new = c.boolean(pf.get("new"), "new") if "new" in pf else False
        if pid is not None and text is not None and by is not None and new is not None:
            parts.append(Part(pid, text, part_label, by, new))
    return (parts if c.errors == errors else None), list(known)


def _flags(
    c: Checker, f: Fields, parts: list[Part] | None, known: list[str] | None
) -> list[Flag] | None:
    """The red flags of a scenario, each pointing at a part (or the sender line)."""
    if "flags" not in f:
        return []
    items = c.seq(f.get("flags"), "flags", allow_empty=True)
    if items is None:
        return None
    errors = c.errors
    targets = [SENDER_PART, *(known or ())]
    flags: list[Flag] = []
    first: dict[str, int] = {}
    for item in items:
        ff = c.mapping(item, "each item of 'flags'", FLAG_KEYS, FLAG_KEYS)
        if ff is None:
            continue
        target = c.word(ff.get("part"), "part")
        why = c.text(ff.get("why"), "'why'")
        line = ff.key_line("part")
        if target is None:
            continue
        if target in first:
            where = f"first at line {first[target]}"
            c.error(line, f"duplicate flag on part '{show(target)}' ({where})")
            continue
        first[target] = line
        if known is not None and target not in targets:
            hint = suggest(target, targets) or f" (the parts are: {', '.join(targets)})"
            c.error(line, f"flag on unknown part '{show(target)}'{hint}")
            continue
        part = next((p for p in parts or () if p.id == target), None)
        if part is not None and part.by == "me":
            c.error(line, f"flag on part '{target}', which the resident says (by: me)")
            continue
        if why is not None:
            flags.append(Flag(target, why))
    return flags if c.errors == errors else None

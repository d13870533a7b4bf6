"""Nicknames: optional, short, and never personal data. Without one, a resident gets a friendly
generated name from nature ("Cá Heo 27", "Hoa Sen 12"), never a person's name."""

from __future__ import annotations

import secrets
import unicodedata

#: The longest nickname, in characters (the form's maxlength and the column's size).
MAX_NICKNAME = 24

#: Animals, plants and things of nature. Each reads as a thing, not as a person (no lone
#: "Mai", "Lan" or "Hồng", which are given names).
NATURE_WORDS = (
    "Cá Heo",
    "Hoa Sen",
    "Chim Sẻ",
    "Cây Tre",
    "Cá Chép",
    "Chim Én",
    "Cò Trắng",
    "Hoa Súng",
    "Cây Bàng",
    "Sóc Nâu",
    "Rùa Biển",
    "Bướm Vàng",
    "Ong Mật",
    "Hoa Gạo",
    "Cây Đa",
    "Mây Trắng",
    "Sao Biển",
    "Cá Vàng",
    "Chim Công",
    "Voi Con",
    "Thỏ Trắng",
    "Gấu Trúc",
    "Hoa Phượng",
    "Sen Hồng",
    "Lúa Non",
    "Dừa Xanh",
    "Trâu Con",
    "Chim Vành Khuyên",
)


def generate_nickname() -> str:
    word = NATURE_WORDS[secrets.randbelow(len(NATURE_WORDS))]
    return f"{word} {10 + secrets.randbelow(90)}"


def clean_nickname(value: str | None) -> str:
    """The nickname as typed, tidied: NFC, no control or invisible characters, single spaces,
    at most MAX_NICKNAME characters. Empty when nothing usable is left. (Jinja escapes it when
    shown; nothing here needs to.)"""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )
    return " ".join(kept.split())[:MAX_NICKNAME].strip()

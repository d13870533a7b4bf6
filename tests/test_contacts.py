"""The trusted contacts register (contacts.yaml) and the scan of content for phone numbers and
web addresses that are not in it (canhgiac.content.contacts)."""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canhgiac.content.contacts import find_contacts
from canhgiac.content.errors import ContentError
from canhgiac.content.loader import load_catalog
from canhgiac.content.model import Contact, Text

# Line numbers matter. The body (line 10) is a literal block: {body} is on line 12.
LESSON = """\
id: otp
title: Giữ bí mật mã OTP
topic: payments
summary: {summary}
reviewed: 2026-11-20
sources:
  - {{title: "Công an: congan.daklak.gov.vn, gọi 0692348560", url: "https://bidv.com.vn"}}
sections:
  - heading: Kẻ gian nói gì
    body: |
      Dòng đầu.
      {body}
red_flags: [Hỏi mã OTP]
do: [Cúp máy]
dont: [Không đọc mã OTP]
if_happened: [Gọi ngay ngân hàng]
report: [{report}]
"""

QUIZ = """\
id: otp
title: Giữ mã OTP
topic: payments
questions:
  - id: dung-sai
    type: truefalse
    prompt: {prompt}
    answer: false
    explanation: Sai.
"""

REGISTER = """\
contacts:
  - value: "113"
    kind: phone
    name: {vi: Cảnh sát 113, en: Police emergency line 113}
    use: {vi: Gọi khi khẩn cấp, en: Call in an emergency}
    source: "Công an Đắk Lắk: congan.daklak.gov.vn/-/nguoi-dan-gap-van-e-ve-an-ninh-trat-tu"
    confidence: H
  - value: 1900 9247
    kind: phone
    name: {vi: Tổng đài BIDV, en: BIDV hotline}
    source: BIDV
    confidence: M
  - value: 5656
    kind: sms
    name: {vi: Đầu số 5656, en: SMS 5656}
    source: Báo 24h
    confidence: H
  - value: https://khonggianmang.vn/
    kind: web
    name: {vi: NCSC, en: NCSC}
    source: NCSC
    confidence: H
  - value: tinnhiemmang.vn/website-lua-dao
    kind: web
    name: {vi: Tín Nhiệm Mạng, en: Tin Nhiem Mang}
    source: SGGP 1/2025
    confidence: H
"""

L = "lessons/otp.yaml"
Q = "quizzes/otp.yaml"
C = "contacts.yaml"


def tree(
    tmp_path: Path,
    *,
    body: str = "Dòng hai.",
    summary: str = "Ngân hàng không hỏi mã OTP.",
    report: str = "Gọi 113",
    prompt: str = "Ngân hàng có thể hỏi mã OTP.",
    register: str | None = REGISTER,
) -> Path:
    files = {
        L: LESSON.format(body=body, summary=summary, report=report),
        Q: QUIZ.format(prompt=prompt),
    }
    if register is not None:
        files[C] = register
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def warnings_of(root: Path) -> list[str]:
    _, warnings = load_catalog(root, languages=("vi",))
    return [str(w) for w in warnings]


def errors_of(root: Path, **options: object) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_catalog(root, languages=("vi",), **options)  # type: ignore[arg-type]
    return [str(p) for p in info.value.problems]


# -- the register -----------------------------------------------------------------------------


def test_register_loads_into_the_catalog(tmp_path: Path) -> None:
    catalog, warnings = load_catalog(tree(tmp_path), languages=("vi",))
    assert warnings == []
    assert list(catalog.contacts) == [
        "113", "19009247", "5656", "khonggianmang.vn", "tinnhiemmang.vn",
    ]  # fmt: skip
    police = catalog.contacts["113"]
    assert police == Contact(
        value="113",
        kind="phone",
        name=Text.of("Cảnh sát 113", en="Police emergency line 113"),
        source="Công an Đắk Lắk: congan.daklak.gov.vn/-/nguoi-dan-gap-van-e-ve-an-ninh-trat-tu",
        confidence="H",
        use=Text.of("Gọi khi khẩn cấp", en="Call in an emergency"),
        key="113",
    )
    assert catalog.contacts["19009247"].value == "1900 9247"
    assert catalog.contacts["5656"].kind == "sms"
    assert catalog.contacts["khonggianmang.vn"].value == "https://khonggianmang.vn/"
    assert catalog.contacts["tinnhiemmang.vn"].use is None


def test_no_register_means_no_check(tmp_path: Path) -> None:
    root = tree(tmp_path, body="Gọi 0912 345 678 hoặc vào canhbao.khonggianmang.vn", register=None)
    catalog, warnings = load_catalog(root, languages=("vi",))
    assert (warnings, dict(catalog.contacts)) == ([], {})


def test_register_is_part_of_the_content_hash(tmp_path: Path) -> None:
    root = tree(tmp_path)
    first = load_catalog(root)[0].content_hash
    (root / C).write_text(REGISTER.replace("source: BIDV", "source: BIDV 2025"), encoding="utf-8")
    assert load_catalog(root)[0].content_hash != first


def test_empty_register_flags_everything(tmp_path: Path) -> None:
    assert warnings_of(tree(tmp_path, register="contacts: []\n")) == [
        f"{L}:17: warning: phone number '113' is not in the contacts register"
    ]


REGISTER_CASES = [
    (
        "unknown-kind",
        "    kind: sms\n",
        "    kind: zalo\n",
        [f"{C}:14: unknown contact kind 'zalo' (use one of: phone, sms, web)"],
    ),
    (
        "not-a-phone-number",
        "  - value: 5656\n",
        "  - value: 56-hotline\n",
        [f"{C}:13: 'value' must be a phone number or short code, such as 113 or 1900 9247"],
    ),
    (
        "not-a-web-address",
        "  - value: tinnhiemmang.vn/website-lua-dao\n",
        "  - value: Tín Nhiệm Mạng\n",
        [f"{C}:23: 'value' must be a web address, such as khonggianmang.vn"],
    ),
    (
        "low-confidence",
        "    source: BIDV\n    confidence: M\n",
        "    source: BIDV\n    confidence: L\n",
        [f"{C}:12: 'confidence' must be H or M (facts rated L or ✗ must not be in the register)"],
    ),
    (
        "duplicate-contact",
        "  - value: 1900 9247\n",
        "  - value: 113\n",
        [f"{C}:8: duplicate contact '113' (first at line 2)"],
    ),
    (
        "duplicate-after-normalising",
        "  - value: tinnhiemmang.vn/website-lua-dao\n",
        "  - value: KhongGianMang.vn\n",
        [f"{C}:23: duplicate contact 'KhongGianMang.vn' (first at line 18)"],
    ),
    (
        "missing-source",
        "    source: Báo 24h\n",
        "",
        [f"{C}:13: missing required key 'source'"],
    ),
    (
        "unknown-key",
        "    source: NCSC\n",
        "    sources: NCSC\n",
        [
            f"{C}:18: missing required key 'source'",
            f"{C}:21: unknown key 'sources' (did you mean 'source'?)",
        ],
    ),
    ("not-a-list", 'contacts:\n  - value: "113"', 'contacts: 113\nx:\n  - value: "113"', None),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [c[1:] for c in REGISTER_CASES], ids=[c[0] for c in REGISTER_CASES]
)
def test_broken_register(tmp_path: Path, old: str, new: str, expected: list[str] | None) -> None:
    assert REGISTER.count(old) == 1
    root = tree(tmp_path, register=REGISTER.replace(old, new), body="Gọi 0912 345 678")
    problems = errors_of(root)
    if expected is None:  # several problems; the scan is skipped while the register is broken
        assert problems[:2] == [f"{C}:1: 'contacts' must be a list", f"{C}:2: unknown key 'x'"]
    else:
        assert problems == expected  # and no scan warnings while the register is broken


# -- the scan ---------------------------------------------------------------------------------


def test_unregistered_contacts_are_warnings_at_their_line(tmp_path: Path) -> None:
    body = "Gọi 0692348560 hoặc 069.219.4053.\n      Xem https://canhbao.khonggianmang.vn/a"
    body += " và khonggianmang.vn."
    root = tree(
        tmp_path, body=body, summary="Vào dichvucong.baohiemxahoi.gov.vn", prompt="Gọi 1900.1234?"
    )
    assert warnings_of(root) == [
        f"{L}:4: warning: web address 'dichvucong.baohiemxahoi.gov.vn' is not in the contacts"
        " register",
        f"{L}:12: warning: phone number '069.219.4053' is not in the contacts register",
        f"{L}:12: warning: phone number '0692348560' is not in the contacts register",
        f"{L}:13: warning: web address 'canhbao.khonggianmang.vn' is not in the contacts register",
        f"{Q}:7: warning: phone number '1900.1234' is not in the contacts register",
    ]


def test_strict_makes_unregistered_contacts_errors(tmp_path: Path) -> None:
    root = tree(tmp_path, body="Nhắn tin đến 8899")
    assert errors_of(root, strict=True) == [
        f"{L}:12: phone number '8899' is not in the contacts register"
    ]


def test_registered_contacts_match_after_normalising(tmp_path: Path) -> None:
    body = (
        "Gọi **113**, BIDV 1900.9247 hoặc 1900-9247, nhắn 5656. Xem https://khonggianmang.vn/tin-tuc,"
        " [NCSC](http://KhongGianMang.vn) và **tinnhiemmang.vn/website-lua-dao**."
    )
    assert warnings_of(tree(tmp_path, body=body)) == []


def test_sources_are_not_scanned(tmp_path: Path) -> None:
    # The lesson's source title names congan.daklak.gov.vn and 0692348560: no warning.
    assert warnings_of(tree(tmp_path)) == []


def test_one_warning_per_contact_and_line(tmp_path: Path) -> None:
    root = tree(tmp_path, report="Gọi 114 hoặc 114")
    assert warnings_of(root) == [
        f"{L}:17: warning: phone number '114' is not in the contacts register"
    ]


# -- the detection rule -----------------------------------------------------------------------

FLAGGED = [
    ("Gọi 1900 9247 ngay", ["1900 9247"]),
    ("Tổng đài 1900.9247 (24/7)", ["1900.9247"]),
    ("hotline 1900 9247 24/7", ["1900 9247"]),
    ("EVNHANOI: 19001288.", ["19001288"]),
    ("C02 0692348560; A05 069.219.4053", ["0692348560", "069.219.4053"]),
    ("số 0912-345-678", ["0912-345-678"]),
    ("gọi +84 912 345 678", ["+84 912 345 678"]),
    ("máy bàn 0262 3852 111", ["0262 3852 111"]),
    ("Tổng đài 1800 599 920", ["1800 599 920"]),
    ("số lạ 091 234 567", ["091 234 567"]),  # a wrong length is still worth a look
    ("Gọi 113 nếu đang bị lừa", ["113"]),
    ("Call 113 now", ["113"]),
    ("gửi 156 hoặc 5656", ["156", "5656"]),
    ("then send to 156 or 5656:", ["156", "5656"]),
    ("- **113**: đường dây nóng của công an", ["113"]),
    ("**156** (gọi hoặc nhắn tin) và **5656** (nhắn tin)", ["156", "5656"]),
    ("Gọi ngay cho 114", ["114"]),
    (unicodedata.normalize("NFD", "Gọi 114 (nhắn tin)"), ["114"]),
    ("tra ở **tinnhiemmang.vn/website-lua-dao** nhé", ["tinnhiemmang.vn"]),
    ("https://canhbao.khonggianmang.vn/abc?x=1", ["canhbao.khonggianmang.vn"]),
    ("[trang này](https://www.bidv.com.vn/vn/)", ["www.bidv.com.vn"]),
    ("vào dichvucong.baohiemxahoi.gov.vn.", ["dichvucong.baohiemxahoi.gov.vn"]),
    ("link zalo.me/123456", ["zalo.me"]),
    ("Trang XacThuc-NganHang.top", ["xacthuc-nganhang.top"]),
]

NOT_FLAGGED = [
    "Chuyển 10 triệu, 500 triệu hay 3,6 tỷ",
    "lãi 20%/năm, 1.000–2.000%/năm, 1.000-2.000%/năm, 45,69%, 0,18%",
    "năm 2025, từ 1/7/2024, ngày 17-4-2023, 2023-04-17, 20.11.2026",
    "Nghị định 13/2023/NĐ-CP, Quyết định 2345/QĐ-NHNN, Điều 468, Luật số 91/2025/QH15",
    "giai đoạn 1975-1990, từ 1990 đến 2000",
    "chuyển 10.000.000 đồng, 100.000.000đ, 1 000 000 đồng, 5.000 đồng, 1.000.000.000",
    "khảo sát 60.300 người, 202.949 tin báo, 42.469 tổ, 1 trong 555 người",
    "số tài khoản 1234, mã OTP 6 số, CCCD 12 số, mạng 5G, 8h30, phiên bản 1.2.3",
    "máy chủ 192.168.1.1 và trang web lạ",
    "Hanoi police take scam reports on 113",  # no phone word right before: not a contact here
    "TP.HCM, v.v., file eTax.apk, email hotro@bidv.com.vn",
    "trang giả bhxh[.]co và xacthuc-nganhang[.]top (viết có [.] để không thành link)",
    "mã ID24154, post779336",
]


@pytest.mark.parametrize(("text", "expected"), FLAGGED)
def test_detected(text: str, expected: list[str]) -> None:
    assert [written for _, _, written, _ in find_contacts(text)] == expected


@pytest.mark.parametrize("text", NOT_FLAGGED)
def test_not_detected(text: str) -> None:
    assert list(find_contacts(text)) == []


def test_keys_are_normalised() -> None:
    found = {written: (kind, key) for _, kind, written, key in find_contacts(
        "Gọi +84 912 345 678, 069.219.4053 hoặc vào https://KhongGianMang.VN/x"
    )}  # fmt: skip
    assert found == {
        "+84 912 345 678": ("phone", "0912345678"),
        "069.219.4053": ("phone", "0692194053"),
        "khonggianmang.vn": ("web", "khonggianmang.vn"),
    }


# -- fuzzing ----------------------------------------------------------------------------------


PIECES = [*"0123456789 .-+/%,:*()[]@abvnđ\n", "gọi ", "số ", "hotline ", ".vn", ".com", "https://"]
PIECES += ["www.", "+84", "1900", "113", "đồng", "/2024", "%"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_fuzz_find_contacts(text: str) -> None:
    for offset, kind, written, key in find_contacts(text):
        assert 0 <= offset <= len(text)
        assert kind in ("phone", "web")
        assert written and key


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300) | st.sampled_from([REGISTER[:n] for n in range(0, len(REGISTER), 7)]))
def test_fuzz_register(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = tree(Path(tmp), register=text, body="Gọi 0912 345 678")
        try:
            load_catalog(root, languages=("vi",))
        except ContentError as exc:
            assert exc.problems

"""The fixed words printed on handouts, per language.

These are printed text, not web interface strings: they follow the handout's language (the
content language), not the browser's. A language without its own labels prints the English ones
(its content still falls back to Vietnamese, as everywhere else).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "vi": MappingProxyType(
            {
                "brand": "Cảnh Giác",
                "tagline": "Tỉnh táo trước lừa đảo trực tuyến",
                "red_flags": "Dấu hiệu lừa đảo",
                "do": "Nên làm",
                "dont": "Không được làm",
                "if_happened": "Nếu đã bị lừa",
                "report": "Báo ở đâu",
                "remember": "Ghi nhớ",
                "scan_quiz": "Quét mã để tự kiểm tra",
                "scan_lesson": "Quét mã để đọc bài học",
                "scan_hint": "Mở camera điện thoại, hướng vào mã.",
                "or_type": "hoặc gõ địa chỉ:",
                "team": "Tổ công nghệ số cộng đồng",
                "team_phone": "Điện thoại",
                "reviewed": "Kiểm tra lần cuối",
                "sources": "Nguồn",
                "share": "Đọc xong, hãy đưa tờ này cho người thân.",
                "quiz_sheet": "Bài kiểm tra trên giấy",
                "quiz_intro": "Đánh dấu X vào ô bạn chọn. Làm xong, đưa cho người hướng dẫn.",
                "tick_one": "Chọn một ý",
                "tick_all": "Chọn tất cả các ý đúng",
                "tick_tf": "Đúng hay sai?",
                "question": "Câu",
                "score": "Số câu đúng",
                "scan_online": "Có điện thoại? Quét mã để làm bài trên mạng.",
                "answer_key": "Đáp án cho người hướng dẫn",
                "answer_key_note": "Không phát tờ này cho người làm bài.",
                "correct": "Đúng",
                "wrong": "Sai",
                "answer": "Đáp án",
                "explanation": "Giải thích",
                "certificate": "Giấy chứng nhận",
                "certificate_sub": "hoàn thành bài học",
                "certifies": "Chứng nhận",
                "completed": "đã hoàn thành bài kiểm tra",
                "date": "Ngày",
                "signature": "Người hướng dẫn",
                "page": "Trang",
            }
        ),
        "en": MappingProxyType(
            {
                "brand": "Cảnh Giác",
                "tagline": "Stay alert to online scams",
                "red_flags": "Signs of a scam",
                "do": "Do",
                "dont": "Don't",
                "if_happened": "If it already happened",
                "report": "Where to report",
                "remember": "Remember",
                "scan_quiz": "Scan to test yourself",
                "scan_lesson": "Scan to read the lesson",
                "scan_hint": "Open your phone's camera and point it at the code.",
                "or_type": "or type:",
                "team": "Community digital-technology team",
                "team_phone": "Phone",
                "reviewed": "Last checked",
                "sources": "Sources",
                "share": "When you have read it, pass this leaflet on to your family.",
                "quiz_sheet": "Paper quiz",
                "quiz_intro": (
                    "Put an X in the box you choose. When you finish, give it to the trainer."
                ),
                "tick_one": "Tick one",
                "tick_all": "Tick all that apply",
                "tick_tf": "True or false?",
                "question": "Question",
                "score": "Correct answers",
                "scan_online": "Have a phone? Scan the code to take the quiz online.",
                "answer_key": "Trainer's answer key",
                "answer_key_note": "Do not hand this sheet out to the people taking the quiz.",
                "correct": "Correct",
                "wrong": "Wrong",
                "answer": "Answer",
                "explanation": "Explanation",
                "certificate": "Certificate",
                "certificate_sub": "of completion",
                "certifies": "This certifies that",
                "completed": "has completed the quiz",
                "date": "Date",
                "signature": "Trainer",
                "page": "Page",
            }
        ),
    }
)


def labels(lang: str) -> Mapping[str, str]:
    """The printed labels for ``lang``: its own, else English."""
    return LABELS.get(lang, LABELS["en"])

"""A lesson page: everything a resident and a trainer need, rendered safely."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from canhgiac import create_app

from conftest import DEMO_CONTENT
from forms import parse


def section(text: str, heading: str) -> str:
    """The HTML of the section under `heading`, up to the next section."""
    return text.split(heading, 1)[1].split("</section>", 1)[0]


def test_lesson_page(client: FlaskClient) -> None:
    response = client.get("/l/demo-otp")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<title>Giữ bí mật mã OTP · Cảnh Giác</title>" in text
    assert "<h1>Giữ bí mật mã OTP</h1>" in text
    assert '<p class="lead">Ngân hàng không bao giờ hỏi mã OTP.</p>' in text
    assert '<p class="eyebrow">Thanh toán an toàn</p>' in text
    # the section body is Markdown
    assert "<h2>Kẻ gian nói gì</h2>" in text
    assert '<p>"Chị đọc giúp em <strong>mã OTP</strong> để hoàn phí nhé."</p>' in text
    assert "<li>Hỏi mã OTP</li>" in section(text, "Dấu hiệu lừa đảo</h2>")
    assert "<li>Cúp máy</li>" in section(text, "Nên làm</h2>")
    assert "<li>Không đọc mã OTP cho ai</li>" in section(text, "Không nên làm</h2>")
    assert "<li>Gọi ngay ngân hàng</li>" in section(text, "<h2>Nếu đã lỡ bị lừa</h2>")
    assert "<li>Báo công an xã</li>" in section(text, "<h2>Nơi trình báo</h2>")
    sources = section(text, "<h2>Nguồn tham khảo</h2>")
    assert (
        'BIDV: <a href="https://bidv.com.vn" rel="noopener noreferrer">https://bidv.com.vn</a>'
        in (sources)
    )
    assert "Thông tin được kiểm tra ngày 28/11/2026." in sources
    page = parse(text)
    assert page.link("Làm bài trắc nghiệm") == "/q/demo-otp"


def test_lesson_in_english(client: FlaskClient) -> None:
    text = client.get("/l/demo-otp?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in text
    assert "<h1>Keep your OTP secret</h1>" in text
    assert '<p>"Please read me the <strong>OTP code</strong> so we can refund the fee."</p>' in text
    assert "<li>Asks for the OTP</li>" in section(text, "Warning signs</h2>")
    assert "<li>Never read an OTP to anyone</li>" in section(text, "Don't</h2>")
    assert "Facts checked on November 28, 2026." in text
    assert parse(text).link("Take the quiz") == "/q/demo-otp"


def test_lesson_without_quiz_has_no_quiz_button(client: FlaskClient) -> None:
    # demo-qr's lesson has no `quiz:` (its quiz points to it, not the other way)
    text = client.get("/l/demo-qr").get_data(as_text=True)
    assert "Làm bài trắc nghiệm" not in text
    assert "<h1>Quét mã QR an toàn</h1>" in text


def test_unknown_lesson(client: FlaskClient) -> None:
    response = client.get("/l/nope")
    assert response.status_code == 404
    assert "<h1>Không tìm thấy trang</h1>" in response.get_data(as_text=True)
    response = client.get("/l/nope?lang=en")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.get_data(as_text=True)


def test_unsafe_markdown_in_content_is_neutralised(
    app_config: dict[str, Any], tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    lesson = content / "lessons" / "demo-otp.yaml"
    body = (
        '        <script>alert("x")</script> [bấm](javascript:alert(1)) '
        "![ảnh](https://evil.example/a.png) <img src=x onerror=alert(1)> "
        "[BIDV](https://bidv.com.vn)\n"
    )
    source = lesson.read_text(encoding="utf-8")
    marker = '        "Chị đọc giúp em **mã OTP** để hoàn phí nhé."\n'
    assert marker in source
    lesson.write_text(source.replace(marker, body), encoding="utf-8")
    app = create_app({**app_config, "CONTENT": str(content)})
    try:
        text = app.test_client().get("/l/demo-otp").get_data(as_text=True)
    finally:
        app.extensions["canhgiac.store"].dispose()
    prose = text.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in prose and "&lt;script&gt;" in prose
    assert "javascript:" not in prose.split("[bấm]")[0]
    assert 'href="javascript' not in prose
    assert "<img" not in prose and "evil.example" not in prose
    assert '<a href="https://bidv.com.vn" rel="noopener">BIDV</a>' in prose

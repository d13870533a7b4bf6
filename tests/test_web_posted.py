"""The forms the attempt lane takes itself (canhgiac/web/posted.py)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from canhgiac.web.posted import MAX_FORM_BYTES, SeeOther, small_form


def environ(body: bytes, content_type: str = "application/x-www-form-urlencoded") -> dict[str, Any]:
    return {
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }


def test_a_small_form_is_read_and_put_back_for_flask() -> None:
    env = environ(b"choice=b&flag=p1&flag=p2&src=")
    assert small_form(env) == [("choice", "b"), ("flag", "p1"), ("flag", "p2"), ("src", "")]
    assert env["wsgi.input"].read() == b"choice=b&flag=p1&flag=p2&src="
    charset = environ(b"src=cho-1", "application/x-www-form-urlencoded; charset=utf-8")
    assert small_form(charset) == [("src", "cho-1")]


@pytest.mark.parametrize(
    "env",
    [
        environ(b"src=ch\xe1\xbb\xa3"),  # not ASCII
        environ(b"src=" + b"x" * MAX_FORM_BYTES),  # too big
        environ(b""),  # empty
        environ(b"src=x", "multipart/form-data; boundary=x"),
        {**environ(b"src=x"), "CONTENT_LENGTH": "nine"},
        {**environ(b"src=x"), "CONTENT_LENGTH": "50"},  # shorter than it says
    ],
)
def test_anything_else_is_left_to_flask(env: dict[str, Any]) -> None:
    body = env["wsgi.input"].getvalue()
    assert small_form(env) is None
    assert env["wsgi.input"].read() == body  # whatever was read is there again for Flask


def test_the_lane_repeats_the_headers_of_flasks_last_303() -> None:
    answers = iter(
        [
            ("400 BAD REQUEST", [("Content-Type", "text/html")]),
            (
                "303 SEE OTHER",
                [
                    ("Location", "/q/x/a/y/2"),
                    ("Set-Cookie", "progress=1"),
                    ("Content-Length", "0"),
                    ("Date", "Mon, 07 Dec 2026 00:00:00 GMT"),
                    ("Cache-Control", "no-store"),
                    ("Vary", "Cookie"),
                ],
            ),
        ]
    )

    def flask(_environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(*next(answers))
        return [b""]

    see_other = SeeOther(flask)
    started: list[tuple[str, list[tuple[str, str]]]] = []
    see_other.by_flask({}, lambda status, headers: started.append((status, headers)))
    assert see_other.headers is None  # a 400 teaches nothing
    see_other.by_flask({}, lambda status, headers: started.append((status, headers)))
    assert see_other.headers == (("Cache-Control", "no-store"), ("Vary", "Cookie"))
    assert see_other.send(
        lambda status, headers: started.append((status, headers)),
        [("Set-Cookie", "progress=2")],
        "/q/x/a/y/3",
    ) == [b""]
    assert started[-1] == (
        "303 SEE OTHER",
        [
            ("Cache-Control", "no-store"),
            ("Vary", "Cookie"),
            ("Set-Cookie", "progress=2"),
            ("Location", "/q/x/a/y/3"),
            ("Content-Length", "0"),
        ],
    )

"""canhgiac/web/origin.py: what the browser says about where a form comes from."""

from __future__ import annotations

import pytest
from flask import Flask

from canhgiac.web.origin import cross_site


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({}, False),  # no browser, or one too old to say
        ({"Sec-Fetch-Site": "same-origin"}, False),
        ({"Sec-Fetch-Site": "none"}, False),  # typed or bookmarked
        ({"Sec-Fetch-Site": "Same-Origin "}, False),
        ({"Sec-Fetch-Site": "same-site"}, True),  # another host of the same site
        ({"Sec-Fetch-Site": "cross-site"}, True),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "http://kit.example:8000"}, True),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"}, False),
        ({"Origin": "http://kit.example:8000"}, False),
        ({"Origin": "https://KIT.example:8000"}, False),  # the scheme may differ behind a proxy
        ({"Origin": "http://kit.example"}, True),  # another port is another origin
        ({"Origin": "https://evil.example"}, True),
        ({"Origin": "null"}, True),
    ],
)
def test_cross_site(app: Flask, headers: dict[str, str], refused: bool) -> None:
    with app.test_request_context(
        "/q/demo-otp/start", method="POST", base_url="http://kit.example:8000", headers=headers
    ):
        assert cross_site() is refused

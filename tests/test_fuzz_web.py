"""Fuzzing the web front with Hypothesis: every route of the app's url_map (read from the app,
so routes added later are fuzzed too) gets requests with random path values, methods, query
strings, form fields and cookies, as a trainer's and a resident's browser (logged in, an attempt
and a live session under way) and with or without a valid CSRF token. No request may give a
server error: the app runs with PROPAGATE_EXCEPTIONS, so a crash fails with its traceback.

Field names and path values come from the crawl (tests/crawl.py): the real names of every form
field and the real ids in the URLs, mixed with random ones.

The size of the run is a Hypothesis settings profile: `web-fuzz` (the default, a few seconds
per route), or `web-fuzz-deep` for a long hunt:

    CANHGIAC_FUZZ_PROFILE=web-fuzz-deep .venv/bin/pytest tests/test_fuzz_web.py
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import crawl
import pytest
from crawl import Site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule

from canhgiac import create_app

settings.register_profile(
    "web-fuzz",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "web-fuzz-deep", parent=settings.get_profile("web-fuzz"), max_examples=1000
)
PROFILE = settings.get_profile(os.environ.get("CANHGIAC_FUZZ_PROFILE", "web-fuzz"))

METHODS = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"]
#: Query keys the pages read, besides the form fields.
QUERY_KEYS = ["lang", "src", "from", "to", "next", "back", "t", "n", "last", "v", "q"]
NASTY = [
    "", " ", ".", "..", "../../etc/passwd", "%00", "\x00", "null", "-1", "0", "9" * 20,
    "vi", "en", "xx", "<script>alert(1)</script>", "javascript:alert(1)", "' OR 1=1 --",
    "ô", "😀", "\u202e", "a" * 300, "%2F", "//evil.example", "\\\\evil", "1e308", "NaN",
]  # fmt: skip

TEXT = st.text(max_size=40)


@cache
def rules() -> list[Rule]:
    """The app's routes (from a throw-away app, at collection time)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(crawl.config(Path(tmp)))
        found = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
        app.extensions["canhgiac.store"].dispose()
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rule" in metafunc.fixturenames:
        metafunc.parametrize("rule", rules(), ids=[f"{r.endpoint}:{r.rule}" for r in rules()])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("fuzz")
    app = create_app(crawl.config(tmp, PROPAGATE_EXCEPTIONS=True))
    yield crawl.site(app)
    app.extensions["canhgiac.store"].dispose()


class Known(dict[str, Any]):
    def __repr__(self) -> str:  # Hypothesis prints the arguments of a failing example
        return "<what the crawl found>"


@pytest.fixture(scope="module")
def known(site: Site) -> dict[str, Any]:
    """What the crawl found: path values by argument, field names and values, the token."""
    field_values: set[str] = set()
    for sent in site.crawl.forms:
        field_values.update(f.value for f in sent.form.fields if f.name != "csrf_token")
    token = next(
        s.form.hidden["csrf_token"] for s in site.crawl.forms if "csrf_token" in s.form.hidden
    )
    cookies = [(c.key, c.value, c.domain, c.path) for c in site.client._cookies.values()]
    return Known(
        {
            "paths": {k: sorted(v) for k, v in site.crawl.path_values(site.app).items()},
            "fields": sorted(site.crawl.field_names() - {"csrf_token"}),
            "values": sorted(field_values),
            "token": token,
            "cookies": cookies,
        }
    )


def one_of_known(values: list[str]) -> st.SearchStrategy[str]:
    choices = [TEXT, st.sampled_from(NASTY), st.integers(-3, 10**6).map(str)]
    if values:
        choices.insert(0, st.sampled_from(values))
    return st.one_of(*choices)


ARGUMENT = re.compile(r"<(?:([a-z]+)(?:\([^>]*\))?:)?([a-z_]+)>")


@settings(PROFILE)
@given(data=st.data())
def test_no_request_gives_a_server_error(
    site: Site, known: dict[str, Any], rule: Rule, data: st.DataObject
) -> None:
    # The path: each argument a real value, a random one or a nasty one.
    def fill(match: re.Match[str]) -> str:
        converter, name = match.groups()
        value = data.draw(one_of_known(known["paths"].get(name, [])), label=name)
        return quote(value, safe="/" if converter == "path" else "")

    path = ARGUMENT.sub(fill, rule.rule)
    own = sorted((rule.methods or set()) - {"OPTIONS", "HEAD"})
    method = data.draw(st.one_of(st.sampled_from(own or METHODS), st.sampled_from(METHODS)))
    names = st.one_of(st.sampled_from(known["fields"] + QUERY_KEYS), TEXT)
    values = one_of_known(known["values"])
    query = data.draw(st.lists(st.tuples(names, values), max_size=4), label="query")
    form = data.draw(st.lists(st.tuples(names, values), max_size=8), label="form")
    token = data.draw(st.sampled_from(["valid", "none", "wrong"]), label="csrf")
    if token == "valid":
        form.append(("csrf_token", known["token"]))
    elif token == "wrong":
        form.append(("csrf_token", data.draw(TEXT)))

    client = site.app.test_client()
    if data.draw(st.booleans(), label="logged-in"):  # the crawl's trainer and phone
        for key, value, domain, cookie_path in known["cookies"]:
            client.set_cookie(key, value, domain=domain, path=cookie_path)
    if data.draw(st.booleans(), label="odd cookies"):
        client.set_cookie("lang", data.draw(one_of_known(["vi", "en"])))
        client.set_cookie(data.draw(st.sampled_from(["session", "cg_x", "cg_"])), data.draw(TEXT))

    response = client.open(
        path,
        method=method,
        query_string=[(k, v) for k, v in query],
        data=MultiDict(form) if method not in ("GET", "HEAD") else None,
    )
    try:
        assert response.status_code < 500, f"{method} {path} gave {response.status_code}"
    finally:
        response.close()


@settings(PROFILE)
@given(
    body=st.one_of(st.binary(max_size=2000), st.just(b"x" * 70_000)),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded; charset=latin-1",
        ]
    ),
)
def test_raw_bodies_to_every_form_give_no_server_error(
    site: Site, known: dict[str, Any], body: bytes, content_type: str
) -> None:
    """Broken encodings, broken multipart, too large: a 4xx page at worst."""
    client = site.app.test_client()
    for key, value, domain, cookie_path in known["cookies"]:
        client.set_cookie(key, value, domain=domain, path=cookie_path)
    for sent in site.crawl.forms:
        response = client.post(sent.form.action, data=body, headers={"Content-Type": content_type})
        assert response.status_code < 500, (sent.form.action, response.status_code)
        response.close()

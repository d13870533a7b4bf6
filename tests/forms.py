"""A tiny browser for tests: read the forms and links of a page and use them through the Flask
test client the way a phone with JavaScript off would (hidden inputs, the CSRF token included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse


@dataclass
class Field:
    name: str
    type: str
    value: str
    checked: bool = False
    id: str = ""
    label: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[Field] = field(default_factory=list)

    @property
    def hidden(self) -> dict[str, str]:
        return {f.name: f.value for f in self.fields if f.type == "hidden"}

    def options(self, name: str = "choice") -> list[Field]:
        """The radio buttons or checkboxes called `name`, in page order."""
        return [f for f in self.fields if f.name == name and f.type in ("radio", "checkbox")]

    def labels(self, name: str = "choice") -> list[str]:
        return [f.label for f in self.options(name)]

    def value_for(self, label: str, name: str = "choice") -> str:
        """The value of the option whose label reads exactly `label`."""
        found = [f.value for f in self.options(name) if f.label == label]
        assert len(found) == 1, f"no single option labelled {label!r} in {self.labels(name)}"
        return found[0]

    def data(self, chosen: dict[str, list[str]] | None = None) -> MultiDict[str, str]:
        """What a browser sends: hidden and text inputs, ticked options, `chosen` overrides."""
        chosen = chosen or {}
        pairs: list[tuple[str, str]] = []
        for f in self.fields:
            if f.name in chosen:
                continue
            if f.type in ("radio", "checkbox"):
                if f.checked:
                    pairs.append((f.name, f.value))
            else:
                pairs.append((f.name, f.value))
        for name, values in chosen.items():
            pairs.extend((name, v) for v in values)
        return MultiDict(pairs)

    def submit(
        self,
        client: FlaskClient,
        page_url: str = "/",
        *,
        choose: list[str] | None = None,
        data: MultiDict[str, str] | None = None,
        follow_redirects: bool = False,
    ) -> TestResponse:
        """Submit the form. `choose` ticks options of `choice` by their label text."""
        if data is None:
            picked = {"choice": [self.value_for(x) for x in choose]} if choose else None
            data = self.data(picked)
        url = urljoin(page_url, self.action or page_url)
        if self.method == "post":
            return client.post(url, data=data, follow_redirects=follow_redirects)
        return client.get(url, query_string=data, follow_redirects=follow_redirects)


@dataclass
class Link:
    href: str
    text: str


@dataclass
class Page:
    forms: list[Form]
    links: list[Link]
    assets: list[str]  # src of scripts, href of stylesheets and icons
    all_urls: list[str]  # every src and href

    def form(self, action_contains: str = "") -> Form:
        found = [f for f in self.forms if action_contains in f.action]
        assert len(found) == 1, f"expected one form with {action_contains!r}: {self.forms}"
        return found[0]

    def link(self, text: str) -> str:
        """The address of the first link whose text contains `text`."""
        found = [x.href for x in self.links if text in x.text]
        assert found, f"no link reading {text!r} in {[x.text for x in self.links]}"
        return found[0]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[Link] = []
        self.assets: list[str] = []
        self.all_urls: list[str] = []
        self._form: Form | None = None
        self._labels: dict[str, list[str]] = {}
        self._label_for: str | None = None
        self._link: list[str] | None = None
        self._link_href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("src", "href"):
            if key in a:
                self.all_urls.append(a[key])
        if tag == "script" and "src" in a:
            self.assets.append(a["src"])
        elif tag == "link" and "href" in a:
            self.assets.append(a["href"])
        elif tag == "a" and "href" in a:
            self._link, self._link_href = [], a["href"]
        elif tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("name"):
            kind = a.get("type", "text").lower()
            target = self._form.buttons if kind == "submit" else self._form.fields
            target.append(
                Field(a["name"], kind, a.get("value", ""), "checked" in a, a.get("id", ""))
            )
        elif tag == "button" and self._form is not None and a.get("name"):
            self._form.buttons.append(Field(a["name"], "submit", a.get("value", "")))
        elif tag == "label":
            self._label_for = a.get("for", "")
            self._labels.setdefault(self._label_for, [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "label":
            self._label_for = None
        elif tag == "a" and self._link is not None:
            self.links.append(Link(self._link_href, " ".join("".join(self._link).split())))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self._labels[self._label_for].append(data)
        if self._link is not None:
            self._link.append(data)

    def finish(self) -> Page:
        for form in self.forms:
            for f in form.fields:
                if f.id in self._labels:
                    f.label = " ".join("".join(self._labels[f.id]).split())
        return Page(self.forms, self.links, self.assets, self.all_urls)


def parse(html: str | bytes) -> Page:
    if isinstance(html, bytes):
        html = html.decode("utf-8")
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.finish()


class Browser:
    """Follows links and submits forms like a browser with JavaScript off; redirects are
    followed, and the current page is the last one reached."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.url = "/"
        self.response: TestResponse | None = None

    def _arrive(self, response: TestResponse) -> TestResponse:
        query = response.request.query_string.decode()
        self.url = response.request.path + (f"?{query}" if query else "")
        self.response = response
        return response

    @property
    def page(self) -> Page:
        assert self.response is not None, "no page loaded yet"
        return parse(self.response.data)

    @property
    def text(self) -> str:
        assert self.response is not None, "no page loaded yet"
        return self.response.get_data(as_text=True)

    def get(self, url: str) -> TestResponse:
        return self._arrive(self.client.get(urljoin(self.url, url), follow_redirects=True))

    def click(self, text: str) -> TestResponse:
        return self.get(self.page.link(text))

    def submit(
        self,
        action_contains: str = "",
        *,
        choose: list[str] | None = None,
        data: MultiDict[str, str] | None = None,
    ) -> TestResponse:
        form = self.page.form(action_contains)
        response = form.submit(
            self.client, self.url, choose=choose, data=data, follow_redirects=True
        )
        return self._arrive(response)


def other_host(url: str) -> bool:
    """True when following or loading `url` would reach another host (tel: and data: do not)."""
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme in ("http", "https", "ftp", "ws", "wss")

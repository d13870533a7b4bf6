"""Markdown from content files turned into safe HTML.

Content is written by trainers, not by the public, but it still goes through two gates:
markdown-it-py (CommonMark, raw HTML off, so `<script>` is shown as text) and then nh3, which
keeps only a short list of tags and attributes and only web, mail and phone links. Headings in
a section body are shifted down two levels so they sit below the page's h1 and the section's h2.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

__all__ = ["render_markdown"]

#: Tags a section body may produce. Images are left out on purpose: they cost data and
#: content may not load anything from another host.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote",
        "code", "pre", "h3", "h4", "h5", "h6", "hr",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: Removed together with their content (raw HTML is already off; this is a second gate).
DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template"})

HEADING_SHIFT = 2

_BAD_SCHEME = re.compile(r"^(javascript|vbscript|data|file):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str | None) -> Markup:
    """Markdown → sanitised HTML, ready to put in a template."""
    if not text:
        return Markup("")
    return _render(str(text))


#: Every view of a lesson renders the same Markdown again: keep the HTML of the texts seen (a
#: pure function of the text; the shipped content has a few hundred).
@lru_cache(maxsize=2048)
def _render(text: str) -> Markup:
    md = _parser()
    env: dict[str, object] = {}
    tokens = md.parse(text, env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"
        elif token.children:
            # An image becomes its description: nothing is loaded, the words stay.
            token.children = [
                Token("text", "", 0, content=child.content) if child.type == "image" else child
                for child in token.children
            ]
    html = md.renderer.render(tokens, md.options, env)
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener",
        strip_comments=True,
        attribute_filter=_filter_attribute,
    )
    return Markup(clean.strip())


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop a link whose address, once decoded and stripped of blanks, runs a script."""
    if attribute == "href":
        bare = _INVISIBLE.sub("", unquote(value))
        if _BAD_SCHEME.match(bare):
            return None
    return value

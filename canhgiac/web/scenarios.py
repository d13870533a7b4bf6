"""Helpers for scenario questions on web pages (templates/_scenario.html).

The `sc_text` filter styles the web addresses in a mock message like links, without ever making
them links: defanged scam addresses (`xacthuc-vcb[.]top`) and real ones alike stay text.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from ..content.contacts import DOMAIN_RE, URL_RE

#: A defanged address such as `vcb-xacthuc[.]top/login` (a sentence's last dot excluded).
DEFANGED_RE = re.compile(r"[^\s\"“”'()<>\[\]]*\[\.\][^\s\"“”'()<>,;!?]*(?<!\.)")
PATH = r"(?:/[^\s\"“”'()<>]*)?"
ADDRESS_RE = re.compile(
    f"(?:{DEFANGED_RE.pattern})|(?:{URL_RE.pattern})|(?:{DOMAIN_RE.pattern}){PATH}", re.IGNORECASE
)


def sc_text(value: str) -> Markup:
    """``value`` escaped, with every web address in <span class="sc-url">."""
    out: list[str] = []
    last = 0
    for match in ADDRESS_RE.finditer(value):
        start, end = match.span()
        address = value[start:end].rstrip(".,;:!?")
        end = start + len(address)
        if not address:
            continue
        out.append(escape(value[last:start]))
        out.append(Markup('<span class="sc-url">{}</span>').format(address))
        last = end
    out.append(escape(value[last:]))
    return Markup("").join(out)

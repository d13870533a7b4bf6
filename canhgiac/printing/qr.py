"""QR codes for print: short links on the public address, drawn as inline vector SVG.

A printed code must take a phone to the public server, so the address comes from PUBLIC_URL and
is checked: none, a localhost, a private or a `.local` address is a loud warning (an error with
--strict). Links are short (`/q/<id>`, `/l/<id>`, an optional `?src=<label>`) to keep the code
low density, and the code keeps its 4-module quiet zone on a white background.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from markupsafe import Markup, escape

__all__ = [
    "DEFAULT_PUBLIC_URL",
    "SRC_LABEL",
    "UrlCheck",
    "build_url",
    "check_public_url",
    "check_src_label",
    "qr_svg",
]

#: Where codes point when no PUBLIC_URL is set: the development server, never reachable by a
#: resident's phone. Printing with it is always warned about.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"

#: A `src` label: which leaflet, market or school gate brought someone in.
SRC_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

#: Modules of white border around the code; 4 is the minimum the QR standard asks for.
QUIET_ZONE = 4

_LOCAL_SUFFIXES = (".local", ".localhost", ".localdomain", ".internal", ".lan", ".home.arpa")


@dataclass(frozen=True)
class UrlCheck:
    """The public URL to print, and what is wrong with it.

    ``errors`` stop printing whatever the options; ``warnings`` become errors with --strict.
    """

    url: str
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def check_public_url(public_url: str | None) -> UrlCheck:
    """Check the address printed in QR codes. No address falls back to DEFAULT_PUBLIC_URL,
    with a warning."""
    if not public_url or not str(public_url).strip():
        return UrlCheck(
            DEFAULT_PUBLIC_URL,
            warnings=(
                f"no PUBLIC_URL is set: the QR codes will point at {DEFAULT_PUBLIC_URL}, which "
                "no resident's phone can reach. Set PUBLIC_URL (in instance/config.py or "
                "CANHGIAC_PUBLIC_URL) or pass --public-url https://your-site",
            ),
        )
    url = str(public_url).strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return UrlCheck(url, errors=(f"PUBLIC_URL {url!r} is not a valid address",))
    if parts.scheme not in ("http", "https") or not host:
        return UrlCheck(
            url,
            errors=(
                f"PUBLIC_URL {url!r} is not a web address: it must start with https:// "
                "(or http://) and name a host",
            ),
        )
    if parts.query or parts.fragment:
        return UrlCheck(url, errors=(f"PUBLIC_URL {url!r} must not have a ?query or #fragment",))
    if _is_local(host):
        return UrlCheck(
            url,
            warnings=(
                f"PUBLIC_URL {url} is a local or private address: phones outside this network "
                "cannot open the printed QR codes. Print with the public address of the site",
            ),
        )
    return UrlCheck(url)


def _is_local(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or "." not in host and ":" not in host:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_reserved
    )


def check_src_label(label: str | None) -> str | None:
    """The label, or None when empty. Raises ValueError for a malformed one."""
    if label is None or label == "":
        return None
    if not SRC_LABEL.match(label):
        raise ValueError(
            f"the src label {label!r} is not valid: use 1 to 64 lowercase letters a-z, digits "
            "and hyphens, starting with a letter or digit (for example cho-giao-phong)"
        )
    return label


def build_url(public_url: str, kind: str, item_id: str, src: str | None = None) -> str:
    """The short link for a lesson (``kind`` "l") or a quiz ("q"), e.g.
    https://example.org/q/gia-danh-cong-an?src=cho-giao-phong."""
    if kind not in ("l", "q"):
        raise ValueError(f"unknown link kind {kind!r}")
    url = f"{public_url.rstrip('/')}/{kind}/{item_id}"
    label = check_src_label(src)
    return f"{url}?src={label}" if label else url


def qr_svg(url: str, *, error_correction: str = "M") -> Markup:
    """The QR code for ``url`` as an inline ``<svg>`` element, black on white, sized by CSS
    (it fills its container's width)."""
    label = escape(f"QR: {url}")
    svg = _qr_svg(url, error_correction)
    return Markup(svg.replace('role="img"', f'role="img" aria-label="{label}"', 1))


@lru_cache(maxsize=256)
def _qr_svg(url: str, error_correction: str) -> str:
    import qrcode
    import qrcode.image.svg

    levels = {
        "L": qrcode.constants.ERROR_CORRECT_L,
        "M": qrcode.constants.ERROR_CORRECT_M,
        "Q": qrcode.constants.ERROR_CORRECT_Q,
        "H": qrcode.constants.ERROR_CORRECT_H,
    }
    code = qrcode.QRCode(
        error_correction=levels[error_correction],
        border=QUIET_ZONE,
        image_factory=qrcode.image.svg.SvgPathFillImage,
    )
    code.add_data(url)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    # Drop the fixed size (CSS sets it), the XML declaration and the shared element id (a card
    # sheet holds eight codes); keep the viewBox so it scales as a vector.
    svg = re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r'\s(?:width|height)="[^"]*"', "", svg, count=2)
    svg = re.sub(r'\sid="qr-path"', "", svg)
    return svg.replace(
        "<svg", '<svg class="qr-code" role="img" preserveAspectRatio="xMidYMid meet"', 1
    )

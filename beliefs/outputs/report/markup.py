"""Analyst text made safe for the report: http(s)-only links, inert Markdown, unique HTML ids.

Jinja2's autoescape covers the HTML; `md_escape` covers `report.md`. A source becomes a link
only when the whole cell is an http or https URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit


def safe_url(source: str) -> str | None:
    """The source as a URL when the whole cell is an http(s) URL with a host, else None.

    Anything else (plain text, `javascript:`, `data:`, a URL with spaces or control
    characters) stays text: only these two schemes can become links in the report.
    """
    text = (source or "").strip()
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text) or any(ch in text for ch in "<>\"'`\\"):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    return text


# Inline Markdown punctuation; block syntax (#, -, +, 1.) cannot occur because the template never starts a line with a value.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


class MdRaw(str):
    """Markdown that the report built itself (links, images) and must not be escaped."""


def md_escape(value) -> str:
    """Analyst text as inert Markdown: HTML special characters as entities, Markdown
    punctuation backslash-escaped, line breaks as spaces (so a cell cannot start a block)."""
    if isinstance(value, MdRaw):
        return str(value)
    if value is None:
        return ""
    text = re.sub(r"\s+", " ", str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_link(text: str, url: str) -> MdRaw:
    """A Markdown link whose destination is percent-encoded (no spaces, parentheses or brackets)."""
    destination = quote(url, safe=":/?#@!$&'*+,;=%~.-_")
    return MdRaw(f"[{md_escape(text)}](<{destination}>)")


def row_anchors(ids: list[str]) -> dict[str, str]:
    """An HTML id for each row id: letters, digits, - and _ only, unique even when two ids differ only in other characters."""
    anchors: dict[str, str] = {}
    used: set[str] = set()
    for row_id in ids:
        base = "row-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", row_id).strip("-") or "x")
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        anchors[row_id] = anchor
    return anchors


@dataclass
class FigureRef:
    """One figure: its file stem under figures/, its alt text and caption."""

    stem: str
    alt: str
    caption: str = ""

    @property
    def png(self) -> str:
        """The PNG's path inside the report folder."""
        return f"figures/{self.stem}.png"

    @property
    def svg(self) -> str:
        """The SVG's path inside the report folder."""
        return f"figures/{self.stem}.svg"

    def md_image(self) -> MdRaw:
        """The figure as a Markdown image with its alt text."""
        return MdRaw(f"![{md_escape(self.alt)}]({self.png})")

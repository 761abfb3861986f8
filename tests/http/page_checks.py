"""Checks of the HTML reports: what in a page would reach another host or run."""

from __future__ import annotations

import re

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def self_contained(html: str) -> list[str]:
    """What in a page would reach another host or run: scripts, linked files, imports, URLs other than the SVG namespace."""
    found = re.findall(r"<script|<link|<iframe|<img|<object|<embed|\bsrc=|@import|url\(", html, re.I)
    found += [url for url in re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>]*", html) if url != SVG_NAMESPACE]
    return found

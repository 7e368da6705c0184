"""Where a page may send the browser next: only a path on this site."""

from __future__ import annotations

import urllib.parse


def local_path(target: str | None) -> str | None:
    """The target if it is a plain path on this site, else None.

    Browsers drop tabs and newlines from a Location header and read a backslash as a
    slash, so `/\\t/evil.example` would leave the site: any control character, space or
    backslash refuses the target, as does anything urllib reads a scheme or host from.
    """
    if not target or not target.startswith("/"):
        return None
    if any(ord(c) < 0x21 or c in "\\\x7f" for c in target) or target.startswith("//"):
        return None
    decoded = urllib.parse.unquote(target)
    if any(ord(c) < 0x21 or c in "\\\x7f" for c in decoded):
        return None
    parts = urllib.parse.urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

"""Paths built from received data (institution codes, file names) stay inside their folder.

A cell holding ``../../../../X`` or a 240-character file name must never decide where the
archive, a receipt or an extract is written. Every such path is built here: each component is
sanitised and bounded, and the result is checked to resolve inside its base folder.
"""

from __future__ import annotations

import re
from pathlib import Path

MAX_COMPONENT = 120  # bytes; file systems allow 255, and suffixes (".receipt.txt") are added


class EscapingPath(ValueError):
    """A path built from data would leave its folder."""


def safe_component(text: str | None, fallback: str = "_unnamed", limit: int = MAX_COMPONENT) -> str:
    """One path component from untrusted text: letters, digits, ``._-`` only, no leading dot,
    at most ``limit`` UTF-8 bytes (the suffix kept), never empty, never ``.`` or ``..``."""
    cleaned = re.sub(r"[^\w.\-]+", "_", text or "", flags=re.ASCII).lstrip(".")
    cleaned = re.sub(r"_{2,}", "_", cleaned) or fallback
    if len(cleaned.encode()) > limit:
        stem, dot, suffix = cleaned.rpartition(".")
        suffix = f".{suffix}" if dot and 0 < len(suffix) <= 8 else ""
        stem = stem if suffix else cleaned
        cleaned = stem[: limit - len(suffix) - 1] + "~" + suffix
    return cleaned


def confined(base: Path, *components: str) -> Path:
    """``base / components…`` after checking it resolves inside ``base`` (symlinks too)."""
    path = base.joinpath(*components)
    root = base.resolve()
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise EscapingPath(f"{path} would be written outside {root}")
    return path

"""Named SQL files: ``ingest/sql/`` for ingestion, ``publish/sql/`` for publishing,
``stack/sql/`` for the local stack (bootstrap, migrations bookkeeping, run summaries) — the one
place each keeps SQL text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def load(name: str, directory: Path = SQL_DIR) -> str:
    """Return the text of ``<directory>/<name>.sql`` (default ``ingest/sql/``)."""
    path = directory / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file named {name!r} in {directory}")
    return path.read_text(encoding="utf-8")

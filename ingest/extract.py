"""Versioned, atomically written yearly extracts: ``extracts/<year>/<institution>/vNNNN/``.

Layout of one institution-year::

    extracts/2016/VDI/
        v0001/indicators.csv   the year's indicators (UTF-8, one row per planned service)
        v0001/manifest.json    sha256 per file, row count, validation summary, generated-at
        latest -> v0001        symlink to the newest version

A version is written into a hidden temporary folder and renamed into place, so a half-written
extract is never visible. A run whose indicators are byte-identical to the latest version's
writes nothing (``unchanged``); changed data makes the next version beside the old ones.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

INDICATORS_FILE = "indicators.csv"
MANIFEST_FILE = "manifest.json"
LATEST = "latest"
_VERSION_DIR = re.compile(r"^v(\d{4})$")


@dataclass(frozen=True)
class Candidate:
    """The rows that would leave the warehouse for one institution and year."""

    institution: str
    year: int
    columns: list[str]
    rows: list[tuple[Any, ...]]

    @property
    def is_synthetic(self) -> bool:
        idx = self.columns.index("is_synthetic")
        return any(bool(row[idx]) for row in self.rows)


@dataclass(frozen=True)
class ExtractResult:
    status: str  # "written" or "unchanged"
    version: int
    path: Path
    manifest_sha256: str


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def render_csv(candidate: Candidate) -> bytes:
    """Deterministic CSV bytes (same rows → same bytes): UTF-8, ``\\n`` line ends, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(candidate.columns)
    for row in candidate.rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def institution_dir(extracts_dir: Path, year: int, institution: str) -> Path:
    return extracts_dir / str(year) / institution


def versions(directory: Path) -> list[int]:
    if not directory.is_dir():
        return []
    found = (_VERSION_DIR.match(p.name) for p in directory.iterdir() if p.is_dir())
    return sorted(int(m[1]) for m in found if m)


def latest_manifest(directory: Path) -> dict[str, Any] | None:
    existing = versions(directory)
    if not existing:
        return None
    path = directory / f"v{existing[-1]:04d}" / MANIFEST_FILE
    return json.loads(path.read_text(encoding="utf-8"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_durably(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _point_latest(directory: Path, version_name: str) -> None:
    """Swap the ``latest`` symlink atomically (create aside, then rename over)."""
    tmp_link = directory / f".{LATEST}.{uuid.uuid4().hex}"
    tmp_link.symlink_to(version_name, target_is_directory=True)
    os.replace(tmp_link, directory / LATEST)


def write(extracts_dir: Path, candidate: Candidate, validation: dict[str, Any]) -> ExtractResult:
    """Write ``candidate`` as a new version unless the latest version already holds it."""
    directory = institution_dir(extracts_dir, candidate.year, candidate.institution)
    directory.mkdir(parents=True, exist_ok=True)
    csv_bytes = render_csv(candidate)
    csv_sha = _sha256(csv_bytes)

    previous = latest_manifest(directory)
    if previous and previous["files"][INDICATORS_FILE]["sha256"] == csv_sha:
        version = previous["version"]
        manifest_path = directory / f"v{version:04d}" / MANIFEST_FILE
        _point_latest(directory, f"v{version:04d}")
        return ExtractResult(
            "unchanged", version, manifest_path.parent, _sha256(manifest_path.read_bytes())
        )

    version = (versions(directory) or [0])[-1] + 1
    name = f"v{version:04d}"
    manifest = {
        "institution_code": candidate.institution,
        "reporting_year": candidate.year,
        "version": version,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "is_synthetic": candidate.is_synthetic,
        "row_count": len(candidate.rows),
        "files": {
            INDICATORS_FILE: {
                "sha256": csv_sha,
                "bytes": len(csv_bytes),
                "rows": len(candidate.rows),
                "columns": candidate.columns,
            }
        },
        "validation": validation,
        "previous_version": previous["version"] if previous else None,
    }
    manifest_bytes = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    tmp = directory / f".tmp-{name}-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        _write_durably(tmp / INDICATORS_FILE, csv_bytes)
        _write_durably(tmp / MANIFEST_FILE, manifest_bytes)
        os.rename(tmp, directory / name)  # atomic; fails if a concurrent run took the name
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _point_latest(directory, name)
    return ExtractResult("written", version, directory / name, _sha256(manifest_bytes))

"""Versioned, atomically written yearly extracts: ``extracts/<year>/<institution>/vNNNN/``.

Layout of one institution-year::

    extracts/2016/VDI/
        v0001/indicators.csv     the year's indicators (UTF-8, one row per planned service)
        v0001/channel_mix.csv    the channel split per service (not provided parts as such)
        v0001/indicators.xlsx    both tables, a sheet each, Latvian headers
        v0001/report.html        charts and the gate's findings, for people
        v0001/data_docs/         Great Expectations Data Docs of the validation
        v0001/manifest.json      sha256 per file, row counts, suite results, lineage, changes
        latest -> v0001          symlink to the newest version
        failed/<stamp>/          failure reports of refused attempts (never a version)

A version is written into a hidden temporary folder and renamed into place, so a half-written
extract is never visible (a writer killed mid-write leaves only a hidden ``.tmp-`` folder,
removed by the next write). Identity is the data files (CSV and XLSX, byte-for-byte
reproducible): when they equal the latest version's, nothing is written (``unchanged``);
changed data makes the next version beside the old ones, its manifest listing the changes.
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest import rules, safe_paths

MANIFEST_FILE = "manifest.json"
LATEST = "latest"
FAILED_DIR = "failed"
_VERSION_DIR = re.compile(r"^v(\d{4})$")
_TMP_DIR = re.compile(r"^\.tmp-v\d{4}-(\d+)-[0-9a-f]+$")


class ExtractStorageError(RuntimeError):
    """The extracts folder cannot be written (disk full, permissions); says what to fix."""


@dataclass(frozen=True)
class ExtractResult:
    status: str  # "written" or "unchanged"
    version: int
    path: Path
    manifest_sha256: str


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def institution_dir(extracts_dir: Path, year: int, institution: str) -> Path:
    """``<extracts>/<year>/<institution>``: the code comes from data, so it is checked to be a
    code and the path confined to the extracts folder."""
    if rules.code_problem("institution_code", institution):
        raise safe_paths.EscapingPath(f"not an institution code: {institution!r}")
    return safe_paths.confined(extracts_dir, str(int(year)), institution)


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


def _write_durably(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _point_latest(directory: Path, version_name: str) -> None:
    """Swap the ``latest`` symlink atomically (create aside, then rename over)."""
    tmp_link = directory / f".{LATEST}.{uuid.uuid4().hex}"
    tmp_link.symlink_to(version_name, target_is_directory=True)
    os.replace(tmp_link, directory / LATEST)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_abandoned_temporaries(directory: Path) -> list[Path]:
    """Hidden temporary folders of writers that died mid-write (their process is gone)."""
    removed = []
    if directory.is_dir():
        for path in directory.iterdir():
            match = _TMP_DIR.match(path.name)
            if match and not _pid_alive(int(match[1])):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def read_csv_rows(data: bytes) -> list[dict[str, str]]:
    """Rows of an extract CSV; a byte-order mark (written since v2 of the format) is not
    part of the first column's name, and older versions without one read the same."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def diff_rows(old: list[dict[str, str]], new: list[dict[str, str]], key: str) -> dict[str, Any]:
    """What changed between two versions of a table, by ``key``: rows added, removed, and per
    changed row each column's old and new value (as the CSV text)."""
    before = {r[key]: r for r in old}
    after = {r[key]: r for r in new}
    changed = {}
    for k in sorted(before.keys() & after.keys()):
        columns = {
            c: [before[k].get(c), after[k].get(c)]
            for c in after[k]
            if before[k].get(c) != after[k].get(c)
        }
        if columns:
            changed[k] = columns
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": changed,
    }


def table_changes(
    data_files: Mapping[str, bytes], keys: Mapping[str, str]
) -> Callable[[Path], dict[str, Any]]:
    """``describe_changes`` for :func:`write`: per CSV named in ``keys`` (file name → the
    column that identifies a row), the rows added, removed and changed against the previous
    version's copy."""

    def describe(previous_dir: Path) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name, key in keys.items():
            old_path = previous_dir / name
            old = read_csv_rows(old_path.read_bytes()) if old_path.exists() else []
            changes[name] = diff_rows(old, read_csv_rows(data_files[name]), key)
        return changes

    return describe


def write(
    directory: Path,
    data_files: Mapping[str, bytes],
    other_files: Mapping[str, bytes] | Callable[[int, str], Mapping[str, bytes]],
    manifest_fields: Mapping[str, Any],
    describe_changes: Callable[[Path], dict[str, Any]] | None = None,
) -> ExtractResult:
    """Write a new version unless the latest one holds the same ``data_files`` (by sha256).

    ``other_files`` (report, Data Docs) are written with the version but do not decide
    whether the data changed; given as ``other_files(version, generated_at)`` they can name
    the version they belong to. ``describe_changes(previous_version_dir)`` gives the manifest's
    ``changes`` against the previous version.
    """
    directory.mkdir(parents=True, exist_ok=True)
    remove_abandoned_temporaries(directory)
    data_shas = {name: sha256(data) for name, data in data_files.items()}

    previous = latest_manifest(directory)
    if (
        previous
        and {name: previous["files"].get(name, {}).get("sha256") for name in data_shas} == data_shas
    ):
        version = previous["version"]
        path = directory / f"v{version:04d}"
        _point_latest(directory, path.name)
        return ExtractResult(
            "unchanged", version, path, sha256((path / MANIFEST_FILE).read_bytes())
        )

    version = (versions(directory) or [0])[-1] + 1
    name = f"v{version:04d}"
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    if callable(other_files):
        other_files = other_files(version, generated_at)
    files = {**data_files, **other_files}
    manifest = {
        **manifest_fields,
        "version": version,
        "generated_at": generated_at,
        "files": {
            file_name: {
                "sha256": sha256(data),
                "bytes": len(data),
                "identity": file_name in data_files,
            }
            for file_name, data in sorted(files.items())
        },
        "previous_version": previous["version"] if previous else None,
        "changes": (
            describe_changes(directory / f"v{previous['version']:04d}")
            if previous and describe_changes
            else None
        ),
    }
    manifest_bytes = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    tmp = directory / f".tmp-{name}-{os.getpid()}-{uuid.uuid4().hex}"
    try:
        tmp.mkdir()
        for file_name, data in sorted(files.items()):
            _write_durably(safe_paths.confined(tmp, file_name), data)
        _write_durably(tmp / MANIFEST_FILE, manifest_bytes)
        os.rename(tmp, directory / name)  # atomic; fails if a concurrent run took the name
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, FileExistsError):
            raise
        raise ExtractStorageError(
            f"cannot write the extract into {directory}: {exc.strerror or exc} — free space or "
            "give the pipeline write access there, then run the submission again (nothing "
            "half-written is visible; the previous version is unchanged)"
        ) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _point_latest(directory, name)
    return ExtractResult("written", version, directory / name, sha256(manifest_bytes))


def verify(version_dir: Path) -> list[str]:
    """Problems found re-checking a version against its manifest (empty: every file's sha256
    and size match, and no file is missing or unlisted)."""
    manifest = json.loads((version_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    problems = []
    listed = set(manifest["files"])
    present = {
        p.relative_to(version_dir).as_posix()
        for p in version_dir.rglob("*")
        if p.is_file() and p.name != MANIFEST_FILE
    }
    for name in sorted(listed - present):
        problems.append(f"{name}: listed in the manifest but missing")
    for name in sorted(present - listed):
        problems.append(f"{name}: not listed in the manifest")
    for name in sorted(listed & present):
        data = (version_dir / name).read_bytes()
        entry = manifest["files"][name]
        if sha256(data) != entry["sha256"] or len(data) != entry["bytes"]:
            problems.append(f"{name}: sha256 or size differs from the manifest")
    return problems

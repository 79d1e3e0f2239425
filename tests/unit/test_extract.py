"""Versioned, atomic extract writing (no database needed)."""

import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from ingest import extract

COLUMNS = [
    "institution_code",
    "reporting_year",
    "service_key",
    "electronic_attainment",
    "is_synthetic",
]


def _candidate(
    attainment: str = "9.2362869198312236", synthetic: bool = False
) -> extract.Candidate:
    rows = [
        ("VDI", 2016, "VDI-07", Decimal(attainment), synthetic),
        ("VDI", 2016, "VDI-16", None, False),
    ]
    return extract.Candidate("VDI", 2016, COLUMNS, rows)


VALIDATION = {"suite": "s", "passed": True}


def test_csv_is_deterministic_and_exact() -> None:
    data = extract.render_csv(_candidate())
    assert data == extract.render_csv(_candidate())
    assert data.decode("utf-8").splitlines() == [
        ",".join(COLUMNS),
        "VDI,2016,VDI-07,9.2362869198312236,false",
        "VDI,2016,VDI-16,,false",
    ]


def test_first_write_creates_v0001_with_verifiable_manifest(tmp_path: Path) -> None:
    result = extract.write(tmp_path, _candidate(), VALIDATION)
    assert (result.status, result.version) == ("written", 1)
    folder = tmp_path / "2016" / "VDI"
    assert os.readlink(folder / "latest") == "v0001"
    manifest = json.loads((folder / "latest" / "manifest.json").read_text())
    csv_bytes = (folder / "v0001" / "indicators.csv").read_bytes()
    assert manifest["files"]["indicators.csv"]["sha256"] == hashlib.sha256(csv_bytes).hexdigest()
    assert manifest["row_count"] == 2
    assert manifest["validation"] == VALIDATION
    assert manifest["is_synthetic"] is False
    manifest_sha = hashlib.sha256((folder / "v0001" / "manifest.json").read_bytes()).hexdigest()
    assert result.manifest_sha256 == manifest_sha


def test_identical_rerun_makes_no_new_version(tmp_path: Path) -> None:
    first = extract.write(tmp_path, _candidate(), VALIDATION)
    again = extract.write(tmp_path, _candidate(), VALIDATION)
    assert (again.status, again.version) == ("unchanged", 1)
    assert again.manifest_sha256 == first.manifest_sha256
    assert extract.versions(tmp_path / "2016" / "VDI") == [1]


def test_changed_data_makes_the_next_version_beside_the_old(tmp_path: Path) -> None:
    extract.write(tmp_path, _candidate(), VALIDATION)
    second = extract.write(tmp_path, _candidate("9.5"), VALIDATION)
    folder = tmp_path / "2016" / "VDI"
    assert (second.status, second.version) == ("written", 2)
    assert extract.versions(folder) == [1, 2]
    assert os.readlink(folder / "latest") == "v0002"
    assert json.loads((folder / "v0002" / "manifest.json").read_text())["previous_version"] == 1


def test_synthetic_rows_mark_the_manifest(tmp_path: Path) -> None:
    extract.write(tmp_path, _candidate(synthetic=True), VALIDATION)
    manifest = json.loads((tmp_path / "2016" / "VDI" / "latest" / "manifest.json").read_text())
    assert manifest["is_synthetic"] is True


def test_failure_mid_write_leaves_no_visible_version(tmp_path: Path, monkeypatch) -> None:
    calls = {"n": 0}
    real = extract._write_durably

    def crash_on_second_file(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(extract, "_write_durably", crash_on_second_file)
    with pytest.raises(OSError, match="disk full"):
        extract.write(tmp_path, _candidate(), VALIDATION)
    folder = tmp_path / "2016" / "VDI"
    assert extract.versions(folder) == []
    assert not (folder / "latest").exists()
    assert list(folder.iterdir()) == []  # the temporary folder was removed too

"""`make clean` never deletes received submissions that no backup holds, unless confirmed."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.config import Settings
from stack import clean


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
    return replace(Settings(), state_dir=tmp_path / "state")


def _receive(settings: Settings) -> Path:
    folder = settings.archive_dir / "VDI"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "x.csv.receipt.txt").write_text("receipt")
    path = folder / "x.csv"
    path.write_text("submission")
    return path


def _backup_now(settings: Settings) -> None:
    folder = clean.backups_dir(settings) / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    (folder / "manifest.json").write_text(json.dumps({"created_at": created}))


def test_nothing_received_cleans(settings: Settings) -> None:
    assert clean.check(settings, None) == 0


def test_unbacked_submissions_stop_the_clean(settings: Settings, capsys) -> None:
    _receive(settings)
    assert clean.check(settings, None) == 1
    said = capsys.readouterr().err
    assert "would delete 1 received submission file(s)" in said and "make backup" in said
    assert clean.check(settings, clean.CONFIRMATION) == 0  # explicitly confirmed


def test_a_newer_backup_lets_it_clean(settings: Settings) -> None:
    received = _receive(settings)
    past = time.time() - 3600
    os.utime(received, (past, past))
    _backup_now(settings)
    assert clean.check(settings, None) == 0
    received.write_text("a correction arrived after the backup")
    assert clean.check(settings, None) == 1

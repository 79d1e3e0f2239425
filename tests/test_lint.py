"""Lint is part of the test suite, so CI enforces it: ruff on Python, sqlfluff on dbt models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_check_and_format() -> None:
    check = _run(str(BIN / "ruff"), "check", ".")
    assert check.returncode == 0, check.stdout
    fmt = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout


def test_sqlfluff_on_dbt_models() -> None:
    result = _run(str(BIN / "sqlfluff"), "lint", "dbt_project/models")
    assert result.returncode == 0, result.stdout[-3000:]

"""`make bench QUICK=1` works end to end: the harness, not the speed (no timing assertions)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.integration


def test_quick_benchmark_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "benchmarks/bench.py", "--quick", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results (QUICK")
    for fact in ("cores:", "memory:", "PostgreSQL: 18", "wal_level=minimal"):
        assert fact in text, fact
    line = re.compile(r"^\| ([^|]+?) \([\d,]+ rows\) \| ([\d.]+) \| ([\d,]+) \|", re.M)
    rows = {
        m.group(1): (float(m.group(2)), int(m.group(3).replace(",", "")))
        for m in line.finditer(text)
    }
    assert set(rows) == {
        "raw COPY, new table", "raw COPY, existing table",
        "the loader's rows, binary COPY, new table", "loader, first load",
        "loader, reload (replace)", "loader, 3-year file", "loader, exact reader",
        "pandas to_sql",
    }  # fmt: skip
    assert all(seconds > 0 and rate > 0 for seconds, rate in rows.values())
    # The floor: the loader's own rows, wider on disk than raw COPY's text columns.
    floor = re.search(r"(\d+) bytes per row on disk against the raw table's (\d+)", text)
    assert floor and int(floor.group(1)) > int(floor.group(2)) > 0, text
    peaks = re.search(r"Loader peak RSS: \*\*(\d+) MB\*\* .*\*\*(\d+) MB\*\*", text)
    assert peaks and all(int(p) > 0 for p in peaks.groups())
    # The transaction-level year: counted into daily rows, against raw COPY of the same file.
    tx = re.search(
        r"([\d,]+) lines \(\d+ MB\), .* into ([\d,]+) daily rows.*"
        r"\| loader: parse, Riga day.*?\| ([\d.]+) \| ([\d,]+) \| ([\d.]+)× of raw COPY",
        text, re.S,
    )  # fmt: skip
    assert tx, text
    lines, daily = (int(tx.group(i).replace(",", "")) for i in (1, 2))
    assert lines > daily > 0 and float(tx.group(3)) > 0
    assert re.search(r"Loader peak RSS on it: \*\*\d+ MB\*\*", text)
    # The same figures were printed for whoever ran it.
    assert "raw COPY, new table" in done.stdout
    # Sections 2-4: the national dataset (SMALL in QUICK) through nights, the gate and intake.
    nightly = re.search(r"Target: ≤ 1\.2×\. Measured: \*\*([\d.]+)×\*\*", text)
    assert nightly and float(nightly.group(1)) > 0
    night_rows = re.findall(
        r"^\| (?:\*\*)?([a-z ]+?)(?:\*\*)? \| ([\d.]+) \| ([\d.]+) \|", text, re.M
    )
    assert {"load", "raw suites", "dbt build", "docs", "total"} <= {r[0] for r in night_rows}
    gate = re.search(r"(\d+) institutions validated in one GX run.*\*\*([\d.]+) s\*\*", text)
    assert gate and int(gate.group(1)) > 0
    intake = re.search(r"(\d+) files \(CSV and XLSX.*\*\*([\d.]+) s\*\*", text)
    assert intake and int(intake.group(1)) > 0

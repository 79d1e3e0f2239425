"""Loading never holds a file in memory: a loader process capped at 80 MB of address space
loads a file twice that size."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration

CAP_MB = 80
FILE_MB = 2 * CAP_MB

LOADER = """
import json, resource, sys
cap = int(sys.argv[3]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from pathlib import Path
from ingest.portal.load import load_file
r = load_file(sys.argv[1], Path(sys.argv[2]))
# VmHWM: this process's peak resident memory (ru_maxrss would include the forking parent's).
hwm_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"status": r.status, "read": r.rows_read, "loaded": r.rows_loaded,
                  "max_rss_mb": hwm_kb / 1024}))
"""


def _write_big_export(path: Path, min_bytes: int) -> int:
    rows = 0
    size = 0
    day = date(2015, 1, 1)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("service_code,institution_code,period,channel,requests,service_name\n")
        while size < min_bytes:
            lines = [
                f"SYN-EP{n:05d},SYNI{n % 50:03d},{day.isoformat()},portal,{(n * 7 + rows) % 97},"
                f"Sintētisks pakalpojums ar garu nosaukumu numur {n}\n"
                for n in range(1000)
            ]
            chunk = "".join(lines)
            fh.write(chunk)
            size += len(chunk.encode())
            rows += len(lines)
            day += timedelta(days=1)
    return rows


def test_file_twice_the_memory_cap_loads(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "national.csv"
    rows = _write_big_export(path, FILE_MB * 1024 * 1024)
    assert path.stat().st_size >= 2 * CAP_MB * 1024 * 1024
    result = subprocess.run(
        [sys.executable, "-c", LOADER, db_url, str(path), str(CAP_MB)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == "loaded"
    assert outcome["read"] == outcome["loaded"] == rows
    assert outcome["max_rss_mb"] < CAP_MB

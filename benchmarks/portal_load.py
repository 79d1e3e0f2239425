"""Benchmark: portal statistics loading, measured side by side in one run.

Compares, on the same SYNTHETIC national-scale daily exports and the same PostgreSQL:
  - the project's loader (streamed COPY into staging, set-based validation, partition replace)
  - a naive baseline (csv.DictReader, per-row validation in Python, executemany INSERT)
and prints rows/s of each and their ratio, plus the loader's peak memory against file size.
Nothing here asserts a time: the numbers are for people to read.

    make bench-portal                      # or: python benchmarks/portal_load.py --files 2
"""

from __future__ import annotations

import argparse
import csv
import json
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.config import load_settings  # noqa: E402
from ingest.portal import synthetic  # noqa: E402
from stack import embedded_pg, warehouse  # noqa: E402

PEAK = """
import json, sys, time
from pathlib import Path
from ingest.portal.load import load_file
started = time.monotonic()
results = [load_file(sys.argv[1], Path(p), force=True) for p in sys.argv[2:]]
seconds = time.monotonic() - started
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"rows": sum(r.rows_loaded for r in results), "peak_mb": hwm / 1024,
                  "seconds": seconds}))
"""

NAIVE_INSERT = (
    "insert into raw.portal_requests (institution_code, portal_service_code, service_name,"
    " period_grain, period_start, channel, request_count, batch_id, source_uri, source_sha256,"
    " source_line, loaded_at, is_synthetic) values (%s, %s, %s, 'day', %s, %s, %s,"
    " gen_random_uuid(), %s, '', %s, now(), true)"
)


def naive_load(url: str, paths: list[Path]) -> int:
    """Row-by-row: what a first attempt usually looks like."""
    rows = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for path in paths:
            batch = []
            with path.open(encoding="utf-8") as fh:
                for line_no, rec in enumerate(csv.DictReader(fh), start=2):
                    count = int(rec["requests"])
                    if count < 0 or not rec["service_code"]:
                        continue
                    batch.append(
                        (rec["institution_code"], rec["service_code"], rec["service_name"],
                         rec["period"], rec["channel"], count, str(path), line_no)
                    )  # fmt: skip
                    if len(batch) == 5000:
                        cur.executemany(NAIVE_INSERT, batch)
                        rows += len(batch)
                        batch = []
            cur.executemany(NAIVE_INSERT, batch)
            rows += len(batch)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--institutions", type=int, default=100)
    parser.add_argument("--files", type=int, default=2, help="monthly daily-grain files to load")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-portal-") as tmp:
        tmp_path = Path(tmp)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        settings = replace(load_settings({}), state_dir=tmp_path / "wh", port=port)
        print(f"generating SYNTHETIC national exports ({args.services} services) …", flush=True)
        paths = synthetic.write_national(
            tmp_path / "drop", args.services, args.institutions, years=1
        )[: args.files]
        size_mb = sum(p.stat().st_size for p in paths) / 1e6
        url = warehouse.ensure_ready(settings).url
        try:
            out = subprocess.run(
                [sys.executable, "-c", PEAK, url, *map(str, paths)],
                cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            ours = json.loads(out.stdout.strip().splitlines()[-1])
            ours_s = ours["seconds"]  # measured inside the loader process, imports excluded
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("truncate raw.portal_requests")
            started = time.monotonic()
            naive_rows = naive_load(url, paths)
            naive_s = time.monotonic() - started
        finally:
            embedded_pg.stop(settings)

    rows = ours["rows"]
    lines = [
        f"\n{len(paths)} file(s), {size_mb:.1f} MB, {rows} rows (daily grain, SYNTHETIC)",
        f"  project loader (COPY + set-based): {ours_s:7.1f} s {rows / ours_s:10.0f} rows/s",
        f"  naive baseline (executemany):      {naive_s:7.1f} s {naive_rows / naive_s:10.0f} rows/s",  # noqa: E501
        f"  speed-up: {naive_s / ours_s:.1f}x",
        f"  loader peak memory: {ours['peak_mb']:.0f} MB for {size_mb:.0f} MB of input "
        f"(ratio {ours['peak_mb'] / size_mb:.2f})",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Portal loading against its real limits, side by side in one run on one PostgreSQL.

On the same SYNTHETIC national daily export (``service_code, institution_code, period, channel,
requests``) and the same server, each measured in a process of its own (as Airflow runs a
load), imports done before the clock starts:

* **raw COPY**: the file's bytes streamed into ``COPY … FROM STDIN`` (CSV) into an unindexed
  table of text columns, created in the same transaction (the loader's year tables get the
  same no-WAL advantage, so this is the fair limit), and into an existing unindexed table;
* **the loader's floor**: the rows the loader wrote (its table's ten columns, batch id and
  source line included), as binary COPY data, into a new table: what the server alone needs
  for that row format, before any reading or checking;
* **the project's loader** (``ingest.portal.load.load_file``: validation, quarantine, lineage,
  partition swap): a first load (the year is new) and a reload (the year is replaced);
* **its exact reader** (``reader="exact"``: Python's csv module and set-based SQL checks, the
  path every file took before the fast reader);
* **pandas** ``read_csv`` + ``DataFrame.to_sql`` (what a first attempt looks like), on the
  first 300 000 rows;
* a **transaction-level year** (26.4 M lines, one per transaction, from the national
  generator): the loader counting it into daily rows, against a raw COPY of the same file.

Peak RSS of the loader is measured on two file sizes. Medians of ``runs`` for the fast ones;
the slow references run once (they are 10-50× off and only set the scale). Nothing here
asserts a time.
"""

from __future__ import annotations

import csv
import json
import os
import random
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEADER = ["service_code", "institution_code", "period", "channel", "requests"]
CHANNELS = ("portal", "institution_website", "api_e_address")

# Runs in a child process: imports first, then the clock. (The loader never imports pandas;
# only the pandas reference does.)
CHILD = r"""
import json, sys, time
import psycopg
kind, url, path = sys.argv[1:4]
from pathlib import Path
from ingest.portal.load import load_file
if kind in ("fast", "exact", "transactions"):  # imported before the clock, as in a worker
    import numpy, pyarrow, pyarrow.compute, pyarrow.csv  # noqa: F401

def peak_mb():
    return next(int(l.split()[1]) for l in open("/proc/self/status")
                if l.startswith("VmHWM:")) / 1024

# The file's bytes streamed into COPY … FROM STDIN (create: a new table in the same
# transaction, on the clock); prints seconds, rows, peak memory and bytes per row on disk.
def copy_file(table, create, options):
    with psycopg.connect(url) as conn:
        started = time.monotonic()
        if create:
            conn.execute(f"drop table if exists {table}")
            conn.execute(f"create table {table} {create}")
        with conn.cursor() as cur, cur.copy(
            f"copy {table} from stdin ({options})"
        ) as copy, open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.monotonic() - started
        rows, size = conn.execute(
            f"select count(*), pg_relation_size('{table}') from {table}"
        ).fetchone()
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak_mb(),
                      "bytes_per_row": size / max(rows, 1)}))

TEXT5 = "(a text, b text, c text, d text, e text)"
if kind == "floor":
    # The loader's own rows (its table's columns, binary as it sends them) into a new table:
    # what the server alone needs for that row format, before any reading or checking.
    copy_file("bench.floor", "(like raw.portal_requests)", "format binary")
elif kind == "raw_new":
    copy_file("bench.raw_new", TEXT5, "format csv, header true")
elif kind == "raw_existing":
    with psycopg.connect(url) as conn:
        conn.execute(f"create table if not exists bench.raw_existing {TEXT5}")
        conn.execute("truncate bench.raw_existing")
    copy_file("bench.raw_existing", None, "format csv, header true")
elif kind in ("fast", "exact", "transactions"):
    started = time.monotonic()
    r = load_file(url, Path(path), force=True, force_replace=True, default_synthetic=True,
                  reader="exact" if kind == "exact" else "auto")
    seconds = time.monotonic() - started
    assert r.status == "loaded", r.describe()
    print(json.dumps({"seconds": seconds, "rows": r.rows_read if kind == "transactions" else
                      r.rows_loaded, "daily_rows": r.rows_loaded, "peak_mb": peak_mb(),
                      "reader": r.reader, "quarantined": r.rows_quarantined}))
elif kind == "pandas":
    import pandas as pd
    from sqlalchemy import create_engine
    limit = int(sys.argv[4])
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    started = time.monotonic()
    frame = pd.read_csv(path, nrows=limit, dtype=str)
    frame["requests"] = frame["requests"].astype("int64")
    frame.to_sql("pandas_to_sql", engine, schema="bench", if_exists="replace", index=False,
                 chunksize=10_000)
    seconds = time.monotonic() - started
    print(json.dumps({"seconds": seconds, "rows": len(frame), "peak_mb": peak_mb()}))
"""


def national_daily(path: Path, services: int, days: int, first: date, seed: int = 13) -> int:
    """A SYNTHETIC national daily export: ``services`` × ``days`` × 3 sub-channels."""
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        for offset in range(days):
            day = (first + timedelta(days=offset)).isoformat()
            for n in range(1, services + 1):
                institution = f"SYNI{n % 150:03d}"
                for channel in CHANNELS:
                    writer.writerow([f"SYN-EP{n:05d}", institution, day, channel,
                                     rng.randint(0, 40)])  # fmt: skip
                    rows += 1
    return rows


def child(kind: str, url: str, path: Path, *extra: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, url, str(path), *extra],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Measure:
    label: str
    runs: list[dict] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(r["seconds"] for r in self.runs)

    @property
    def rows(self) -> int:
        return self.runs[0]["rows"]

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def peak_mb(self) -> float:
        return max(r["peak_mb"] for r in self.runs)


def _export_loaded(owner_url: str, path: Path) -> None:
    """The rows the loader wrote, as binary COPY data (for the floor measure)."""
    import psycopg

    with (
        psycopg.connect(owner_url) as conn,
        conn.cursor() as cur,
        cur.copy("copy (select * from raw.portal_requests) to stdout (format binary)") as copy,
        path.open("wb") as fh,
    ):
        for data in copy:
            fh.write(data)


def _truncate(owner_url: str) -> None:
    import psycopg

    with psycopg.connect(owner_url) as conn:
        conn.execute("truncate raw.portal_requests, raw.portal_requests_quarantine")
        conn.execute("delete from audit.portal_batch_periods")


def run(owner_url: str, loader_url: str, base: Path, *, quick: bool, runs: int, say) -> dict:
    """Every measure of the portal section; returns the figures for the report."""
    import psycopg

    services, days = (50, 365) if quick else (2000, 365)
    year = base / "national_daily_2018.csv"
    rows = national_daily(year, services, days, date(2018, 1, 1))
    big = base / "national_daily_2018-2020.csv"
    big_rows = national_daily(big, services, days * 3, date(2018, 1, 1), seed=14)
    size_mb = year.stat().st_size / 1e6
    say(f"  portal: {rows:,} rows ({size_mb:.0f} MB) and {big_rows:,} rows "
        f"({big.stat().st_size / 1e6:.0f} MB), SYNTHETIC")  # fmt: skip
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute("create schema if not exists bench")
        conn.execute("grant all on schema bench to loader")

    raw_new, raw_existing = Measure("raw COPY, new table"), Measure("raw COPY, existing table")
    first, reload = Measure("loader, first load"), Measure("loader, reload (replace)")
    floor = Measure("the loader's rows, binary COPY, new table")
    rows_bin = base / "loader_rows.bin"
    for i in range(runs):
        say(f"  run {i + 1}/{runs}: raw COPY …")
        raw_new.runs.append(child("raw_new", owner_url, year))
        raw_existing.runs.append(child("raw_existing", owner_url, year))
        _truncate(owner_url)
        say(f"  run {i + 1}/{runs}: loader, first load and reload …")
        first.runs.append(child("fast", loader_url, year))
        reload.runs.append(child("fast", loader_url, year))
        if i == 0:
            _export_loaded(owner_url, rows_bin)
        say(f"  run {i + 1}/{runs}: the loader's own rows, binary COPY (its floor) …")
        floor.runs.append(child("floor", owner_url, rows_bin))
    say("  loader on the 3-year file (peak memory at a second size) …")
    _truncate(owner_url)
    large = Measure("loader, 3-year file")
    large.runs.append(child("fast", loader_url, big))
    say("  the exact reader (once) …")
    _truncate(owner_url)
    exact = Measure("loader, exact reader")
    exact.runs.append(child("exact", loader_url, year))
    pandas_rows = min(rows, 300_000)
    say(f"  pandas read_csv + to_sql on {pandas_rows:,} rows (once) …")
    pandas = Measure("pandas to_sql")
    pandas.runs.append(child("pandas", owner_url, year, str(pandas_rows)))
    assert first.runs[0]["reader"] == "fast", first.runs[0]

    lines = 200_000 if quick else 26_400_000
    transactions = base / "national_transactions_2019.csv"
    say(f"  a transaction-level year of {lines:,} lines (SYNTHETIC, national generator) …")
    from ingest.national import country, portal_exports

    lines = portal_exports.write_transactions(
        country.build(country.SMALL if quick else country.NATIONAL), 2019, transactions, lines
    )[0]
    tx_mb = transactions.stat().st_size / 1e6
    say(f"  raw COPY and the loader on it ({tx_mb:.0f} MB, once each) …")
    tx_raw = Measure("raw COPY, transaction file")
    tx_raw.runs.append(child("raw_new", owner_url, transactions))
    _truncate(owner_url)
    tx_load = Measure("loader, transaction-level year")
    tx_load.runs.append(child("transactions", loader_url, transactions))
    assert tx_load.runs[0]["reader"] == "transactions", tx_load.runs[0]
    assert tx_load.runs[0]["quarantined"] == 0, tx_load.runs[0]
    transactions.unlink()
    return {
        "tx_raw": tx_raw, "tx_load": tx_load, "tx_mb": tx_mb,
        "rows": rows, "size_mb": size_mb, "big_rows": big_rows,
        "big_mb": big.stat().st_size / 1e6,
        "measures": [raw_new, raw_existing, floor, first, reload, large, exact, pandas],
        "floor": floor,
        "limit": raw_new if raw_new.seconds <= raw_existing.seconds else raw_existing,
        "first": first, "reload": reload, "large": large, "exact": exact, "pandas": pandas,
    }  # fmt: skip

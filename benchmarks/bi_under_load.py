"""Benchmark: BI readers while a national nightly portal load replaces a year of daily data.

On a throw-away embedded PostgreSQL: the VDI demo is loaded and the marts built (so the BI
example queries in ``bi/queries/`` have something to read), then a SYNTHETIC national daily year
is loaded once. The measured part, side by side in one run:

1. ``--readers`` BI readers (as ``bi_reader``) run the example queries in a loop for
   ``--seconds`` with nothing else running: the latency baseline;
2. the same readers for the same time **while** the loader replaces that whole year with a
   corrected file (every count + 1), plus one checker (as ``transformer``) that keeps reading
   the replaced periods' totals: each must be the old total or the new one, never a mix.

Prints p50 / p95 / max query latency for both phases and their ratio, queries run, the load's
time and rows/s, and the checker's verdict. Nothing asserts a time: the numbers are for people.

    python benchmarks/bi_under_load.py                       # 20 readers, 60 s, 2 000 services
    python benchmarks/bi_under_load.py --readers 4 --seconds 5 --services 50 --days 30  # quick
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.config import load_settings  # noqa: E402
from ingest.portal import synthetic  # noqa: E402
from ingest.portal.schema import CHANNELS  # noqa: E402
from stack import embedded_pg, warehouse  # noqa: E402

QUERIES = {
    p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "bi/queries").glob("*.sql"))
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def national_year(path: Path, services: int, days: int, bump: int = 0, seed: int = 7) -> int:
    """A daily export of ``services`` SYNTHETIC services for ``days`` days of 2018 (+``bump``
    on every count, for the corrected file); returns its rows."""
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(synthetic.HEADER)
        for offset in range(days):
            day = date(2018, 1, 1) + timedelta(days=offset)
            for n in range(1, services + 1):
                institution = f"{synthetic.SYNTHETIC_INSTITUTION_PREFIX}{n % 150:03d}"
                for channel in CHANNELS:
                    writer.writerow([f"SYN-EP{n:05d}", f"Sintētisks pakalpojums {n}",
                                     institution, day.isoformat(), channel,
                                     rng.randint(0, 40) + bump, "true"])  # fmt: skip
                    rows += 1
    return rows


def _prepare(settings, say) -> warehouse.Warehouse:
    """VDI demo through the real intake and portal loaders, then the marts (dbt build)."""
    from ingest import refresh
    from ingest.intake.inbox import process_inbox, seed_examples
    from ingest.intake.synthetic import write_demo_submissions
    from ingest.portal.sources import sync_files

    wh = warehouse.ensure_ready(settings)
    demo = write_demo_submissions(settings.reference_dir, settings.demo_intake_dir)
    seed_examples(wh.of("loader"), settings.inbox_dir, tuple(demo))
    process_inbox(wh.of("loader"), settings.inbox_dir, settings.archive_dir)
    synthetic.write_vdi_demo(settings.reference_dir, settings.demo_portal_dir)
    sync_files(wh.of("loader"), settings.demo_portal_dir)
    say("  building the marts (dbt build) …")
    refresh.build(settings, wh.of("transformer"), date(2020, 6, 30), force=True)
    return wh


LOADER = """
import json, sys, time
from pathlib import Path
from ingest.portal.load import load_file
started = time.monotonic()
r = load_file(sys.argv[1], Path(sys.argv[2]), force_replace=True)
print(json.dumps({"status": r.status, "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
                  "seconds": time.monotonic() - started}))
"""


def _load(url: str, path: Path) -> dict:
    """The nightly load in a process of its own, as Airflow runs it (never sharing a GIL with
    the readers)."""
    import json
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", LOADER, url, str(path)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Readers:
    """``count`` threads, each on its own connection as bi_reader, running the example queries
    in random order until stopped; latencies in seconds."""

    def __init__(self, url: str, count: int) -> None:
        self.url = url
        self.count = count
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        names = list(QUERIES)
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                name = rng.choice(names)
                started = time.perf_counter()
                try:
                    conn.execute(QUERIES[name]).fetchall()
                except psycopg.Error as exc:
                    with self.lock:
                        self.errors.append(f"{name}: {exc}")
                    continue
                with self.lock:
                    self.latencies.append(time.perf_counter() - started)

    def run_for(self, seconds: float, during=None) -> float:
        threads = [threading.Thread(target=self._run, args=(i,)) for i in range(self.count)]
        for t in threads:
            t.start()
        started = time.monotonic()
        result = during() if during else None
        remaining = seconds - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
        self.stop.set()
        for t in threads:
            t.join()
        return result


def _period_totals(url: str) -> dict[tuple, tuple]:
    with psycopg.connect(url) as conn:
        return {
            (inst, day): (rows, total)
            for inst, day, rows, total in conn.execute(
                "select institution_code, period_start, count(*), sum(request_count)"
                " from raw.portal_requests where institution_code like 'SYNI%'"
                " group by 1, 2"
            )
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args(argv)
    say = print

    base = Path(tempfile.mkdtemp(prefix="bench-bi-"))
    base.chmod(0o755)
    settings = replace(
        load_settings({}),
        port=_free_port(),
        state_dir=base / "state",
        extracts_dir=base / "extracts",
        dbt_target_dir=base / "dbt-target",
        intake_inbox_dir=base / "inbox",
        intake_archive_dir=base / "archive",
    )
    try:
        say(f"== scratch warehouse on 127.0.0.1:{settings.port} ({base})")
        wh = _prepare(settings, say)
        year, corrected = base / "year.csv", base / "year_corrected.csv"
        rows = national_year(year, args.services, args.days)
        national_year(corrected, args.services, args.days, bump=1)
        say(f"  national daily year: {rows:,} rows ({year.stat().st_size / 1e6:.0f} MB); "
            "first load …")  # fmt: skip
        first = _load(wh.of("loader"), year)
        assert first["rows_loaded"] == rows, first
        old = _period_totals(wh.of("transformer"))

        say(f"== {args.readers} BI readers for {args.seconds:.0f} s, nothing else running")
        idle = Readers(wh.bi_url, args.readers)
        idle.run_for(args.seconds)

        say(f"== the same readers for {args.seconds:.0f} s while the corrected year loads")
        busy = Readers(wh.bi_url, args.readers)
        mixed: list[tuple] = []
        checks = {"n": 0}
        done = threading.Event()

        def check() -> None:  # every replaced period is all old or all new, never a mix
            new_expected = None
            while not done.is_set():
                now = _period_totals(wh.of("transformer"))
                checks["n"] += 1
                for key, value in now.items():
                    if value != old[key]:
                        new_expected = new_expected or {
                            k: (r, t + r) for k, (r, t) in old.items()
                        }  # every count + 1
                        if value != new_expected[key]:
                            mixed.append((key, old[key], value))
                time.sleep(0.2)

        def load() -> dict:
            checker = threading.Thread(target=check)
            checker.start()
            result = _load(wh.of("loader"), corrected)
            done.set()
            checker.join()
            return result

        started = time.monotonic()
        result = busy.run_for(args.seconds, during=load)
        busy_seconds = time.monotonic() - started
        final = _period_totals(wh.of("transformer"))
        complete = all(final[k] == (r, t + r) for k, (r, t) in old.items())

        def row(name: str, readers: Readers) -> str:
            lat = [x * 1000 for x in readers.latencies]
            p50, p95 = statistics.median(lat), _percentile(lat, 0.95)
            return (
                f"| {name} | {len(lat):,} | {p50:.1f} | {p95:.1f} | {max(lat):.1f} | "
                f"{len(readers.errors)} |"
            )

        say("")
        say(
            f"machine: {os.cpu_count()} cores; PostgreSQL {embedded_pg.POSTGRES_VERSION}; "
            f"{args.readers} readers × {args.seconds:.0f} s; queries: {', '.join(QUERIES)}"
        )
        say("| phase | queries | p50 ms | p95 ms | max ms | errors |")
        say("|---|---|---|---|---|---|")
        say(row("readers alone", idle))
        say(row("readers during the load", busy))
        p95_ratio = _percentile(busy.latencies, 0.95) / _percentile(idle.latencies, 0.95)
        say(f"p95 during the load / alone: {p95_ratio:.2f}×")
        say(
            f"load alone: {first['rows_read']:,} rows in {first['seconds']:.1f} s "
            f"({first['rows_read'] / first['seconds']:,.0f} rows/s); under the readers: "
            f"{result['seconds']:.1f} s ({result['rows_read'] / result['seconds']:,.0f} rows/s, "
            f"{result['seconds'] / first['seconds']:.2f}×), status {result['status']}; the "
            f"replaced year is complete: {complete}; readers ran {busy_seconds:.0f} s (the "
            "longer of the minute and the load)"
        )
        say(f"checker: {checks['n']} reads of {len(old):,} replaced periods, "
            f"{len(mixed)} saw a partly replaced period")  # fmt: skip
        ok = complete and not mixed and not busy.errors and not idle.errors
        return 0 if ok and result["status"] == "loaded" else 1
    finally:
        embedded_pg.stop(settings)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

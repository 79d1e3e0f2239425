"""``make bench``: the warehouse at national scale, measured side by side in one run.

Starts a scratch embedded PostgreSQL (its own state, never the VDI warehouse), generates the
SYNTHETIC data, measures each section against its reference on the same server in the same
run, prints one table of ratios with the absolute figures and the machine's facts, and writes
``benchmarks/RESULTS.md``. Nothing here asserts a time: targets are printed beside the figures.

    make bench              # the full national figures (< 20 minutes on 2 cores)
    make bench QUICK=1      # a small version (a test runs it to prove the harness works)
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import national  # noqa: E402
import portal_load  # noqa: E402

from ingest.config import load_settings  # noqa: E402
from stack import embedded_pg, warehouse  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine_facts(owner_url: str) -> dict[str, str]:
    import psycopg
    import pyarrow

    with psycopg.connect(owner_url) as conn:
        version = conn.execute("show server_version").fetchone()[0]
        settings = dict(
            conn.execute(
                "select name, current_setting(name) from pg_settings where name in"
                " ('shared_buffers', 'max_wal_size', 'wal_level', 'work_mem')"
            ).fetchall()
        )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "PostgreSQL": f"{version} (embedded; "
        + ", ".join(f"{k}={v}" for k, v in sorted(settings.items()))
        + ")",
        "Python": platform.python_version(),
        "pyarrow": pyarrow.__version__,
        "platform": platform.platform(),
    }


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×"


def report(
    portal: dict, nation: dict, facts: dict[str, str], *, quick: bool, runs: int, took: float
) -> str:
    limit, first, reload = portal["limit"], portal["first"], portal["reload"]
    large, exact, pandas = portal["large"], portal["exact"], portal["pandas"]
    tx_raw, tx_load = portal["tx_raw"], portal["tx_load"]
    title = "# Benchmark results"
    lines = [
        title + (" (QUICK: small sizes, not the national figures)" if quick else ""),
        "",
        f"Written by `make bench{' QUICK=1' if quick else ''}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {took / 60:.1f} min. Every figure was "
        "measured in this run, on the same PostgreSQL, each load in a process of its own "
        f"(imports before the clock). Medians of {runs} runs unless marked *once*.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in facts.items()],
        "",
        "## 1. Portal load throughput",
        "",
        f"File: a SYNTHETIC national daily year, {portal['rows']:,} rows "
        f"({portal['size_mb']:.0f} MB CSV: service_code, institution_code, period, channel, "
        "requests).",
        "",
        "| what | seconds | rows/s | ratio | target |",
        "|---|---:|---:|---:|---|",
    ]
    for m in portal["measures"]:
        if m is limit:
            ratio, target = "1.00× (the limit)", ""
        elif m in (first, reload, large):
            ratio = _ratio(m.rate, limit.rate) + " of raw COPY"
            target = "≥ 0.5× (stretch 0.8×)"
        elif m is portal["floor"]:
            ratio = _ratio(m.rate, limit.rate) + " of raw COPY"
            target = f"(the loader's floor: {m.runs[0]['bytes_per_row']:.0f} B/row on disk)"
        elif m is exact:
            ratio = _ratio(m.rate, limit.rate) + " of raw COPY (*once*)"
            target = "(the old path, for scale)"
        elif m is pandas:
            ratio = _ratio(first.rate, m.rate) + " loader vs pandas (*once*)"
            target = "loader ≥ 10×"
        else:
            ratio, target = _ratio(m.rate, limit.rate) + " of the limit", ""
        figures = f"{m.seconds:.2f} | {m.rate:,.0f}"
        lines.append(f"| {m.label} ({m.rows:,} rows) | {figures} | {ratio} | {target} |")
    lines += [
        "",
        f"Loader peak RSS: **{first.peak_mb:.0f} MB** on {portal['size_mb']:.0f} MB of input, "
        f"**{large.peak_mb:.0f} MB** on {portal['big_mb']:.0f} MB (target < 200 MB whatever "
        "the size; importing pyarrow and numpy is ~100 MB of it before the first row).",
        f"The loader's floor, its own rows (ten columns: batch id, source line and flags "
        f"beside the file's five) sent as binary into a new table, takes "
        f"**{_ratio(portal['floor'].rate, limit.rate)}** of raw COPY's rate: "
        f"{portal['floor'].runs[0]['bytes_per_row']:.0f} bytes per row on disk against the raw "
        f"table's {limit.runs[0]['bytes_per_row']:.0f}, so more to write and to flush at "
        f"commit. The loader's first load takes {first.seconds - portal['floor'].seconds:.1f} s "
        "beyond that floor (reading and checking the file, partition totals, the year's swap, "
        "lineage).",
        f"Fast reader vs the exact reader on the same file: "
        f"**{exact.seconds / first.seconds:.1f}×** faster.",
        "",
        "### A transaction-level year",
        "",
        f"File: one line per transaction (timestamp in UTC, institution_code, service_code, "
        f"channel, is_synthetic), {tx_load.rows:,} lines ({portal['tx_mb']:.0f} MB), from the "
        "national generator; the loader counts them into "
        f"{tx_load.runs[0]['daily_rows']:,} daily rows (Europe/Riga days).",
        "",
        "| what | seconds | lines/s | ratio | target |",
        "|---|---:|---:|---:|---|",
        f"| raw COPY of the file into an unindexed table (*once*) | {tx_raw.seconds:.1f} | "
        f"{tx_raw.rate:,.0f} | 1.00× | |",
        f"| loader: parse, Riga day, validate, count, load, lineage (*once*) | "
        f"{tx_load.seconds:.1f} | {tx_load.rate:,.0f} | "
        f"{_ratio(tx_load.rate, tx_raw.rate)} of raw COPY | < 60 s |",
        "",
        f"Loader peak RSS on it: **{tx_load.peak_mb:.0f} MB** (target < 200 MB).",
        "",
        *national.report_lines(nation, runs),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a harness check)")
    parser.add_argument("--runs", type=int, default=None, help="runs per fast measure")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the report")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)

    started = time.monotonic()

    def say(text: str) -> None:
        """Progress with the time since the start (the whole run takes ~20 minutes)."""
        minutes, seconds = divmod(int(time.monotonic() - started), 60)
        print(f"[{minutes:02d}:{seconds:02d}] {text}", flush=True)

    base = Path(tempfile.mkdtemp(prefix="bench-"))
    base.chmod(0o755)  # the embedded server's OS user reads the state below it
    settings = replace(load_settings({}), port=_free_port(), state_dir=base / "state")
    try:
        say(f"== scratch warehouse on 127.0.0.1:{settings.port} ({base})")
        wh = warehouse.ensure_ready(settings)
        facts = machine_facts(wh.url)
        say("== 1. portal load throughput")
        portal = portal_load.run(
            wh.url, wh.of("loader"), base, quick=args.quick, runs=runs, say=say
        )
        say("== 2–4. the national dataset: nightly cost vs history, annual gate, intake")
        nation = national.run(settings, base, quick=args.quick, runs=runs, say=say)
        text = report(
            portal, nation, facts, quick=args.quick, runs=runs, took=time.monotonic() - started
        )
    finally:
        embedded_pg.stop(settings)
        shutil.rmtree(base, ignore_errors=True)
    args.out.write_text(text, encoding="utf-8")
    print("")
    print(text)
    print(f"(written to {args.out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

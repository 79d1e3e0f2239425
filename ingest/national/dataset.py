"""Write the whole SYNTHETIC national dataset into one folder, deterministically.

    python -m ingest.national --out DIR                 # the national scale (~1 GB, ~1 minute)
    python -m ingest.national --out DIR --small         # a small country, for tests

Layout of ``DIR``:

- ``portal/portal_requests_daily_<year>.csv``  daily statistics, one file per year
- ``intake/SYNTHETIC_<institution>_plan_<year>.csv|xlsx`` and ``…_submission_<year>[_n].…``
- ``manifest.csv``  per institution-year: scenario, files, expected intake outcomes,
  submission status and annual gate result (``ingest.national.submissions``)
- ``services.csv``  every service's stated demand parameters (``ingest.national.country``)
- ``projects.csv``  every funded project and its monitoring window
- ``dataset.json``  scale, seed and counts

Files whose bytes would not change are not rewritten, so a second run is quick for the intake
(the same bytes are a duplicate) and for the portal loader (the same checksum is skipped).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ingest.national import country as country_model
from ingest.national import portal_exports
from ingest.national.submissions import MANIFEST_HEADER, Expected, Writer
from ingest.portal.schema import CHANNELS

STAMP_FILE = "dataset.json"


@dataclass(frozen=True)
class Dataset:
    root: Path
    country: country_model.Country
    expected: list[Expected]
    portal_rows: int

    @property
    def portal_dir(self) -> Path:
        return self.root / "portal"

    @property
    def intake_dir(self) -> Path:
        return self.root / "intake"

    def years_due(self) -> list[int]:
        return sorted({e.year for e in self.expected})


def _write_text(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _csv_text(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


SERVICE_COLUMNS = ["service_code", "institution_code", "name", "level_per_day_first_year",
                   "yearly_growth", "weekday_factors_mon_sun", "season_amplitude",
                   "season_peak_month", *(f"share_{c}" for c in CHANNELS)]  # fmt: skip
PROJECT_COLUMNS = ["project_id", "institution_code", "project_end_year", "base_year",
                   "window_last_year", "planned_services"]  # fmt: skip


def _service_rows(country: country_model.Country) -> list[list[object]]:
    rows: list[list[object]] = [SERVICE_COLUMNS]
    for s in country.services:
        week = " ".join(f"{w:.3f}" for w in s.weekday_factors)
        shares = [f"{x:.4f}" for x in s.channel_shares]
        rows.append([s.code, s.institution, s.name, f"{s.level:.4f}", f"{s.growth:.4f}", week,
                     f"{s.amplitude:.3f}", s.peak_month, *shares])  # fmt: skip
    return rows


def _project_rows(country: country_model.Country) -> list[list[object]]:
    rows: list[list[object]] = [PROJECT_COLUMNS]
    for p in country.projects:
        rows.append([p.project_id, p.institution, p.end_year, p.base_year, p.window[-1],
                     len(p.service_indexes)])  # fmt: skip
    return rows


def _stamp(scale: country_model.Scale, seed: int) -> dict:
    return {"scale": asdict(scale), "seed": seed, "generator": 1}


def generate(
    out: Path,
    scale: country_model.Scale = country_model.NATIONAL,
    seed: int = country_model.SEED,
    say: Callable[[str], None] = print,
) -> Dataset:
    """Generate (or confirm) the dataset of ``scale`` and ``seed`` under ``out``."""
    started = time.monotonic()
    country = country_model.build(scale, seed)
    portal_dir, intake_dir = out / "portal", out / "intake"
    portal_dir.mkdir(parents=True, exist_ok=True)
    stamp_path = out / STAMP_FILE
    previous = json.loads(stamp_path.read_text()) if stamp_path.exists() else {}
    same = {k: previous.get(k) for k in ("scale", "seed", "generator")} == _stamp(scale, seed)
    totals: dict[int, np.ndarray] = {}
    rows = 0
    years = range(scale.first_year, scale.last_year + 1)
    for n, year in enumerate(years, start=1):
        path = portal_dir / portal_exports.year_file_name(year)
        if same and path.exists() and str(year) in previous.get("portal_totals", {}):
            totals[year] = np.array(previous["portal_totals"][str(year)], dtype=np.int64)
            rows += previous["portal_rows"][str(year)]
            continue
        t0 = time.monotonic()
        year_rows, totals[year] = portal_exports.write_year(country, year, path)
        rows += year_rows
        previous.setdefault("portal_rows", {})[str(year)] = year_rows
        say(f"  portal {year}: {year_rows:,} rows, {path.stat().st_size / 1e6:.0f} MB "
            f"({time.monotonic() - t0:.1f} s) [{n}/{len(years)}]")  # fmt: skip
    expected = Writer(country, totals, intake_dir).write_all()

    _write_text(out / "manifest.csv", _csv_text([MANIFEST_HEADER, *(e.row() for e in expected)]))
    _write_text(out / "services.csv", _csv_text(_service_rows(country)))
    _write_text(out / "projects.csv", _csv_text(_project_rows(country)))
    stamp = {
        **_stamp(scale, seed),
        "portal_rows": previous.get("portal_rows", {}),
        "portal_totals": {str(y): [int(x) for x in t] for y, t in totals.items()},
        "institutions": len(country.institutions),
        "services": len(country.services),
        "projects": len(country.projects),
        "intake_files": sum(len(e.files) for e in expected) + len(country.projects),
        "is_synthetic": True,
    }
    _write_text(stamp_path, json.dumps(stamp, indent=1) + "\n")
    say(f"  SYNTHETIC national dataset in {out}: {len(country.institutions)} institutions, "
        f"{len(country.services):,} services, {len(country.projects)} projects, "
        f"{rows:,} portal rows, {stamp['intake_files']} intake files "
        f"({time.monotonic() - started:.1f} s)")  # fmt: skip
    return Dataset(out, country, expected, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--small", action="store_true", help="a small country (tests)")
    parser.add_argument("--seed", type=int, default=country_model.SEED)
    parser.add_argument(
        "--transactions", type=int, metavar="YEAR",
        help="instead: one year at transaction level (one line per request) into --out",
    )  # fmt: skip
    parser.add_argument(
        "--lines", type=int, default=None,
        help="with --transactions: scale the year to about this many lines (national: 26400000)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    scale = country_model.SMALL if args.small else country_model.NATIONAL
    if args.transactions is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / portal_exports.transaction_file_name(args.transactions)
        lines, _ = portal_exports.write_transactions(
            country_model.build(scale, args.seed), args.transactions, path, args.lines
        )
        print(f"{path}: {lines} transaction lines (SYNTHETIC)")
        return 0
    generate(args.out, scale, args.seed)
    return 0

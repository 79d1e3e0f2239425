"""SYNTHETIC yearly submissions for the demo: VDI's other monitoring-window years.

Only 2016 is real. So that ``make run`` can show an extract for every window year, this writes
filled submission templates for 2015, 2017, 2018 and 2019 whose electronic requests equal the
SYNTHETIC portal statistics of that year (``ingest.portal.synthetic``) and whose totals keep
each service's real 2016 electronic share. 2018 and 2019 split every channel (so the channel
parts rule has something to check); 2015 and 2017 give electronic vs total only, like 2016.

File names start with ``SYNTHETIC_``: the intake marks such files, their rows and everything
built from them ``is_synthetic = true``.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from pathlib import Path

from ingest.intake.schema import SUBMISSION
from ingest.intake.templates import csv_bytes, headers
from ingest.portal.synthetic import REAL_YEAR, SEED, vdi_monthly_rows

SYNTHETIC_PREFIX = "SYNTHETIC_"
DEMO_YEARS = (2015, 2017, 2018, 2019)
SPLIT_YEARS = (2018, 2019)
# Shares of the non-electronic remainder: VPVKAC, in person, paper / post, phone, other.
_REMAINDER_WEIGHTS = (0.05, 0.45, 0.35, 0.1, 0.05)


SUBMITTER_NAME = "Anna Paraudziņa (SINTĒTISKA demo iesniedzēja)"
SUBMITTER_EMAIL = "anna.paraudzina.demo@example.invalid"


def _split(total: int, weights: tuple[float, ...]) -> list[int]:
    parts = [int(total * w) for w in weights]
    parts[1] += total - sum(parts)  # the rounding remainder goes to "in person"
    return parts


def portal_yearly_totals(reference_dir: Path, seed: int = SEED) -> dict[tuple[str, int], int]:
    """(portal code, year) -> electronic requests in the SYNTHETIC portal exports."""
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for month, row in vdi_monthly_rows(reference_dir, seed):
        totals[(row[0], month.year)] += int(row[5])
    return totals


def submission_rows(reference_dir: Path, year: int, seed: int = SEED) -> list[list[str]]:
    """Template rows of VDI's SYNTHETIC submission for ``year``."""
    with (reference_dir / "vdi_portal_service_codes.csv").open(encoding="utf-8") as fh:
        codes = {r["service_no"]: r["portal_service_code"] for r in csv.DictReader(fh)}
    portal = portal_yearly_totals(reference_dir, seed)
    rng = random.Random(f"{seed}:submissions:{year}")
    rows = []
    with (reference_dir / "vdi_eservices_2012_forecast_2016_actual.csv").open(
        encoding="utf-8"
    ) as fh:
        for r in csv.DictReader(fh):
            no = int(r["service_no"])
            key = f"VDI-{no:02d}"
            code = codes.get(r["service_no"]) or f"SYN-{key}"
            electronic = portal[(code, year)]
            real_total, real_e = int(r["actual_2016_total_users"]), int(r["actual_2016_e_requests"])
            share = real_e / real_total if real_total else 0.5
            total = max(electronic, round(electronic / share)) if share else real_total
            if total == 0:
                total = round(real_total * rng.uniform(0.9, 1.1))
            parts = ["", "", "", "", ""]
            if year in SPLIT_YEARS:
                parts = [str(p) for p in _split(total - electronic, _REMAINDER_WEIGHTS)]
            rows.append([
                # A person-like submitter: the personal-data test proves it never leaves raw.
                "VDI", str(year), SUBMITTER_NAME, SUBMITTER_EMAIL, key, str(total),
                str(electronic), *parts, "", "", f"{year + 1}-02-15", "nē",
                "SINTĒTISKI dati demonstrācijai, nav reāli skaitļi (SYNTHETIC demo data).",
            ])  # fmt: skip
    return rows


def write_demo_submissions(
    reference_dir: Path, out_dir: Path, years: tuple[int, ...] = DEMO_YEARS
) -> list[Path]:
    """``SYNTHETIC_VDI_submission_<year>.csv`` per year (same inputs, same bytes)."""
    assert REAL_YEAR not in years, "the real year comes from the real submission"
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in years:
        path = out_dir / f"{SYNTHETIC_PREFIX}VDI_submission_{year}.csv"
        rows = [headers(SUBMISSION, "lv"), *submission_rows(reference_dir, year)]
        path.write_bytes(csv_bytes(rows))
        paths.append(path)
    return paths

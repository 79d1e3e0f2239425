"""Two small SYNTHETIC institutions beside VDI in the ``make run`` demo.

The annual submission gates every institution due and writes a national extract; with VDI
alone it would have nothing to compare. These two are invented (codes ``SYNDA`` and ``SYNDB``,
names saying SINTĒTISKA, files named ``SYNTHETIC_…``, portal rows ``is_synthetic=true``), each
with three services and a monitoring window of 2015–2019 like VDI's:

- ``SYNDA`` reports every year, its electronic requests equal to the portal's count: passes.
- ``SYNDB`` reports every year too, but in 2016 its service 02's electronic requests are
  1.6 × the portal's count (a typo, as in the national demo's ``portal_mismatch``): the annual
  gate refuses SYNDB's 2016 extract and the national extract lists it with that reason.

Plans and submissions are written as filled intake templates (Latvian headers) and go through
the intake like any institution's files; the portal rows join VDI's demo exports.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ingest.config import SYNTHETIC_CODE_PREFIX
from ingest.intake.schema import PLAN, SUBMISSION
from ingest.intake.templates import csv_bytes, headers

FILE_PREFIX = "SYNTHETIC_"
YEARS = range(2015, 2020)
BASE_YEAR, PROJECT_END_YEAR, FORECAST_YEAR = 2015, 2014, 2013
REFUSED = ("SYNDB", 2016, 2)  # institution, year, service number reported 1.6x the portal
MISMATCH_FACTOR = 1.6
SEED = 20261130


@dataclass(frozen=True)
class DemoService:
    no: int
    name: str
    forecast_total: int
    forecast_e: int
    e_2016: int  # the portal's electronic requests in 2016 (other years follow a trend)
    share: float  # electronic share of the total


@dataclass(frozen=True)
class DemoInstitution:
    code: str
    name: str
    services: tuple[DemoService, ...]

    def key(self, service: DemoService) -> str:
        return f"{self.code}-{service.no:02d}"

    def portal_code(self, service: DemoService) -> str:
        return f"{SYNTHETIC_CODE_PREFIX}EP-{self.code}-{service.no:02d}"


INSTITUTIONS = (
    DemoInstitution(
        "SYNDA",
        "Sintētiska demo iestāde A (SINTĒTISKI dati)",
        (
            DemoService(1, "Sintētisks iesniegums A1", 4000, 800, 950, 0.30),
            DemoService(2, "Sintētiska izziņa A2", 1200, 300, 210, 0.25),
            DemoService(3, "Sintētiska atļauja A3", 500, 100, 140, 0.40),
        ),
    ),
    DemoInstitution(
        "SYNDB",
        "Sintētiska demo iestāde B (SINTĒTISKI dati)",
        (
            DemoService(1, "Sintētisks paziņojums B1", 3000, 600, 420, 0.20),
            DemoService(2, "Sintētisks pieprasījums B2", 900, 200, 260, 0.35),
            DemoService(3, "Sintētiska reģistrācija B3", 700, 150, 90, 0.15),
        ),
    ),
)
TREND = {2015: 0.85, 2016: 1.0, 2017: 1.1, 2018: 1.2, 2019: 1.3}


def electronic(institution: DemoInstitution, service: DemoService, year: int) -> int:
    """The portal's electronic requests of ``service`` in ``year`` (seeded, deterministic)."""
    if year == 2016:
        return service.e_2016
    rng = random.Random(f"{SEED}:{institution.code}:{service.no}:{year}")
    return round(service.e_2016 * TREND[year] * rng.uniform(0.95, 1.05))


def plan_rows(institution: DemoInstitution) -> list[list[str]]:
    return [
        [institution.code, institution.name, f"{institution.code}-SYN-PRJ", str(PROJECT_END_YEAR),
         str(BASE_YEAR), str(FORECAST_YEAR), institution.key(s), institution.portal_code(s),
         s.name, str(s.forecast_total), str(s.forecast_e),
         "Sintētiska aktivitāte: informācija iestādes tīmekļvietnē (SYNTHETIC demo)."]
        for s in institution.services
    ]  # fmt: skip


def submission_rows(institution: DemoInstitution, year: int) -> list[list[str]]:
    rows = []
    for s in institution.services:
        e = electronic(institution, s, year)
        if (institution.code, year, s.no) == REFUSED:
            e = round(e * MISMATCH_FACTOR)
        total = max(e, round(e / s.share))
        rows.append(
            [institution.code, str(year), "Sintētisks iesniedzējs", "demo@example.invalid",
             institution.key(s),
             str(total), str(e), "", "", "", "", "", "", "", f"{year + 1}-02-10", "nē",
             "SINTĒTISKI dati demonstrācijai, nav reāli skaitļi (SYNTHETIC demo data)."]
        )  # fmt: skip
    return rows


def write_intake_files(out_dir: Path) -> list[Path]:
    """``SYNTHETIC_<code>_plan.csv`` and ``SYNTHETIC_<code>_submission_<year>.csv`` (same
    inputs, same bytes)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for institution in INSTITUTIONS:
        files = {f"{FILE_PREFIX}{institution.code}_plan.csv": (PLAN, plan_rows(institution))}
        for year in YEARS:
            name = f"{FILE_PREFIX}{institution.code}_submission_{year}.csv"
            files[name] = (SUBMISSION, submission_rows(institution, year))
        for name, (template, rows) in files.items():
            path = out_dir / name
            data = csv_bytes([headers(template, "lv"), *rows])
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
            paths.append(path)
    return paths


def portal_monthly_rows() -> Iterator[tuple[date, list[str]]]:
    """(month, row) of the portal exports' format for every service, month and year; all
    requests through the ``portal`` channel."""
    from ingest.portal.synthetic import MONTH_WEIGHTS, split_exactly

    for institution in INSTITUTIONS:
        for s in institution.services:
            for year in YEARS:
                months = split_exactly(electronic(institution, s, year), MONTH_WEIGHTS)
                for month, count in enumerate(months, start=1):
                    yield date(year, month, 1), [
                        institution.portal_code(s), s.name, institution.code,
                        f"{year}-{month:02d}", "portal", str(count), "true",
                    ]  # fmt: skip

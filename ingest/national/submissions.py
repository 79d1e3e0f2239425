"""SYNTHETIC implementation plans and yearly submissions of a country, with the outcome each
should have: the manifest the national demo and the tests check the warehouse against.

Every institution-year of a monitoring window gets one scenario (drawn from the seed):

=====================  ==========================================================  ============
scenario               files                                                        expected
=====================  ==========================================================  ============
on_time                one accepted file, received before the due date              passed
late                   one accepted file, received after the due date               passed
missing                no file                                                      refused
rejected               one file the intake rejects (a service not in the plan)      refused
fixed_after_rejection  a rejected file (electronic > total), then a corrected one   passed
                       after the due date (status late)
portal_mismatch        accepted, but one service's electronic figure is 1.6× the    refused
                       portal's (a typo the annual gate must catch)
jump_warning           accepted; one service's total users 4× last year's           warnings
                       (only after an accepted year; the year after it warns too)
=====================  ==========================================================  ============

A planned service without a portal code (5 %) makes every year of its institution pass with a
warning ("the portal has a count for the service").

Reported electronic requests are the portal's yearly count for the service (some institutions
count their own, within 3 % of it); total users follow the service's electronic share.
Files are CSV (Latvian or English headers) or XLSX, named ``SYNTHETIC_…`` so the intake marks
them and everything built from them synthetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from ingest.intake.schema import PLAN, SUBMISSION, Template
from ingest.intake.templates import csv_bytes, headers, xlsx_bytes
from ingest.national.country import Country, Project

FILE_PREFIX = "SYNTHETIC_"
DUE = (3, 1)  # 1 March of the following year (dbt var submission_due_month_day)
SCENARIOS = {  # scenario: share of institution-years
    "on_time": 0.66,
    "late": 0.10,
    "missing": 0.05,
    "rejected": 0.04,
    "fixed_after_rejection": 0.05,
    "portal_mismatch": 0.05,
    "jump_warning": 0.05,
}
EXPECTED_GATE = {
    "on_time": "passed",
    "late": "passed",
    "missing": "refused",
    "rejected": "refused",
    "fixed_after_rejection": "passed",
    "portal_mismatch": "refused",
    "jump_warning": "passed_with_warnings",
}
EXPECTED_STATUS = {
    "on_time": "on_time",
    "late": "late",
    "missing": "missing",
    "rejected": "rejected",
    "fixed_after_rejection": "late",
    "portal_mismatch": "on_time",
    "jump_warning": "on_time",
}
UNACCEPTED = ("missing", "rejected")  # scenarios that leave no accepted figures for the year
MISMATCH_FACTOR = 1.6
JUMP_FACTOR = 4
SUBMITTER = "Sintētisks iesniedzējs"
REMAINDER_WEIGHTS = (0.05, 0.45, 0.35, 0.1, 0.05)  # VPVKAC, in person, paper, phone, other


@dataclass(frozen=True)
class Expected:
    """One institution-year's scenario and what the warehouse must make of it."""

    institution: str
    year: int
    scenario: str
    files: tuple[str, ...]
    intake: tuple[str, ...]  # outcome per file, in order
    status: str
    gate: str
    portal_warning: bool  # a planned service without a portal code (gate warning)

    def row(self) -> list[str]:
        gate = self.gate
        if gate == "passed" and self.portal_warning:
            gate = "passed_with_warnings"
        return [self.institution, str(self.year), self.scenario, ";".join(self.files),
                ";".join(self.intake), self.status, gate]  # fmt: skip


MANIFEST_HEADER = ["institution_code", "reporting_year", "scenario", "files", "intake_outcomes",
                   "submission_status", "gate"]  # fmt: skip


def _table(template: Template, rows: list[Mapping[str, object]], fmt: str, lang: str) -> bytes:
    values = [[row.get(key, "") for key in template.keys] for row in rows]
    if fmt == "xlsx":
        return xlsx_bytes(template, values)
    text = [[("" if v is None else str(v)) for v in row] for row in values]
    return csv_bytes([headers(template, lang), *text])


def _split(total: int, weights: tuple[float, ...]) -> list[int]:
    parts = [int(total * w) for w in weights]
    parts[1] += total - sum(parts)
    return parts


class Writer:
    """Writes the plans and submissions of ``country`` given the portal's yearly totals
    (``totals[year][service index]``) and returns the manifest rows."""

    def __init__(self, country: Country, totals: Mapping[int, np.ndarray], out: Path) -> None:
        self.country = country
        self.totals = totals
        self.out = out
        self.rng = np.random.default_rng([country.seed, 7])
        out.mkdir(parents=True, exist_ok=True)

    def _file(self, name: str, data: bytes) -> str:
        path = self.out / name
        if not path.exists() or path.read_bytes() != data:
            tmp = path.with_name(name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return name

    def write_all(self) -> list[Expected]:
        expected: list[Expected] = []
        for project in self.country.projects:
            fmt = "xlsx" if self.rng.random() < 0.33 else "csv"
            lang = "en" if self.rng.random() < 0.25 else "lv"
            no_code = self.rng.random(len(project.service_indexes)) < 0.05
            self.plan(project, fmt, lang, no_code)
            split_channels = self.rng.random() < 0.5
            own_count = self.rng.random() < 0.3
            names = list(SCENARIOS)
            draws = self.rng.choice(len(names), len(project.window), p=list(SCENARIOS.values()))
            scenarios = [names[d] for d in draws]
            for n in range(len(scenarios)):
                # a jump needs a previous year whose figures were accepted (and not jumped)
                previous = scenarios[n - 1] if n else "missing"
                if scenarios[n] == "jump_warning" and previous in (*UNACCEPTED, "jump_warning"):
                    scenarios[n] = "on_time"
                if scenarios[n] == "portal_mismatch" and no_code.all():
                    scenarios[n] = "on_time"  # nothing the portal could contradict
            for n, (year, scenario) in enumerate(zip(project.window, scenarios, strict=True)):
                files = self.submission(project, year, scenario, fmt, lang, split_channels,
                                        own_count, no_code)  # fmt: skip
                intake = tuple("rejected" if f.endswith(("_1.csv", "_1.xlsx")) and
                               scenario in ("rejected", "fixed_after_rejection") else "accepted"
                               for f in files)  # fmt: skip
                gate = EXPECTED_GATE[scenario]
                if gate == "passed" and n > 0 and scenarios[n - 1] == "jump_warning":
                    gate = "passed_with_warnings"  # back from last year's jump: as big a change
                expected.append(Expected(project.institution, year, scenario, tuple(files),
                                         intake, EXPECTED_STATUS[scenario], gate,
                                         bool(no_code.any())))  # fmt: skip
        return expected

    def plan(self, project: Project, fmt: str, lang: str, no_code: np.ndarray) -> str:
        base = self.totals[project.base_year]
        rows = []
        for pos, (i, attain, share) in enumerate(
            zip(project.service_indexes, project.attainment, project.forecast_share, strict=True)
        ):
            service = self.country.services[i]
            e_users = max(1, round(int(base[i]) / attain))
            rows.append({
                "institution_code": project.institution,
                "institution_name": self.country.institution_names[project.institution],
                "project_id": project.project_id,
                "project_end_year": project.end_year,
                "base_year": project.base_year,
                "forecast_year": project.forecast_year,
                "service_key": project.service_key(pos),
                "portal_service_code": "" if no_code[pos] else service.code,
                "service_name": service.name,
                "forecast_total_users": max(e_users, round(e_users / share)),
                "forecast_e_users": e_users,
                "planned_activities": "SINTĒTISKI dati (SYNTHETIC): popularizēšana tīmekļvietnē",
            })  # fmt: skip
        name = f"{FILE_PREFIX}{project.institution}_plan_{project.forecast_year}.{fmt}"
        return self._file(name, _table(PLAN, rows, fmt, lang))

    def _figures(self, project: Project, year: int, own_count: bool) -> list[tuple[int, int]]:
        """(total users, electronic requests) per planned service for ``year``."""
        rng = np.random.default_rng([self.country.seed, 8, year, project.service_indexes[0]])
        figures = []
        for i, share in zip(project.service_indexes, project.actual_share, strict=True):
            portal = int(self.totals[year][i])
            electronic = round(portal * rng.uniform(0.97, 1.03)) if own_count else portal
            drift = min(0.95, share * (1 + 0.03 * (year - project.base_year)))
            total = max(electronic, round(electronic / drift)) if electronic else 5
            figures.append((total, electronic))
        return figures

    def submission(
        self,
        project: Project,
        year: int,
        scenario: str,
        fmt: str,
        lang: str,
        split_channels: bool,
        own_count: bool,
        no_code: np.ndarray,
    ) -> list[str]:
        if scenario == "missing":
            return []
        figures = self._figures(project, year, own_count)
        due = date(year + 1, *DUE)
        on_time = due - timedelta(days=int(self.rng.integers(1, 45)))
        late = due + timedelta(days=int(self.rng.integers(2, 120)))
        pos = int(self.rng.integers(len(figures)))  # the service a scenario's error is on
        if scenario == "portal_mismatch":  # on a service the portal has a count for
            coded = np.flatnonzero(~no_code)
            pos = int(coded[self.rng.integers(len(coded))])
        if scenario == "portal_mismatch":
            total, electronic = figures[pos]
            electronic = max(50, round(electronic * MISMATCH_FACTOR))
            figures[pos] = (max(total, electronic), electronic)
        if scenario == "jump_warning":
            previous = self._figures(project, year - 1, own_count)[pos][0]
            figures[pos] = (max(previous, 1) * JUMP_FACTOR + figures[pos][1], figures[pos][1])

        def rows(received: date, error: str | None = None) -> list[dict[str, object]]:
            out = []
            for p, (total, electronic) in enumerate(figures):
                row: dict[str, object] = {
                    "institution_code": project.institution,
                    "reporting_year": year,
                    "submitter_name": SUBMITTER,
                    "submitter_email": f"{project.institution.lower()}.demo@example.invalid",
                    "service_key": project.service_key(p),
                    "total_users": total,
                    "electronic_requests": electronic,
                    "received_date": received.isoformat(),
                    "received_date_is_approximate": "nē",
                    "notes": "SINTĒTISKI dati (SYNTHETIC), nav reāli skaitļi.",
                }
                if split_channels:
                    parts = _split(total - electronic, REMAINDER_WEIGHTS)
                    for key, value in zip(
                        ("assisted_vpvkac", "in_person", "paper_post", "phone", "other_channels"),
                        parts,
                        strict=True,
                    ):
                        row[key] = value
                if p == pos and error == "electronic_over_total":
                    row["electronic_requests"] = total + 10
                out.append(row)
            if error == "unknown_service":
                extra = dict(out[0])
                extra["service_key"] = f"{project.institution}-{len(figures) + 50:02d}"
                out.append(extra)
            return out

        stem = f"{FILE_PREFIX}{project.institution}_submission_{year}"
        if scenario == "rejected":
            bad = _table(SUBMISSION, rows(on_time, "unknown_service"), fmt, lang)
            return [self._file(f"{stem}_1.{fmt}", bad)]
        if scenario == "fixed_after_rejection":
            bad = _table(SUBMISSION, rows(on_time, "electronic_over_total"), fmt, lang)
            good = _table(SUBMISSION, rows(late), fmt, lang)
            return [self._file(f"{stem}_1.{fmt}", bad), self._file(f"{stem}_2.{fmt}", good)]
        received = late if scenario == "late" else on_time
        return [self._file(f"{stem}.{fmt}", _table(SUBMISSION, rows(received), fmt, lang))]

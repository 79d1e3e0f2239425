"""The annual indicator submission: validate a year's candidates, then write or refuse each.

One Great Expectations run validates the candidates of every institution the year concerns
(the institutions whose monitoring window covers it, or the ones asked for), and its Data Docs
are built once, into ``extracts/<year>/validations/<stamp>-<id>/``. The decision is taken per
institution from that run (``GateResult.for_institution``): a candidate that passes every
``error`` expectation becomes an extract (CSV + XLSX, report, manifest pointing at the run's
Data Docs); ``warning`` failures are shipped with it. A refused candidate leaves no extract,
only a failure report (HTML + JSON naming each failed expectation with its offending rows)
under ``<institution>/failed/``. Every attempt is recorded in ``audit.submission_log``.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from ingest import safe_paths, sqlfiles
from publish import (
    SQL_DIR,
    extract,
    extract_content,
    extract_report,
    labels,
    national_extract,
    provenance,
    workbook,
)

log = logging.getLogger(__name__)

XLSX_FILE = "indicators.xlsx"
REPORT_FILE = "report.html"
DATA_DOCS_DIR = "data_docs"
VALIDATIONS_DIR = "validations"  # extracts/<year>/validations/: lower case, never a code


class SubmissionRefused(RuntimeError):
    """The candidate failed the gate (or cannot be built); no extract was written."""


class NotDue(SubmissionRefused):
    """The year is outside the institution's monitoring window: nothing to submit (the yearly
    schedule asks every year; an institution reports only for the five years of its window)."""


@dataclass(frozen=True)
class Candidate:
    """Everything one institution-year's extract is made of, read from the marts."""

    institution: str
    year: int
    planned: list[str]
    tables: list[extract_content.Table]
    trend: list[dict[str, Any]]
    source_batches: list[dict[str, Any]]

    @property
    def indicators(self) -> extract_content.Table:
        return self.tables[0]

    @property
    def channel_mix(self) -> extract_content.Table:
        return self.tables[1]

    @property
    def is_synthetic(self) -> bool:
        return any(r["is_synthetic"] for r in self.indicators.records())

    @property
    def year_row(self) -> dict[str, Any]:
        return next((r for r in self.trend if r["reporting_year"] == self.year), {})

    @property
    def portal_is_synthetic(self) -> bool:
        return any(r["portal_is_synthetic"] for r in self.indicators.records())


def _rows(conn: psycopg.Connection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with conn.cursor() as cur:
        cur.execute(sqlfiles.load(name, SQL_DIR), params)
        assert cur.description is not None
        columns = [c.name for c in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def fetch_candidate(conn: psycopg.Connection, year: int, institution: str) -> Candidate:
    """The year's tables, the planned service keys, the trend and the source batches."""
    params = {"year": year, "institution": institution}
    planned = conn.execute(sqlfiles.load("planned_services", SQL_DIR), params).fetchall()
    if not planned:
        raise SubmissionRefused(f"{institution} has no implementation plan in the warehouse")
    first, last = planned[0][1], planned[0][2]
    if not first <= year <= last:
        raise NotDue(f"{year} is outside {institution}'s monitoring window {first}–{last}")
    return Candidate(
        institution=institution,
        year=year,
        planned=[p[0] for p in planned],
        tables=[extract_content.fetch(conn, spec, params) for spec in extract_content.TABLES],
        trend=_rows(conn, "institution_trend", params),
        source_batches=_rows(conn, "source_batches", params),
    )


def _log_attempt(
    conn: psycopg.Connection,
    year: int,
    institution: str,
    outcome: str,
    *,
    result: extract.ExtractResult | None = None,
    path: Path | None = None,
    total: int | None = None,
    failed: int | None = None,
    message: str | None = None,
) -> None:
    conn.execute(
        sqlfiles.load("log_attempt", SQL_DIR),
        {
            "year": year,
            "institution": institution,
            "outcome": outcome,
            "version": result.version if result else None,
            "path": str(result.path if result else path) if (result or path) else None,
            "manifest_sha256": result.manifest_sha256 if result else None,
            "total": total,
            "failed": failed,
            "message": message,
        },
    )


def _offending_rows(outcome: Any, frame: Any, planned: list[str]) -> list[dict[str, Any]]:
    """The rows behind one failed expectation: by service key where GX named them; for the
    table-level rules, the planned services missing from (or foreign to) the year."""
    if outcome.examples_are_keys:
        keys = set(outcome.examples)
        shown = ["service_key", "service_name_lv", *outcome.columns]
        shown = list(dict.fromkeys(c for c in shown if c in frame.columns))
        subset = frame[frame["service_key"].isin(keys)][shown]
        rows = [
            {k: (None if _is_na(v) else v) for k, v in row.items()}
            for row in subset.to_dict("records")
        ]
        absent = sorted(keys - set(subset["service_key"]))
        return rows + [{"service_key": k, "problem": "planned, but no row"} for k in absent]
    present = frame["service_key"].tolist() if "service_key" in frame else []
    if outcome.expectation == "expect_table_row_count_to_be_between":
        return [{"service_key": k, "problem": "planned, but no row"} for k in planned]
    return [{"value": v} for v in outcome.examples] or [{"rows_present": len(present)}]


def _is_na(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _failure(outcome: Any, frame: Any, planned: list[str]) -> dict[str, Any]:
    return {
        "rule": outcome.rule,
        "severity": outcome.severity,
        "expectation": outcome.expectation,
        "column": outcome.column,
        "unexpected_count": outcome.unexpected_count,
        "observed_value": outcome.observed,
        "offending_rows": _offending_rows(outcome, frame, planned),
    }


def _write_failure_report(directory: Path, report: dict[str, Any]) -> Path:
    """``failed/<UTC stamp>-<id>/`` with report.json and report.html; written aside and
    renamed, like an extract. The report points at the year's validation run (Data Docs)."""
    target = directory / extract.FAILED_DIR / f"{report['attempted_at_compact']}-{report['id']}"
    tmp = target.parent / f".tmp-{target.name}-{os.getpid()}"
    tmp.mkdir(parents=True)
    (tmp / "report.json").write_bytes(extract_report.failure_json(report))
    (tmp / "report.html").write_bytes(extract_report.failure_html(report))
    os.rename(tmp, target)
    return target


def _data_files(candidate: Candidate, contact: str) -> dict[str, bytes]:
    """The extract's identity: the CSVs, their contracts and the workbook (deterministic)."""
    descriptions = extract_content.column_descriptions()
    files: dict[str, bytes] = {}
    for table in candidate.tables:
        files[f"{table.spec.name}.csv"] = extract_content.render_csv(table)
        files[f"{table.spec.name}.schema.json"] = extract_content.render_schema(table, descriptions)
    files[XLSX_FILE] = workbook.render(
        candidate.tables,
        title=f"{candidate.institution} {candidate.year}: e-pakalpojumu rādītāji",
        facts=_cover_facts(candidate, contact),
        sources=candidate.source_batches,
        descriptions=descriptions,
    )
    return files


def _cover_facts(candidate: Candidate, contact: str) -> list[tuple[str, Any]]:
    """The XLSX cover's facts: only values derived from the data (no time, no version)."""
    row = candidate.year_row
    lv, _ = extract_report.headline_of(candidate.year, candidate.indicators.records())
    derived = sorted(
        {
            column
            for r in candidate.indicators.records()
            for column in provenance.DERIVED_FROM
            if r.get(column) is not None and provenance.derived_from_demo(r, column)
        }
    )
    if candidate.is_synthetic:
        data = "SINTĒTISKI demonstrācijas dati — nav reāli skaitļi"
    else:
        data = "Reāli dati (iestādes iesniegtie skaiti un plāna prognozes)"
        if derived:
            data += (
                "; slīprakstā pelēkie rādītāji atvasināti no demonstrācijas datiem "
                "(iepriekšējais gads, bāzes gads, portāla statistika) — nav pierādījums: "
                + ", ".join(extract_content.HEADERS_LV.get(c, c) for c in derived)
            )
    return [
        ("Iestāde", f"{row.get('institution_name_lv') or ''} ({candidate.institution})"),
        ("Pārskata gads", candidate.year),
        ("Kopsavilkums", lv),
        ("Dati", data),
        ("Iesniegums", labels.label(labels.SUBMISSION_STATUS, row.get("submission_status"))),
        ("Faili", "indicators.csv, channel_mix.csv (UTF-8 ar BOM; līgums: *.schema.json), "
                  "report.html, manifest.json (versija un sagatavošanas laiks)"),
        ("Kontakti", contact),
    ]  # fmt: skip


@dataclass(frozen=True)
class InstitutionOutcome:
    """What the year's run did for one institution."""

    institution: str
    status: str  # written | unchanged | refused | not_due
    version: int | None = None
    path: Path | None = None
    message: str | None = None
    warnings: int = 0
    reasons: tuple[str, ...] = ()  # a refusal's failed rules, for the national summary

    def describe(self) -> str:
        where = f" v{self.version:04d} {self.path}" if self.version else f" {self.path or ''}"
        warned = f", {self.warnings} warning(s) shipped" if self.warnings else ""
        return f"{self.institution}: {self.status}{warned}{where}".rstrip()


@dataclass(frozen=True)
class YearResult:
    year: int
    outcomes: list[InstitutionOutcome]
    validation_dir: Path | None
    seconds: float
    national: extract.ExtractResult | None = None

    @property
    def refused(self) -> list[InstitutionOutcome]:
        return [o for o in self.outcomes if o.status == "refused"]

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    def describe(self) -> str:
        counts = ", ".join(
            f"{self.count(s)} {s}"
            for s in ("written", "unchanged", "refused", "not_due")
            if self.count(s)
        )
        docs = f"; Data Docs: {self.validation_dir / DATA_DOCS_DIR}" if self.validation_dir else ""
        took = f"{self.seconds:.1f} s"
        return f"{self.year}: {len(self.outcomes)} institution(s): {counts} ({took}){docs}"

    def describe_refusals(self) -> list[str]:
        """Each refused institution with its reasons (what ``make run`` prints)."""
        return [
            f"{self.year} {o.institution} REFUSED: " + "; ".join(o.reasons or (o.message or "",))
            for o in self.refused
        ]

    def raise_for_refusals(self) -> None:
        """Fail (and so alert) after every institution had its turn: for a run asked about
        one institution-year, whose refusal is the run's answer."""
        if self.refused:
            raise SubmissionRefused(
                f"{len(self.refused)} of {len(self.outcomes)} institution(s) refused for "
                f"{self.year}; their extracts were NOT written:\n"
                + "\n".join(o.message or o.institution for o in self.refused)
            )


def institutions_due(conn: psycopg.Connection, year: int) -> list[str]:
    """Institutions whose monitoring window covers ``year``."""
    rows = conn.execute(sqlfiles.load("institutions_due", SQL_DIR), {"year": year}).fetchall()
    return [r[0] for r in rows]


def _validation_dir(extracts_dir: Path, year: int, now: datetime) -> Path:
    base = safe_paths.confined(extracts_dir, str(int(year)), VALIDATIONS_DIR)
    return base / f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def submit_year(
    conninfo: str,
    extracts_dir: Path,
    year: int,
    institutions: list[str] | None = None,
    *,
    limits: Any = None,
    dbt_invocation_id: str | None = None,
    contact: str = "",
    say: Any = log.info,
) -> YearResult:
    """Gate every candidate of ``year`` in one GX run and write each passing one's extract.

    ``institutions``: the ones to submit (default: every institution whose monitoring window
    covers the year). Raises :class:`NotDue` when none of them is due; a refusal does not stop
    the others (call :meth:`YearResult.raise_for_refusals` to fail afterwards)."""
    from expectations import yearly_extract

    started = time.monotonic()
    limits = limits or yearly_extract.GateThresholds()
    outcomes: list[InstitutionOutcome] = []
    candidates: dict[str, Candidate] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        asked = [i.upper() for i in institutions] if institutions else institutions_due(conn, year)
        for institution in asked:
            try:
                candidates[institution] = fetch_candidate(conn, year, institution)
            except NotDue as exc:
                outcomes.append(InstitutionOutcome(institution, "not_due", message=str(exc)))
            except SubmissionRefused as exc:
                _log_attempt(conn, year, institution, "failed", message=str(exc))
                outcomes.append(
                    InstitutionOutcome(
                        institution, "refused", message=str(exc), reasons=(str(exc),)
                    )
                )
        if not candidates and not any(o.status == "refused" for o in outcomes):
            raise NotDue(
                "; ".join(o.message or "" for o in outcomes)
                or f"no institution's monitoring window covers {year}"
            )
        say(f"{year}: validating the candidates of {len(candidates)} institution(s) in one run")
        now = datetime.now(UTC)
        validation_dir = _validation_dir(extracts_dir, year, now) if candidates else None
        if candidates:
            frames = {
                i: yearly_extract.to_frame(c.indicators.columns, c.indicators.rows)
                for i, c in candidates.items()
            }
            import pandas as pd

            frame = pd.concat(list(frames.values()), ignore_index=True)
            planned = [key for c in candidates.values() for key in c.planned]
            tmp = validation_dir.parent / f".tmp-{validation_dir.name}"
            tmp.mkdir(parents=True)
            gate = yearly_extract.validate(frame, year, planned, limits, tmp / DATA_DOCS_DIR)
            os.rename(tmp, validation_dir)
            for n, (institution, candidate) in enumerate(candidates.items(), start=1):
                outcome = _decide(
                    conn, extracts_dir, candidate, frames[institution],
                    gate.for_institution(institution, frames[institution]), limits,
                    validation_dir, now, dbt_invocation_id, contact,
                )  # fmt: skip
                outcomes.append(outcome)
                say(f"  [{n}/{len(candidates)}] {outcome.describe()}")
        national = None
        if institutions is None:  # every institution due: the year's national picture
            national = national_extract.write(
                conn, extracts_dir, year, outcomes, candidates, contact,
                {"validation_run": validation_dir.name if validation_dir else None},
            )  # fmt: skip
            if national is not None:
                say(f"  national: {national.status} v{national.version:04d} {national.path}")
    result = YearResult(year, outcomes, validation_dir, time.monotonic() - started, national)
    if validation_dir is not None:
        summary = {
            "reporting_year": year,
            "validated_at": now.isoformat(timespec="seconds"),
            "institutions": {o.institution: o.status for o in outcomes},
        }
        (validation_dir / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    say(result.describe())
    return result


def _decide(
    conn: psycopg.Connection,
    extracts_dir: Path,
    candidate: Candidate,
    frame: Any,
    gate: Any,
    limits: Any,
    validation_dir: Path,
    now: datetime,
    dbt_invocation_id: str | None,
    contact: str,
) -> InstitutionOutcome:
    """Write one institution's extract, or its failure report, from its share of the run."""
    institution, year = candidate.institution, candidate.year
    directory = extract.institution_dir(extracts_dir, year, institution)
    summary = {
        **gate.summary(),
        "thresholds": {
            "portal_tolerance": limits.portal_tolerance,
            "yoy_factor": limits.yoy_factor,
        },
        "validation_run": validation_dir.name,
        # relative to the version folder (and to a failure report's: the same depth)
        "data_docs": os.path.relpath(
            validation_dir / DATA_DOCS_DIR / "index.html", directory / "v0000"
        ),
    }
    total = summary["expectations_evaluated"]
    failed = len(gate.errors) + len(gate.warnings)
    if not gate.passed:
        report = {
            "id": uuid.uuid4().hex[:8],
            "institution_code": institution,
            "reporting_year": year,
            "attempted_at": now.isoformat(timespec="seconds"),
            "attempted_at_compact": now.strftime("%Y%m%dT%H%M%SZ"),
            "validation": summary,
            "errors": [_failure(o, frame, candidate.planned) for o in gate.errors],
            "warnings": [_failure(o, frame, candidate.planned) for o in gate.warnings],
        }
        path = _write_failure_report(directory, report)
        message = (
            f"the {year} extract for {institution} was NOT written: "
            f"{len(gate.errors)} expectation(s) with severity 'error' failed:\n"
            + "\n".join(f"  - {o.describe()}" for o in gate.errors)
            + f"\nfailure report: {path / 'report.html'}"
        )
        _log_attempt(
            conn, year, institution, "failed",
            path=path, total=total, failed=failed, message=message,
        )  # fmt: skip
        reasons = tuple(o.describe() for o in gate.errors)
        return InstitutionOutcome(
            institution, "refused", path=path, message=message, reasons=reasons
        )
    data_files = _data_files(candidate, contact)
    year_row = candidate.year_row
    indicator_rows = candidate.indicators.records()

    def other_files(version: int, generated_at: str) -> dict[str, bytes]:
        links = [(name, name) for name in sorted(data_files)] + [
            ("manifest.json", extract.MANIFEST_FILE),
            ("Great Expectations Data Docs", summary["data_docs"]),
        ]
        meta = {
            "version": version,
            "generated_at": generated_at,
            "sources": candidate.source_batches,
            "contact": contact,
            "links": links,
        }
        report = extract_report.extract_report(
            institution, year, candidate.indicators.records(), candidate.channel_mix.records(),
            candidate.trend, summary, meta,
        )  # fmt: skip
        return {REPORT_FILE: report}

    manifest_fields = {
        "institution_code": institution,
        "institution_name_lv": year_row.get("institution_name_lv"),
        "reporting_year": year,
        "is_synthetic": candidate.is_synthetic,
        "portal_figures_synthetic": candidate.portal_is_synthetic,
        "checks_on_demo_evidence": [o.rule for o in gate.on_demo_evidence],
        "checks_not_applicable": [o.rule for o in gate.not_applicable],
        "headline": dict(
            zip(("lv", "en"), extract_report.headline_of(year, indicator_rows), strict=True)
        ),
        "row_counts": {f"{t.spec.name}.csv": len(t.rows) for t in candidate.tables},
        "tables": {
            f"{t.spec.name}.csv": {
                "columns": t.columns,
                "encoding": extract_content.CSV_ENCODING,
                "contract": f"{t.spec.name}.schema.json",
                "provenance": provenance.column_provenance(t.columns, t.records()),
            }
            for t in candidate.tables
        },
        "xlsx_sheets": [
            workbook.COVER_SHEET,
            workbook.INDICATORS_SHEET,
            workbook.CHECKS_SHEET,
            workbook.CHANNELS_SHEET,
            workbook.DEFINITIONS_SHEET,
        ],
        "contact": contact,
        "validation": summary,
        "dbt_invocation_id": dbt_invocation_id,
        "source_batches": [{k: v for k, v in b.items()} for b in candidate.source_batches],
    }
    result = extract.write(
        directory, data_files, other_files, manifest_fields,
        extract.table_changes(
            data_files, {f"{t.spec.name}.csv": t.spec.key for t in candidate.tables}
        ),
    )  # fmt: skip
    _log_attempt(
        conn, year, institution, result.status, result=result, total=total, failed=failed,
        message="; ".join(summary["warnings"]) or None,
    )  # fmt: skip
    for warning in gate.warnings:
        log.warning("%s %s shipped with warning: %s", institution, year, warning.describe())
    return InstitutionOutcome(
        institution, result.status, result.version, result.path, warnings=len(gate.warnings)
    )

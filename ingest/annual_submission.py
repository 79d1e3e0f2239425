"""The annual indicator submission: validate the year's candidate, then write it or refuse.

Only a candidate that passes every ``error`` expectation becomes an extract (CSV + XLSX,
report, GX Data Docs, manifest); ``warning`` failures are shipped with it, listed in the
manifest and the report. A refused candidate leaves no extract, only a failure report (HTML +
JSON naming each failed expectation with its offending rows) under ``failed/``. Every attempt,
passed or not, is recorded in ``audit.submission_log``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from ingest import extract, extract_content, extract_report, sqlfiles

log = logging.getLogger(__name__)

XLSX_FILE = "indicators.xlsx"
REPORT_FILE = "report.html"
DATA_DOCS_DIR = "data_docs"


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
    def is_synthetic(self) -> bool:
        return any(r["is_synthetic"] for r in self.indicators.records())

    @property
    def portal_is_synthetic(self) -> bool:
        return any(r["portal_is_synthetic"] for r in self.indicators.records())


def _rows(conn: psycopg.Connection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with conn.cursor() as cur:
        cur.execute(sqlfiles.load(f"extract/{name}"), params)
        assert cur.description is not None
        columns = [c.name for c in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def fetch_candidate(conn: psycopg.Connection, year: int, institution: str) -> Candidate:
    """The year's tables, the planned service keys, the trend and the source batches."""
    params = {"year": year, "institution": institution}
    planned = conn.execute(sqlfiles.load("extract/planned_services"), params).fetchall()
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
        sqlfiles.load("extract/log_attempt"),
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


def _tree(directory: Path, prefix: str) -> dict[str, bytes]:
    return {
        f"{prefix}/{p.relative_to(directory).as_posix()}": p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _offending_rows(outcome: Any, frame: Any, planned: list[str]) -> list[dict[str, Any]]:
    """The rows behind one failed expectation: by service key where GX named them; for the
    table-level rules, the planned services missing from (or foreign to) the year."""
    if outcome.examples_are_keys:
        keys = set(outcome.examples)
        shown = ["service_key", "service_name_lv", *outcome.columns]
        shown = list(dict.fromkeys(c for c in shown if c in frame.columns))
        subset = frame[frame["service_key"].isin(keys)][shown]
        return [
            {k: (None if _is_na(v) else v) for k, v in row.items()}
            for row in subset.to_dict("records")
        ]
    present = frame["service_key"].tolist() if "service_key" in frame else []
    if outcome.expectation in (
        "expect_table_row_count_to_equal",
        "expect_column_distinct_values_to_equal_set",
        "expect_table_row_count_to_be_between",
    ):
        missing = [{"service_key": k, "problem": "planned, but no row"} for k in planned]
        missing = [m for m in missing if m["service_key"] not in present]
        foreign = [
            {"service_key": k, "problem": "not a planned service"}
            for k in sorted(set(present) - set(planned))
        ]
        return missing + foreign
    return [{"value": v} for v in outcome.examples]


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


def _write_failure_report(directory: Path, report: dict[str, Any], docs_dir: Path) -> Path:
    """``failed/<UTC stamp>-<id>/`` with report.json, report.html and the Data Docs; written
    aside and renamed, like an extract."""
    target = directory / extract.FAILED_DIR / f"{report['attempted_at_compact']}-{report['id']}"
    tmp = target.parent / f".tmp-{target.name}-{os.getpid()}"
    tmp.mkdir(parents=True)
    (tmp / "report.json").write_bytes(extract_report.failure_json(report))
    (tmp / "report.html").write_bytes(extract_report.failure_html(report))
    if docs_dir.is_dir():
        shutil.copytree(docs_dir, tmp / DATA_DOCS_DIR)
    os.rename(tmp, target)
    return target


def _describe_changes(candidate: Candidate, data_files: dict[str, bytes]):
    def describe(previous_dir: Path) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for spec in extract_content.TABLES:
            name = f"{spec.name}.csv"
            old_path = previous_dir / name
            old = extract.read_csv_rows(old_path.read_bytes()) if old_path.exists() else []
            new = extract.read_csv_rows(data_files[name])
            changes[name] = extract.diff_rows(old, new, spec.key)
        return changes

    return describe


def submit(
    conninfo: str,
    extracts_dir: Path,
    year: int,
    institution: str,
    *,
    limits: Any = None,
    dbt_invocation_id: str | None = None,
) -> extract.ExtractResult:
    """Validate and write the extract; raises :class:`SubmissionRefused` when the gate fails."""
    from expectations import yearly_extract

    institution = institution.upper()
    limits = limits or yearly_extract.GateThresholds()
    directory = extract.institution_dir(extracts_dir, year, institution)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        try:
            candidate = fetch_candidate(conn, year, institution)
        except NotDue:
            raise  # not an attempt: nothing was due
        except SubmissionRefused as exc:
            _log_attempt(conn, year, institution, "failed", message=str(exc))
            raise
        indicators = candidate.indicators
        frame = yearly_extract.to_frame(indicators.columns, indicators.rows)
        with tempfile.TemporaryDirectory(prefix="gx-docs-") as tmp:
            docs_dir = Path(tmp) / "site"
            gate = yearly_extract.validate(frame, year, candidate.planned, limits, docs_dir)
            summary = {
                **gate.summary(),
                "thresholds": {
                    "portal_tolerance": limits.portal_tolerance,
                    "yoy_factor": limits.yoy_factor,
                },
            }
            total = summary["expectations_evaluated"]
            failed = len(gate.errors) + len(gate.warnings)
            if not gate.passed:
                now = datetime.now(UTC)
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
                path = _write_failure_report(directory, report, docs_dir)
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
                raise SubmissionRefused(message)
            data_files = {
                f"{t.spec.name}.csv": extract_content.render_csv(t) for t in candidate.tables
            }
            data_files[XLSX_FILE] = extract_content.render_xlsx(candidate.tables)
            other_files = {
                REPORT_FILE: extract_report.extract_report(
                    institution,
                    year,
                    indicators.records(),
                    candidate.tables[1].records(),
                    candidate.trend,
                    summary,
                    candidate.is_synthetic or candidate.portal_is_synthetic,
                ),
                **_tree(docs_dir, DATA_DOCS_DIR),
            }
        manifest_fields = {
            "institution_code": institution,
            "reporting_year": year,
            "is_synthetic": candidate.is_synthetic,
            "portal_figures_synthetic": candidate.portal_is_synthetic,
            "row_counts": {f"{t.spec.name}.csv": len(t.rows) for t in candidate.tables},
            "tables": {
                f"{t.spec.name}.csv": {"columns": t.columns, "xlsx_sheet": t.spec.sheet_lv}
                for t in candidate.tables
            },
            "validation": summary,
            "dbt_invocation_id": dbt_invocation_id,
            "source_batches": [{k: v for k, v in b.items()} for b in candidate.source_batches],
        }
        result = extract.write(
            directory, data_files, other_files, manifest_fields,
            _describe_changes(candidate, data_files),
        )  # fmt: skip
        _log_attempt(
            conn, year, institution, result.status, result=result, total=total, failed=failed,
            message="; ".join(summary["warnings"]) or None,
        )  # fmt: skip
    for warning in gate.warnings:
        log.warning("shipped with warning: %s", warning.describe())
    log.info(
        "%s extract v%04d for %s %s at %s",
        result.status,
        result.version,
        institution,
        year,
        result.path,
    )
    return result

"""The annual indicator submission: validate the year's candidate, then write it or refuse.

Only a candidate that passes every ``error`` expectation becomes an extract. Every attempt,
passed or not, is recorded in ``audit.submission_log``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg

from ingest import extract, sqlfiles

log = logging.getLogger(__name__)

COUNT_COLUMNS = (
    "service_no",
    "forecast_total_users",
    "forecast_electronic_users",
    "actual_total_users",
    "actual_electronic_requests",
    "reporting_year",
)


class SubmissionRefused(RuntimeError):
    """The candidate failed the gate (or cannot be built); no extract was written."""


def fetch_candidate(
    conn: psycopg.Connection, year: int, institution: str
) -> tuple[extract.Candidate, list[str]]:
    """The candidate rows and the institution's planned service keys for ``year``."""
    params = {"year": year, "institution": institution}
    planned = conn.execute(sqlfiles.load("extract/planned_services"), params).fetchall()
    if not planned:
        raise SubmissionRefused(f"{institution} has no implementation plan in the warehouse")
    first, last = planned[0][1], planned[0][2]
    if not first <= year <= last:
        raise SubmissionRefused(
            f"{year} is outside {institution}'s monitoring window {first}–{last}"
        )
    with conn.cursor() as cur:
        cur.execute(sqlfiles.load("extract/yearly_indicators"), params)
        assert cur.description is not None
        columns = [c.name for c in cur.description]
        rows = cur.fetchall()
    return extract.Candidate(institution, year, columns, rows), [p[0] for p in planned]


def to_frame(candidate: extract.Candidate):  # -> pandas.DataFrame
    """Typed frame for validation: counts as nullable integers, ratios as floats."""
    import pandas as pd

    frame = pd.DataFrame(candidate.rows, columns=candidate.columns)
    for column in COUNT_COLUMNS:
        frame[column] = pd.array(frame[column], dtype="Int64")
    return frame


def _log_attempt(
    conn: psycopg.Connection,
    year: int,
    institution: str,
    outcome: str,
    *,
    result: extract.ExtractResult | None = None,
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
            "path": str(result.path) if result else None,
            "manifest_sha256": result.manifest_sha256 if result else None,
            "total": total,
            "failed": failed,
            "message": message,
        },
    )


def submit(conninfo: str, extracts_dir: Path, year: int, institution: str) -> extract.ExtractResult:
    """Validate and write the extract; raises :class:`SubmissionRefused` when the gate fails."""
    from expectations import yearly_extract

    institution = institution.upper()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        try:
            candidate, planned = fetch_candidate(conn, year, institution)
        except SubmissionRefused as exc:
            _log_attempt(conn, year, institution, "failed", message=str(exc))
            raise
        gate = yearly_extract.validate(to_frame(candidate), year, planned)
        summary = gate.summary()
        total, failed = summary["expectations_evaluated"], len(gate.errors) + len(gate.warnings)
        if not gate.passed:
            message = (
                f"the {year} extract for {institution} was NOT written: "
                f"{len(gate.errors)} expectation(s) with severity 'error' failed:\n"
                + "\n".join(f"  - {o.describe()}" for o in gate.errors)
            )
            _log_attempt(
                conn, year, institution, "failed", total=total, failed=failed, message=message
            )
            raise SubmissionRefused(message)
        result = extract.write(extracts_dir, candidate, summary)
        _log_attempt(
            conn, year, institution, result.status, result=result, total=total, failed=failed
        )
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

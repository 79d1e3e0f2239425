"""Refresh the marts: the one transformation code path.

``warehouse_transform`` runs these steps as separate tasks; ``annual_indicator_submission``
runs :func:`refresh_marts` (the same steps, in the same order) before its gate, so a
submission always validates marts built from the current raw data by the one dbt setup in
:mod:`ingest.transform` — never a second one.

Steps: the raw-data suites (GX, on the raw tables, before any transformation; an ``error``
failure stops here), ``dbt source freshness`` (reported), ``dbt build``.

The build is skipped when the marts are already built from the same inputs: no raw load batch
newer than the last successful build (``audit.dbt_builds``), the same dbt project (a sha256 of
its source files) and the same as-of date. Loads that bring nothing new therefore cost no
rebuild, and the annual submission right after the transformation reuses its marts.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg

from ingest import sqlfiles, transform
from ingest.config import Settings

log = logging.getLogger(__name__)


class RawDataRejected(RuntimeError):
    """A raw-data suite failed an ``error`` expectation; the marts were not rebuilt."""


class StaleSources(RuntimeError):
    """A raw source is older than its ``error_after`` freshness: a nightly load did not run or
    brought nothing new in its expected window."""


@dataclass(frozen=True)
class BuildOutcome:
    """A ``dbt build`` that ran (``summary``) or was skipped because nothing changed."""

    invocation_id: str
    skipped: bool
    reason: str
    summary: transform.DbtSummary | None = None

    def describe(self) -> str:
        if self.summary is not None:
            return self.summary.describe()
        return f"dbt build skipped: {self.reason} (marts of invocation {self.invocation_id})"


@dataclass(frozen=True)
class RefreshResult:
    raw_validation: dict[str, Any]
    freshness: dict[str, str]
    build: BuildOutcome

    def describe(self) -> str:
        return self.build.describe()


_PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "packages.yml", "models", "macros",
                  "seeds", "tests", "snapshots", "analyses")  # fmt: skip
# The raw-data rules: a changed rule must run again even when no new raw data arrived.
_RAW_RULES = Path(__file__).resolve().parent.parent / "expectations" / "raw_data.py"


def project_fingerprint(project_dir: Path) -> str:
    """sha256 over the dbt project's source files (paths and bytes), never its artefacts, and
    the raw-data rules the refresh validates with."""
    digest = hashlib.sha256(_RAW_RULES.read_bytes() if _RAW_RULES.is_file() else b"")
    for part in _PROJECT_PARTS:
        root = project_dir / part
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.is_file():
                digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


DOCS_STAMP = "docs_fingerprint.txt"


def docs_fingerprint(settings: Settings, conninfo: str, as_of: date | None) -> str:
    """sha256 of everything the dbt docs site shows: the project (models, yml docs), the
    dates its compiled SQL holds (the as-of and outlook dates) and the shape of the
    warehouse's relations (the catalog: kinds, owners, typed columns). Not the data."""
    with psycopg.connect(conninfo) as conn:
        shape = conn.execute(sqlfiles.load("refresh/catalog_shape")).fetchall()
    digest = hashlib.sha256(project_fingerprint(settings.dbt_project_dir).encode())
    digest.update(repr((as_of, transform.outlook_env(), shape)).encode())
    return digest.hexdigest()


def generate_docs_if_changed(
    settings: Settings, conninfo: str, as_of: date | None
) -> tuple[Path, bool]:
    """``dbt docs generate`` (published as ``<DBT_TARGET_DIR>/docs``) unless the published
    site was generated from the same :func:`docs_fingerprint`: a second build of the day that
    only brought new rows leaves the site as it is (generating it takes ~20 s). Returns the
    site's ``index.html`` and whether it was generated."""
    key = docs_fingerprint(settings, conninfo, as_of)
    site = settings.dbt_target_dir / transform.DOCS
    stamp = site / DOCS_STAMP
    if (site / "index.html").is_file() and stamp.is_file() and stamp.read_text() == key:
        log.info("dbt docs unchanged (same project, dates and relations): %s", site)
        return site / "index.html", False
    index = transform.generate_docs(
        conninfo, settings.dbt_project_dir, settings.dbt_target_dir, as_of
    )
    (index.parent / DOCS_STAMP).write_text(key)
    return index, True


def raw_watermark(conninfo: str) -> datetime | None:
    """The newest raw load batch (what a validation or a build covers, read before either)."""
    with psycopg.connect(conninfo) as conn:
        return conn.execute(sqlfiles.load("refresh/raw_watermark")).fetchone()[0]


def validate_raw(conninfo: str) -> dict[str, Any]:
    """Run the raw-data suites; raises :class:`RawDataRejected` on an ``error`` failure.

    The summary carries ``raw_watermark``, read *before* the suites ran: the build records that
    one, so a batch that commits during validation is validated (and built) by the next run
    instead of being taken as already checked."""
    from expectations import raw_data

    watermark = raw_watermark(conninfo)
    results = raw_data.validate_all(conninfo)
    summary: dict[str, Any] = {name: result.summary() for name, result in results.items()}
    summary["raw_watermark"] = watermark.isoformat() if watermark else None
    for name, result in results.items():
        for warning in result.warnings:
            log.warning("raw data %s: %s", name, warning.describe())
    errors = [(name, o) for name, result in results.items() for o in result.errors]
    if errors:
        raise RawDataRejected(
            "raw data failed its quality suites; the marts were not rebuilt:\n"
            + "\n".join(f"  - {name}: {o.describe()}" for name, o in errors)
        )
    return summary


def check_freshness(
    settings: Settings, conninfo: str, fail_on_error: bool = False, as_of: date | None = None
) -> dict:
    """``dbt source freshness``: stale sources are logged; with ``fail_on_error`` a source
    beyond its ``error_after`` raises :class:`StaleSources` (an alert under Airflow)."""
    results = transform.source_freshness(
        conninfo, settings.dbt_project_dir, settings.dbt_target_dir, as_of
    )
    log.info("dbt source freshness:\n%s", transform.describe_freshness(results))
    for stale in (r for r in results if r.status != "pass"):
        log.warning("stale source %s: newest row %s h old", stale.source, stale.age_hours)
    errors = [r for r in results if r.status == "error"]
    if fail_on_error and errors:
        raise StaleSources(
            "raw data older than its error_after freshness (a nightly load did not run or "
            "brought nothing new): "
            + "; ".join(f"{r.source} newest row {r.age_hours} h old" for r in errors)
        )
    return {r.source: r.status for r in results}


@dataclass(frozen=True)
class BuildState:
    """What the marts were last built from, against what a build now would read."""

    watermark: datetime | None  # newest raw load batch now
    fingerprint: str  # the dbt project now
    last: tuple | None  # (invocation_id, as_of_date, project_sha256, raw_watermark)

    @property
    def raw_unchanged(self) -> bool:
        """No raw load batch since the last successful build (whose refresh had validated
        the raw data at that point: the raw suites would find what they found then)."""
        if self.last is None:
            return False
        last_watermark = self.last[3]
        return self.watermark is None or (
            last_watermark is not None and self.watermark <= last_watermark
        )

    def up_to_date(self, as_of: date | None) -> bool:
        return self.raw_unchanged and self.last[2] == self.fingerprint and self.last[1] == as_of


def build_state(settings: Settings, conninfo: str) -> BuildState:
    with psycopg.connect(conninfo) as conn:
        (watermark,) = conn.execute(sqlfiles.load("refresh/raw_watermark")).fetchone()
        last = conn.execute(sqlfiles.load("refresh/last_build")).fetchone()
    return BuildState(watermark, project_fingerprint(settings.dbt_project_dir), last)


def build(
    settings: Settings,
    conninfo: str,
    as_of: date | None,
    force: bool = False,
    validated: datetime | str | None = None,
) -> BuildOutcome:
    """``dbt build``, unless the last successful build saw the same inputs (see module doc).

    ``validated``: the raw watermark the raw suites covered (:func:`validate_raw`); recorded
    as the build's watermark, so raw data loaded after validation counts as new next time.
    Without it, the watermark now is recorded (the caller validated nothing newer: e.g. only
    the as-of date changed)."""
    state = build_state(settings, conninfo)
    if state.up_to_date(as_of) and not force:
        assert state.last is not None
        reason = "no raw load batch since the last build, same dbt project and as-of date"
        log.info("dbt build skipped: %s (invocation %s)", reason, state.last[0])
        return BuildOutcome(state.last[0], True, reason)
    started = datetime.now(UTC)
    summary = _build_rebuilding_drifted(settings, conninfo, as_of)
    assert summary.target_dir is not None
    transform.publish(settings.dbt_target_dir, transform.LATEST_BUILD, summary.target_dir)
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            sqlfiles.load("refresh/record_build"),
            {
                "invocation_id": summary.invocation_id,
                "as_of_date": as_of,
                "project_sha256": state.fingerprint,
                "raw_watermark": _recorded_watermark(state.watermark, validated),
                "started_at": started,
            },
        )
    return BuildOutcome(summary.invocation_id, False, "built", summary)


def _build_rebuilding_drifted(
    settings: Settings, conninfo: str, as_of: date | None
) -> transform.DbtSummary:
    """``dbt build``; when an upgrade of the project changed an incremental model's columns or
    types (its table, built by the old version, no longer fits), that model and everything
    downstream are rebuilt from scratch once (``--full-refresh``) and the build runs again.
    Without this an upgraded warehouse stops at dbt's "schemas out of sync" error."""
    run = transform.run_dbt
    project, target = settings.dbt_project_dir, settings.dbt_target_dir
    # unit tests test the models' code, not the data: CI runs them (settings.dbt_unit_tests)
    tests = [] if settings.dbt_unit_tests else ["--exclude-resource-type", "unit_test"]
    try:
        return run(conninfo, project, target, as_of=as_of, extra_args=tests)
    except transform.TransformError as exc:
        drifted = exc.drifted_incremental_models()
        if not drifted:
            raise
        log.warning("incremental models changed shape since they were built, rebuilt from "
                    "scratch: %s", ", ".join(drifted))  # fmt: skip
        select = ["--select", *(f"{model}+" for model in drifted), "--full-refresh"]
        run(conninfo, project, target, command="run", as_of=as_of, extra_args=select)
        return run(conninfo, project, target, as_of=as_of, extra_args=tests)


def _recorded_watermark(now: datetime | None, validated: datetime | str | None) -> datetime | None:
    if validated is None:
        return now
    if isinstance(validated, str):
        validated = datetime.fromisoformat(validated)
    return validated if now is None else min(now, validated)


def validate_raw_if_changed(settings: Settings, conninfo: str) -> dict[str, Any]:
    """:func:`validate_raw`, unless no raw load batch came since the last successful build
    (whose refresh validated the raw data as it still is): then ``{"raw_watermark": None}``."""
    if build_state(settings, conninfo).raw_unchanged:
        log.info("raw data unchanged since the last build: the raw suites are not re-run")
        return {"raw_watermark": None, "skipped": "raw data unchanged since the last build"}
    return validate_raw(conninfo)


def refresh_marts(settings: Settings, conninfo: str, as_of: date | None) -> RefreshResult:
    """All steps in order (what ``warehouse_transform`` does, minus the docs site), each only
    when it can find something new: nothing at all when the marts are up to date; no raw suites
    or freshness check when only the as-of date or the dbt project changed."""
    state = build_state(settings, conninfo)
    if state.up_to_date(as_of):
        return RefreshResult({}, {}, build(settings, conninfo, as_of))
    if state.raw_unchanged:
        log.info("raw data unchanged since the last build: raw suites and freshness not re-run")
        return RefreshResult({}, {}, build(settings, conninfo, as_of))
    raw = validate_raw(conninfo)
    freshness = check_freshness(settings, conninfo, as_of=as_of)
    summary = build(settings, conninfo, as_of, validated=raw["raw_watermark"])
    return RefreshResult(raw, freshness, summary)

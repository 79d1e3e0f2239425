"""Refresh the marts: the one transformation code path.

``warehouse_transform`` runs these steps as separate tasks; ``annual_indicator_submission``
runs :func:`refresh_marts` (the same steps, in the same order) before its gate, so a
submission always validates marts built from the current raw data by the one dbt setup in
:mod:`ingest.transform` — never a second one.

Steps: the raw-data suites (GX, on the raw tables, before any transformation; an ``error``
failure stops here), ``dbt source freshness`` (reported), ``dbt build``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from ingest import transform
from ingest.config import Settings

log = logging.getLogger(__name__)


class RawDataRejected(RuntimeError):
    """A raw-data suite failed an ``error`` expectation; the marts were not rebuilt."""


@dataclass(frozen=True)
class RefreshResult:
    raw_validation: dict[str, Any]
    freshness: dict[str, str]
    build: transform.DbtSummary

    def describe(self) -> str:
        return self.build.describe()


def validate_raw(conninfo: str) -> dict[str, Any]:
    """Run the raw-data suites; raises :class:`RawDataRejected` on an ``error`` failure."""
    from expectations import raw_data

    results = raw_data.validate_all(conninfo)
    summary = {name: result.summary() for name, result in results.items()}
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


def check_freshness(settings: Settings, conninfo: str) -> dict[str, str]:
    results = transform.source_freshness(
        conninfo, settings.dbt_project_dir, settings.dbt_target_dir / "freshness"
    )
    log.info("dbt source freshness:\n%s", transform.describe_freshness(results))
    for stale in (r for r in results if r.status != "pass"):
        log.warning("stale source %s: newest row %s h old", stale.source, stale.age_hours)
    return {r.source: r.status for r in results}


def build(settings: Settings, conninfo: str, as_of: date | None) -> transform.DbtSummary:
    return transform.run_dbt(
        conninfo, settings.dbt_project_dir, settings.dbt_target_dir, as_of=as_of
    )


def refresh_marts(settings: Settings, conninfo: str, as_of: date | None) -> RefreshResult:
    """All steps in order (what ``warehouse_transform`` does, minus the docs site)."""
    raw = validate_raw(conninfo)
    freshness = check_freshness(settings, conninfo)
    summary = build(settings, conninfo, as_of)
    return RefreshResult(raw, freshness, summary)

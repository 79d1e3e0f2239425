"""What the ``portal_statistics_nightly`` DAG does, callable without Airflow.

One code path for the nightly run and for backfills: the source (``files`` or ``ckan``) and an
optional range of months are parameters, so loading whole past years is the same call with a
wider range — never one run per day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ingest import lineage
from ingest.config import Settings
from ingest.portal.ckan import CkanClient
from ingest.portal.load import LOADER, PortalLoadResult
from ingest.portal.periods import PeriodRange
from ingest.portal.sources import sync_ckan, sync_files

log = logging.getLogger(__name__)


class PortalLoadFailed(RuntimeError):
    """One or more files could not be loaded, or were held (each is named); the others were
    loaded."""


@dataclass(frozen=True)
class NightlySummary:
    source: str
    period_range: str
    files: int
    loaded: int
    unchanged: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_outside_range: int
    unmatched_codes: list[str]
    problems: list[str]  # files that failed or were held, each with its reason

    def describe(self) -> str:
        return (
            f"portal statistics from {self.source} ({self.period_range}): {self.files} file(s), "
            f"{self.loaded} loaded, {self.unchanged} unchanged; rows {self.rows_read} read = "
            f"{self.rows_loaded} loaded + {self.rows_quarantined} quarantined + "
            f"{self.rows_outside_range} outside the range"
            + (f"; codes matching no planned service: {', '.join(self.unmatched_codes)}"
               if self.unmatched_codes else "")
            + (f"; {len(self.problems)} file(s) failed or held" if self.problems else "")
        )  # fmt: skip


def summarise(
    source: str, period_range: PeriodRange | None, results: list[PortalLoadResult]
) -> NightlySummary:
    loaded = [r for r in results if r.status == "loaded"]
    return NightlySummary(
        source=source,
        period_range=str(period_range) if period_range else "all new or changed periods",
        files=len(results),
        loaded=len(loaded),
        unchanged=sum(r.status == "unchanged" for r in results),
        rows_read=sum(r.rows_read for r in loaded),
        rows_loaded=sum(r.rows_loaded for r in loaded),
        rows_quarantined=sum(r.rows_quarantined for r in loaded),
        rows_outside_range=sum(r.rows_outside_range for r in loaded),
        unmatched_codes=sorted({c for r in loaded for c in r.unmatched_codes}),
        problems=[
            f"{r.source_uri}: {r.status.upper()}: {r.message}"
            for r in results
            if r.status in ("failed", "held")
        ],
    )


def run(
    conninfo: str,
    settings: Settings,
    *,
    source: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    force: bool = False,
    force_replace: bool = False,
) -> NightlySummary:
    """Load new or changed portal statistics, every file on its own: a file that cannot be
    read, or whose replacement is held, is named in ``problems`` and the others load.
    Call :func:`raise_for_problems` once the loads are published."""
    source = source or settings.portal_source
    period_range = PeriodRange.parse(period_from, period_to)
    options = {"force": force, "force_replace": force_replace,
               "max_shrink": settings.portal_max_shrink}  # fmt: skip
    for batch_id, uri in lineage.mark_abandoned(conninfo, LOADER):
        log.warning("batch %s (%s) was abandoned mid-load; its periods are as before", batch_id,
                    uri)  # fmt: skip
    if source == "files":
        results = sync_files(conninfo, settings.portal_files_dir, period_range, **options)
    elif source == "ckan":
        client = CkanClient(settings.ckan_base_url)
        results = sync_ckan(conninfo, client, settings.ckan_dataset_id, period_range, **options)
    else:
        raise ValueError(f"unknown portal source {source!r}: use 'files' or 'ckan'")
    return summarise(source, period_range, results)


def raise_for_problems(problems: list[str]) -> None:
    """Fail the run (and so alert) when a file failed or was held, after the others loaded."""
    if problems:
        raise PortalLoadFailed(
            f"{len(problems)} portal file(s) were not loaded (the others were):\n"
            + "\n".join(f"  - {p}" for p in problems)
        )

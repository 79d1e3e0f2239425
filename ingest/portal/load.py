"""Load one portal export file into ``raw.portal_requests``, with quarantine and lineage.

The file is streamed (never held in memory) through ``COPY`` into a staging table, validated
set-based in SQL, and then, in the same transaction, its good rows replace the partitions
(institution, grain, period) they cover while bad rows go to ``raw.portal_requests_quarantine``
with line, column and reason. Readers never see a half-loaded period, and nothing is dropped
silently: ``rows_read = rows_loaded + rows_quarantined + rows_outside_range``.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from ingest import lineage, sqlfiles
from ingest.config import SYNTHETIC_CODE_PREFIX
from ingest.portal import csv_format, schema
from ingest.portal.periods import PeriodRange

log = logging.getLogger(__name__)

LOADER = "portal.requests"
_STAGE_COLUMNS = ["line_no", *schema.CANONICAL, "parse_error"]
_COPY_STAGE = "copy tmp_portal_stage ({}) from stdin".format(", ".join(_STAGE_COLUMNS))


class _Phases:
    """Logs each phase of a long load with its duration (progress for whoever watches)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.started = self.last = time.monotonic()

    def done(self, what: str) -> None:
        now = time.monotonic()
        log.info("%s: %s in %.1f s", self.source, what, now - self.last)
        self.last = now


@dataclass(frozen=True)
class PortalLoadResult:
    source_uri: str
    status: str  # "loaded", "unchanged" or "failed"
    source_sha256: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_outside_range: int = 0
    periods: str = ""
    is_synthetic: bool = False
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    unmatched_codes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    message: str = ""

    def describe(self) -> str:
        if self.status != "loaded":
            return f"{self.source_uri}: {self.status}{': ' + self.message if self.message else ''}"
        parts = [
            f"{self.rows_read} read",
            f"{self.rows_loaded} loaded",
            f"{self.rows_quarantined} quarantined",
        ]
        if self.rows_outside_range:
            parts.append(f"{self.rows_outside_range} outside the requested periods")
        text = f"{self.source_uri}: " + ", ".join(parts) + f" (periods {self.periods or '-'})"
        if self.quarantine_reasons:
            text += "; quarantined: " + ", ".join(
                f"{n}× {r}" for r, n in self.quarantine_reasons.items()
            )
        if self.unmatched_codes:
            shown = ", ".join(self.unmatched_codes[:20])
            more = (
                f" … ({len(self.unmatched_codes)} in all)" if len(self.unmatched_codes) > 20 else ""
            )
            text += f"; codes matching no planned service: {shown}{more}"
        return text


def _params(period_range: PeriodRange | None) -> dict[str, str]:
    return period_range.as_params() if period_range else {}


def load_file(
    conninfo: str,
    path: Path,
    *,
    source_uri: str | None = None,
    period_range: PeriodRange | None = None,
    default_synthetic: bool = False,
    force: bool = False,
) -> PortalLoadResult:
    """Load ``path``; an identical file already loaded with the same range is skipped."""
    source_uri = source_uri or str(path)
    try:
        fmt = csv_format.sniff(path)
    except csv_format.PortalFileError as exc:
        lineage.record_batch(
            conninfo, loader=LOADER, source_uri=source_uri, source_sha256="",
            status="failed", message=str(exc), is_synthetic=default_synthetic,
        )  # fmt: skip
        return PortalLoadResult(source_uri, "failed", message=str(exc))
    params = _params(period_range)

    with psycopg.connect(conninfo) as conn:
        if not force:
            previous = conn.execute(
                sqlfiles.load("portal/batch_already_loaded"),
                {"loader": LOADER, "source_sha256": fmt.sha256, "params": json.dumps(params)},
            ).fetchone()
            if previous:
                conn.rollback()
                lineage.record_batch(
                    conninfo, loader=LOADER, source_uri=source_uri, source_sha256=fmt.sha256,
                    status="skipped", message=f"unchanged since batch {previous[0]}",
                    is_synthetic=default_synthetic, params=params,
                )  # fmt: skip
                return PortalLoadResult(source_uri, "unchanged", fmt.sha256)

        with conn.transaction():
            phases = _Phases(source_uri)
            batch = lineage.start_batch(conn, LOADER, source_uri, fmt.sha256, default_synthetic)
            # Sorting millions of keys for the duplicate check is much faster in memory.
            conn.execute("set local work_mem = '256MB'")
            conn.execute(sqlfiles.load("portal/create_stage"))
            with conn.cursor() as cur, cur.copy(_COPY_STAGE) as copy:
                for row in csv_format.canonical_rows(path, fmt):
                    copy.write_row(row)
            conn.execute("analyze tmp_portal_stage")
            phases.done(f"streamed into staging ({fmt.label}, {fmt.size / 1e6:.1f} MB)")
            spellings, channels = schema.channel_alias_pairs()
            conn.execute(
                sqlfiles.load("portal/check_stage"),
                {
                    "alias_spellings": spellings,
                    "alias_channels": channels,
                    "default_synthetic": default_synthetic,
                    "range_start": period_range.first if period_range else None,
                    "range_end": period_range.end_date if period_range else None,
                },
            )
            counts = conn.execute(sqlfiles.load("portal/checked_counts")).fetchone()
            assert counts is not None
            read, loaded, quarantined, outside, first, last, any_synthetic = counts
            reasons = dict(conn.execute(sqlfiles.load("portal/quarantine_reasons")).fetchall())
            phases.done(f"validated {read} rows")
            conn.execute(
                sqlfiles.load("portal/quarantine"),
                {"batch_id": batch.batch_id, "source_uri": source_uri},
            )
            conn.execute(sqlfiles.load("portal/delete_partitions"))
            conn.execute(sqlfiles.load("portal/insert_requests"), batch.lineage_params(source_uri))
            conn.execute(sqlfiles.load("portal/record_periods"), {"batch_id": batch.batch_id})
            phases.done(f"replaced periods with {loaded} rows, quarantined {quarantined}")
            unmatched = [
                r[0]
                for r in conn.execute(
                    sqlfiles.load("portal/unmatched_codes"),
                    {"synthetic_prefix": SYNTHETIC_CODE_PREFIX},
                )
            ]
            periods = f"{first:%Y-%m-%d}..{last:%Y-%m-%d}" if first else ""
            message_parts = list(fmt.warnings)
            if unmatched:
                shown = ", ".join(unmatched[:20]) + (" …" if len(unmatched) > 20 else "")
                message_parts.append(
                    f"{len(unmatched)} code(s) matching no planned service: {shown}"
                )
            conn.execute(
                sqlfiles.load("portal/batch_finish_portal"),
                {
                    "batch_id": batch.batch_id,
                    "rows_read": read,
                    "rows_loaded": loaded,
                    "rows_quarantined": quarantined,
                    "rows_outside_range": outside,
                    "periods": periods,
                    "params": json.dumps(params),
                    "message": "; ".join(message_parts) or None,
                    "is_synthetic": bool(any_synthetic),
                },
            )
    result = PortalLoadResult(
        source_uri=source_uri,
        status="loaded",
        source_sha256=fmt.sha256,
        rows_read=read,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        rows_outside_range=outside,
        periods=periods,
        is_synthetic=bool(any_synthetic),
        quarantine_reasons=dict(Counter(reasons)),
        unmatched_codes=unmatched,
        warnings=list(fmt.warnings),
    )
    log.info("%s", result.describe())
    return result

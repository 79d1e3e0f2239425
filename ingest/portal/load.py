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
from datetime import date
from pathlib import Path

import psycopg

from ingest import lineage, rules, sqlfiles, textfiles
from ingest.config import (
    DEFAULT_PORTAL_MAX_SHRINK,
    PORTAL_LIMITS,
    SYNTHETIC_CODE_PREFIX,
    InputLimits,
)
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
    status: str  # "loaded", "unchanged", "held" or "failed"
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


def _verdict(kind: str, raw: str, normalised: str | None) -> tuple[str | None, str | None]:
    """(value, problem) of one distinct raw value, by the rules the raw suites check."""
    if kind == "request_count":
        if not raw.strip():
            return None, "missing request count"
        value, problem = rules.parse_count(raw, rules.BIGINT_MAX)
        return (str(value), None) if problem is None else (None, problem.en)
    if not normalised:
        return None, None  # empty: reported as such by check_stage
    problem = rules.code_problem(kind, normalised, raw.strip())
    return (normalised, None) if problem is None else (None, problem[0])


def _judge_distinct_values(conn: psycopg.Connection) -> None:
    conn.execute(sqlfiles.load("portal/create_value_verdicts"))
    distinct = conn.execute(sqlfiles.load("portal/distinct_values")).fetchall()
    with (
        conn.cursor() as cur,
        cur.copy("copy tmp_portal_verdicts (kind, raw_value, value, problem) from stdin") as copy,
    ):
        for kind, raw, normalised in distinct:
            copy.write_row((kind, raw, *_verdict(kind, raw, normalised)))
    conn.execute("analyze tmp_portal_verdicts")


@dataclass(frozen=True)
class Replacement:
    """What a file does to the partitions it replaces (rows and requests before → after)."""

    rows_before: int
    requests_before: int
    rows_after: int
    requests_after: int
    shrinking: int  # partitions losing more than the limit
    worst: list[tuple]  # up to 5 of them, worst first: (inst, grain, start, rb, qb, ra, qa)

    @staticmethod
    def measure(conn: psycopg.Connection, max_shrink: float) -> Replacement:
        rows = conn.execute(
            sqlfiles.load("portal/replacement_effect"), {"max_shrink": max_shrink}
        ).fetchall()
        rb, qb, ra, qa, shrinking = rows[0][:5]
        worst = [tuple(r[5:]) for r in rows if r[5] is not None]
        return Replacement(int(rb), int(qb), int(ra), int(qa), int(shrinking), worst)

    def hold_message(self, max_shrink: float) -> str:
        shown = "; ".join(
            f"{inst} {grain} {start:%Y-%m-%d}: {rb} rows / {qb} requests → {ra} / {qa}"
            for inst, grain, start, rb, qb, ra, qa in self.worst
        )
        more = f" (and {self.shrinking - len(self.worst)} more)" if self.shrinking > 5 else ""
        return (
            f"HELD, not applied: replacing {self.shrinking} period(s) would remove more "
            f"than {max_shrink:.0%} of their rows or requests — {shown}{more}. The previous data "
            "stays. If this file is right, load it again with force_replace "
            "(DAG param force_replace=true, or FORCE_REPLACE=1 for make backfill-portal)."
        )

    def as_params(self) -> dict[str, int]:
        return {
            "rows_before": self.rows_before, "requests_before": self.requests_before,
            "rows_after": self.rows_after, "requests_after": self.requests_after,
        }  # fmt: skip


class _Held(Exception):
    """Rolls the load's transaction back: the replacement was held."""


def load_file(
    conninfo: str,
    path: Path,
    *,
    source_uri: str | None = None,
    period_range: PeriodRange | None = None,
    default_synthetic: bool = False,
    force: bool = False,
    force_replace: bool = False,
    max_shrink: float = DEFAULT_PORTAL_MAX_SHRINK,
    limits: InputLimits = PORTAL_LIMITS,
    today: date | None = None,
) -> PortalLoadResult:
    """Load ``path``; an identical file already loaded with the same range is skipped.

    A file that would shrink a period it replaces by more than ``max_shrink`` (rows or
    requests) is held: nothing changes, the batch says why, ``force_replace`` applies it.
    Periods after ``today`` (default: the wall-clock date in Europe/Riga) are quarantined."""
    source_uri = source_uri or str(path)
    try:
        fmt = csv_format.sniff(path, limits)
    except csv_format.PortalFileError as exc:
        lineage.record_batch(
            conninfo, loader=LOADER, source_uri=source_uri,
            source_sha256=_sha_or_empty(path), status="failed", message=str(exc),
            is_synthetic=default_synthetic,
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

        batch = lineage.start_batch(conn, LOADER, source_uri, fmt.sha256, default_synthetic)
        held: dict[str, object] | None = None
        try:
            with conn.transaction():
                phases = _Phases(source_uri)
                # Sorting millions of keys for the duplicate check is much faster in memory.
                conn.execute("set local work_mem = '256MB'")
                conn.execute(sqlfiles.load("portal/create_stage"))
                with conn.cursor() as cur, cur.copy(_COPY_STAGE) as copy:
                    for row in csv_format.canonical_rows(path, fmt):
                        copy.write_row(row)
                conn.execute("analyze tmp_portal_stage")
                phases.done(f"streamed into staging ({fmt.label}, {fmt.size / 1e6:.1f} MB)")
                _judge_distinct_values(conn)
                spellings, channels = schema.channel_alias_pairs()
                conn.execute(
                    sqlfiles.load("portal/check_stage"),
                    {
                        "alias_spellings": spellings,
                        "alias_channels": channels,
                        "default_synthetic": default_synthetic,
                        "range_start": period_range.first if period_range else None,
                        "range_end": period_range.end_date if period_range else None,
                        "latest_period": today or rules.today_in_riga(),
                        "earliest_period": rules.EARLIEST_PERIOD,
                    },
                )
                counts = conn.execute(sqlfiles.load("portal/checked_counts")).fetchone()
                assert counts is not None
                read, loaded, quarantined, outside, first, last, any_synthetic = counts
                reasons = dict(conn.execute(sqlfiles.load("portal/quarantine_reasons")).fetchall())
                phases.done(f"validated {read} rows")
                periods = f"{first:%Y-%m-%d}..{last:%Y-%m-%d}" if first else ""
                replacement = Replacement.measure(conn, max_shrink)
                if replacement.shrinking and not force_replace:
                    held = {
                        "batch_id": batch.batch_id, "status": "held", "rows_read": read,
                        "rows_loaded": 0, "rows_quarantined": quarantined,
                        "rows_outside_range": outside, "periods": periods,
                        "params": json.dumps(params),
                        "message": replacement.hold_message(max_shrink),
                        "is_synthetic": default_synthetic, **replacement.as_params(),
                    }  # fmt: skip
                    raise _Held
                conn.execute(
                    sqlfiles.load("portal/quarantine"),
                    {"batch_id": batch.batch_id, "source_uri": source_uri},
                )
                conn.execute(sqlfiles.load("portal/delete_partitions"))
                conn.execute(
                    sqlfiles.load("portal/insert_requests"), batch.lineage_params(source_uri)
                )
                conn.execute(sqlfiles.load("portal/record_periods"), {"batch_id": batch.batch_id})
                phases.done(f"replaced periods with {loaded} rows, quarantined {quarantined}")
                unmatched = [
                    r[0]
                    for r in conn.execute(
                        sqlfiles.load("portal/unmatched_codes"),
                        {"synthetic_prefix": SYNTHETIC_CODE_PREFIX},
                    )
                ]
                message_parts = list(fmt.warnings)
                if replacement.shrinking:
                    message_parts.append("forced: " + replacement.hold_message(max_shrink))
                if unmatched:
                    shown = ", ".join(unmatched[:20]) + (" …" if len(unmatched) > 20 else "")
                    message_parts.append(
                        f"{len(unmatched)} code(s) matching no planned service: {shown}"
                    )
                conn.execute(
                    sqlfiles.load("portal/batch_finish_portal"),
                    {
                        "batch_id": batch.batch_id,
                        "status": "succeeded",
                        "rows_read": read,
                        "rows_loaded": loaded,
                        "rows_quarantined": quarantined,
                        "rows_outside_range": outside,
                        "periods": periods,
                        "params": json.dumps(params),
                        "message": "; ".join(message_parts) or None,
                        "is_synthetic": bool(any_synthetic),
                        **replacement.as_params(),
                    },
                )
        except _Held:
            assert held is not None
            conn.execute(sqlfiles.load("portal/batch_finish_portal"), held)
            conn.commit()
            log.warning("%s: %s", source_uri, held["message"])
            return PortalLoadResult(
                source_uri, "held", fmt.sha256, rows_read=read, rows_quarantined=quarantined,
                rows_outside_range=outside, periods=periods, message=str(held["message"]),
            )  # fmt: skip
        except BaseException as exc:
            lineage.fail_batch(conninfo, batch, exc)
            raise
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


def _sha_or_empty(path: Path) -> str:
    try:
        return textfiles.sha256_of(path)
    except OSError:
        return ""

"""Load one portal export file into ``raw.portal_requests``, with quarantine and lineage.

In one transaction: the file is read by the fast reader (:mod:`ingest.portal.fast_reader`,
clean rows straight into the batch's year tables, suspect rows to the exact check) or, when
its records cannot be numbered by line, entirely by the exact reader (Python's csv module
into a staging table, ``check_stage.sql``); duplicates are quarantined; the shrink guard
compares what the file brings per period with ``audit.portal_period_totals``; then each year
is swapped in or replaced in place (:mod:`ingest.portal.year_tables`) while bad rows go to
``raw.portal_requests_quarantine`` with line, column and reason. Readers never see a
half-loaded period, and nothing is dropped silently:
``rows_read = rows_loaded + rows_quarantined + rows_outside_range`` (checked here).
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
from psycopg import sql

from ingest import lineage, rules, sqlfiles, textfiles
from ingest.config import (
    DEFAULT_PORTAL_MAX_SHRINK,
    PORTAL_LIMITS,
    SYNTHETIC_CODE_PREFIX,
    InputLimits,
)
from ingest.portal import csv_format, fast_reader, schema, transactions, year_tables
from ingest.portal.periods import PeriodRange

log = logging.getLogger(__name__)

LOADER = "portal.requests"
_COPY_STAGE = fast_reader.COPY_STAGE  # the exact reader stages every row the same way


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
    reader: str = ""  # "fast" (Arrow, ingest.portal.fast_reader), "exact" (csv + check_stage)
    # or "transactions" (ingest.portal.transactions: rows_read counts lines)
    transactions_counted: int | None = None  # lines counted into rows_loaded daily rows

    def describe(self) -> str:
        if self.status != "loaded":
            return f"{self.source_uri}: {self.status}{': ' + self.message if self.message else ''}"
        if self.transactions_counted is not None:
            parts = [
                f"{self.rows_read} transaction lines read",
                f"{self.transactions_counted} counted into {self.rows_loaded} daily rows",
                f"{self.rows_quarantined} quarantined",
            ]
        else:
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
    def measure(
        conn: psycopg.Connection, max_shrink: float, first: date | None, last: date | None
    ) -> Replacement:
        rows = conn.execute(
            sqlfiles.load("portal/replacement_effect"),
            {"max_shrink": max_shrink, "first": first, "last": last},
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


def _stage_exactly(conn: psycopg.Connection, path: Path, fmt: csv_format.FileFormat) -> None:
    """The exact reader: every record, by Python's csv module, into tmp_portal_stage."""
    with conn.cursor() as cur, cur.copy(_COPY_STAGE) as copy:
        for row in csv_format.canonical_rows(path, fmt):
            copy.write_row(row)


def _validate_stage(conn: psycopg.Connection, check_params: dict[str, object]) -> None:
    """check_stage.sql over tmp_portal_stage (all rows, or the fast reader's suspects)."""
    conn.execute("analyze tmp_portal_stage")
    _judge_distinct_values(conn)
    conn.execute(sqlfiles.load("portal/check_stage"), check_params)


def _read_into_year_tables(
    conn: psycopg.Connection,
    path: Path,
    fmt: csv_format.FileFormat,
    batch: lineage.Batch,
    check_params: dict[str, object],
    phases: _Phases,
    reader: str,
) -> tuple[year_tables.YearTables, fast_reader.FastRead | None]:
    """Fast reader when it can number the file's records, else the exact reader; either way
    the loadable rows end in the batch's year tables and the rest is judged by check_stage.
    A transaction-level export is counted into daily rows by its own reader."""
    if fmt.kind == "transactions":
        if fmt.scan is None or fmt.scan.bare_cr:
            raise csv_format.PortalFileError(
                f"{path.name}: a transaction-level export must end its lines with LF or CRLF "
                "(a bare CR was found), so each transaction has a line number"
            )
        tables = year_tables.YearTables(conn, batch.batch_id)
        conn.execute(sqlfiles.load("portal/create_stage"))
        counted = transactions.read(
            conn, path, fmt,
            default_synthetic=bool(check_params["default_synthetic"]),
            range_first=check_params["range_start"],  # type: ignore[arg-type]
            range_end=check_params["range_end"],  # type: ignore[arg-type]
            latest=check_params["latest_period"],  # type: ignore[arg-type]
            year_table=tables,
            validate=lambda: _validate_stage(conn, check_params),
        )  # fmt: skip
        phases.done(
            f"counted {counted.counted} of {counted.rows} transaction lines ({fmt.label}, "
            f"{fmt.size / 1e6:.1f} MB) into {counted.daily_rows} daily rows"
        )
        return tables, counted
    if reader == "auto" and fast_reader.usable(fmt):
        tables = year_tables.YearTables(conn, batch.batch_id)
        try:
            with conn.transaction():  # a savepoint: undone if the file needs the exact reader
                conn.execute(sqlfiles.load("portal/create_stage"))
                fast = fast_reader.read(
                    conn, path, fmt, fmt.scan,
                    default_synthetic=bool(check_params["default_synthetic"]),
                    range_first=check_params["range_start"],  # type: ignore[arg-type]
                    range_end=check_params["range_end"],  # type: ignore[arg-type]
                    latest=check_params["latest_period"],  # type: ignore[arg-type]
                    year_table=tables,
                )  # fmt: skip
                phases.done(
                    f"read {fast.rows} rows ({fmt.label}, {fmt.size / 1e6:.1f} MB): "
                    f"{fast.clean} clean, {fast.suspects} to check exactly"
                )
                _validate_stage(conn, check_params)
                conn.execute(sqlfiles.load("portal/suspect_duplicates_loadable"), check_params)
                tables.fill_from_checked(_checked_years(conn))
                return tables, fast
        except fast_reader.NotExact as exc:
            log.info("%s: read exactly (%s)", path.name, exc)
    tables = year_tables.YearTables(conn, batch.batch_id)
    conn.execute(sqlfiles.load("portal/create_stage"))
    _stage_exactly(conn, path, fmt)
    phases.done(f"streamed into staging ({fmt.label}, {fmt.size / 1e6:.1f} MB)")
    _validate_stage(conn, check_params)
    tables.fill_from_checked(_checked_years(conn))
    return tables, None


def _checked_years(conn: psycopg.Connection) -> list[int]:
    return [r[0] for r in conn.execute(sqlfiles.load("portal/checked_years"))]


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
    reader: str = "auto",
) -> PortalLoadResult:
    """Load ``path``; an identical file already loaded with the same range is skipped.

    ``reader="exact"`` reads every record with the exact reader (tests and benchmarks compare
    it with the fast one; "auto" uses the fast reader whenever it can).

    A file that would shrink a period it replaces by more than ``max_shrink`` (rows or
    requests) is held: nothing changes, the batch says why, ``force_replace`` applies it.
    Periods after ``today`` (default: the wall-clock date in Europe/Riga) are quarantined."""
    if reader not in ("auto", "exact"):
        raise ValueError(f"reader must be 'auto' or 'exact', not {reader!r}")
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
        spellings, channels = schema.channel_alias_pairs()
        check_params: dict[str, object] = {
            "alias_spellings": spellings,
            "alias_channels": channels,
            "default_synthetic": default_synthetic,
            "range_start": period_range.first if period_range else None,
            "range_end": period_range.end_date if period_range else None,
            "latest_period": today or rules.today_in_riga(),
            "earliest_period": rules.EARLIEST_PERIOD,
            "transactions": fmt.kind == "transactions",
        }
        try:
            with conn.transaction():
                phases = _Phases(source_uri)
                # One portal load at a time (a backfill beside the nightly run): a year swap
                # must not drop rows another load wrote meanwhile.
                conn.execute(sqlfiles.load("portal/load_lock"))
                # Sorting and hashing millions of keys is much faster in memory.
                conn.execute("set local work_mem = '256MB'")
                tables, fast = _read_into_year_tables(
                    conn, path, fmt, batch, check_params, phases, reader
                )
                counts = conn.execute(sqlfiles.load("portal/checked_counts")).fetchone()
                assert counts is not None
                staged, _, quarantined, outside, *_ = counts
                read = fast.rows if fast else staged
                counted = fast if isinstance(fast, transactions.TransactionRead) else None
                conn.execute(sqlfiles.load("portal/create_dup_keys"))
                if fast and not counted and (fast.duplicate_keys or fast.suspects):
                    with (
                        conn.cursor() as cur,
                        cur.copy("copy tmp_portal_dup_keys from stdin") as copy,
                    ):
                        for key in fast.duplicate_keys:
                            copy.write_row(key)
                    conn.execute(sqlfiles.load("portal/dup_keys_of_checked"))
                duplicates: Counter = Counter()
                if (
                    fast
                    and not counted
                    and (fast.duplicate_keys or fast.suspects or fast.dedup_in_sql)
                ):
                    duplicates = tables.remove_duplicates(
                        batch.batch_id, source_uri, in_sql=fast.dedup_in_sql
                    )
                    quarantined += sum(duplicates.values())
                if fast and fast.partitions is not None and not duplicates:
                    # The fast reader summed its rows per partition; add the exact path's.
                    conn.execute(sqlfiles.load("portal/create_incoming_parts"))
                    with conn.cursor() as cur:
                        with cur.copy(
                            "copy tmp_portal_incoming_parts from stdin (format binary)"
                        ) as copy:
                            copy.write(fast.partitions.copy_data())
                        with cur.copy("copy tmp_portal_incoming_institutions from stdin") as copy:
                            for institution in fast.partitions.institution_rows():
                                copy.write_row(institution)
                    conn.execute(sqlfiles.load("portal/incoming_from_parts"))
                else:
                    union = tables.union()
                    conn.execute(sql.SQL(sqlfiles.load("portal/incoming")).format(rows=union))
                conn.execute("analyze tmp_portal_incoming")
                loaded, requests, first, last, any_synthetic = conn.execute(
                    sqlfiles.load("portal/incoming_counts")
                ).fetchone()
                if counted and requests != counted.counted:
                    raise AssertionError(  # a reader bug: every counted line is one request
                        f"{source_uri}: {counted.counted} transactions counted but the daily "
                        f"rows hold {requests} requests"
                    )
                reasons = dict(conn.execute(sqlfiles.load("portal/quarantine_reasons")).fetchall())
                for reason, count in duplicates.items():
                    reasons[reason] = reasons.get(reason, 0) + count
                phases.done(f"validated {read} rows")
                periods = f"{first:%Y-%m-%d}..{last:%Y-%m-%d}" if first else ""
                replacement = Replacement.measure(conn, max_shrink, first, last)
                if replacement.shrinking and not force_replace:
                    held = {
                        "batch_id": batch.batch_id, "status": "held", "rows_read": read,
                        "rows_loaded": 0, "rows_quarantined": quarantined,
                        "rows_outside_range": outside, "periods": periods,
                        "transactions_counted": counted.counted if counted else None,
                        "params": json.dumps(params),
                        "message": replacement.hold_message(max_shrink),
                        "is_synthetic": default_synthetic, **replacement.as_params(),
                    }  # fmt: skip
                    raise _Held
                conn.execute(
                    sqlfiles.load("portal/quarantine"),
                    {"batch_id": batch.batch_id, "source_uri": source_uri},
                )
                years = tables.apply()
                conn.execute(sqlfiles.load("portal/record_periods"), {"batch_id": batch.batch_id})
                conn.execute(sqlfiles.load("portal/record_totals_clear"))
                conn.execute(sqlfiles.load("portal/record_totals"), {"batch_id": batch.batch_id})
                phases.done(
                    f"replaced periods with {loaded} rows ("
                    + ", ".join(f"{y.year} {y.how}" for y in years)
                    + f"), quarantined {quarantined}"
                )
                codes = sorted(
                    (fast.codes if fast else set())
                    | {r[0] for r in conn.execute(sqlfiles.load("portal/checked_codes"))}
                )
                unmatched = [
                    r[0]
                    for r in conn.execute(
                        sqlfiles.load("portal/unmatched_codes"),
                        {"codes": codes, "synthetic_prefix": SYNTHETIC_CODE_PREFIX},
                    )
                ]
                message_parts = list(fmt.warnings)
                if counted:
                    message_parts.append(
                        f"transaction-level export: {counted.counted} of {read} lines counted "
                        f"into {loaded} daily rows"
                    )
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
                        "transactions_counted": counted.counted if counted else None,
                        "periods": periods,
                        "params": json.dumps(params),
                        "message": "; ".join(message_parts) or None,
                        "is_synthetic": bool(any_synthetic),
                        **replacement.as_params(),
                    },
                )
                phases.done("recorded the batch")
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
    # Every line of the file is accounted for: a loader bug must never pass silently.
    accounted = counted.counted if counted else loaded  # a transaction file: lines counted
    if read != accounted + quarantined + outside:
        raise AssertionError(
            f"{source_uri}: {read} {'lines' if counted else 'rows'} read but {accounted} "
            f"{'counted' if counted else 'loaded'} + {quarantined} quarantined + {outside} "
            "outside the range"
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
        reader="transactions" if counted else "fast" if fast else "exact",
        transactions_counted=counted.counted if counted else None,
    )
    log.info("%s", result.describe())
    return result


def _sha_or_empty(path: Path) -> str:
    try:
        return textfiles.sha256_of(path)
    except OSError:
        return ""

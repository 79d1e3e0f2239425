"""The fast reader of portal exports: Arrow parses, Python judges distinct values, COPY writes.

Why: a national daily year is 2.19 M rows. Parsing them one by one in Python and validating
them in SQL after a staging copy cost 25× a raw ``COPY`` of the same file. Here the file is
parsed by Arrow's multi-threaded CSV reader in blocks (memory bounded by the block, not by the
file), every *distinct* value of a block is judged once in Python, and the rows whose values
are all plainly valid ("clean") go, as CSV Arrow writes, straight into the batch's table for
their year (:mod:`ingest.portal.year_tables`) with one ``COPY`` per block.

The exact reader (:func:`ingest.portal.csv_format.canonical_rows` and
``ingest/sql/portal/check_stage.sql``) stays the one source of every quarantine reason: a row
the fast reader is not sure of ("suspect": an unusual spelling, a bad value, a period outside
the requested range) is handed to it with its line number and raw text, and is loaded or
quarantined exactly as before. A whole file goes to the exact reader when records cannot be
numbered by line (a quoted line break, an empty line, a record with the wrong number of
fields: :class:`NotExact`), when it is not UTF-8, or when a value exceeds the cell limit.

Duplicates of a key (institution, grain, period, code, channel) within the file are found with
a bitset over (series, day): memory bounded by the series in the file, not by its rows. Their
keys are handed back; the loader keeps the first line and quarantines the others in SQL.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from ingest import rules
from ingest.portal import schema

if TYPE_CHECKING:  # pyarrow is imported when a file is read, not when the module is
    import numpy as np
    import pyarrow as pa

    from ingest.portal.csv_format import FileFormat
    from ingest.textfiles import ByteScan

log = logging.getLogger(__name__)

BLOCK_BYTES = 8 << 20  # Arrow parses this much at a time: the reader's memory is bounded by it
EPOCH = date(1970, 1, 1)
_EARLIEST_DAY = (rules.EARLIEST_PERIOD - EPOCH).days
DAY_BITS = 14  # days after EARLIEST_PERIOD in the dedup key: up to 2044
MAX_SERIES_IN_BITSET = 50_000  # 2 KB each: beyond that, duplicates are found in SQL
# Columns of the year tables the fast reader writes (batch_id is the table's default).
COPY_COLUMNS = (
    "institution_code", "portal_service_code", "service_name", "period_grain", "period_start",
    "channel", "request_count", "source_line", "is_synthetic",
)  # fmt: skip
STAGE_COLUMNS = ["line_no", *schema.CANONICAL, "parse_error"]
COPY_STAGE = "copy tmp_portal_stage ({}) from stdin".format(", ".join(STAGE_COLUMNS))

_CODE = re.compile(rules.PORTAL_CODE)
_INSTITUTION = re.compile(rules.INSTITUTION_CODE)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")
_TRUE = {"true", "t", "1", "yes"}
_FALSE = {"false", "f", "0", "no"}


class NotExact(Exception):
    """The fast reader cannot number this file's records by line; use the exact reader."""


@dataclass
class FastRead:
    """What the fast reader did; the rows themselves are in the year tables and the stage."""

    rows: int = 0  # records read
    clean: int = 0  # written to the year tables
    suspects: int = 0  # handed to the exact validation (tmp_portal_stage)
    codes: set[str] = field(default_factory=set)  # portal codes of the clean rows
    duplicate_keys: set[tuple] = field(default_factory=set)  # keys seen more than once
    dedup_in_sql: bool = False  # too many series for the bitset: find duplicates in SQL


def usable(fmt: FileFormat) -> bool:
    """Whether the fast reader can read this file at all (UTF-8, and pyarrow installed)."""
    if fmt.encoding not in ("utf-8-sig", "utf-8") or fmt.scan is None:
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is a pinned requirement
        return False
    return True


class _Judged:
    """Distinct value → (ok, value) cache for one column, across blocks."""

    def __init__(self, judge: Callable[[str], object | None]) -> None:
        self.judge = judge
        self.cache: dict[str, object | None] = {}

    def lookup(self, values: list[str]) -> list[object | None]:
        out = []
        for value in values:
            if value not in self.cache:
                self.cache[value] = self.judge(value)
            out.append(self.cache[value])
        return out


def _judge_code(value: str) -> str | None:
    return value if _CODE.fullmatch(value) else None


def _judge_institution(value: str) -> str | None:
    return value if _INSTITUTION.fullmatch(value) else None


def _judge_period(value: str) -> tuple[int, str] | None:
    """(days since 1970, grain the format implies) for ISO days and months, else None."""
    try:
        if _DAY.fullmatch(value):
            return (date.fromisoformat(value) - EPOCH).days, "day"
        if _MONTH.fullmatch(value):
            return (date.fromisoformat(value + "-01") - EPOCH).days, "month"
    except ValueError:
        return None
    return None


class _Reader:
    def __init__(
        self,
        conn: psycopg.Connection,
        fmt: FileFormat,
        *,
        default_synthetic: bool,
        range_first: date | None,
        range_end: date | None,
        latest: date,
        year_table: Callable[[int], sql.Composable],
    ) -> None:
        self.conn = conn
        self.fmt = fmt
        self.year_table = year_table
        self.default_synthetic = default_synthetic
        self.low = max(_EARLIEST_DAY, ((range_first - EPOCH).days if range_first else -(10**9)))
        self.high = min((latest - EPOCH).days, (range_end - EPOCH).days if range_end else 10**9)
        spellings, channels = schema.channel_alias_pairs()
        self.channel_names = list(schema.CHANNELS)
        alias = dict(zip(spellings, channels, strict=True))
        self.codes = _Judged(_judge_code)
        self.institutions = _Judged(_judge_institution)
        names = self.channel_names
        self.channels = _Judged(lambda v: names.index(alias[v]) if v in alias else None)
        self.periods = _Judged(_judge_period)
        self.grains = _Judged(lambda v: {"": "", "day": "day", "month": "month"}.get(v))
        self.synthetic = _Judged(
            lambda v: default_synthetic if v == "" else True if v in _TRUE else
            False if v in _FALSE else None
        )  # fmt: skip
        self.result = FastRead()
        self.series: dict[int, int] = {}
        self.global_ids: dict[tuple[str, str], int] = {}
        self.bits: np.ndarray | None = None
        self._copy_cm = None
        self._copy: psycopg.Copy | None = None
        self._copy_year: int | None = None

    # -- per distinct value ----------------------------------------------------------------
    def _encode(self, column: pa.Array, judged: _Judged) -> tuple[np.ndarray, list]:
        """(per-row index into the judged list, judged values) via Arrow's dictionary."""
        import numpy as np
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(column)
        values = judged.lookup(encoded.dictionary.to_pylist())
        indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        return indices, values

    def _gid(self, kind: str, value: str) -> int:
        key = (kind, value)
        gid = self.global_ids.get(key)
        if gid is None:
            gid = self.global_ids[key] = len(self.global_ids)
        return gid

    # -- a block ---------------------------------------------------------------------------
    def block(self, batch: pa.RecordBatch, first_line: int) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        n = batch.num_rows
        fmt = self.fmt
        for column in batch.columns:
            longest = pc.max(pc.utf8_length(column)).as_py()
            if longest is not None and longest > fmt.max_cell_chars:
                raise NotExact(f"a value longer than {fmt.max_cell_chars} characters")
        index = {c: i for i, c in enumerate(fmt.positions) if c is not None}
        col = {c: batch.column(i) for c, i in index.items()}
        ok = np.ones(n, dtype=bool)

        code_idx, code_vals = self._encode(col["portal_service_code"], self.codes)
        ok &= np.array([v is not None for v in code_vals], dtype=bool)[code_idx]
        inst_idx, inst_vals = self._encode(col["institution_code"], self.institutions)
        ok &= np.array([v is not None for v in inst_vals], dtype=bool)[inst_idx]
        chan_idx, chan_vals = self._encode(col["channel"], self.channels)
        chan_of = np.array([-1 if v is None else v for v in chan_vals], dtype=np.int64)[chan_idx]
        ok &= chan_of >= 0

        per_idx, per_vals = self._encode(col["period"], self.periods)
        days = np.array([v[0] if v else 0 for v in per_vals], dtype=np.int64)[per_idx]
        format_month = np.array([bool(v) and v[1] == "month" for v in per_vals])[per_idx]
        ok &= np.array([v is not None for v in per_vals], dtype=bool)[per_idx]
        if "period_grain" in col:
            g_idx, g_vals = self._encode(col["period_grain"], self.grains)
            given = np.array(["x" if v is None else v for v in g_vals], dtype=object)[g_idx]
            ok &= given != "x"
            month = np.where(given == "", format_month, given == "month")
            # A month given for a day not the 1st, or a day given as YYYY-MM: exact reader.
            first_of_month = np.array(
                [bool(v) and date.fromordinal(EPOCH.toordinal() + v[0]).day == 1
                 for v in per_vals], dtype=bool,
            )[per_idx]  # fmt: skip
            ok &= ~((given == "month") & ~first_of_month)
            ok &= ~((given == "day") & format_month)
        else:
            month = format_month
        ok &= (days >= self.low) & (days <= self.high)

        counts_text = col["request_count"]
        count_ok = pc.fill_null(pc.match_substring_regex(counts_text, r"^[0-9]{1,18}$"), False)
        ok &= count_ok.to_numpy(zero_copy_only=False)
        counts = pc.cast(pc.if_else(count_ok, counts_text, "0"), pa.int64())

        if "is_synthetic" in col:
            s_idx, s_vals = self._encode(col["is_synthetic"], self.synthetic)
            synthetic = np.array([bool(v) for v in s_vals], dtype=bool)[s_idx]
            ok &= np.array([v is not None for v in s_vals], dtype=bool)[s_idx]
        else:
            synthetic = np.full(n, self.default_synthetic)

        lines = np.arange(first_line, first_line + n, dtype=np.int64)
        clean = int(ok.sum())
        self.result.rows += n
        self.result.clean += clean
        if clean:
            self._dedup(ok, code_idx, code_vals, inst_idx, inst_vals, chan_of, month, days)
            if "service_name" in col:
                names = pc.utf8_trim(col["service_name"], " ")
                names = pc.if_else(pc.equal(names, ""), pa.scalar(None, pa.string()), names)
            else:
                names = pa.nulls(n, pa.string())
            mask = pa.array(ok)
            out = pa.table({
                "institution_code": pc.filter(col["institution_code"], mask),
                "portal_service_code": pc.filter(col["portal_service_code"], mask),
                "service_name": pc.filter(names, mask),
                "period_grain": pa.array(np.where(month[ok], "month", "day")),
                "period_start": pa.array(days[ok].astype(np.int32), pa.date32()),
                "channel": pa.array(np.array(self.channel_names, dtype=object)[chan_of[ok]]),
                "request_count": pc.filter(counts, mask),
                "source_line": pa.array(lines[ok]),
                "is_synthetic": pa.array(synthetic[ok]),
            })  # fmt: skip
            self.result.codes.update(code_vals[i] for i in np.unique(code_idx[ok]).tolist())
            self._copy_by_year(out, days[ok])
        if clean < n:
            self._stage_suspects(batch, index, lines, ~ok)

    def _dedup(self, ok, code_idx, code_vals, inst_idx, inst_vals, chan_of, month, days) -> None:
        """Mark keys seen before (this block or earlier ones) as duplicate candidates."""
        import numpy as np

        if self.result.dedup_in_sql:
            return
        code_gid = np.array([self._gid("c", v) if v else 0 for v in code_vals], np.int64)
        inst_gid = np.array([self._gid("i", v) if v else 0 for v in inst_vals], np.int64)
        combo = ((code_gid[code_idx] << 24 | inst_gid[inst_idx]) << 3 | chan_of << 1 | month)[ok]
        uniq, inverse = np.unique(combo, return_inverse=True)
        ids = np.array([self.series.setdefault(int(c), len(self.series)) for c in uniq], np.int64)
        if len(self.series) > MAX_SERIES_IN_BITSET or len(self.global_ids) >= 1 << 24:
            log.info("more than %d series: duplicates are checked in SQL", MAX_SERIES_IN_BITSET)
            self.result.dedup_in_sql, self.bits = True, None
            return
        offset = days[ok] - _EARLIEST_DAY
        keys = ids[inverse] << DAY_BITS | offset
        need = (len(self.series) << DAY_BITS) // 8 + 1
        if self.bits is None or len(self.bits) < need:
            grown = np.zeros(max(need, 2 * (0 if self.bits is None else len(self.bits))), np.uint8)
            if self.bits is not None:
                grown[: len(self.bits)] = self.bits
            self.bits = grown
        byte, bit = keys >> 3, (1 << (keys & 7)).astype(np.uint8)
        seen = (self.bits[byte] & bit) != 0
        order = np.argsort(keys, kind="stable")
        repeat = np.zeros(len(keys), dtype=bool)
        repeat[order[1:]] = keys[order[1:]] == keys[order[:-1]]
        np.bitwise_or.at(self.bits, byte, bit)
        dup = seen | repeat
        if dup.any():
            rows = np.flatnonzero(ok)[dup]
            for r in rows.tolist():
                self.result.duplicate_keys.add(
                    (inst_vals[inst_idx[r]], "month" if month[r] else "day",
                     date.fromordinal(EPOCH.toordinal() + int(days[r])),
                     code_vals[code_idx[r]], self.channel_names[chan_of[r]])
                )  # fmt: skip

    def _copy_by_year(self, out: pa.Table, days: np.ndarray) -> None:
        import numpy as np
        import pyarrow.csv as pacsv

        years = (days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)) + 1970
        for year in np.unique(years).tolist():
            part = out if len(out) == int((years == year).sum()) else out.filter(years == year)
            buffer = io.BytesIO()
            pacsv.write_csv(part, buffer, pacsv.WriteOptions(include_header=False))
            self._copy_into(int(year)).write(buffer.getvalue())

    def _copy_into(self, year: int) -> psycopg.Copy:
        """The open COPY into ``year``'s table: kept open across blocks so PostgreSQL ingests
        one block while Arrow parses the next (a queued writer sends from its own thread)."""
        if self._copy is not None and self._copy_year == year:
            return self._copy
        self.close_copy()
        table = self.year_table(year)  # may create it: no COPY is open now
        columns = sql.SQL(", ").join(map(sql.Identifier, COPY_COLUMNS))
        statement = sql.SQL("copy {} ({}) from stdin (format csv)").format(table, columns)
        cursor = self.conn.cursor()
        self._copy_cm = cursor.copy(statement, writer=QueuedLibpqWriter(cursor))
        self._copy = self._copy_cm.__enter__()
        self._copy_year = year
        return self._copy

    def close_copy(self) -> None:
        if self._copy_cm is not None:
            cm, self._copy_cm, self._copy, self._copy_year = self._copy_cm, None, None, None
            cm.__exit__(None, None, None)

    def _stage_suspects(
        self, batch: pa.RecordBatch, index: dict[str, int], lines: np.ndarray, mask: np.ndarray
    ) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        self.close_copy()  # one statement at a time on the connection
        rows = np.flatnonzero(mask)
        taken = pc.take(batch, pa.array(rows))
        columns = [
            taken.column(index[c]).to_pylist() if c in index else [None] * len(rows)
            for c in schema.CANONICAL
        ]
        self.result.suspects += len(rows)
        with self.conn.cursor() as cur, cur.copy(COPY_STAGE) as copy:
            for i, line in enumerate(lines[rows].tolist()):
                copy.write_row((line, *(values[i] for values in columns), None))


def _blocks(path: Path, fmt: FileFormat) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(len(fmt.header))]
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            column_names=names, skip_rows=1, block_size=BLOCK_BYTES, use_threads=True
        ),
        parse_options=pacsv.ParseOptions(delimiter=fmt.delimiter, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    try:
        yield from reader
    finally:
        reader.close()


def read(
    conn: psycopg.Connection,
    path: Path,
    fmt: FileFormat,
    scan: ByteScan,
    *,
    default_synthetic: bool,
    range_first: date | None,
    range_end: date | None,
    latest: date,
    year_table: Callable[[int], sql.Composable],
) -> FastRead:
    """Stream ``path`` into the year tables (clean rows) and ``tmp_portal_stage`` (suspects).

    Raises :class:`NotExact` when the records cannot be numbered by line; the caller rolls
    back to before the call and reads the file with the exact reader."""
    import pyarrow as pa

    reader = _Reader(
        conn, fmt, default_synthetic=default_synthetic, range_first=range_first,
        range_end=range_end, latest=latest, year_table=year_table,
    )  # fmt: skip
    line = 2  # line 1 is the header
    try:
        for batch in _blocks(path, fmt):
            reader.block(batch, line)
            line += batch.num_rows
        reader.close_copy()
    except pa.ArrowInvalid as exc:  # e.g. a record with the wrong number of fields
        raise NotExact(str(exc).splitlines()[0]) from exc
    if reader.result.rows != scan.lines - 1:
        raise NotExact(
            f"{reader.result.rows} records on {scan.lines - 1} lines after the header "
            "(a quoted line break or an empty line)"
        )
    return reader.result

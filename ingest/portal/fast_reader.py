"""The fast reader of portal exports: Arrow parses, Python judges distinct values, COPY writes.

Why: a national daily year is 2.19 M rows. Parsing them one by one in Python and validating
them in SQL after a staging copy cost 25× a raw ``COPY`` of the same file. Here the file is
parsed by Arrow in pieces of BLOCK_BYTES cut at line breaks (memory bounded by the piece, not
by the file), every value is looked up in a per-column set of the distinct values seen so
far, each judged once in Python, and the rows whose values are all plainly valid ("clean")
go, in PostgreSQL's binary COPY format (:mod:`ingest.portal.pg_binary`), straight into the
batch's table for their year (:mod:`ingest.portal.year_tables`), through one ``COPY`` per
year kept open across pieces.

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

import logging
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from ingest.portal import pg_binary, schema
from ingest.portal.columns import (
    EARLIEST_DAY,
    EPOCH,
    Judged,
    Judges,
    arrow_array,
    bool_array,
    int_view,
    null_string_array,
    numpy_bools,
    string_array,
)

if TYPE_CHECKING:  # pyarrow is imported when a file is read, not when the module is
    import numpy as np
    import pyarrow as pa

    from ingest.portal.csv_format import FileFormat
    from ingest.textfiles import ByteScan

log = logging.getLogger(__name__)

BLOCK_BYTES = 1 << 20  # the file is parsed this much at a time (memory is bounded by it)
DAY_BITS = 14  # days after EARLIEST_PERIOD in the dedup key: up to 2044
MAX_SERIES_IN_BITSET = 50_000  # 2 KB each: beyond that, duplicates are found in SQL
MAX_DUPLICATE_KEYS = 100_000  # more keys seen twice than this: duplicates are found in SQL
MAX_LINE_BYTES = 64 << 20  # a longer line is not a portal record: the exact path refuses it
# Columns of the year tables the fast reader writes (batch_id is the table's default).
COPY_COLUMNS = (
    "institution_code", "portal_service_code", "service_name", "period_grain", "period_start",
    "channel", "request_count", "source_line", "is_synthetic",
)  # fmt: skip
STAGE_COLUMNS = ["line_no", *schema.CANONICAL, "parse_error"]
GRAINS = ("day", "month")  # a row's grain by its month flag
COPY_STAGE = "copy tmp_portal_stage ({}) from stdin".format(", ".join(STAGE_COLUMNS))

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")


class NotExact(Exception):
    """The fast reader cannot number this file's records by line; use the exact reader."""


@dataclass(frozen=True)
class Partitions:
    """Totals per (institution, grain, period) as numpy arrays (a decade of national data is
    ~550 000 partitions: tuples only a chunk at a time)."""

    institutions: list[str]
    keys: np.ndarray  # institution id << 21 | month << 20 | days since EARLIEST_PERIOD
    rows: np.ndarray
    requests: np.ndarray
    synthetic: np.ndarray

    def copy_data(self) -> bytes:
        """The totals as binary COPY data for ``tmp_portal_incoming_parts`` (institution id,
        is month, period start, rows, requests, any synthetic): numpy packs them, no Python loop
        over a decade's ~550 000 partitions. Institution names go in a table of their own."""
        import numpy as np

        record = np.zeros(len(self.keys), dtype=[
            ("fields", ">i2"), ("n1", ">i4"), ("institution", ">i4"), ("n2", ">i4"),
            ("month", "u1"), ("n3", ">i4"), ("day", ">i4"), ("n4", ">i4"), ("rows", ">i8"),
            ("n5", ">i4"), ("requests", ">i8"), ("n6", ">i4"), ("synthetic", "u1"),
        ])  # fmt: skip
        record["fields"] = 6
        record["n1"], record["n2"], record["n3"] = 4, 1, 4
        record["n4"], record["n5"], record["n6"] = 8, 8, 1
        record["institution"] = self.keys >> 21
        record["month"] = (self.keys >> 20) & 1
        record["day"] = (self.keys & 0xFFFFF) + EARLIEST_DAY - pg_binary.PG_EPOCH_DAYS
        record["rows"], record["requests"] = self.rows, self.requests
        record["synthetic"] = self.synthetic
        return pg_binary.HEADER + record.tobytes() + pg_binary.TRAILER

    def institution_rows(self) -> Iterator[tuple[int, str]]:
        """(institution id, code) for the ids ``copy_data`` uses."""
        return iter(enumerate(self.institutions))


@dataclass
class FastRead:
    """What the fast reader did; the rows themselves are in the year tables and the stage."""

    rows: int = 0  # records read
    clean: int = 0  # written to the year tables
    suspects: int = 0  # handed to the exact validation (tmp_portal_stage)
    codes: set[str] = field(default_factory=set)  # portal codes of the clean rows
    duplicate_keys: set[tuple] = field(default_factory=set)  # keys seen more than once
    dedup_in_sql: bool = False  # too many series for the bitset: find duplicates in SQL
    # rows, requests and any synthetic per partition of the clean rows (None: sum in SQL)
    partitions: Partitions | None = None


def rows_copy_data(
    institutions: Judged,
    codes: Judged,
    channel_names: list[str],
    *,
    inst_id: np.ndarray,
    code_id: np.ndarray,
    names: pa.Array | None,
    month: np.ndarray,
    days: np.ndarray,
    chan: np.ndarray,
    counts: np.ndarray,
    lines: np.ndarray,
    synthetic: np.ndarray,
) -> memoryview:
    """Rows of a year table as binary COPY data, in COPY_COLUMNS order: the one builder of
    both readers (daily rows read, and daily rows counted from transactions). Per row: ids
    into ``institutions``, ``codes`` and ``channel_names``, the service name (``names`` None:
    NULL for all), ``month`` 1 for a month's row (0: a day's), days since 1970, the count, the
    source line, the synthetic flag."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def take(table: pa.Array, ids: np.ndarray) -> pa.Array:
        return pc.take(table, arrow_array(ids.astype(np.int64), pa.int64()))

    count = len(days)
    first = institutions.pieces(
        "first", lambda v: pg_binary.text_value(v, pg_binary.field_count(len(COPY_COLUMNS)))
    )
    if names is None:
        null = np.full(count, pg_binary.NULL_LENGTH, dtype=[("n", ">i4")])
        name_pieces = [pg_binary.fixed(null)]
    else:
        name_pieces = pg_binary.free_text(names)
    period = np.zeros(count, dtype=[("n", ">i4"), ("days", ">i4")])
    period["n"], period["days"] = 4, days - pg_binary.PG_EPOCH_DAYS
    tail = np.zeros(count, dtype=[
        ("n1", ">i4"), ("requests", ">i8"), ("n2", ">i4"), ("line", ">i8"),
        ("n3", ">i4"), ("synthetic", "u1"),
    ])  # fmt: skip
    tail["n1"], tail["n2"], tail["n3"] = 8, 8, 1
    tail["requests"], tail["line"], tail["synthetic"] = counts, lines, synthetic
    return pg_binary.join([
        take(first, inst_id),
        take(codes.pieces("text", pg_binary.text_value), code_id),
        *name_pieces,
        take(pg_binary.pieces([pg_binary.text_value(g) for g in GRAINS]), month),
        pg_binary.fixed(period),
        take(pg_binary.pieces([pg_binary.text_value(c) for c in channel_names]), chan),
        pg_binary.fixed(tail),
    ])  # fmt: skip


def usable(fmt: FileFormat) -> bool:
    """Whether the fast reader can read this file at all: UTF-8, every line ending in LF or
    CRLF (a bare CR ends a line for some readers and not others), pyarrow installed."""
    if fmt.encoding not in ("utf-8-sig", "utf-8") or fmt.scan is None or fmt.scan.bare_cr:
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is a pinned requirement
        return False
    return True


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


class _Sender:
    """One ``COPY … FROM STDIN`` fed from a thread through a queue of at most two blocks:
    memory stays bounded when PostgreSQL is slower than Arrow (psycopg's own queued writer
    holds up to 128 MB)."""

    def __init__(self, conn: psycopg.Connection, statement: sql.Composable, year: int) -> None:
        self.year = year
        self.queue: queue.Queue[bytes | memoryview | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(conn, statement), daemon=True)
        self.thread.start()

    def _run(self, conn: psycopg.Connection, statement: sql.Composable) -> None:
        ended = False
        try:
            with conn.cursor() as cur, cur.copy(statement) as copy:
                copy.write(pg_binary.HEADER)
                while (block := self.queue.get()) is not None:
                    copy.write(block)
                ended = True
                copy.write(pg_binary.TRAILER)
        except BaseException as exc:  # handed to the reading thread
            self.error = exc
            while not ended and self.queue.get() is not None:  # let send() return, then stop
                pass

    def send(self, block: bytes | memoryview) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(block)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


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
        judges = Judges.make(
            default_synthetic=default_synthetic, range_first=range_first, range_end=range_end,
            latest=latest,
        )  # fmt: skip
        self.low, self.high, self.channel_names = judges.low, judges.high, judges.channel_names
        self.codes, self.institutions = judges.codes, judges.institutions
        self.channels, self.synthetic = judges.channels, judges.synthetic
        self.periods = Judged(_judge_period)
        self.grains = Judged(lambda v: {"": "", "day": "day", "month": "month"}.get(v))
        self.result = FastRead()
        import numpy as np

        self.combos = np.zeros(0, dtype=np.int64)  # sorted series combinations …
        self.combo_ids = np.zeros(0, dtype=np.int64)  # … and their ids
        self.bits: np.ndarray | None = None
        self.partial_keys: list[np.ndarray] | None = []
        self.partial_rows: list[np.ndarray] = []
        self.partial_requests: list[np.ndarray] = []
        self.partial_synthetic: list[np.ndarray] = []
        self._sender: _Sender | None = None

    # -- a block ---------------------------------------------------------------------------
    def block(self, batch: pa.RecordBatch, first_line: int, quoted: bool = False) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        n = batch.num_rows
        fmt = self.fmt
        for column in batch.columns:
            longest = pc.max(pc.utf8_length(column)).as_py()
            if longest is not None and longest > fmt.max_cell_chars:
                raise NotExact(f"a value longer than {fmt.max_cell_chars} characters")
            # Only a quoted value can hold a line break: a quote never closed, or a quoted
            # line break cut between two pieces. The exact path numbers and judges those.
            if quoted and pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py():
                raise NotExact("a line break inside a quoted value")
        index = {c: i for i, c in enumerate(fmt.positions) if c is not None}
        col = {c: batch.column(i) for c, i in index.items()}
        ok = np.ones(n, dtype=bool)

        code_id = self.codes.ids(col["portal_service_code"])
        ok &= self.codes.valid()[code_id]
        inst_id = self.institutions.ids(col["institution_code"])
        ok &= self.institutions.valid()[inst_id]
        chan_id = self.channels.ids(col["channel"])
        chan_of = self.channels.derived("channel", lambda v: -1 if v is None else v, np.int64)
        chan_of = chan_of[chan_id]
        ok &= chan_of >= 0

        per_id = self.periods.ids(col["period"])
        periods = self.periods
        days = periods.derived("days", lambda v: v[0] if v else 0, np.int64)[per_id]
        format_month = periods.derived("month", lambda v: bool(v) and v[1] == "month", bool)
        format_month = format_month[per_id]
        ok &= periods.valid()[per_id]
        if "period_grain" in col:
            grains = self.grains
            g_id = grains.ids(col["period_grain"])
            given = grains.derived("given", lambda v: "x" if v is None else v, object)[g_id]
            ok &= given != "x"
            month = np.where(given == "", format_month, given == "month")
            # A month given for a day not the 1st, or a day given as YYYY-MM: exact reader.
            first_of_month = periods.derived(
                "first", lambda v: bool(v) and date.fromordinal(EPOCH.toordinal() + v[0]).day == 1,
                bool,
            )[per_id]  # fmt: skip
            ok &= ~((given == "month") & ~first_of_month)
            ok &= ~((given == "day") & format_month)
        else:
            month = format_month
        ok &= (days >= self.low) & (days <= self.high)

        counts_text = col["request_count"]
        count_ok = pc.match_substring_regex(counts_text, r"^[0-9]{1,18}$")
        ok &= numpy_bools(count_ok)
        counts = pc.cast(pc.if_else(count_ok, counts_text, string_array(["0"])[0]), pa.int64())

        if "is_synthetic" in col:
            s_id = self.synthetic.ids(col["is_synthetic"])
            synthetic = self.synthetic.derived("flag", bool, bool)[s_id]
            ok &= self.synthetic.valid()[s_id]
        else:
            synthetic = np.full(n, self.default_synthetic)

        lines = np.arange(first_line, first_line + n, dtype=np.int64)
        clean = int(ok.sum())
        self.result.rows += n
        self.result.clean += clean
        if clean:
            self._dedup(ok, code_id, inst_id, chan_of, month, days)
            if "service_name" in col:
                trimmed = pc.utf8_trim(col["service_name"], " ")
                # An empty name is NULL (as the exact path's nullif(btrim(...), '')).
                empty = pc.equal(trimmed, string_array([""])[0])
                names = pc.if_else(empty, null_string_array(1)[0], trimmed)
            else:
                names = null_string_array(n)
            self.result.codes.update(self.codes.values[i] for i in np.unique(code_id[ok]).tolist())
            self._sum_partitions(ok, inst_id, month, days, counts, synthetic)
            years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
            for year in np.unique(years[ok]).tolist():
                rows = ok & (years == year)
                self._copy_into(int(year)).send(
                    rows_copy_data(
                        self.institutions, self.codes, self.channel_names,
                        inst_id=inst_id[rows], code_id=code_id[rows],
                        names=pc.filter(names, bool_array(rows)), month=month[rows],
                        days=days[rows], chan=chan_of[rows], counts=int_view(counts)[rows],
                        lines=lines[rows], synthetic=synthetic[rows],
                    )
                )  # fmt: skip

        if clean < n:
            self._stage_suspects(batch, index, lines, ~ok)

    def _sum_partitions(self, ok, inst_id, month, days, counts, synthetic) -> None:
        """Rows, requests and any synthetic flag per (institution, grain, period) of the clean
        rows of a block: the loader needs them per partition and need not re-read the rows."""
        import numpy as np

        if self.partial_keys is None:
            return
        values = int_view(counts)[ok]
        if int(values.max()) > (1 << 62) // len(values):  # an int64 sum could overflow
            self.partial_keys = None  # the loader sums in SQL instead
            return
        key = ((inst_id << 1 | month) << 20 | (days - EARLIEST_DAY))[ok]
        uniq, inverse = np.unique(key, return_inverse=True)
        self.partial_keys.append(uniq)
        self.partial_rows.append(np.bincount(inverse))
        requests = np.zeros(len(uniq), dtype=np.int64)  # exact (bincount's weights are floats)
        np.add.at(requests, inverse, values)
        self.partial_requests.append(requests)
        self.partial_synthetic.append(np.bincount(inverse, weights=synthetic[ok]) > 0)
        self.partial_rows[-1] = self.partial_rows[-1].astype(np.int64)

    def partitions(self) -> Partitions | None:
        """The clean rows' totals per partition (None: they must be summed in SQL)."""
        import numpy as np

        if self.partial_keys is None:
            return None
        if not self.partial_keys:
            return Partitions([], *(np.zeros(0, dtype=np.int64) for _ in range(4)))
        keys = np.concatenate(self.partial_keys)
        uniq, inverse = np.unique(keys, return_inverse=True)
        rows = np.zeros(len(uniq), dtype=np.int64)
        np.add.at(rows, inverse, np.concatenate(self.partial_rows))
        partial_requests = np.concatenate(self.partial_requests)
        if len(partial_requests) and int(partial_requests.max()) > (1 << 62) // len(keys):
            return None  # an int64 sum could overflow: SQL sums in numeric
        requests = np.zeros(len(uniq), dtype=np.int64)
        np.add.at(requests, inverse, partial_requests)
        synthetic = np.zeros(len(uniq), dtype=np.int64)
        np.add.at(synthetic, inverse, np.concatenate(self.partial_synthetic).astype(np.int64))
        return Partitions(self.institutions.values, uniq, rows, requests, synthetic > 0)

    def _series(self, combo: np.ndarray) -> np.ndarray:
        """Stable series ids for (code, institution, channel, grain) combinations."""
        import numpy as np

        uniq, inverse = np.unique(combo, return_inverse=True)
        pos = np.searchsorted(self.combos, uniq)
        hit = pos < len(self.combos)
        hit[hit] = self.combos[pos[hit]] == uniq[hit]
        if not hit.all():
            new = uniq[~hit]
            merged = np.concatenate([self.combos, new])
            ids = np.concatenate([self.combo_ids, np.arange(len(self.combos), len(merged))])
            order = np.argsort(merged, kind="stable")
            self.combos, self.combo_ids = merged[order], ids[order]
            pos = np.searchsorted(self.combos, uniq)
        return self.combo_ids[pos][inverse]

    def _dedup(self, ok, code_id, inst_id, chan_of, month, days) -> None:
        """Mark keys seen before (this block or earlier ones) as duplicate candidates."""
        import numpy as np

        if self.result.dedup_in_sql:
            return
        if len(self.codes.values) >= 1 << 24 or len(self.institutions.values) >= 1 << 20:
            self.result.dedup_in_sql, self.bits = True, None
            return
        combo = ((code_id << 20 | inst_id) << 3 | chan_of << 1 | month)[ok]
        ids = self._series(combo)
        if len(self.combos) > MAX_SERIES_IN_BITSET:
            log.info("more than %d series: duplicates are checked in SQL", MAX_SERIES_IN_BITSET)
            self.result.dedup_in_sql, self.bits = True, None
            return
        offset = days[ok] - EARLIEST_DAY
        if len(offset) and int(offset.max()) >= 1 << DAY_BITS:  # after 2044-11
            self.result.dedup_in_sql, self.bits = True, None
            return
        keys = ids << DAY_BITS | offset
        need = (len(self.combos) << DAY_BITS) // 8 + 1
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
        if len(self.result.duplicate_keys) + int(dup.sum()) > MAX_DUPLICATE_KEYS:
            self.result.dedup_in_sql, self.bits = True, None
            self.result.duplicate_keys.clear()
            return
        if dup.any():
            for r in np.flatnonzero(ok)[dup].tolist():
                self.result.duplicate_keys.add(
                    (self.institutions.values[inst_id[r]], "month" if month[r] else "day",
                     date.fromordinal(EPOCH.toordinal() + int(days[r])),
                     self.codes.values[code_id[r]], self.channel_names[chan_of[r]])
                )  # fmt: skip

    def _copy_into(self, year: int) -> _Sender:
        """The open COPY into ``year``'s table, kept open across blocks: a thread of its own
        sends one block while Arrow parses the next, so PostgreSQL and Arrow work at once."""
        if self._sender is not None and self._sender.year == year:
            return self._sender
        self.close_copy()
        table = self.year_table(year)  # may create it: no COPY is open now
        columns = sql.SQL(", ").join(map(sql.Identifier, COPY_COLUMNS))
        statement = sql.SQL("copy {} ({}) from stdin (format binary)").format(table, columns)
        self._sender = _Sender(self.conn, statement, year)
        return self._sender

    def close_copy(self) -> None:
        if self._sender is not None:
            sender, self._sender = self._sender, None
            sender.close()

    def abandon_copy(self) -> None:
        """End an open COPY after a failure elsewhere (the caller rolls its rows back)."""
        try:
            self.close_copy()
        except Exception:
            log.debug("closing the COPY after a failure", exc_info=True)

    def _stage_suspects(
        self, batch: pa.RecordBatch, index: dict[str, int], lines: np.ndarray, mask: np.ndarray
    ) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        self.close_copy()  # one statement at a time on the connection
        rows = np.flatnonzero(mask)
        taken = pc.take(batch, arrow_array(rows.astype(np.int64), pa.int64()))
        columns = [
            taken.column(index[c]).to_pylist() if c in index else [None] * len(rows)
            for c in schema.CANONICAL
        ]
        self.result.suspects += len(rows)
        with self.conn.cursor() as cur, cur.copy(COPY_STAGE) as copy:
            for i, line in enumerate(lines[rows].tolist()):
                copy.write_row((line, *(values[i] for values in columns), None))


def chunks(path: Path) -> Iterator[bytes]:
    """The file in pieces of about BLOCK_BYTES that end at a line break. (The fast reader only
    trusts files whose records are one line each; a piece cut inside a quoted line break
    leaves a line break in a value, and the file goes to the exact reader.)"""
    with path.open("rb") as fh:
        carry = b""
        while chunk := fh.read(BLOCK_BYTES):
            chunk = carry + chunk
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                if len(chunk) > MAX_LINE_BYTES:
                    raise NotExact(f"a line longer than {MAX_LINE_BYTES} bytes")
                carry = chunk
                continue
            carry = chunk[cut:]
            yield chunk[:cut]
        if carry:
            yield carry


def _blocks(path: Path, fmt: FileFormat) -> Iterator[tuple[pa.RecordBatch, bool]]:
    """Record batches of all-text columns ``c0…cN``, one piece of the file at a time: memory
    is bounded by the piece (Arrow's own streaming reader reads far ahead), and each piece is
    still parsed on every core."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(len(fmt.header))]
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    parse = pacsv.ParseOptions(delimiter=fmt.delimiter, newlines_in_values=False)
    misplaced = _misplaced_quote(fmt.delimiter)
    for number, piece in enumerate(chunks(path)):
        quoted = b'"' in piece
        if quoted and misplaced.search(b"\n" + piece):
            raise NotExact("a quote Arrow and Python's csv module may read differently")
        read = pacsv.ReadOptions(
            column_names=names, skip_rows=1 if number == 0 else 0, use_threads=False
        )
        table = pacsv.read_csv(pa.py_buffer(piece), read, parse, convert)
        for batch in table.to_batches():
            yield batch, quoted


def _misplaced_quote(delimiter: str) -> re.Pattern[bytes]:
    """A quote that neither opens a field (after the delimiter or a line break) nor stands
    next to another quote, the delimiter or a line break: text after a closing quote, or a
    quote inside an unquoted value. Arrow reads those leniently where Python's csv module
    (strict) refuses or reads otherwise, so such a file takes the exact path. (An escaped
    quote followed by text, "a""b", is sent there too: rare, and the exact path is right.)"""
    d = re.escape(delimiter.encode())
    return re.compile(rb"(?<![" + d + rb'\n])"(?![' + d + rb'"\r\n])')


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
        for batch, quoted in _blocks(path, fmt):
            reader.block(batch, line, quoted)
            line += batch.num_rows
        reader.close_copy()
        reader.result.partitions = reader.partitions()
    except pa.ArrowInvalid as exc:  # e.g. a record with the wrong number of fields
        reader.abandon_copy()
        raise NotExact(str(exc).splitlines()[0]) from exc
    except BaseException:
        reader.abandon_copy()
        raise
    if reader.result.rows != scan.lines - 1:
        raise NotExact(
            f"{reader.result.rows} records on {scan.lines - 1} lines after the header "
            "(a quoted line break or an empty line)"
        )
    return reader.result

"""Transaction-level portal exports: one line per transaction, counted into daily rows as read.

The portal's "transaction counting" can come as one line per transaction (timestamp,
institution code, service code, sub-channel); a national year is 26.4 M lines. The loader
takes such a file like any export (same batch, shrink guard, year swap, quarantine and
lineage: :mod:`ingest.portal.load`); only reading differs:

* the file is parsed by Arrow a piece at a time (memory bounded by the piece); a piece Arrow
  cannot parse (a line with the wrong number of fields, an empty line, a stray quote) is read
  line by line with Python's csv module instead, so every bad line is quarantined on its own;
* each timestamp becomes its **Europe/Riga day** (:func:`riga_days`): a time with an offset
  (or ``Z``) is converted, one without is read as Riga's own wall-clock time;
* codes, institutions and channels are judged once per distinct value (as the fast reader
  does), and the clean lines are counted per (institution, service code, channel, day) in
  numpy; the count's ``source_line`` is the first of its lines;
* a line the reader is not sure of goes, with its line number and values, to the exact
  validation (``check_stage.sql``, the one source of every quarantine reason) as a
  one-request daily row; those it passes are added to the counts afterwards. So every line
  is counted once or quarantined once: ``lines = counted + quarantined + outside the range``.

Memory is bounded by the series and days counted, not by the lines: one dense matrix per year
(series × 366; a national year of ~12 000 series is ~40 MB). Past :data:`MAX_COUNT_BYTES`
(many years in one file, or so many series that a year does not fit) the counts go into a
temporary table instead, and PostgreSQL sums them at the end.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from ingest import sqlfiles
from ingest.portal import fast_reader, pg_binary
from ingest.portal.columns import (
    EARLIEST_DAY,
    EPOCH,
    Judges,
    arrow_array,
    numpy_bools,
    string_array,
)
from ingest.portal.fast_reader import COPY_COLUMNS, STAGE_COLUMNS, FastRead, Partitions

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from ingest.portal.csv_format import FileFormat

log = logging.getLogger(__name__)

RIGA = "Europe/Riga"
MAX_COUNT_BYTES = 96 << 20  # counts held in memory before PostgreSQL sums them instead
WRITE_ROWS = 50_000  # daily rows per binary COPY message
PROGRESS_SECONDS = 10.0
# Bits of a series (code id, institution id, channel) and of a day after EARLIEST_PERIOD.
DAY_BITS, CHANNEL_BITS, INSTITUTION_BITS, CODE_BITS = 15, 2, 20, 24
TIMESTAMP_PROBLEM = (
    "timestamp is not an ISO 8601 date and time (e.g. 2019-03-04T10:15:22+02:00, "
    "2019-03-04 08:15:22Z, or 2019-03-04 10:15:22 as Riga's own time)"
)
EMPTY_TIMESTAMP = "empty timestamp"
# The exact reader's stage columns (a transaction line has no service name), plus the two only
# a transaction line has.
STAGE = "copy tmp_portal_stage ({}) from stdin".format(
    ", ".join(
        [c for c in STAGE_COLUMNS if c != "service_name"]
        + ["parse_error_column", "transaction_time"]
    )
)


@dataclass
class TransactionRead(FastRead):
    """What the transaction reader did. ``rows`` counts the lines read; ``counted`` the lines
    in the daily counts (clean ones and those the exact validation passed)."""

    counted: int = 0
    daily_rows: int = 0
    spilled: bool = False


def riga_days(stamps: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970 of the Europe/Riga day, readable) per timestamp.

    The rule is Arrow's ISO 8601 parser: ``YYYY-MM-DD``, then optionally ``T`` or a space and
    a time (to nanoseconds), then optionally ``Z`` or an offset (``+02:00``, ``+0200``). With
    an offset or ``Z`` the moment is converted to Riga's clock (Arrow's tz database, daylight
    saving included); without one it is Riga's own clock. A value the parser refuses (30
    February, 25:00, ``04.03.2019``, a leading space) is not readable.

    A piece is parsed as a whole (fast). When that fails, its values with and without an
    offset are parsed apart, each halved until the values that fail are isolated: a bad line
    costs a few extra parses, not a parse per line."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    days = np.zeros(len(stamps), dtype=np.int64)
    readable = np.zeros(len(stamps), dtype=bool)
    everything = np.arange(len(stamps), dtype=np.int64)
    if _parse(stamps, everything, days, readable, zoned=True) or _parse(
        stamps, everything, days, readable, zoned=False
    ):
        return days, readable
    zoned = numpy_bools(pc.match_substring_regex(stamps, _ZONED))
    for kind in (True, False):
        where = np.flatnonzero(zoned == kind)
        if len(where):
            _halving(pc.take(stamps, arrow_array(where, pa.int64())), where, days, readable, kind)
    return days, readable


# A time with a zone after it (a bare date ends in "-DD", which is not an offset).
_ZONED = r"[T ]\d{2}(:?\d{2}(:?\d{2}([.,]\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)$"


def _parse(
    stamps: pa.Array, where: np.ndarray, days: np.ndarray, readable: np.ndarray, *, zoned: bool
) -> bool:
    """Parse every value of ``stamps`` (at positions ``where``) or none: False if any fails."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        if zoned:
            moments = pc.cast(stamps, pa.timestamp("ns", tz="UTC"))
            local = pc.local_timestamp(moments.cast(pa.timestamp("ns", tz=RIGA)))
        else:
            local = pc.cast(stamps, pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    day = pc.cast(local, pa.date32())
    days[where] = np.frombuffer(day.buffers()[1], dtype=np.int32)[
        day.offset : day.offset + len(day)
    ]
    readable[where] = True
    return True


def _halving(
    stamps: pa.Array, where: np.ndarray, days: np.ndarray, readable: np.ndarray, zoned: bool
) -> None:
    if _parse(stamps, where, days, readable, zoned=zoned) or len(stamps) == 1:
        return
    half = len(stamps) // 2
    _halving(stamps.slice(0, half), where[:half], days, readable, zoned)
    _halving(stamps.slice(half), where[half:], days, readable, zoned)


@dataclass
class _Piece:
    """Lines of the file as Arrow columns ``c0…cN`` with their line numbers, and the lines
    that could not be split into the header's fields (line, fields, problem)."""

    table: pa.Table | None
    lines: np.ndarray
    broken: list[tuple[int, list[str], str]]


def _pieces(path: Path, fmt: FileFormat) -> Iterator[tuple[_Piece, int]]:
    """The file's pieces (with their size in bytes), Arrow first, line by line when Arrow
    refuses a piece."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(len(fmt.header))]
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    parse = pacsv.ParseOptions(
        delimiter=fmt.delimiter, newlines_in_values=False, ignore_empty_lines=False
    )
    first_line = 1
    for number, piece in enumerate(fast_reader.chunks(path)):
        size = len(piece)
        if fmt.encoding == "cp1257":
            piece = piece.decode("cp1257").encode()
        physical = piece.count(b"\n") + (0 if piece.endswith(b"\n") else 1)
        skip = 1 if number == 0 else 0
        try:
            # One thread: a 1 MB piece is too small to share out (measured: faster, less memory).
            read = pacsv.ReadOptions(column_names=names, skip_rows=skip, use_threads=False)
            table = pacsv.read_csv(pa.py_buffer(piece), read, parse, convert)
            if table.num_rows == physical - skip:
                lines = np.arange(first_line + skip, first_line + physical, dtype=np.int64)
                yield _Piece(table, lines, []), size
                first_line += physical
                continue
        except pa.ArrowInvalid:
            pass
        yield _by_line(piece, first_line, skip, fmt, names), size
        first_line += physical


def _by_line(piece: bytes, first_line: int, skip: int, fmt: FileFormat, names: list[str]) -> _Piece:
    """A piece Arrow refused, line by line: blank lines skipped (nothing to load), a line that
    is not one record of the header's width kept aside with its problem."""
    import numpy as np
    import pyarrow as pa

    width = len(names)
    good: list[list[str]] = []
    good_lines: list[int] = []
    broken: list[tuple[int, list[str], str]] = []
    for i, raw in enumerate(piece.split(b"\n")):
        if i < skip:
            continue
        text = raw.rstrip(b"\r").decode("utf-8")
        if not text.strip():
            continue
        line = first_line + i
        try:
            fields = next(csv.reader([text], delimiter=fmt.delimiter, strict=True))
        except csv.Error as exc:
            broken.append((line, [], f"unreadable CSV record: {exc}"))
            continue
        if len(fields) != width:
            broken.append((line, fields, f"expected {width} fields, found {len(fields)}"))
            continue
        good.append(fields)
        good_lines.append(line)
    table = None
    if good:
        table = pa.table({name: string_array([f[i] for f in good]) for i, name in enumerate(names)})
    return _Piece(table, np.array(good_lines, dtype=np.int64), broken)


class _Series:
    """Stable ids for (code id, institution id, channel) combinations, in order of first sight."""

    def __init__(self) -> None:
        import numpy as np

        self.sorted = np.zeros(0, dtype=np.int64)  # combinations, sorted …
        self.sorted_ids = np.zeros(0, dtype=np.int64)  # … and their ids
        self.combos = np.zeros(0, dtype=np.int64)  # combination of each id
        self.by_slot = np.zeros(0, dtype=np.int64)  # (code, channel) -> id, of one institution
        self.inst_of_slot = np.zeros(0, dtype=np.int64)  # … that institution

    def __len__(self) -> int:
        return len(self.combos)

    def ids(self, code_id: np.ndarray, inst_id: np.ndarray, chan: np.ndarray) -> np.ndarray:
        """Series ids; a code nearly always comes with one institution, so the id is looked up
        by (code, channel) first and only the rest is sorted (a third of the reading's time
        before)."""
        import numpy as np

        slot = code_id << CHANNEL_BITS | chan
        if len(slot) and int(slot.max()) >= len(self.by_slot):
            grow = int(slot.max()) + 1 - len(self.by_slot) + 1024
            self.by_slot = np.concatenate([self.by_slot, np.full(grow, -1, dtype=np.int64)])
            self.inst_of_slot = np.concatenate(
                [self.inst_of_slot, np.full(grow, -1, dtype=np.int64)]
            )
        found = self.by_slot[slot]
        hit = self.inst_of_slot[slot] == inst_id
        if hit.all():
            return found
        missed = ~hit
        found[missed] = self._sorted_ids(code_id[missed], inst_id[missed], chan[missed])
        free = missed & (self.by_slot[slot] < 0)  # a slot's first institution takes it
        self.by_slot[slot[free]] = found[free]
        self.inst_of_slot[slot[free]] = inst_id[free]
        return found

    def _sorted_ids(self, code_id: np.ndarray, inst_id: np.ndarray, chan: np.ndarray) -> np.ndarray:
        import numpy as np

        combo = (code_id << (INSTITUTION_BITS + CHANNEL_BITS)) | (inst_id << CHANNEL_BITS) | chan
        uniq, inverse = np.unique(combo, return_inverse=True)
        pos = np.searchsorted(self.sorted, uniq)
        hit = pos < len(self.sorted)
        hit[hit] = self.sorted[pos[hit]] == uniq[hit]
        if not hit.all():
            new = uniq[~hit]
            self.combos = np.concatenate([self.combos, new])
            merged = np.concatenate([self.sorted, new])
            ids = np.concatenate([self.sorted_ids, np.arange(len(self.sorted), len(merged))])
            order = np.argsort(merged, kind="stable")
            self.sorted, self.sorted_ids = merged[order], ids[order]
            pos = np.searchsorted(self.sorted, uniq)
        return self.sorted_ids[pos][inverse]

    def parts(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(code ids, institution ids, channels) of series ids."""
        combo = self.combos[ids]
        return (
            combo >> (INSTITUTION_BITS + CHANNEL_BITS),
            (combo >> CHANNEL_BITS) & ((1 << INSTITUTION_BITS) - 1),
            combo & ((1 << CHANNEL_BITS) - 1),
        )


@dataclass
class _Year:
    """Requests, first line and any synthetic line per (series, day of the year)."""

    start: int  # days since 1970 of 1 January
    counts: np.ndarray  # int32 (series capacity, 366)
    first: np.ndarray  # int32 (a file's lines stay below 2**31: see add)
    synthetic: np.ndarray  # bool

    @property
    def nbytes(self) -> int:
        return self.counts.nbytes + self.first.nbytes + self.synthetic.nbytes


class _Counts:
    """The counts as one dense matrix per year, series by day: adding a piece is a few
    scatter-adds (no sorting), and the memory is series × 366 × 9 bytes per year, whatever
    the number of lines (a national year: ~12 000 series, 40 MB)."""

    def __init__(self) -> None:
        self.years: dict[int, _Year] = {}
        self.capacity = 1024  # series rows of every matrix

    @property
    def nbytes(self) -> int:
        return sum(y.nbytes for y in self.years.values())

    def year_bytes(self, series: int) -> int:
        return max(series, 1) * 366 * 9

    def _year(self, year: int) -> _Year:
        import numpy as np

        if year not in self.years:
            shape = (self.capacity, 366)
            self.years[year] = _Year(
                (date(year, 1, 1) - EPOCH).days,
                np.zeros(shape, dtype=np.int32),
                np.full(shape, np.iinfo(np.int32).max, dtype=np.int32),
                np.zeros(shape, dtype=bool),
            )
        return self.years[year]

    def _grow(self, series: int) -> None:
        import numpy as np

        if series <= self.capacity:
            return
        capacity = series + max(1024, series // 8)  # a little headroom: growing copies
        for y in self.years.values():
            extra = capacity - self.capacity
            y.counts = np.vstack([y.counts, np.zeros((extra, 366), dtype=np.int32)])
            y.first = np.vstack(
                [y.first, np.full((extra, 366), np.iinfo(np.int32).max, dtype=np.int32)]
            )
            y.synthetic = np.vstack([y.synthetic, np.zeros((extra, 366), dtype=bool)])
        self.capacity = capacity

    def add(
        self, series: np.ndarray, days: np.ndarray, lines: np.ndarray, synthetic: np.ndarray,
        known_series: int,
    ) -> None:  # fmt: skip
        import numpy as np

        if len(lines) and int(lines.max()) >= np.iinfo(np.int32).max:
            raise ValueError("more than 2**31 lines: split the file")
        self._grow(known_series)
        years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        low, high = int(years.min()), int(years.max())
        for year in range(low, high + 1):
            rows = slice(None) if low == high else years == year
            if low != high and not rows.any():
                continue
            y = self._year(year)
            flat = series[rows] * 366 + (days[rows] - y.start)
            # Same dtypes on both sides: numpy's fast path for ufunc.at (50× the mixed one).
            np.add.at(y.counts.reshape(-1), flat, np.ones(len(flat), dtype=np.int32))
            np.minimum.at(y.first.reshape(-1), flat, lines[rows].astype(np.int32))
            y.synthetic.reshape(-1)[flat[synthetic[rows]]] = True

    def cells(self, year: int, chunk: int) -> Iterator[tuple[np.ndarray, ...]]:
        """(series, days, counts, first lines, synthetic) of a year's non-zero cells, in
        chunks of at most ``chunk`` cells."""
        import numpy as np

        y = self.years[year]
        rows = max(1, chunk // 366)  # a band of series at a time: memory bounded by the chunk
        for band in range(0, self.capacity, rows):
            series, day = np.nonzero(y.counts[band : band + rows])
            if len(series):
                series += band
                yield (
                    series, day + y.start, y.counts[series, day].astype(np.int64),
                    y.first[series, day].astype(np.int64), y.synthetic[series, day],
                )  # fmt: skip

    def clear(self) -> None:
        self.years.clear()


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
    ) -> None:
        self.conn = conn
        self.fmt = fmt
        self.default_synthetic = default_synthetic
        judges = Judges.make(
            default_synthetic=default_synthetic, range_first=range_first, range_end=range_end,
            latest=latest,
        )  # fmt: skip
        self.low, self.high, self.channel_names = judges.low, judges.high, judges.channel_names
        self.codes, self.institutions = judges.codes, judges.institutions
        self.channels, self.synthetic = judges.channels, judges.synthetic
        self.index = {c: i for i, c in enumerate(fmt.positions) if c is not None}
        self.series = _Series()
        self.counts = _Counts()
        self.result = TransactionRead()
        self.spill_started = False
        self.sparse = False  # too many series for dense matrices: each piece goes to SQL

    # -- reading ----------------------------------------------------------------------------
    def piece(self, piece: _Piece) -> None:
        import numpy as np

        if piece.broken:
            self._stage_broken(piece.broken)
        if piece.table is None:
            return
        table, lines = piece.table, piece.lines
        n = table.num_rows
        col = {c: table.column(i).combine_chunks() for c, i in self.index.items()}
        days, readable = riga_days(col["timestamp"])
        ok = readable.copy()
        code_id = self.codes.ids(col["portal_service_code"])
        ok &= self.codes.valid()[code_id]
        inst_id = self.institutions.ids(col["institution_code"])
        ok &= self.institutions.valid()[inst_id]
        chan_id = self.channels.ids(col["channel"])
        chan = self.channels.derived("channel", lambda v: -1 if v is None else v, np.int64)[chan_id]
        ok &= chan >= 0
        ok &= (days >= self.low) & (days <= self.high)
        if "is_synthetic" in col:
            s_id = self.synthetic.ids(col["is_synthetic"])
            synthetic = self.synthetic.derived("flag", bool, bool)[s_id]
            ok &= self.synthetic.valid()[s_id]
        else:
            synthetic = np.full(n, self.default_synthetic)
        if len(self.codes.values) >= 1 << CODE_BITS:
            raise ValueError(f"more than {1 << CODE_BITS} distinct service codes in one file")
        if len(self.institutions.values) >= 1 << INSTITUTION_BITS:
            raise ValueError(f"more than {1 << INSTITUTION_BITS} distinct institutions")

        clean = int(ok.sum())
        self.result.rows += n
        self.result.clean += clean
        self.result.counted += clean
        if clean:
            self._count(code_id[ok], inst_id[ok], chan[ok], days[ok], lines[ok], synthetic[ok])
        if clean < n:
            self._stage_suspects(col, lines, ~ok, days, readable)

    def _stage_suspects(
        self, col: dict[str, pa.Array], lines: np.ndarray, mask: np.ndarray,
        days: np.ndarray, readable: np.ndarray,
    ) -> None:  # fmt: skip
        """Lines the reader is not sure of, as one-request daily rows for check_stage.sql."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        rows = np.flatnonzero(mask)
        take = arrow_array(rows.astype(np.int64), pa.int64())
        values = {c: pc.take(a, take).to_pylist() for c, a in col.items()}
        stamps = values["timestamp"]
        with self.conn.cursor() as cur, cur.copy(STAGE) as copy:
            for i, r in enumerate(rows.tolist()):
                stamp = stamps[i]
                if readable[r]:
                    period, problem = date.fromordinal(EPOCH.toordinal() + int(days[r])), None
                else:
                    period = stamp
                    problem = EMPTY_TIMESTAMP if not stamp.strip() else TIMESTAMP_PROBLEM
                copy.write_row((
                    int(lines[r]), values["portal_service_code"][i],
                    values["institution_code"][i], str(period), values["channel"][i], "1", "day",
                    values["is_synthetic"][i] if "is_synthetic" in values else None,
                    problem, "timestamp" if problem else None, stamp,
                ))  # fmt: skip
        self.result.suspects += len(rows)

    def _stage_broken(self, broken: list[tuple[int, list[str], str]]) -> None:
        """Lines that are not one record of the header's width: quarantined as they are."""

        def field(fields: list[str], name: str) -> str | None:
            i = self.index.get(name)
            return fields[i] if i is not None and i < len(fields) else None

        with self.conn.cursor() as cur, cur.copy(STAGE) as copy:
            for line, fields, problem in broken:
                copy.write_row((
                    line, field(fields, "portal_service_code"), field(fields, "institution_code"),
                    field(fields, "timestamp"), field(fields, "channel"), "1", "day",
                    field(fields, "is_synthetic"), problem, None,
                    field(fields, "timestamp") or "",
                ))  # fmt: skip
        self.result.rows += len(broken)
        self.result.suspects += len(broken)

    # -- the lines the exact validation passed -----------------------------------------------
    def add_checked(self) -> None:
        """Count the staged lines check_stage.sql found loadable (taken out of its loadable
        rows, so nothing else loads them)."""
        import numpy as np

        rows = self.conn.execute(sqlfiles.load("portal/transaction_lines_passed")).fetchall()
        if not rows:
            return
        inst, code, channel, period, synthetic, line = zip(*rows, strict=True)
        code_id = self.codes.ids(string_array(list(code)))
        inst_id = self.institutions.ids(string_array(list(inst)))
        chan = np.array([self.channel_names.index(c) for c in channel], dtype=np.int64)
        days = np.array([(p - EPOCH).days for p in period], dtype=np.int64)
        self._count(code_id, inst_id, chan, days, np.array(line, dtype=np.int64),
                    np.array(synthetic, dtype=bool))  # fmt: skip
        self.result.counted += len(rows)

    # -- counting and writing -----------------------------------------------------------------
    def _count(self, code_id, inst_id, chan, days, lines, synthetic) -> None:
        """Add clean lines to the counts; past MAX_COUNT_BYTES the counts go to SQL."""
        import numpy as np

        series = self.series.ids(code_id, inst_id, chan)
        if not self.sparse and self.counts.year_bytes(len(self.series)) > MAX_COUNT_BYTES:
            log.info(
                "%d series: too many to count in memory, summing in PostgreSQL", len(self.series)
            )
            self._spill()
            self.sparse = True
        if self.sparse:  # each piece summed on its own, then written out
            key = series << DAY_BITS | (days - EARLIEST_DAY)
            uniq, inverse = np.unique(key, return_inverse=True)
            first = np.full(len(uniq), np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(first, inverse, lines)
            cells = (
                uniq >> DAY_BITS, (uniq & ((1 << DAY_BITS) - 1)) + EARLIEST_DAY,
                np.bincount(inverse).astype(np.int64), first,
                np.bincount(inverse, weights=synthetic) > 0,
            )  # fmt: skip
            self._copy(self._spill_table(), iter([cells]))
            return
        self.counts.add(series, days, lines, synthetic, len(self.series))
        if self.counts.nbytes > MAX_COUNT_BYTES:
            log.info("counts of %d years exceed %d MB: summing in PostgreSQL",
                     len(self.counts.years), MAX_COUNT_BYTES >> 20)  # fmt: skip
            self._spill()

    def _binary(self, series, days, counts, first, synthetic) -> memoryview:
        """Daily rows as binary COPY data (service_name NULL: a transaction has none)."""
        import numpy as np

        code_id, inst_id, chan = self.series.parts(series)
        return fast_reader.rows_copy_data(
            self.institutions, self.codes, self.channel_names,
            inst_id=inst_id, code_id=code_id, names=None, month=np.zeros(len(days), np.int64),
            days=days, chan=chan, counts=counts, lines=first, synthetic=synthetic,
        )  # fmt: skip

    def _copy(self, table: sql.Composable, cells: Iterator[tuple[np.ndarray, ...]]) -> None:
        columns = sql.SQL(", ").join(map(sql.Identifier, COPY_COLUMNS))
        statement = sql.SQL("copy {} ({}) from stdin (format binary)").format(table, columns)
        with self.conn.cursor() as cur, cur.copy(statement) as copy:
            copy.write(pg_binary.HEADER)
            for part in cells:
                copy.write(self._binary(*part))
            copy.write(pg_binary.TRAILER)

    def _spill_table(self) -> sql.Composable:
        if not self.spill_started:
            self.conn.execute(sqlfiles.load("portal/transaction_counts_create"))
            self.spill_started = True
            self.result.spilled = True
        return sql.Identifier("tmp_portal_transaction_counts")

    def _spill(self) -> None:
        """Move the counts so far into tmp_portal_transaction_counts (summed in SQL at the end)."""
        if self.counts.years:
            for year in sorted(self.counts.years):
                self._copy(self._spill_table(), self.counts.cells(year, WRITE_ROWS))
            self.counts.clear()

    def write(self, year_table: Callable[[int], sql.Composable]) -> None:
        """The counts into the batch's year tables, and their totals per partition."""
        import numpy as np

        code_ids, _, _ = self.series.parts(np.arange(len(self.series)))
        self.result.codes = {self.codes.values[i] for i in np.unique(code_ids).tolist()}

        if self.spill_started:
            self._spill()
            years = [
                r[0] for r in self.conn.execute(sqlfiles.load("portal/transaction_counts_years"))
            ]
            for year in years:
                cursor = self.conn.execute(
                    sql.SQL(sqlfiles.load("portal/transaction_counts_into_year")).format(
                        table=year_table(year)
                    ),
                    {"first": date(year, 1, 1), "next": date(year + 1, 1, 1)},
                )
                self.result.daily_rows += cursor.rowcount
            self.result.partitions = None  # the loader sums the year tables in SQL
            return
        totals: dict[int, np.ndarray] = {}  # year: rows, requests, synthetic per (inst, day)

        def chunks(year: int) -> Iterator[tuple[np.ndarray, ...]]:
            sums = totals.setdefault(
                year, np.zeros((3, len(self.institutions.values), 366), dtype=np.int64)
            )
            start = (date(year, 1, 1) - EPOCH).days
            for cells in self.counts.cells(year, WRITE_ROWS):
                series, days, counts, _, synthetic = cells
                self.result.daily_rows += len(series)
                _, inst_id, _ = self.series.parts(series)
                flat = inst_id * 366 + (days - start)
                for i, values in enumerate((np.ones_like(counts), counts, synthetic)):
                    np.add.at(sums[i].reshape(-1), flat, values.astype(np.int64))
                yield cells

        for year in sorted(self.counts.years):
            self._copy(year_table(year), chunks(year))
        self.result.partitions = self._partitions(totals)

    def _partitions(self, totals: dict[int, np.ndarray]) -> Partitions:
        """Rows, requests and any synthetic per (institution, day): the loader's totals."""
        import numpy as np

        keys, rows, requests, synthetic = [], [], [], []
        for year, sums in sorted(totals.items()):
            inst_id, day = np.nonzero(sums[0])
            start = (date(year, 1, 1) - EPOCH).days
            keys.append(inst_id.astype(np.int64) << 21 | (day + start - EARLIEST_DAY))
            rows.append(sums[0][inst_id, day])
            requests.append(sums[1][inst_id, day])
            synthetic.append(sums[2][inst_id, day] > 0)
        if not keys:
            return Partitions([], *(np.zeros(0, dtype=np.int64) for _ in range(4)))
        return Partitions(
            self.institutions.values, np.concatenate(keys), np.concatenate(rows),
            np.concatenate(requests), np.concatenate(synthetic),
        )  # fmt: skip


def read(
    conn: psycopg.Connection,
    path: Path,
    fmt: FileFormat,
    *,
    default_synthetic: bool,
    range_first: date | None,
    range_end: date | None,
    latest: date,
    year_table: Callable[[int], sql.Composable],
    validate: Callable[[], None],
) -> TransactionRead:
    """Count ``path``'s transactions into the batch's year tables (``tmp_portal_stage`` must
    exist). ``validate`` runs check_stage.sql over the staged lines before the counts are
    written, so the lines it passes are counted too."""
    reader = _Reader(
        conn, fmt, default_synthetic=default_synthetic, range_first=range_first,
        range_end=range_end, latest=latest,
    )  # fmt: skip
    done_bytes, last_report = 0, time.monotonic()
    for piece, size in _pieces(path, fmt):
        reader.piece(piece)
        done_bytes += size
        if time.monotonic() - last_report > PROGRESS_SECONDS:
            last_report = time.monotonic()
            log.info(
                "%s: %d lines read (%.0f %%), %d counted",
                path.name, reader.result.rows, 100 * done_bytes / max(fmt.size, 1),
                reader.result.counted,
            )  # fmt: skip
    validate()
    reader.add_checked()
    reader.write(year_table)
    return reader.result

"""Daily SYNTHETIC portal statistics of a :class:`~ingest.national.country.Country`.

Each month is drawn from its own seeded generator (seed, year, month), so a year's file and a
single day's file agree on that day's counts, and regenerating any file gives the same bytes.
Days on which a service had no requests on a sub-channel have no row, as in the portal's
exports. Counts are vectorised with numpy and written with Arrow's CSV writer: a national
year (~3 M rows) takes a few seconds.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from ingest.national.country import Country
from ingest.portal.schema import CHANNELS

HEADER = ("service_code", "institution_code", "period", "channel", "requests", "is_synthetic")


def month_counts(country: Country, year: int, month: int, scale: float = 1.0) -> np.ndarray:
    """Requests per (service, day of month, sub-channel) as int64 (see ``country``'s formula);
    ``scale`` multiplies every expected count (a transaction-level year of a stated size)."""
    days = calendar.monthrange(year, month)[1]
    rng = np.random.default_rng([country.seed, year, month])
    services = country.services
    level = np.array([s.level for s in services])
    growth = np.array([s.growth for s in services])
    amplitude = np.array([s.amplitude for s in services])
    peak = np.array([s.peak_month for s in services])
    week = np.array([s.weekday_factors for s in services])  # (services, 7)
    shares = np.array([s.channel_shares for s in services])  # (services, channels)

    first = date(country.scale.first_year, 1, 1)
    day_dates = [date(year, month, d) for d in range(1, days + 1)]
    years_since = np.array([(d - first).days / 365.25 for d in day_dates])  # (days,)
    weekdays = np.array([d.weekday() for d in day_dates])
    season = 1 + amplitude * np.cos(2 * np.pi * (month - peak) / 12)  # (services,)
    trend = (1 + growth)[:, None] ** years_since[None, :]  # (services, days)
    expected = scale * level[:, None] * trend * week[:, weekdays] * season[:, None]
    return rng.poisson(expected[:, :, None] * shares[:, None, :])


def months(year: int) -> Iterator[int]:
    yield from range(1, 13)


def _table(country: Country, counts: np.ndarray, first_day: date):
    """Arrow table of the non-zero cells of ``counts`` (service, day, channel)."""
    import pyarrow as pa

    service_i, day_i, channel_i = np.nonzero(counts)
    codes = pa.array([s.code for s in country.services])
    institutions = pa.array([s.institution for s in country.services])
    channels = pa.array(list(CHANNELS))
    take = pa.array(service_i.astype(np.int64))
    epoch = (first_day - date(1970, 1, 1)).days
    periods = pa.array((day_i + epoch).astype(np.int32), type=pa.date32())
    return pa.table(
        {
            "service_code": codes.take(take),
            "institution_code": institutions.take(take),
            "period": periods,
            "channel": channels.take(pa.array(channel_i.astype(np.int64))),
            "requests": pa.array(counts[service_i, day_i, channel_i]),
            "is_synthetic": pa.array(np.ones(len(service_i), dtype=bool)),
        }
    )


def _write(tables: Iterator, path: Path) -> int:
    """Stream ``tables`` into ``path`` (via a temporary name, so a reader never sees half)."""
    import pyarrow.csv as pacsv

    tmp = path.with_name(path.name + ".tmp")
    rows = 0
    writer = None
    try:
        for table in tables:
            if writer is None:
                options = pacsv.WriteOptions(quoting_style="none", quoting_header="none")
                writer = pacsv.CSVWriter(str(tmp), table.schema, write_options=options)
            writer.write_table(table)
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise ValueError(f"nothing to write to {path}")
    tmp.replace(path)
    return rows


def write_year(country: Country, year: int, path: Path) -> tuple[int, np.ndarray]:
    """One year of daily statistics in one file; returns its data rows and the year's
    requests per service over all sub-channels (what a submission taken from the portal
    reports), summed while writing so the year is drawn once."""
    totals = np.zeros(len(country.services), dtype=np.int64)

    def tables():
        nonlocal totals
        for month in months(year):
            counts = month_counts(country, year, month)
            totals += counts.sum(axis=(1, 2))
            yield _table(country, counts, date(year, month, 1))

    return _write(tables(), path), totals


def write_day(country: Country, day: date, path: Path) -> int:
    """One day's statistics (what a nightly drop brings); the same counts as the year's file."""
    counts = month_counts(country, day.year, day.month)[:, day.day - 1 : day.day, :]
    return _write(iter([_table(country, counts, day)]), path)


TRANSACTION_HEADER = ("timestamp", "institution_code", "service_code", "channel", "is_synthetic")


def _riga_to_utc(local: np.ndarray, year: int) -> np.ndarray:
    """Riga wall-clock seconds of ``year`` to UTC seconds: UTC+3 from the last Sunday of March
    to the last Sunday of October (01:00 UTC both), else UTC+2; a time the spring change skips
    moves an hour on, an hour the autumn change repeats is its first pass. (Arrow's own
    conversion takes seconds per million values.)"""
    riga = ZoneInfo("Europe/Riga")
    changes = [
        t for t in range(int(datetime(year, 1, 1, tzinfo=UTC).timestamp()),
                         int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()), 3600)
        if datetime.fromtimestamp(t, riga).utcoffset()
        != datetime.fromtimestamp(t - 3600, riga).utcoffset()
    ]  # fmt: skip
    summer_from, summer_to = changes if len(changes) == 2 else (0, 0)
    as_summer = local - 3 * 3600
    summer = (as_summer >= summer_from) & (as_summer < summer_to)
    return np.where(summer, as_summer, local - 2 * 3600)


def _utc_text(seconds: np.ndarray):
    """``YYYY-MM-DD HH:MM:SSZ`` per UTC second, built as bytes by numpy (Arrow's timestamp to
    string cast takes seconds per million values)."""
    import pyarrow as pa

    day = (seconds // 86_400).astype("datetime64[D]")
    month_start = day.astype("datetime64[M]")
    fields = [
        day.astype("datetime64[Y]").astype(np.int64) + 1970,
        month_start.astype(np.int64) % 12 + 1,
        (day - month_start.astype("datetime64[D]")).astype(np.int64) + 1,
        seconds % 86_400 // 3600, seconds % 3600 // 60, seconds % 60,
    ]  # fmt: skip
    text = np.zeros((len(seconds), 20), dtype=np.uint8)
    text[:, [4, 7]], text[:, 10], text[:, [13, 16]], text[:, 19] = 45, 32, 58, 90  # - space : Z
    for value, (at, width) in zip(fields, [(0, 4), (5, 2), (8, 2), (11, 2), (14, 2), (17, 2)],
                                  strict=True):  # fmt: skip
        for digit in range(width):
            text[:, at + width - 1 - digit] = 48 + value // 10**digit % 10
    offsets = np.arange(0, 20 * (len(seconds) + 1), 20, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), len(seconds), [None, pa.py_buffer(offsets), pa.py_buffer(text.tobytes())]
    )


def _transaction_table(country: Country, counts: np.ndarray, first_day: date, seed: list[int]):
    """One line per request of ``counts``: a time drawn uniformly over its Riga day, written
    in UTC (so a line after Riga's midnight carries the previous UTC date), in time order."""
    import pyarrow as pa

    service_i, day_i, channel_i = np.nonzero(counts)
    repeat = counts[service_i, day_i, channel_i]
    rng = np.random.default_rng(seed)
    epoch = (first_day - date(1970, 1, 1)).days
    local = (np.repeat(day_i, repeat) + epoch) * 86_400 + rng.integers(0, 86_400, repeat.sum())
    order = np.argsort(local, kind="stable")
    which = np.repeat(np.arange(len(service_i)), repeat)[order]
    take = pa.array(service_i[which].astype(np.int64))
    return pa.table({
        "timestamp": _utc_text(_riga_to_utc(local[order], first_day.year)),
        "institution_code": pa.array([s.institution for s in country.services]).take(take),
        "service_code": pa.array([s.code for s in country.services]).take(take),
        "channel": pa.array(list(CHANNELS)).take(pa.array(channel_i[which].astype(np.int64))),
        "is_synthetic": pa.array(np.ones(len(which), dtype=bool)),
    })  # fmt: skip


def write_transactions(
    country: Country, year: int, path: Path, lines: int | None = None
) -> tuple[int, np.ndarray]:
    """One year at transaction level (one line per request); returns the lines written and
    the year's counts per (service, day of year, sub-channel). Without ``lines`` the counts are
    those of :func:`write_year`'s file; with it, every expected count is scaled so the year has
    about that many lines (a national year: 26.4 M)."""
    scale = 1.0
    if lines is not None:
        drawn = sum(int(month_counts(country, year, m).sum()) for m in months(year))
        scale = lines / drawn
    per_month = []

    def tables():
        for month in months(year):
            counts = month_counts(country, year, month, scale)
            per_month.append(counts)
            yield _transaction_table(
                country, counts, date(year, month, 1), [country.seed, year, month, 1]
            )

    written = _write(tables(), path)
    return written, np.concatenate(per_month, axis=1)


def transaction_file_name(year: int) -> str:
    return f"portal_transactions_{year}.csv"


def year_file_name(year: int) -> str:
    return f"portal_requests_daily_{year}.csv"


def day_file_name(day: date) -> str:
    return f"portal_requests_daily_{day:%Y-%m-%d}.csv"


def next_day(country: Country) -> date:
    """The first day after the history: the nightly run's new file."""
    return date(country.scale.last_year, 12, 31) + timedelta(days=1)

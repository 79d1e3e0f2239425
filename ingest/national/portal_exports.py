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
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from ingest.national.country import Country
from ingest.portal.schema import CHANNELS

HEADER = ("service_code", "institution_code", "period", "channel", "requests", "is_synthetic")


def month_counts(country: Country, year: int, month: int) -> np.ndarray:
    """Requests per (service, day of month, sub-channel) as int64 (see ``country``'s formula)."""
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
    expected = level[:, None] * trend * week[:, weekdays] * season[:, None]
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


def year_file_name(year: int) -> str:
    return f"portal_requests_daily_{year}.csv"


def day_file_name(day: date) -> str:
    return f"portal_requests_daily_{day:%Y-%m-%d}.csv"


def next_day(country: Country) -> date:
    """The first day after the history: the nightly run's new file."""
    return date(country.scale.last_year, 12, 31) + timedelta(days=1)

"""Transaction-level portal exports: counted into daily rows on load, every line accounted for."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pyarrow as pa
import pytest

from ingest.portal import transactions
from ingest.portal.load import load_file
from ingest.portal.periods import PeriodRange

RIGA = ZoneInfo("Europe/Riga")
TODAY = date(2026, 11, 30)


def _day(text: str) -> date | None:
    days, readable = transactions.riga_days(pa.array([text]))
    return date(1970, 1, 1) + timedelta(days=int(days[0])) if readable[0] else None


def _riga_date(text: str) -> date:
    """The test's own oracle: Python's parser and zoneinfo."""
    moment = datetime.fromisoformat(text)
    return (moment.astimezone(RIGA) if moment.tzinfo else moment).date()


@pytest.mark.parametrize(
    ("stamp", "day"),
    [
        ("2019-03-04T10:15:22+02:00", date(2019, 3, 4)),
        ("2019-03-04T23:30:00Z", date(2019, 3, 5)),  # winter: Riga is UTC+2
        ("2019-07-04T21:30:00Z", date(2019, 7, 5)),  # summer: UTC+3
        ("2019-07-04T20:59:59Z", date(2019, 7, 4)),
        ("2019-03-30T22:30:00Z", date(2019, 3, 31)),  # the night clocks go forward
        ("2019-10-26T21:30:00+00:00", date(2019, 10, 27)),  # … and back
        ("2019-12-31T23:00:00+01:00", date(2020, 1, 1)),  # Berlin's 23:00 is Riga's midnight
        ("2019-12-31 23:00:00+0100", date(2020, 1, 1)),
        ("2019-03-04 10:15:22", date(2019, 3, 4)),  # no offset: Riga's own clock
        ("2019-03-04T23:59:59.123456789", date(2019, 3, 4)),
        ("2019-03-04", date(2019, 3, 4)),  # a bare date: that day
        ("2019-02-30T10:00:00Z", None),  # impossible date
        ("2019-03-04T25:00:00Z", None),
        ("04.03.2019 10:15", None),
        (" 2019-03-04 08:15:22Z", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_a_transaction_belongs_to_its_riga_day(stamp: str, day: date | None) -> None:
    assert _day(stamp) == day


def test_vectorised_days_agree_with_python_and_zoneinfo() -> None:
    """Each line gets the day Python's parser and zoneinfo give, around every daylight-saving
    change of ten years, with and without offsets, also when a piece mixes them with bad
    values (the piece is then parsed in parts)."""
    rng = random.Random(7)
    stamps = []
    for year in range(2015, 2025):
        for month, day in ((3, 25), (3, 31), (10, 25), (10, 31), (12, 31), (6, 30)):
            for _ in range(40):
                moment = datetime(year, month, day, tzinfo=UTC)
                moment += timedelta(seconds=rng.randrange(-86_400 * 7, 86_400))
                style = rng.randrange(4)
                if style == 0:
                    stamps.append(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
                elif style == 1:
                    stamps.append(moment.astimezone(RIGA).isoformat())
                elif style == 2:
                    stamps.append(moment.astimezone(RIGA).strftime("%Y-%m-%d %H:%M:%S"))
                else:
                    stamps.append(moment.strftime("%Y-%m-%d %H:%M:%S.%f+00:00"))
    want = [(_riga_date(s) - date(1970, 1, 1)).days for s in stamps]
    days, ok = transactions.riga_days(pa.array(stamps))
    assert ok.all()
    assert days.tolist() == want
    bad = ["2019-02-30T10:00:00Z", "2019-13-01 10:00:00", "x"]
    mixed = stamps[:100] + bad + stamps[100:200]
    days, ok = transactions.riga_days(pa.array(mixed))
    assert ok.tolist() == [True] * 100 + [False] * 3 + [True] * 100
    assert days[ok].tolist() == want[:200]


HEADER = "timestamp,institution_code,service_code,channel\n"


def _transactions(seed: int, lines: int) -> tuple[list[str], Counter]:
    """Random clean transaction lines and the daily counts they must give (key: institution,
    code, Riga day, channel)."""
    rng = random.Random(seed)
    codes = [("VDI", "EP72"), ("VDI", "EP88"), ("SYNI001", "SYN-EP0001")]
    channels = ["portal", "institution_website", "api_e_address"]
    out, expected = [], Counter()
    start = datetime(2016, 1, 1, tzinfo=UTC)
    for _ in range(lines):
        inst, code = rng.choice(codes)
        channel = rng.choice(channels)
        moment = start + timedelta(seconds=rng.randrange(0, 86_400 * 730))
        stamp = (moment.strftime("%Y-%m-%dT%H:%M:%SZ") if rng.random() < 0.5
                 else moment.astimezone(RIGA).isoformat())  # fmt: skip
        out.append(f"{stamp},{inst},{code},{channel}")
        expected[(inst, code, moment.astimezone(RIGA).date(), channel)] += 1
    return out, expected


def _loaded(url: str) -> Counter:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select institution_code, portal_service_code, period_start, channel, request_count"
            " from raw.portal_requests"
        ).fetchall()
        grains = {
            r[0] for r in conn.execute("select distinct period_grain from raw.portal_requests")
        }
    assert grains <= {"day"}
    return Counter({(i, c, p, ch): n for i, c, p, ch, n in rows})


def _first_lines(lines: list[str]) -> dict[tuple, int]:
    """The first line (numbered as in the file, after the header) of each daily key."""
    firsts: dict[tuple, int] = {}
    for number, line in enumerate(lines, start=2):
        stamp, inst, code, channel = line.split(",")
        firsts.setdefault((inst, code, _riga_date(stamp), channel), number)
    return firsts


def _source_lines(url: str) -> dict[tuple, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select institution_code, portal_service_code, period_start, channel, source_line"
            " from raw.portal_requests"
        ).fetchall()
    return {r[:4]: r[4] for r in rows}


def test_transactions_are_counted_into_daily_rows(db_url: str, tmp_path: Path) -> None:
    lines, expected = _transactions(1, 5_000)
    path = tmp_path / "transactions_2016.csv"
    path.write_text(HEADER + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    result = load_file(db_url, path, today=TODAY)
    assert result.status == "loaded" and result.reader == "transactions"
    assert (result.rows_read, result.transactions_counted, result.rows_quarantined) == (
        5_000,
        5_000,
        0,
    )
    assert result.rows_loaded == len(expected)
    assert _loaded(db_url) == expected
    with psycopg.connect(db_url) as conn:
        batch = conn.execute(
            "select rows_read, rows_loaded, transactions_counted, message from audit.load_batches"
            " where status = 'succeeded'"
        ).fetchone()
    assert batch[:3] == (5_000, len(expected), 5_000)
    assert "5000 of 5000 lines counted" in batch[3]
    assert _source_lines(db_url) == _first_lines(lines)
    # the same file again changes nothing
    assert load_file(db_url, path, today=TODAY).status == "unchanged"


BAD_LINES = [
    ("2016-03-04T10:15:22+02:00,VDI,EP72,portal", None),
    ("2016-03-04T10:15:23+02:00,VDI,EP72, Latvija.lv ", None),  # unusual spelling: passes
    ("2016-02-30T10:00:00Z,VDI,EP72,portal", ("timestamp", transactions.TIMESTAMP_PROBLEM)),
    ("yesterday,VDI,EP72,portal", ("timestamp", transactions.TIMESTAMP_PROBLEM)),
    (",VDI,EP72,portal", ("timestamp", transactions.EMPTY_TIMESTAMP)),
    ("2016-03-04T10:15:22Z,VDI,EP 72!,portal", ("portal_service_code", None)),
    ("2016-03-04T10:15:22Z,,EP72,portal", ("institution_code", "empty institution code")),
    ("2016-03-04T10:15:22Z,VDI,EP72,fax", ("channel", "unknown channel")),
    ("2027-01-01T10:00:00Z,VDI,EP72,portal", ("period", None)),  # after today
    ("2016-03-04T10:15:22Z,VDI,EP72", (None, "expected 4 fields, found 3")),
    ("", "blank"),  # a blank line: nothing to count, nothing lost
    ('2016-03-04T10:15:22Z,VDI,"EP72,portal', (None, None)),  # a quote never closed
    ("2016-03-04T12:00:00+02:00,VDI,EP72,portal", None),
]


def test_bad_transaction_lines_are_quarantined_one_by_one(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "transactions_bad.csv"
    path.write_text(HEADER + "\n".join(line for line, _ in BAD_LINES) + "\n", encoding="utf-8")
    result = load_file(db_url, path, today=TODAY)
    bad = {n: want for n, (_, want) in enumerate(BAD_LINES, start=2) if want not in (None, "blank")}
    assert result.rows_read == len(BAD_LINES) - 1  # the blank line is not a record
    assert result.transactions_counted == 3
    assert result.rows_quarantined == len(bad)
    assert result.rows_read == result.transactions_counted + result.rows_quarantined
    assert _loaded(db_url) == Counter({("VDI", "EP72", date(2016, 3, 4), "portal"): 3})
    with psycopg.connect(db_url) as conn:
        quarantined = conn.execute(
            "select source_line, column_name, reason, raw_record"
            " from raw.portal_requests_quarantine"
        ).fetchall()
    assert {q[0] for q in quarantined} == set(bad)
    for line, column, reason, raw in quarantined:
        want_column, want_reason = bad[line]
        assert column == want_column, (line, column, reason)
        if want_reason:
            assert reason == want_reason, (line, reason)
        assert reason
        if line == 3:  # the raw record keeps the timestamp as received
            assert raw["timestamp"] == "2016-02-30T10:00:00Z" and "period" not in raw


def test_a_period_range_counts_only_its_days(db_url: str, tmp_path: Path) -> None:
    lines, expected = _transactions(2, 3_000)
    path = tmp_path / "transactions_range.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    result = load_file(db_url, path, period_range=PeriodRange.parse("2016-06", "2016-08"),
                       today=TODAY)  # fmt: skip
    inside = Counter(
        {k: n for k, n in expected.items() if date(2016, 6, 1) <= k[2] <= date(2016, 8, 31)}
    )
    assert _loaded(db_url) == inside
    assert result.transactions_counted == sum(inside.values())
    assert result.rows_outside_range == 3_000 - sum(inside.values())
    assert result.rows_quarantined == 0


@pytest.mark.parametrize(
    ("max_bytes", "message"),
    [
        (4 << 20, "counts of 2 years exceed"),  # the second year does not fit
        (1_000, "too many to count in memory"),  # not even one year fits: piece by piece
    ],
)
def test_counts_beyond_memory_are_summed_by_postgres_with_the_same_result(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    max_bytes: int,
    message: str,
) -> None:
    """Past MAX_COUNT_BYTES the counts are summed by PostgreSQL: same rows, same lineage."""
    lines, expected = _transactions(3, 20_000)
    path = tmp_path / "transactions_spill.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(transactions, "MAX_COUNT_BYTES", max_bytes)
    monkeypatch.setattr("ingest.portal.fast_reader.BLOCK_BYTES", 16_384)  # many pieces
    with caplog.at_level("INFO", logger="ingest.portal.transactions"):
        result = load_file(db_url, path, today=TODAY)
    assert message in caplog.text
    assert result.status == "loaded" and result.transactions_counted == 20_000
    assert _loaded(db_url) == expected
    assert _source_lines(db_url) == _first_lines(lines)


def test_a_windows_1257_export_with_latvian_headers(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "darijumi.csv"
    body = (
        "Laiks;Iestāde;Pakalpojuma kods;Kanāls\r\n"
        "2016-05-01 09:00:00;VDI;EP72;Latvija.lv\r\n"
        "2016-05-01 10:00:00;VDI;EP72;latvija.lv\r\n"
        "2016-05-01 11:00:00;VDI;EP72;Iestādes tīmekļvietne\r\n"
    )
    path.write_bytes(body.encode("cp1257"))
    result = load_file(db_url, path, today=TODAY)
    assert result.transactions_counted == 3 and result.rows_quarantined == 0
    assert _loaded(db_url) == Counter({
        ("VDI", "EP72", date(2016, 5, 1), "portal"): 2,
        ("VDI", "EP72", date(2016, 5, 1), "institution_website"): 1,
    })  # fmt: skip


def test_series_ids_are_stable_when_a_code_comes_with_two_institutions() -> None:
    import numpy as np

    series = transactions._Series()
    code = np.array([0, 0, 1, 0, 0, 2], dtype=np.int64)
    inst = np.array([0, 1, 0, 0, 1, 0], dtype=np.int64)
    chan = np.array([0, 0, 0, 0, 0, 2], dtype=np.int64)
    first = series.ids(code, inst, chan)
    assert first[0] == first[3] and first[1] == first[4] and len(set(first.tolist())) == 4
    again = series.ids(code[::-1].copy(), inst[::-1].copy(), chan[::-1].copy())
    assert again.tolist() == first[::-1].tolist()
    codes, insts, chans = series.parts(first)
    assert (codes.tolist(), insts.tolist(), chans.tolist()) == (
        code.tolist(),
        inst.tolist(),
        chan.tolist(),
    )

"""The fast reader (Arrow) against the exact reader (csv + check_stage.sql), file by file.

The exact reader is the specification: for every file — clean, messy, hostile — the fast path
must leave exactly the same rows, quarantine lines and reasons, and counts.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest

from ingest.portal import fast_reader
from ingest.portal.load import PortalLoadResult, load_file
from ingest.portal.periods import PeriodRange

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "hostile" / "portal"
TODAY = date(2026, 11, 30)

MIXED = (
    "service_code,institution_code,period,channel,requests,service_name,is_synthetic\n"
    "EP72,VDI,2016-01-04,portal,30,Darba devēju reģistrs,false\n"  # 2 clean
    "EP72,VDI,2016-01-04,institution_website,5,  spaced  ,false\n"  # 3 clean, name trimmed
    'EP73,VDI,2016-01-04,api_e_address,7,"Ar komatu, pēdiņās",false\n'  # 4 clean, quoted
    "EP72,VDI,2016-01-04,portal,31,dup,false\n"  # 5 duplicate of line 2 (clean, clean)
    "ep74,vdi,2016-01-05,portal,1,lower case codes,false\n"  # 6 suspect, loadable
    "EP74,VDI,2016-01-05,portal,2,dup of a suspect,false\n"  # 7 duplicate of line 6
    "EP75,VDI,05.01.2016,latvija.lv,4 441,Latvian spellings,jā\n"  # 8 suspect, loadable
    "EP75,VDI,2016-01-05,e-adrese,12.0,whole,false\n"  # 9 suspect, loadable
    "EP76,VDI,2016-01-05,portal,-4,negative,false\n"  # 10 bad
    "EP76,VDI,2016-02-30,portal,1,impossible date,false\n"  # 11 bad
    "EP76,VDI,2099-01-01,portal,1,future,false\n"  # 12 bad
    "EP76,VDI,2016-01,portal,9,month,false\n"  # 13 clean, month grain
    "EP76,VDI,2016-01,portal,9,month again,false\n"  # 14 duplicate of line 13
    ",VDI,2016-01-05,portal,1,no code,false\n"  # 15 bad
    "EP77,VDI,2016-01-05,fax,1,channel,false\n"  # 16 bad
    "EP77,VDI,2016-01-05,portal,1,,maybe\n"  # 17 bad flag
    "EP78,VDI,2015-12-31,portal,3,other year,\n"  # 18 clean, default flag, 2015
    "EP79,VDI,2016-03-01,portal,3,outside the range when one is given,false\n"  # 19
)

MULTILINE = (
    "service_code,institution_code,period,channel,requests,service_name\n"
    'EP72,VDI,2016-01-04,portal,30,"a name\non two lines"\n'
    "EP73,VDI,2016-01-04,portal,3,x\n"
)


def _truncate(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "truncate raw.portal_requests, raw.portal_requests_quarantine,"
            " audit.portal_batch_periods, audit.portal_period_totals"
        )


def _assert_totals_match(url: str) -> None:
    """audit.portal_period_totals (the loader's bookkeeping) equals what raw holds."""
    with psycopg.connect(url) as conn:
        raw = conn.execute(
            "select institution_code, period_grain, period_start, count(*),"
            " sum(request_count)::numeric from raw.portal_requests"
            " group by 1, 2, 3 order by 1, 2, 3"
        ).fetchall()
        kept = conn.execute(
            "select institution_code, period_grain, period_start, rows_loaded, requests"
            " from audit.portal_period_totals order by 1, 2, 3"
        ).fetchall()
    assert kept == raw


def _snapshot(url: str, result: PortalLoadResult) -> dict[str, object]:
    _assert_totals_match(url)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select institution_code, portal_service_code, service_name, period_grain,"
            " period_start, channel, request_count, source_line, is_synthetic"
            " from raw.portal_requests order by source_line"
        ).fetchall()
        quarantine = conn.execute(
            "select source_line, column_name, reason from raw.portal_requests_quarantine"
            " order by source_line"
        ).fetchall()
        periods = conn.execute(
            "select institution_code, period_month, rows_loaded from audit.portal_batch_periods"
            " order by 1, 2"
        ).fetchall()
    return {
        "status": result.status,
        "counts": (
            result.rows_read, result.rows_loaded, result.rows_quarantined,
            result.rows_outside_range,
        ),
        "periods": result.periods,
        "rows": rows,
        "quarantine": quarantine,
        "months": periods,
        "unmatched": result.unmatched_codes,
        "message": result.message,
        "reasons": result.quarantine_reasons,
    }  # fmt: skip


def _both(url: str, path: Path, **kwargs) -> tuple[dict, dict, PortalLoadResult]:
    exact = load_file(url, path, force=True, today=TODAY, reader="exact", **kwargs)
    expected = _snapshot(url, exact)
    _truncate(url)
    auto = load_file(url, path, force=True, today=TODAY, **kwargs)
    return expected, _snapshot(url, auto), auto


@pytest.mark.parametrize("block_bytes", [fast_reader.BLOCK_BYTES, 200])
@pytest.mark.parametrize("bitset", [True, False])
def test_mixed_file_fast_equals_exact(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int, bitset: bool
) -> None:
    """Clean rows, suspects that load, bad rows and duplicates of every kind; in one block or
    in many (duplicates across blocks), with the bitset or with duplicates found in SQL."""
    monkeypatch.setattr(fast_reader, "BLOCK_BYTES", block_bytes)
    if not bitset:
        monkeypatch.setattr(fast_reader, "MAX_SERIES_IN_BITSET", 0)
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED, encoding="utf-8")
    expected, actual, auto = _both(db_url, path)
    assert auto.reader == "fast"
    assert actual == expected
    # The figures a person can check: 18 records; lines 2-4, 6, 8, 9, 13, 18, 19 load.
    assert expected["counts"] == (18, 9, 9, 0)
    assert [q[0] for q in expected["quarantine"]] == [5, 7, 10, 11, 12, 14, 15, 16, 17]
    assert expected["quarantine"][0][2] == (
        "duplicate of line 2 (same institution, period, code and channel)"
    )


def test_a_period_range_sends_the_rest_outside_in_both_readers(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED, encoding="utf-8")
    in_range = PeriodRange.parse("2016-01", "2016-02")
    expected, actual, auto = _both(db_url, path, period_range=in_range)
    assert auto.reader == "fast"
    assert actual == expected
    assert expected["counts"][3] == 2  # 2015-12-31 and 2016-03-01


def test_a_quoted_line_break_falls_back_to_the_exact_reader(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "multiline.csv"
    path.write_text(MULTILINE, encoding="utf-8")
    caplog.set_level(logging.INFO, logger="ingest.portal.load")
    expected, actual, auto = _both(db_url, path)
    assert auto.reader == "exact"
    assert actual == expected
    assert [r[7] for r in expected["rows"]] == [2, 4]  # the second record starts on line 4
    assert "read exactly (a line break inside a quoted value)" in caplog.text


H5 = "service_code,institution_code,period,channel,requests,service_name\n"
# Files where Arrow's lenient CSV reading and Python's strict csv module could disagree, found
# by review: each must end exactly as the exact path has it.
EDGE_CASES = {
    "text_after_closing_quote": H5
    + 'EP72,VDI,2016-01-04,portal,30,"Latvija.lv" konts\n'
    + "EP73,VDI,2016-01-04,portal,3,x\n",
    "junk_after_quoted_code": H5 + '"EP72"X,VDI,2016-01-04,portal,30,a\n',
    "quote_never_closed_on_last_line": H5
    + "EP73,VDI,2016-01-04,portal,3,x\n"
    + 'EP72,VDI,2016-01-04,portal,30,"abc\n',
    "double_crlf": H5.replace("\n", "\r\r\n")
    + "EP72,VDI,2016-01-04,portal,30,a\r\r\n"
    + "EP73,VDI,2016-01-04,portal,3,b\r\r\n",
    "cr_inside_quotes": H5
    + 'EP72,VDI,2016-01-04,portal,30,"a\rb"\n'
    + "EP73,VDI,2016-01-04,portal,3,x\n",
    "chained_duplicates": H5
    + "EP72,VDI,2016-01-04,portal,1,a\n"
    + "ep72,VDI,2016-01-04,portal,2,b\nep72,VDI,2016-01-04,portal,3,c\n",
    "escaped_quotes": H5 + 'EP72,VDI,2016-01-04,portal,30,"say ""hi"" twice"\n',
    "crlf": H5.replace("\n", "\r\n") + "EP72,VDI,2016-01-04,portal,30,a\r\n",
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
@pytest.mark.parametrize("block_bytes", [fast_reader.BLOCK_BYTES, 64])
def test_csv_edge_cases_fast_equals_exact(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, block_bytes: int
) -> None:
    """Small pieces put a quoted line break at a piece boundary, too."""
    monkeypatch.setattr(fast_reader, "BLOCK_BYTES", block_bytes)
    path = tmp_path / f"{name}.csv"
    path.write_bytes(EDGE_CASES[name].encode("utf-8"))
    expected, actual, auto = _both(db_url, path)
    assert actual == expected
    if name in ("crlf", "chained_duplicates"):
        assert auto.reader == "fast"  # nothing unusual: the fast path keeps it


def test_a_quoted_line_break_cut_between_pieces(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fast_reader, "BLOCK_BYTES", 70)
    path = tmp_path / "multiline.csv"
    path.write_text(MULTILINE * 1, encoding="utf-8")
    expected, actual, auto = _both(db_url, path)
    assert auto.reader == "exact"
    assert actual == expected
    assert expected["counts"][0] == 2


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.glob("*.csv")))
def test_hostile_files_fast_equals_exact(db_url: str, tmp_path: Path, name: str) -> None:
    expected, actual, _ = _both(db_url, HOSTILE / name)
    assert actual == expected


def _year_file(path: Path, institutions: list[str], year: int, bump: int = 0) -> int:
    lines = ["service_code,institution_code,period,channel,requests"]
    day = date(year, 1, 1)
    while day.year == year:
        for n, inst in enumerate(institutions):
            lines.append(f"EP{n:03d},{inst},{day.isoformat()},portal,{day.day + bump}")
        day += timedelta(days=1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def _by_institution(url: str) -> dict[str, tuple[int, int]]:
    _assert_totals_match(url)
    with psycopg.connect(url) as conn:
        return {
            inst: (rows, total)
            for inst, rows, total in conn.execute(
                "select institution_code, count(*), sum(request_count)::bigint"
                " from raw.portal_requests group by 1 order by 1"
            )
        }


def test_a_year_swaps_in_and_a_day_replaces_in_place(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ingest.portal.load")
    both = tmp_path / "both.csv"
    assert _year_file(both, ["AAA", "BBB"], 2018) == 730
    load_file(db_url, both, today=TODAY)
    assert "(2018 new)" in caplog.text
    per_day = sum(range(1, 32)) * 7 + sum(range(1, 31)) * 4 + sum(range(1, 29))  # 2018
    assert _by_institution(db_url) == {"AAA": (365, per_day), "BBB": (365, per_day)}

    # A day of AAA, corrected: replaced inside the 2018 partition.
    day = tmp_path / "day.csv"
    day.write_text(
        "service_code,institution_code,period,channel,requests\nEP000,AAA,2018-05-05,portal,100\n",
        encoding="utf-8",
    )
    caplog.clear()
    load_file(db_url, day, today=TODAY)
    assert "(2018 in place)" in caplog.text
    assert _by_institution(db_url) == {"AAA": (365, per_day + 95), "BBB": (365, per_day)}

    # AAA's whole year again (+1 on each day): half the year's rows, so the partition is
    # rebuilt and swapped; BBB's rows, which it does not replace, are carried over. (It takes
    # 2018-05-05 from 100 back to 6: held as a shrink unless forced.)
    aaa = tmp_path / "aaa.csv"
    _year_file(aaa, ["AAA"], 2018, bump=1)
    assert load_file(db_url, aaa, today=TODAY).status == "held"
    caplog.clear()
    result = load_file(db_url, aaa, today=TODAY, force_replace=True)
    assert "(2018 swap)" in caplog.text
    assert result.rows_loaded == 365
    assert _by_institution(db_url) == {"AAA": (365, per_day + 365), "BBB": (365, per_day)}
    assert result.rows_read == 365
    with psycopg.connect(db_url) as conn:
        partitions = conn.execute(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid"
            " where i.inhparent = 'raw.portal_requests'::regclass"
        ).fetchall()
        leftovers = conn.execute(
            "select count(*) from pg_tables where schemaname = 'raw'"
            " and tablename like 'portal\\_load\\_%'"
        ).fetchone()
    assert partitions == [("portal_requests_y2018",)]
    assert leftovers == (0,)

"""Loading portal files on a real PostgreSQL: quarantine, replacement, idempotence, lineage."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
import pytest

from ingest.portal.load import load_file
from ingest.portal.periods import PeriodRange

HEADER = "service_code,institution_code,period,channel,requests,service_name\n"


def _file(tmp_path: Path, body: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _rows_hash(url: str) -> str:
    """Hash of the ordered data rows, lineage included (a rerun must not touch them)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select r::text from raw.portal_requests r order by institution_code, period_grain,"
            " period_start, portal_service_code, channel"
        ).fetchall()
    return hashlib.sha256("\n".join(r[0] for r in rows).encode()).hexdigest()


BAD_FILE = (
    "EP72,VDI,2016-01,portal,30,ok\n"                # 2 good
    "EP72,VDI,2016-01,institution_website,-4,neg\n"  # 3 negative
    "EP72,VDI,2016-01,api_e_address,2.5,frac\n"      # 4 fractional
    "EP88,VDI,2016-01,portal,abc,text\n"             # 5 not a number
    "EP88,VDI,2016-02-30,portal,1,bad date\n"        # 6 impossible date
    ",VDI,2016-01,portal,1,no code\n"                # 7 empty code
    "EP88,VDI,2016-01,fax,1,channel\n"               # 8 unknown channel
    "EP72,VDI,2016-01,portal,31,dup\n"               # 9 duplicate of line 2
    "EP89,VDI,2016-01,e-adrese,12.0,whole\n"         # 10 good: 12.0 is a whole number
    "EP89,VDI,2016-01\n"                             # 11 wrong number of fields
)  # fmt: skip


def test_bad_rows_are_quarantined_with_exact_reasons(db_url: str, tmp_path: Path) -> None:
    result = load_file(db_url, _file(tmp_path, BAD_FILE))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (10, 2, 8)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    with psycopg.connect(db_url) as conn:
        quarantined = conn.execute(
            "select source_line, column_name, reason from raw.portal_requests_quarantine"
            " order by source_line"
        ).fetchall()
        loaded = conn.execute(
            "select source_line, channel, request_count from raw.portal_requests order by 1"
        ).fetchall()
        batch = conn.execute(
            "select status, rows_read, rows_loaded, rows_quarantined from audit.load_batches"
        ).fetchone()
    assert quarantined == [
        (3, "request_count", "negative number"),
        (4, "request_count", "fractional number: counts are whole numbers"),
        (5, "request_count", "not a number"),
        (6, "period", "impossible date"),
        (7, "portal_service_code", "empty service code"),
        (8, "channel", "unknown channel"),
        (9, None, "duplicate of line 2 (same institution, period, code and channel)"),
        (11, None, "expected 6 fields, found 3"),
    ]
    assert loaded == [(2, "portal", 30), (10, "api_e_address", 12)]
    assert batch == ("succeeded", 10, 2, 8)


def test_quarantine_keeps_the_raw_values(db_url: str, tmp_path: Path) -> None:
    load_file(db_url, _file(tmp_path, "EP72,VDI,2016-01,portal,-4,Saņemšana\n"))
    with psycopg.connect(db_url) as conn:
        (record,) = conn.execute("select raw_record from raw.portal_requests_quarantine").fetchone()
    assert record["request_count"] == "-4"
    assert record["service_name"] == "Saņemšana"


def test_rerunning_a_night_changes_nothing(db_url: str, tmp_path: Path) -> None:
    path = _file(tmp_path, "EP72,VDI,2016-01,portal,30,a\nEP72,VDI,2016-02,portal,31,b\n")
    first = load_file(db_url, path)
    before = _rows_hash(db_url)
    again = load_file(db_url, path)
    assert (first.status, again.status) == ("loaded", "unchanged")
    assert _rows_hash(db_url) == before


def test_forced_reload_of_same_rows_keeps_the_data(db_url: str, tmp_path: Path) -> None:
    path = _file(tmp_path, "EP72,VDI,2016-01,portal,30,a\n")
    load_file(db_url, path)
    load_file(db_url, path, force=True)
    with psycopg.connect(db_url) as conn:
        assert conn.execute(
            "select count(*), sum(request_count) from raw.portal_requests"
        ).fetchone() == (1, 30)


def test_corrected_period_replaces_the_whole_period(db_url: str, tmp_path: Path) -> None:
    load_file(db_url, _file(tmp_path, "EP72,VDI,2016-01,portal,30,a\nEP88,VDI,2016-01,portal,5,b\n"
                                       "EP72,VDI,2016-02,portal,40,c\n", "first.csv"))  # fmt: skip
    # The portal corrects January: EP88 disappears, EP72 changes; February is untouched.
    # Losing half of January's rows is beyond the 20 % limit: held until forced.
    correction = _file(tmp_path, "EP72,VDI,2016-01,portal,33,a\n", "correction.csv")
    held = load_file(db_url, correction)
    assert held.status == "held"
    assert "VDI month 2016-01-01: 2 rows / 35 requests → 1 / 33" in held.message
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "select period_start::text, portal_service_code, request_count from raw.portal_requests"
            " order by 1, 2"
        ).fetchall()
        batch = conn.execute(
            "select status, rows_before, requests_before, rows_after, requests_after, message"
            " from audit.load_batches where source_uri like '%%correction.csv'"
        ).fetchone()
    assert rows == [("2016-01-01", "EP72", 30), ("2016-01-01", "EP88", 5),
                    ("2016-02-01", "EP72", 40)]  # fmt: skip
    assert batch[:5] == ("held", 2, 35, 1, 33) and batch[5].startswith("HELD, not applied")
    forced = load_file(db_url, correction, force_replace=True)
    assert forced.status == "loaded"
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "select period_start::text, portal_service_code, request_count from raw.portal_requests"
            " order by 1, 2"
        ).fetchall()
    assert rows == [("2016-01-01", "EP72", 33), ("2016-02-01", "EP72", 40)]


def test_failed_load_leaves_the_previous_period_visible(db_url: str, tmp_path: Path) -> None:
    load_file(db_url, _file(tmp_path, "EP72,VDI,2016-01,portal,30,a\n", "good.csv"))
    broken = _file(tmp_path, "EP72,VDI,2016-01,portal,99,a\n", "broken.csv")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "alter table raw.portal_requests add constraint no_99 check (request_count <> 99)"
        )
    with pytest.raises(psycopg.errors.CheckViolation):
        load_file(db_url, broken)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select request_count from raw.portal_requests").fetchall() == [(30,)]
        status, message = conn.execute(
            "select status, message from audit.load_batches where source_uri like '%%broken.csv'"
        ).fetchone()
    assert status == "failed" and message.startswith("CheckViolation")


def test_period_range_loads_only_its_months_and_counts_the_rest(
    db_url: str, tmp_path: Path
) -> None:
    body = (
        "EP72,VDI,2015-12,portal,1,a\n"
        "EP72,VDI,2016-01,portal,2,a\n"
        "EP72,VDI,2016-12-31,portal,3,a\n"
        "EP72,VDI,2017-01,portal,4,a\n"
    )
    path = _file(tmp_path, body)
    result = load_file(db_url, path, period_range=PeriodRange.parse("2016", "2016"))
    assert (result.rows_read, result.rows_loaded, result.rows_outside_range) == (4, 2, 2)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select sum(request_count) from raw.portal_requests").fetchone() == (5,)


def test_codes_of_no_planned_service_are_loaded_and_reported(vdi_plan: str, tmp_path: Path) -> None:
    db_url = vdi_plan
    body = (
        "EP72,VDI,2016-01,portal,3,planned (real code)\n"
        "SYN-VDI-07,VDI,2016-01,portal,4,planned (synthetic code)\n"
        "URN:IVIS:100001:EP-EP88-V1-0,VDI,2016-01,portal,5,planned (full id)\n"
        "EP999,VDI,2016-01,portal,6,not planned\n"
    )
    result = load_file(db_url, _file(tmp_path, body))
    assert result.rows_loaded == 4
    assert result.unmatched_codes == ["EP999"]
    with psycopg.connect(db_url) as conn:
        codes = [
            r[0]
            for r in conn.execute("select portal_service_code from raw.portal_requests order by 1")
        ]
        message = conn.execute(
            "select message from audit.load_batches where loader = 'portal.requests'"
        ).fetchone()[0]
    assert codes == ["EP72", "EP88", "EP999", "SYN-VDI-07"]
    assert "EP999" in message


def test_daily_and_latvian_dates_and_grain(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "daily.csv"
    path.write_text(
        "Kods;Iestāde;Datums;Kanāls;Skaits;Perioda veids\n"
        "EP72;VDI;15.03.2016;Latvija.lv;2;diena\n"
        "EP72;VDI;2016-03-16;Iestādes tīmekļvietne;3;day\n"
        "EP72;VDI;2016-03-17;portal;4;month\n",
        encoding="cp1257",
    )
    result = load_file(db_url, path)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert result.quarantine_reasons == {"monthly row whose date is not the first of the month": 1}


def test_synthetic_flag_travels_with_the_rows(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "syn.csv"
    path.write_text(
        "service_code,institution_code,period,channel,requests,is_synthetic\n"
        "SYN-VDI-02,VDI,2016-01,portal,3,true\n",
        encoding="utf-8",
    )
    result = load_file(db_url, path)
    assert result.is_synthetic
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select is_synthetic from raw.portal_requests").fetchone() == (True,)
        assert conn.execute("select is_synthetic from audit.load_batches").fetchone() == (True,)


def test_unreadable_file_is_recorded_as_a_failed_batch(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("code,period\nEP72,2016-01\n", encoding="utf-8")
    result = load_file(db_url, path)
    assert result.status == "failed"
    assert "missing required column(s)" in result.message
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select status from audit.load_batches").fetchone() == ("failed",)

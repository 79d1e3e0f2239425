"""The reference loader on a real PostgreSQL: split, lineage, idempotence, clear errors."""

import csv
from pathlib import Path

import psycopg
import pytest

from ingest import reference_load
from ingest.reference_load import ReferenceDataError

SERVICES = "vdi_eservices_2012_forecast_2016_actual.csv"


def _edit(reference: Path, name: str, row_no: int, column: str, value: str) -> None:
    path = reference / name
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        fieldnames = list(rows[0].keys())
    rows[row_no - 1][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def _counts(url: str) -> tuple[int, int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select (select count(*) from raw.implementation_plans),"
            " (select count(*) from raw.plan_services),"
            " (select count(*) from raw.yearly_submissions)"
        ).fetchone()
    assert row is not None
    return row


def test_splits_plan_and_submission_with_lineage(db_url: str, reference_copy: Path) -> None:
    plan = reference_load.load_plan(db_url, reference_copy)
    sub = reference_load.load_submission(db_url, reference_copy)
    assert (plan.status, plan.rows_loaded, sub.status, sub.rows_loaded) == (
        "loaded",
        16,
        "loaded",
        16,
    )
    with psycopg.connect(db_url) as conn:
        svc = conn.execute(
            "select service_key, service_name_lv, portal_service_code, forecast_total_users,"
            " forecast_e_users, batch_id is not null, length(source_sha256), is_synthetic"
            " from raw.plan_services where service_no = 16"
        ).fetchone()
        assert svc == (
            "VDI-16",
            "Atzinums par nodarbinātā veselības un drošības apdraudējuma faktu darbā",
            "EP96",
            2,
            0,
            True,
            64,
            False,
        )
        sub_row = conn.execute(
            "select total_users, electronic_requests, received_date::text,"
            " received_date_is_approximate from raw.yearly_submissions where service_key = 'VDI-07'"
        ).fetchone()
        assert sub_row == (3755, 2189, "2017-06-01", True)
        unknown_codes = conn.execute(
            "select count(*) from raw.plan_services where portal_service_code is null"
        ).fetchone()
        assert unknown_codes == (10,)
        batches = conn.execute(
            "select loader, status, rows_read, rows_loaded"
            " from audit.load_batches order by started_at"
        ).fetchall()
        assert batches == [
            ("reference.vdi_plan", "succeeded", 16, 16),
            ("reference.vdi_submission_2016", "succeeded", 16, 16),
        ]


def test_reload_of_unchanged_files_changes_nothing(db_url: str, reference_copy: Path) -> None:
    reference_load.load_plan(db_url, reference_copy)
    reference_load.load_submission(db_url, reference_copy)
    before = _counts(db_url)
    again = reference_load.load_submission(db_url, reference_copy)
    assert again.status == "unchanged"
    assert _counts(db_url) == before == (1, 16, 16)


def test_changed_file_replaces_the_partition(db_url: str, reference_copy: Path) -> None:
    reference_load.load_plan(db_url, reference_copy)
    reference_load.load_submission(db_url, reference_copy)
    _edit(reference_copy, SERVICES, 7, "actual_2016_e_requests", "2190")
    result = reference_load.load_submission(db_url, reference_copy)
    assert result.status == "loaded"
    assert _counts(db_url) == (1, 16, 16)
    with psycopg.connect(db_url) as conn:
        assert conn.execute(
            "select electronic_requests from raw.yearly_submissions where service_key = 'VDI-07'"
        ).fetchone() == (2190,)


def test_bad_rows_are_named_and_nothing_is_loaded(db_url: str, reference_copy: Path) -> None:
    _edit(reference_copy, SERVICES, 3, "forecast_2012_total_users", "-5")
    _edit(reference_copy, SERVICES, 9, "actual_2016_e_requests", "12.5")
    _edit(reference_copy, SERVICES, 11, "service_name_lv", "")
    with pytest.raises(ReferenceDataError) as err:
        reference_load.load_plan(db_url, reference_copy)
    message = str(err.value)
    assert "3 problem(s)" in message
    assert f"{SERVICES}, data row 3, column forecast_2012_total_users" in message
    assert f"{SERVICES}, data row 9, column actual_2016_e_requests" in message
    assert f"{SERVICES}, data row 11, column service_name_lv: must not be empty" in message
    assert _counts(db_url) == (0, 0, 0)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select status from audit.load_batches").fetchall() == [("failed",)]


def test_missing_column_is_named(db_url: str, reference_copy: Path) -> None:
    path = reference_copy / SERVICES
    text = path.read_text(encoding="utf-8").replace("forecast_2012_e_users", "forecast_e", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="missing column\\(s\\): forecast_2012_e_users"):
        reference_load.load_plan(db_url, reference_copy)


def test_portal_code_for_unknown_service_is_refused(db_url: str, reference_copy: Path) -> None:
    _edit(reference_copy, "vdi_portal_service_codes.csv", 1, "service_no", "99")
    with pytest.raises(ReferenceDataError, match="names no service of the services file"):
        reference_load.load_plan(db_url, reference_copy)


def test_full_portal_urn_is_normalised(db_url: str, reference_copy: Path) -> None:
    _edit(
        reference_copy,
        "vdi_portal_service_codes.csv",
        1,
        "portal_service_code",
        "URN:IVIS:100001:EP-EP72-V1-0",
    )
    reference_load.load_plan(db_url, reference_copy)
    with psycopg.connect(db_url) as conn:
        assert conn.execute(
            "select portal_service_code from raw.plan_services where service_key = 'VDI-01'"
        ).fetchone() == ("EP72",)


def test_missing_file_is_named(db_url: str, reference_copy: Path) -> None:
    (reference_copy / SERVICES).unlink()
    with pytest.raises(ReferenceDataError, match="not found: .*" + SERVICES):
        reference_load.load_plan(db_url, reference_copy)

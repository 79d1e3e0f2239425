"""The intake on a real PostgreSQL: every rule, CSV and XLSX, versions, duplicates, receipts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import psycopg
import pytest
from openpyxl import Workbook

from ingest.intake.inbox import process_file, process_inbox
from ingest.intake.schema import PLAN, SUBMISSION
from ingest.intake.templates import EXAMPLES_DIR

HEADER_LV = [c.header_lv for c in SUBMISSION.columns]
COL = {c.key: i for i, c in enumerate(SUBMISSION.columns)}


def example_rows() -> list[list[str]]:
    with (EXAMPLES_DIR / "VDI_submission_2016.csv").open(encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


def edit(rows: list[list[str]], row_index: int, key: str, value: str) -> list[list[str]]:
    rows[row_index][COL[key]] = value
    return rows


def write(path: Path, rows: list[list[str]], fmt: str = "csv", header=HEADER_LV) -> Path:
    if fmt == "xlsx":
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        path = path.with_suffix(".xlsx")
        workbook.save(path)
        return path
    encoding, delimiter, bom = {
        "csv": ("utf-8", ",", False),
        "csv-bom": ("utf-8", ",", True),
        "csv-1257": ("cp1257", ";", False),
    }[fmt]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    path = path.with_suffix(".csv")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding))
    return path


def submit(db_url: str, tmp_path: Path, rows, fmt="csv", name="sub", header=HEADER_LV):
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    path = write(inbox / name, rows, fmt, header)
    return process_file(db_url, path, tmp_path / "archive")


def submission_counts(db_url: str) -> tuple[int, int]:
    with psycopg.connect(db_url) as conn:
        return conn.execute(
            "select (select count(*) from raw.intake_submission_rows),"
            " (select count(*) from raw.intake_quarantine)"
        ).fetchone()


FORMATS = ["csv", "xlsx"]


@pytest.mark.parametrize("fmt", ["csv", "csv-bom", "csv-1257", "xlsx"])
def test_valid_submission_in_every_format_is_accepted(
    vdi_plan: str, tmp_path: Path, fmt: str
) -> None:
    result = submit(vdi_plan, tmp_path, example_rows(), fmt)
    assert (result.outcome, result.version, result.errors) == ("accepted_with_warnings", 1, 0)
    with psycopg.connect(vdi_plan) as conn:
        rows = conn.execute(
            "select service_key, total_users, electronic_requests, electronic_requests_state,"
            " paper_post, paper_post_state from raw.intake_submission_rows order by service_key"
        ).fetchall()
    assert len(rows) == 16
    assert rows[6] == ("VDI-07", 3755, 2189, "value", None, "not_provided")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("row_index", "key", "value", "reason"),
    [
        (0, "institution_code", "ABC", "unknown institution"),
        (1, "service_key", "VDI-99", "unknown service"),
        (2, "reporting_year", "2021", "outside VDI's monitoring window 2015–2019"),
        (3, "total_users", "-5", "negative number"),
        (4, "electronic_requests", "12.5", "fractional number"),
        (5, "total_users", "daudz", "not a number"),
        (6, "electronic_requests", "5000", "electronic requests (5000) exceed the total (3755)"),
        (7, "submitter_name", '=HYPERLINK("x")', "starts like a spreadsheet formula"),
        (8, "service_key", "VDI-01", "duplicate: the same service is already on row 2"),
        (9, "received_date", "2017-02-30", "not a date written YYYY-MM-DD"),
    ],
)
def test_each_rule_rejects_with_row_column_and_reason(
    vdi_plan: str, tmp_path: Path, fmt: str, row_index: int, key: str, value: str, reason: str
) -> None:
    result = submit(vdi_plan, tmp_path, edit(example_rows(), row_index, key, value), fmt)
    assert result.outcome == "rejected"
    receipt = result.receipt_path.read_text(encoding="utf-8")
    column = SUBMISSION.column(key)
    assert f'row {row_index + 2}, column "{column.header_en}"' in receipt
    assert reason in receipt
    assert f'{row_index + 2}. rinda, kolonna "{column.header_lv}"' in receipt  # Latvian too
    assert "NORAIDĪTS / REJECTED" in receipt
    assert submission_counts(vdi_plan) == (0, 16)  # nothing loaded, every row kept


@pytest.mark.parametrize("fmt", FORMATS)
def test_channel_parts_exceeding_or_not_adding_up(vdi_plan: str, tmp_path: Path, fmt: str) -> None:
    rows = example_rows()
    edit(rows, 0, "paper_post", "5000")  # VDI-01: 331 electronic + 5000 > 4441
    for key, value in (("assisted_vpvkac", "0"), ("in_person", "10"), ("paper_post", "100"),
                       ("phone", "n/a"), ("other_channels", "0")):  # fmt: skip
        edit(rows, 1, key, value)  # VDI-02: all given, 20 + 0 + 10 + 100 + 0 = 130 ≠ 221
    result = submit(vdi_plan, tmp_path, rows, fmt)
    receipt = result.receipt_path.read_text(encoding="utf-8")
    assert "the channels add up to 5331, more than the total 4441" in receipt
    assert "every channel is given but they add up to 130, not the total 221" in receipt


def test_not_provided_and_not_applicable_are_stored_apart(vdi_plan: str, tmp_path: Path) -> None:
    rows = example_rows()
    edit(rows, 0, "phone", "n/a")
    edit(rows, 0, "in_person", "nav norādīts")
    edit(rows, 0, "paper_post", "0")
    submit(vdi_plan, tmp_path, rows)
    with psycopg.connect(vdi_plan) as conn:
        row = conn.execute(
            "select phone, phone_state, in_person, in_person_state, paper_post, paper_post_state"
            " from raw.intake_submission_rows where service_key = 'VDI-01'"
        ).fetchone()
    assert row == (None, "not_applicable", None, "not_provided", 0, "value")


def test_english_headers_and_unknown_column(vdi_plan: str, tmp_path: Path) -> None:
    header = [c.header_en for c in SUBMISSION.columns] + ["Comment"]
    rows = [[*r, "x"] for r in example_rows()]
    result = submit(vdi_plan, tmp_path, rows, header=header)
    assert result.outcome == "accepted_with_warnings"
    assert "unknown column ignored" in result.receipt_path.read_text(encoding="utf-8")


def test_missing_required_column_is_unreadable(vdi_plan: str, tmp_path: Path) -> None:
    header = [h for h in HEADER_LV if h != "Pakalpojuma atslēga"]
    rows = [r[: COL["service_key"]] + r[COL["service_key"] + 1 :] for r in example_rows()]
    result = submit(vdi_plan, tmp_path, rows, header=header)
    assert result.outcome == "rejected"
    receipt = result.receipt_path.read_text(encoding="utf-8")
    assert "missing required column(s): 'Pakalpojuma atslēga' (Service key)" in receipt


def test_resubmission_makes_a_new_version_and_keeps_the_old(vdi_plan: str, tmp_path: Path) -> None:
    first = submit(vdi_plan, tmp_path, example_rows(), name="first")
    corrected = submit(vdi_plan, tmp_path, edit(example_rows(), 6, "electronic_requests", "2190"),
                       name="corrected")  # fmt: skip
    assert (first.version, corrected.version) == (1, 2)
    with psycopg.connect(vdi_plan) as conn:
        versions = conn.execute(
            "select version, original_name, outcome from raw.intake_files"
            " where kind = 'submission' order by version"
        ).fetchall()
        values = conn.execute(
            "select f.version, r.electronic_requests from raw.intake_submission_rows r"
            " join raw.intake_files f using (file_id) where r.service_key = 'VDI-07' order by 1"
        ).fetchall()
    assert [v[:2] for v in versions] == [(1, "first.csv"), (2, "corrected.csv")]
    assert values == [(1, 2189), (2, 2190)]


def test_rejected_file_does_not_take_a_version(vdi_plan: str, tmp_path: Path) -> None:
    submit(vdi_plan, tmp_path, edit(example_rows(), 0, "total_users", "-1"), name="bad")
    good = submit(vdi_plan, tmp_path, example_rows(), name="good")
    assert good.version == 1


def test_same_bytes_twice_are_not_loaded_twice(vdi_plan: str, tmp_path: Path) -> None:
    first = submit(vdi_plan, tmp_path, example_rows(), name="a")
    again = submit(vdi_plan, tmp_path, example_rows(), name="a")
    assert (first.outcome, again.outcome) == ("accepted_with_warnings", "duplicate")
    assert "already received" in again.receipt_path.read_text(encoding="utf-8")
    assert submission_counts(vdi_plan) == (16, 0)
    assert not (tmp_path / "inbox" / "a.csv").exists()  # archived, not left behind


def test_inbox_processes_plans_first_and_archives_everything(db_url: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a_submission.csv").write_bytes(
        (EXAMPLES_DIR / "VDI_submission_2016.csv").read_bytes()
    )
    (inbox / "z_plan.xlsx").write_bytes((EXAMPLES_DIR / "VDI_plan_2012.xlsx").read_bytes())
    (inbox / "notes.txt").write_text("not a template")
    results = process_inbox(db_url, inbox, tmp_path / "archive")
    assert [(r.original_name, r.kind, r.outcome) for r in results] == [
        ("z_plan.xlsx", "plan", "accepted"),
        ("a_submission.csv", "submission", "accepted_with_warnings"),
        ("notes.txt", None, "rejected"),  # every file gets an outcome and a receipt
    ]
    assert list(inbox.iterdir()) == []
    archived = sorted(p.name for p in (tmp_path / "archive" / "VDI").iterdir())
    assert len(archived) == 4 and sum(n.endswith(".receipt.txt") for n in archived) == 2
    receipt = results[2].receipt_path.read_text(encoding="utf-8")
    assert "unsupported file type .txt: send .csv or .xlsx" in receipt


def test_submission_before_any_plan_is_rejected_as_unknown_institution(
    db_url: str, tmp_path: Path
) -> None:
    result = submit(db_url, tmp_path, example_rows())
    assert result.outcome == "rejected"
    assert "no accepted implementation plan" in result.receipt_path.read_text(encoding="utf-8")


def test_planned_service_missing_from_the_file_is_a_warning(vdi_plan: str, tmp_path: Path) -> None:
    result = submit(vdi_plan, tmp_path, example_rows()[:15])
    assert result.outcome == "accepted_with_warnings"
    receipt = result.receipt_path.read_text(encoding="utf-8")
    assert '("VDI-16"): planned services missing from the file' in receipt


PLAN_COL = {k: i for i, k in enumerate(c.key for c in PLAN.columns)}


def plan_rows() -> list[list[str]]:
    with (EXAMPLES_DIR / "VDI_plan_2012.csv").open(encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("row_index", "key", "value", "reason"),
    [
        (0, "service_key", "ABC-01", "service key must start with VDI-"),
        (1, "base_year", "2016", "the base year is the year after the project ends (2015)"),
        (2, "forecast_e_users", "99999", "forecast e-service users exceed the forecast total"),
        (3, "service_name", "+cmd|' /C calc'!A0", "starts like a spreadsheet formula"),
        (4, "forecast_total_users", "", "a plan needs every forecast as a number"),
    ],
)
def test_plan_rules(db_url: str, tmp_path: Path, fmt: str, row_index, key, value, reason) -> None:
    rows = plan_rows()
    rows[row_index][PLAN_COL[key]] = value
    header = [c.header_lv for c in PLAN.columns]
    result = submit(db_url, tmp_path, rows, fmt, name="plan", header=header)
    assert result.outcome == "rejected"
    receipt = result.receipt_path.read_text(encoding="utf-8")
    assert f'row {row_index + 2}, column "{PLAN.column(key).header_en}"' in receipt
    assert reason in receipt

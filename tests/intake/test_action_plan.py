"""The action-plan template through the same intake: the real VDI plan, its rules, versions,
and yearly submissions naming the activities they carried out."""

from __future__ import annotations

import csv
from pathlib import Path

import psycopg
import pytest

from ingest.intake.inbox import process_file, process_inbox
from ingest.intake.schema import ACTION_PLAN, SUBMISSION
from ingest.intake.templates import EXAMPLES_DIR
from tests.intake.test_inbox import example_rows, submit

HEADER = [c.header_lv for c in ACTION_PLAN.columns]
COL = {c.key: i for i, c in enumerate(ACTION_PLAN.columns)}
SUB_COL = {c.key: i for i, c in enumerate(SUBMISSION.columns)}


def action_rows() -> list[list[str]]:
    with (EXAMPLES_DIR / "VDI_action_plan_2017.csv").open(encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


def send_action_plan(url: str, tmp_path: Path, rows, fmt="csv", name="action_plan"):
    return submit(url, tmp_path, rows, fmt, name=name, header=HEADER)


@pytest.mark.parametrize("example", ["VDI_action_plan_2017.csv", "VDI_action_plan_2017.xlsx"])
def test_the_real_vdi_action_plan_is_accepted(vdi_plan: str, tmp_path: Path, example) -> None:
    """The report's 16 activities, one per service, start 2017-06-01 (approximate), typed by
    the recommended measures; a second, changed file is version 2 and keeps version 1."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / example).write_bytes((EXAMPLES_DIR / example).read_bytes())
    result = process_file(vdi_plan, inbox / example, tmp_path / "archive")
    assert (result.kind, result.outcome, result.version) == ("action_plan", "accepted", 1)
    receipt = result.receipt_path.read_text(encoding="utf-8")
    assert "rīcības plāns / corrective action plan" in receipt
    with psycopg.connect(vdi_plan) as conn:
        rows = conn.execute(
            "select count(*), count(distinct service_key), min(start_date)::text,"
            " bool_and(start_date_is_approximate), count(*) filter (where activity_type ="
            " 'cooperation'), count(*) filter (where activity_type = 'communication')"
            " from raw.intake_action_plan_rows"
        ).fetchone()
    assert rows == (16, 16, "2017-06-01", True, 4, 10)

    changed = action_rows()
    changed[0][COL["end_date"]] = "2017-12-31"
    again = send_action_plan(vdi_plan, tmp_path, changed, name="action_plan_v2")
    assert (again.outcome, again.version) == ("accepted", 2)


@pytest.mark.parametrize(
    ("row_index", "key", "value", "reason"),
    [
        (0, "service_key", "VDI-99", "unknown service: not in VDI's implementation plan"),
        (1, "activity_id", "ABC-1", "activity id must start with VDI-"),
        (2, "end_date", "2017-01-01", "ends before it starts (2017-06-01)"),
        (3, "activity_type", "reklāma", "not one of: public communication; staff training"),
        (4, "activity_id", "VDI-RP2017-01", "duplicate: the same activity id is already on row 2"),
        (5, "start_date", "01.06.2017", "not a date written YYYY-MM-DD"),
    ],
)
def test_action_plan_rules(vdi_plan: str, tmp_path: Path, row_index, key, value, reason) -> None:
    rows = action_rows()
    rows[row_index][COL[key]] = value
    result = send_action_plan(vdi_plan, tmp_path, rows)
    assert result.outcome == "rejected"
    receipt = result.receipt_path.read_text(encoding="utf-8")
    assert f'row {row_index + 2}, column "{ACTION_PLAN.column(key).header_en}"' in receipt
    assert reason in receipt


def test_activity_type_in_english_or_by_its_code(vdi_plan: str, tmp_path: Path) -> None:
    rows = action_rows()
    rows[0][COL["activity_type"]] = "Staff training"
    rows[1][COL["activity_type"]] = "data_exchange"
    assert send_action_plan(vdi_plan, tmp_path, rows).outcome == "accepted"
    with psycopg.connect(vdi_plan) as conn:
        types = conn.execute(
            "select activity_type from raw.intake_action_plan_rows where row_no in (2, 3)"
            " order by row_no"
        ).fetchall()
    assert types == [("training",), ("data_exchange",)]


def test_a_submission_names_the_activities_it_carried_out(vdi_plan: str, tmp_path: Path) -> None:
    """Known ids are stored; an id the action plan lacks is a warning (kept, linked to
    nothing); another institution's id is an error."""
    assert send_action_plan(vdi_plan, tmp_path, action_rows()).outcome == "accepted"
    rows = example_rows()
    rows[0][SUB_COL["activity_ids"]] = "vdi-rp2017-01; VDI-RP2017-01"
    rows[1][SUB_COL["activity_ids"]] = "VDI-RP2017-99"
    result = submit(vdi_plan, tmp_path, rows, name="sub")
    assert result.outcome == "accepted_with_warnings"
    receipt = result.receipt_path.read_text(encoding="utf-8")
    assert "VDI-RP2017-99" in receipt and "not in the institution's latest action plan" in receipt
    with psycopg.connect(vdi_plan) as conn:
        stored = conn.execute(
            "select service_key, activity_ids from raw.intake_submission_rows"
            " where activity_ids is not null order by service_key"
        ).fetchall()
    assert stored == [("VDI-01", "VDI-RP2017-01"), ("VDI-02", "VDI-RP2017-99")]

    rows = example_rows()
    rows[0][SUB_COL["activity_ids"]] = "SYNDA-1"
    rejected = submit(vdi_plan, tmp_path, rows, name="sub2")
    assert rejected.outcome == "rejected"
    assert "activity id must start with VDI-" in rejected.receipt_path.read_text(encoding="utf-8")


def test_inbox_order_plan_action_plan_submission(db_url: str, tmp_path: Path) -> None:
    """An action plan is checked against the plan, a submission against both: one inbox run
    with all three, named in the wrong order, accepts each."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for source, name in (("VDI_submission_2016.csv", "a.csv"),
                         ("VDI_action_plan_2017.xlsx", "b.xlsx"),
                         ("VDI_plan_2012.csv", "c.csv")):  # fmt: skip
        (inbox / name).write_bytes((EXAMPLES_DIR / source).read_bytes())
    results = process_inbox(db_url, inbox, tmp_path / "archive")
    assert [(r.original_name, r.kind, r.outcome) for r in results] == [
        ("c.csv", "plan", "accepted"),
        ("b.xlsx", "action_plan", "accepted"),
        ("a.csv", "submission", "accepted_with_warnings"),
    ]

"""`make demo-national`: its own state and Airflow, and the manifest comparison that fails it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import load_settings
from stack import national_demo


def test_the_demo_never_shares_state_ports_or_schedules_with_the_vdi_warehouse(
    tmp_path: Path,
) -> None:
    vdi = load_settings({})
    national = national_demo.national_settings(vdi, tmp_path / ".national")
    assert national.port != vdi.port
    assert national.airflow_api_port != vdi.airflow_api_port
    for attr in ("state_dir", "airflow_home", "extracts_dir", "dbt_target_dir"):
        theirs = getattr(national, attr)
        assert theirs.is_relative_to(tmp_path / ".national"), attr
        assert theirs != getattr(vdi, attr), attr
    # Only what the demo triggers runs under its scheduler: no scheduled nightly or annual run.
    assert national.airflow_dags_paused
    assert national.portal_source == "files"
    assert not national.intake_seed_examples


def test_the_demo_refuses_an_external_warehouse(tmp_path: Path) -> None:
    external = load_settings({"WAREHOUSE_URL": "postgresql://u:p@127.0.0.1:5432/w"})
    with pytest.raises(ValueError, match="unset WAREHOUSE_URL"):
        national_demo.national_settings(external, tmp_path)


MANIFEST = [
    {
        "institution_code": "SYNI001", "reporting_year": "2019", "scenario": "on time",
        "files": "a.csv", "intake_outcomes": "accepted",
        "submission_status": "on_time", "gate": "passed",
    },
    {
        "institution_code": "SYNI002", "reporting_year": "2019", "scenario": "typo",
        "files": "b.xlsx;c.csv", "intake_outcomes": "rejected;accepted",
        "submission_status": "late", "gate": "refused",
    },
]  # fmt: skip


def test_compare_is_empty_when_the_warehouse_decided_as_the_manifest_says() -> None:
    intake = {"a.csv": "accepted", "b.xlsx": "rejected", "c.csv": "accepted"}
    gate = {("SYNI001", 2019): ("on_time", "passed"), ("SYNI002", 2019): ("late", "refused")}
    assert national_demo.compare(MANIFEST, intake, gate) == []


def test_compare_names_every_difference() -> None:
    intake = {"a.csv": "rejected", "b.xlsx": "rejected"}  # c.csv never arrived
    gate = {("SYNI002", 2019): ("late", "passed")}  # SYNI001 has no status row
    problems = national_demo.compare(MANIFEST, intake, gate)
    assert problems == [
        "a.csv: intake rejected, expected accepted",
        "SYNI001 2019: status no row in fct_submission_status, expected on_time (on time)",
        "SYNI001 2019: gate not attempted, expected passed (on time)",
        "c.csv: intake not received, expected accepted",
        "SYNI002 2019: gate passed, expected refused (typo)",
    ]

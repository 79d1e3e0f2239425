"""Upgrading a warehouse in place: built with the migrations as they were at step 6 (a copy in
tests/fixtures/migrations_0006, since later work moves and adds migrations), filled with data,
then migrated to today's files. Nothing is lost and today's loaders work on it."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from ingest.config import Settings
from stack import embedded_pg, migrate, warehouse
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

FIXTURES = ROOT / "tests" / "fixtures"
TABLES = (
    "audit.load_batches", "audit.portal_batch_periods", "audit.dbt_builds", "raw.intake_files",
    "raw.intake_plan_rows", "raw.intake_submission_rows", "raw.intake_issues",
    "raw.intake_quarantine", "raw.portal_requests",
)  # fmt: skip


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def test_a_step_6_warehouse_upgrades_in_place(pg_settings: Settings, tmp_path: Path) -> None:
    settings = replace(pg_settings, database=f"t_upgrade_{uuid.uuid4().hex[:8]}")
    warehouse.bootstrap_embedded(settings, embedded_pg.load_or_create_credentials(settings))
    url = warehouse.urls(settings).url
    old = migrate.apply(url, FIXTURES / "migrations_0006")
    assert [m.version for m in old] == [1, 2, 3, 4, 5, 6]
    with psycopg.connect(url) as conn:
        conn.execute((FIXTURES / "upgrade_data_0006.sql").read_text(encoding="utf-8"))
    before = _counts(url)
    with psycopg.connect(url) as conn:
        sums_before = conn.execute(
            "select (select sum(request_count) from raw.portal_requests),"
            " (select sum(total_users) from raw.intake_submission_rows)"
        ).fetchone()

    upgraded = migrate.apply(url)  # today's migrations, in place
    assert [m.version for m in upgraded] == [m.version for m in migrate.discover()][6:]
    assert _counts(url) == before, "rows lost or added by the upgrade"
    with psycopg.connect(url) as conn:  # dbt's views over raw.portal_requests: dbt rebuilds them
        assert conn.execute(
            "select to_regclass('staging.stg_portal__requests'),"
            " to_regclass('intermediate.int_portal_requests_by_year')"
        ).fetchone() == (None, None)
    with psycopg.connect(url) as conn:
        assert (
            conn.execute(
                "select (select sum(request_count) from raw.portal_requests),"
                " (select sum(total_users) from raw.intake_submission_rows)"
            ).fetchone()
            == sums_before
        )
        plans = conn.execute(
            "select original_name, version from raw.intake_files where kind = 'plan'"
            " order by received_at"
        ).fetchall()
        statuses = dict(conn.execute(
            "select batch_id::text, status from audit.load_batches"
        ).fetchall())  # fmt: skip
    # The two plans the old lookup both accepted as v1 are numbered by the time received.
    assert plans == [("plan_v1.csv", 1), ("plan_fix.csv", 2)]
    assert set(statuses.values()) == {"succeeded", "skipped"}

    # Today's loaders work on the upgraded warehouse: the real plan becomes version 3.
    from ingest.intake.inbox import process_inbox
    from ingest.intake.templates import EXAMPLES_DIR

    box = tmp_path / "inbox"
    box.mkdir()
    shutil.copyfile(EXAMPLES_DIR / "VDI_plan_2012.csv", box / "VDI_plan_2012.csv")
    (result,) = process_inbox(url, box, tmp_path / "archive")
    assert (result.outcome, result.version) == ("accepted", 3)
    assert migrate.apply(url) == [], "a second run applies nothing"

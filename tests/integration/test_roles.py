"""Least privilege (migration 0008): each job's role may do its job and is refused the rest.

The end-to-end and scheduler tests prove each role can do its job through the DAGs (every
task connects as its role); this module proves what each role is refused, on the real server.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from ingest.config import JOB_ROLES, Settings
from stack import pipeline, warehouse

pytestmark = pytest.mark.integration

REFUSED = (psycopg.errors.InsufficientPrivilege,)


@pytest.fixture
def roles(fresh_db: Settings) -> dict[str, str]:
    """URLs of every role on a fresh, migrated warehouse with one mart table built by dbt's
    role (and granted as dbt grants it)."""
    wh = warehouse.urls(fresh_db)
    with psycopg.connect(wh.of("transformer"), autocommit=True) as conn:
        conn.execute("create table marts.fct_example (institution_code text, figure int)")
        conn.execute("insert into marts.fct_example values ('VDI', 1)")
        conn.execute("grant select on marts.fct_example to bi_reader, publisher")
    return {**wh.role_urls, "owner": wh.url, "bi_reader": wh.bi_url}


def _allowed(url: str, statement: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(statement)
        conn.rollback()


def _refused(url: str, statement: str) -> None:
    with psycopg.connect(url) as conn, pytest.raises(REFUSED):
        conn.execute(statement)


RAW_ROW = (
    "insert into raw.portal_requests (institution_code, portal_service_code, period_grain,"
    " period_start, channel, request_count, batch_id, source_line) values ('VDI', 'EP72',"
    " 'month', '2016-01-01', 'portal', 1, gen_random_uuid(), 1)"
)
# The loader creates a year's partition when it first loads that year (0009).
LOADER_RAW_ROW = (
    "create table raw.portal_requests_y2016 partition of raw.portal_requests"
    " for values from ('2016-01-01') to ('2017-01-01'); " + RAW_ROW
)
LOG_ROW = (
    "insert into audit.submission_log (reporting_year, institution_code, outcome)"
    " values (2016, 'VDI', 'failed')"
)


@pytest.mark.parametrize(
    ("role", "statement"),
    [
        ("loader", "select * from marts.fct_example"),
        ("loader", "create table marts.x (a int)"),
        ("loader", "insert into audit.dbt_builds (invocation_id, project_sha256, started_at)"
                   " values ('x', 'y', now())"),
        ("loader", LOG_ROW),
        ("transformer", RAW_ROW),
        ("transformer", "update audit.load_batches set status = 'failed'"),
        ("transformer", "delete from raw.intake_files"),
        ("transformer", LOG_ROW),
        ("publisher", RAW_ROW),
        ("publisher", "create table marts.x (a int)"),
        ("publisher", "delete from marts.fct_example"),
        ("publisher", "select submitter_name from raw.intake_files"),
        ("publisher", "select submitter_email from raw.intake_files"),
        ("publisher", "select * from raw.intake_submission_rows"),
        ("bi_reader", "select * from raw.portal_requests"),
        ("bi_reader", "select * from audit.load_batches"),
        ("bi_reader", "insert into marts.fct_example values ('X', 2)"),
        ("bi_reader", "create temp table t (a int)"),
    ],
)  # fmt: skip
def test_each_role_is_refused_what_is_not_its_job(
    roles: dict[str, str], role: str, statement: str
) -> None:
    _refused(roles[role], statement)


@pytest.mark.parametrize(
    ("role", "statement"),
    [
        ("loader", LOADER_RAW_ROW),
        ("loader", "create temp table t (a int)"),
        ("transformer", "select * from raw.portal_requests"),
        ("transformer", "insert into audit.dbt_builds (invocation_id, project_sha256, started_at)"
                        " values ('x', 'y', now())"),
        ("transformer", "create table marts.y (a int)"),
        ("publisher", "select * from marts.fct_example"),
        ("publisher", "select original_name, outcome from raw.intake_files"),
        ("publisher", LOG_ROW),
        ("bi_reader", "select * from marts.fct_example"),
    ],
)  # fmt: skip
def test_each_role_may_do_its_job(roles: dict[str, str], role: str, statement: str) -> None:
    _allowed(roles[role], statement)


def test_only_the_owner_creates_in_raw_audit_and_nobody_else_migrates(
    roles: dict[str, str],
) -> None:
    for role in ("transformer", "publisher", "bi_reader"):
        _refused(roles[role], "create table raw.x (a int)")
    for role in (*JOB_ROLES, "bi_reader"):
        _refused(roles[role], "create table audit.x (a int)")
        _refused(roles[role], "drop table audit.schema_migrations")
    _allowed(roles["owner"], "create table audit.x (a int)")


def test_tasks_get_the_job_roles_never_the_owner(fresh_db: Settings, tmp_path: Path) -> None:
    """Airflow's environment carries one connection per job role and no owner password."""
    from dataclasses import replace

    settings = replace(fresh_db, airflow_home=tmp_path / "airflow")
    wh = warehouse.urls(settings)
    env = pipeline.base_env(settings, wh.url)
    conns = {k: v for k, v in env.items() if k.startswith("AIRFLOW_CONN_WAREHOUSE")}
    assert conns == {
        "AIRFLOW_CONN_WAREHOUSE_LOADER": wh.of("loader"),
        "AIRFLOW_CONN_WAREHOUSE_TRANSFORMER": wh.of("transformer"),
        "AIRFLOW_CONN_WAREHOUSE_PUBLISHER": wh.of("publisher"),
    }
    owner_password = psycopg.conninfo.conninfo_to_dict(wh.url)["password"]
    assert not [k for k, v in env.items() if owner_password in v]

"""Shared pieces of the project's Airflow DAGs: defaults, schedules, assets, pools, timeouts
and the warehouse URL.

Kept free of heavy imports: the DAG processor imports this module on every parse.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset, CronTriggerTimetable

from ingest.config import (  # noqa: F401 (the roles are re-exported to the DAGs)
    DBT_POOL,
    LOADER_ROLE,
    PUBLISHER_ROLE,
    TRANSFORMER_ROLE,
    load_settings,
)
from ops.alerts import DataTeamNotifier
from ops.run_dates import RIGA

OWNER = "data-engineering"
TIMEZONE = "Europe/Riga"

DEFAULT_ARGS = {
    "owner": OWNER,
    # 2 under a scheduler; `make run` sets TASK_RETRIES=0 (it should fail fast, not wait).
    "retries": load_settings().task_retries,
    "retry_delay": timedelta(seconds=load_settings().task_retry_delay_seconds),
    "retry_exponential_backoff": True,
    # Fires once a task has no retries left: mails ALERT_EMAILS (nothing when unset).
    "on_failure_callback": [DataTeamNotifier()],
    "execution_timeout": timedelta(hours=1),
}

# Every task that runs dbt (freshness, build, docs) takes its one slot from this pool.
DBT = {"pool": DBT_POOL, "execution_timeout": timedelta(minutes=45)}
# Great Expectations suites (raw tables, yearly candidates).
GX_TIMEOUT = timedelta(minutes=30)


def riga_cron(expression: str) -> CronTriggerTimetable:
    """A cron schedule in Latvian local time (follows daylight saving: 02:00 stays 02:00)."""
    assert str(RIGA) == TIMEZONE
    return CronTriggerTimetable(expression, timezone=TIMEZONE)


# Raw intake tables changed (plans, yearly submissions): the transformation should run.
RAW_INTAKE = Asset("warehouse_raw_intake")
# Portal statistics were (re)loaded: the transformation should run.
RAW_PORTAL = Asset("warehouse_raw_portal")
# The dbt marts were rebuilt: downstream consumers (the annual submission, BI) may read them.
MARTS = Asset("warehouse_marts")


def warehouse_url(role: str) -> str:
    """The warehouse URL for a job ``role`` (loader, transformer or publisher) from the Airflow
    connection ``warehouse_<role>`` (``AIRFLOW_CONN_WAREHOUSE_<ROLE>``): each task connects as
    the least-privileged role its job needs."""
    from airflow.sdk import Connection

    from ingest.config import JOB_ROLES, postgres_url, role_conn_id

    if role not in JOB_ROLES:
        raise ValueError(f"unknown warehouse role {role!r}: one of {', '.join(JOB_ROLES)}")
    conn = Connection.get(role_conn_id(role))
    if not conn.host:
        raise ValueError(f"Airflow connection {role_conn_id(role)!r} has no host")
    return postgres_url(
        conn.host, conn.port or 5432, conn.login or "", conn.password or "", conn.schema or ""
    )

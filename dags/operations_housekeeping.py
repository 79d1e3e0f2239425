"""Daily operations checks and retention: raw-data freshness alerts, Airflow metadata and logs."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from common import DBT, DEFAULT_ARGS, TRANSFORMER_ROLE, riga_cron, warehouse_url

DOCS = """
### operations_housekeeping
- **check_source_freshness** — `dbt source freshness` on the raw tables. A source beyond its
  `error_after` (portal statistics: 3 days; yearly submissions: 430 days) fails the task, which
  alerts the data team: a nightly load did not run, or ran and brought nothing new. This runs on
  its own clock because a load that never ran triggers nothing downstream. Pool `dbt`.
- **clean_airflow_metadata** — `airflow db clean` of everything older than
  `AIRFLOW_RETENTION_DAYS` (default 30; no archive tables kept), through the connection
  `airflow_metadata` (Airflow 3 tasks have no metadata access of their own).
- **prune_task_logs** — deletes task log files older than the same retention.

Daily at 07:00 Europe/Riga, after the nightly loads (02:00, 03:00).

**On failure** of the freshness check: look at `portal_statistics_nightly`'s last runs (did
it run? did it skip every file as unchanged?) and at the portal's publication. The other two
tasks are safe to clear and retry.
"""


@dag(
    dag_id="operations_housekeeping",
    schedule=riga_cron("0 7 * * *"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["operations"],
    doc_md=DOCS,
)
def operations_housekeeping() -> None:
    @task(**DBT)
    def check_source_freshness() -> dict:
        from ingest import refresh
        from ingest.config import load_settings

        return refresh.check_freshness(
            load_settings(), warehouse_url(TRANSFORMER_ROLE), fail_on_error=True
        )

    @task
    def clean_airflow_metadata() -> str:
        from airflow.sdk import Connection

        from ingest.config import load_settings
        from ops import maintenance

        days = load_settings().retention_days
        output = maintenance.clean_metadata(days, Connection.get("airflow_metadata").get_uri())
        print(output[-4000:])
        return f"metadata older than {days} days cleaned"

    @task
    def prune_task_logs() -> str:
        from pathlib import Path

        from airflow.sdk import conf

        from ingest.config import load_settings
        from ops import maintenance

        days = load_settings().retention_days
        folder = Path(conf.get("logging", "base_log_folder"))
        pruned = maintenance.prune_logs(folder, days)
        print(f"deleted {pruned.describe()} older than {days} days from {folder}")
        return pruned.describe()

    check_source_freshness()
    clean_airflow_metadata()
    prune_task_logs()


operations_housekeeping()

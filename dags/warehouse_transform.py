"""Build the dbt marts: the only place dbt runs from Airflow."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, get_current_context, task

from common import DEFAULT_ARGS, MARTS, RAW_INTAKE, RAW_PORTAL, warehouse_url

DOCS = """
### warehouse_transform
Runs the raw-data GX suites (`expectations/raw_data.py`; an `error` stops here),
`dbt source freshness` (stale raw tables are reported as warnings in the log, not fatal),
`dbt build` (models, seeds, data tests, unit tests), then `dbt docs generate` into
`<DBT_TARGET_DIR>/docs/index.html` — the steps of `ingest.refresh`, the one transformation
code path (`annual_indicator_submission` runs the same steps).
Scheduled on the `warehouse_raw_intake` or `warehouse_raw_portal`
asset, so it runs after any load; publishes `warehouse_marts` when the marts are rebuilt.

**On failure**: the log names each failing model or test; `dbt_project/target/run_results.json`
has the details. Marts of a failed build keep their previous contents where dbt did not
replace them. Fix the data or model and clear the task.
"""


@dag(
    dag_id="warehouse_transform",
    schedule=(RAW_INTAKE | RAW_PORTAL),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["transform", "dbt"],
    doc_md=DOCS,
)
def warehouse_transform() -> None:
    @task
    def validate_raw() -> dict:
        """GX suites on the raw tables (expectations/raw_data.py): an error stops the build."""
        from ingest import refresh

        return refresh.validate_raw(warehouse_url())

    @task
    def source_freshness() -> dict:
        """How old the newest raw rows are, per source table (warn_after in the sources yml)."""
        from ingest import refresh
        from ingest.config import load_settings

        return refresh.check_freshness(load_settings(), warehouse_url())

    @task(outlets=[MARTS])
    def dbt_build() -> dict:
        from ingest import refresh
        from ingest.config import load_settings

        # Statuses (e.g. submission status) are computed as of the run's logical date.
        as_of = get_current_context()["logical_date"].date()
        summary = refresh.build(load_settings(), warehouse_url(), as_of)
        print(summary.describe())
        return {"invocation_id": summary.invocation_id, "description": summary.describe()}

    @task
    def dbt_docs() -> str:
        """The documentation site (models, columns, lineage) beside the build's artefacts."""
        from ingest import transform
        from ingest.config import load_settings

        settings = load_settings()
        docs_dir = settings.dbt_target_dir / "docs"
        transform.run_dbt(warehouse_url(), settings.dbt_project_dir, docs_dir, "docs generate")
        print(f"dbt docs site: {docs_dir / 'index.html'}")
        return str(docs_dir / "index.html")

    validate_raw() >> source_freshness() >> dbt_build() >> dbt_docs()


warehouse_transform()

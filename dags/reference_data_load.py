"""Load the real VDI reference table into the raw intake tables (plan + 2016 submission)."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from common import DEFAULT_ARGS, RAW_INTAKE, warehouse_url

DOCS = """
### reference_data_load
Loads `data/reference/` (the real VDI report table) through `ingest.reference_load`:
VDI's implementation plan (2012 forecasts) into `raw.implementation_plans` / `raw.plan_services`
and its 2016 submission into `raw.yearly_submissions`, with lineage in `audit.load_batches`.

**Idempotent**: unchanged files are skipped; a changed file replaces its plan or
institution-year in one transaction. Safe to clear and re-run.

**On failure**: the task log lists every bad file/row/column; fix the file in
`data/reference/` (or `REFERENCE_DATA_DIR`) and clear the task. Nothing partial is committed.
"""


@dag(
    dag_id="reference_data_load",
    schedule="0 1 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "reference", "vdi"],
    doc_md=DOCS,
)
def reference_data_load() -> None:
    @task
    def load_plan() -> str:
        from ingest import reference_load
        from ingest.config import load_settings

        return str(reference_load.load_plan(warehouse_url(), load_settings().reference_dir))

    @task(outlets=[RAW_INTAKE])
    def load_submission() -> str:
        from ingest import reference_load
        from ingest.config import load_settings

        return str(reference_load.load_submission(warehouse_url(), load_settings().reference_dir))

    load_plan() >> load_submission()


reference_data_load()

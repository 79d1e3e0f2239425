"""Gate and write the annual indicator submission of one institution and year."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, get_current_context, task

from common import DEFAULT_ARGS, warehouse_url

DOCS = """
### annual_indicator_submission
Validates the year's indicators of an institution (Great Expectations suite
`expectations/yearly_extract.py`) and, only if every `error` expectation passes, writes
`extracts/<year>/<institution>/vNNNN/` (CSV + `manifest.json`, `latest` symlink). Re-running
with unchanged data writes nothing new. Each attempt is logged in `audit.submission_log`.

Params: `year` (default: the year before the run's logical date) and `institution`.
Scheduled yearly on 2 March, after the 1 March due date.

**On failure**: the task log names each failed expectation and the offending service keys;
no extract was written. Fix the submission data, rebuild the marts, trigger again.
"""


@dag(
    dag_id="annual_indicator_submission",
    schedule="0 6 2 3 *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 0},
    tags=["submission", "quality-gate", "extract"],
    doc_md=DOCS,
    params={
        "year": Param(None, type=["null", "integer"], description="Reporting year"),
        "institution": Param("VDI", type="string", description="Institution code"),
    },
)
def annual_indicator_submission() -> None:
    @task
    def validate_and_write() -> dict:
        from ingest import annual_submission
        from ingest.config import load_settings

        context = get_current_context()
        params = context["params"]
        year = params["year"] or context["logical_date"].year - 1
        result = annual_submission.submit(
            warehouse_url(), load_settings().extracts_dir, int(year), params["institution"]
        )
        return {"status": result.status, "version": result.version, "path": str(result.path)}

    validate_and_write()


annual_indicator_submission()

"""Gate and write the annual indicator submission of one institution and year(s)."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, get_current_context, task

from common import DEFAULT_ARGS, warehouse_url

DOCS = """
### annual_indicator_submission
1. **refresh_marts** — the transformation through the same code path as `warehouse_transform`
   (`ingest.refresh`: raw-data GX suites, `dbt source freshness`, `dbt build`).
2. **gate_and_write** (one mapped task per year) — the year's candidate against the GX suite
   `expectations/yearly_extract.py`. Pass: `extracts/<year>/<institution>/vNNNN/` (CSV, XLSX,
   report, Data Docs, manifest; `latest` symlink); unchanged data writes nothing new. Fail: no
   extract, a failure report under `extracts/<year>/<institution>/failed/`, the task fails.
   Every attempt is logged in `audit.submission_log`.

Params: `year` (default: the year before the run's logical date) or `years` (a list), and
`institution`. Scheduled yearly on 2 March, after the 1 March due date.

**On failure**: the task log names each failed expectation and its offending service keys;
the failure report shows the offending rows. Fix the submission (a new version through the
intake), then trigger again.
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
        "years": Param(
            None,
            type=["null", "array"],
            items={"type": "integer"},
            description="Several reporting years (overrides year)",
        ),
        "institution": Param("VDI", type="string", description="Institution code"),
    },
)
def annual_indicator_submission() -> None:
    @task
    def refresh_marts() -> dict:
        """Raw suites, freshness and dbt build: the one transformation code path."""
        from ingest import refresh
        from ingest.config import load_settings

        as_of = get_current_context()["logical_date"].date()
        result = refresh.refresh_marts(load_settings(), warehouse_url(), as_of)
        print(result.describe())
        return {"invocation_id": result.build.invocation_id}

    @task
    def reporting_years() -> list[int]:
        context = get_current_context()
        params = context["params"]
        years = params.get("years") or [params["year"] or context["logical_date"].year - 1]
        return sorted({int(y) for y in years})

    @task(map_index_template="{{ task.op_kwargs['year'] }}")
    def gate_and_write(year: int, build: dict) -> dict:
        from expectations.yearly_extract import GateThresholds
        from ingest import annual_submission
        from ingest.config import load_settings

        settings = load_settings()
        result = annual_submission.submit(
            warehouse_url(),
            settings.extracts_dir,
            year,
            get_current_context()["params"]["institution"],
            limits=GateThresholds(settings.gate_portal_tolerance, settings.gate_yoy_factor),
            dbt_invocation_id=build["invocation_id"],
        )
        return {"status": result.status, "version": result.version, "path": str(result.path)}

    build = refresh_marts()
    years = reporting_years()
    build >> years
    gate_and_write.partial(build=build).expand(year=years)


annual_indicator_submission()

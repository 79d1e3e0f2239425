"""Gate and write the annual indicator submission of one institution and year(s)."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, get_current_context, task

from common import (
    DBT,
    DEFAULT_ARGS,
    GX_TIMEOUT,
    PUBLISHER_ROLE,
    TRANSFORMER_ROLE,
    riga_cron,
    warehouse_url,
)

DOCS = """
### annual_indicator_submission
1. **refresh_marts** — the transformation through the same code path as `warehouse_transform`
   (`ingest.refresh`: raw-data GX suites, `dbt source freshness`, `dbt build`; the build is
   skipped when no raw batch is newer than the last build). Pool `dbt`.
2. **gate_and_write** (one mapped task per year) — the candidates of every institution whose
   monitoring window covers the year (or of `institution`) against the GX suite
   `expectations/yearly_extract.py`, in **one** GX run with one Data Docs site
   (`extracts/<year>/validations/<stamp>-<id>/`); the decision is taken per institution. Pass:
   `extracts/<year>/<institution>/vNNNN/` (CSV, XLSX, report, manifest; `latest` symlink);
   unchanged data writes nothing new. Refused: no extract, a failure report under
   `extracts/<year>/<institution>/failed/`; the others are still written. A refusal is an
   outcome, not a crash: the task succeeds, returns each institution's outcome (`written`,
   `unchanged`, `refused`, `not_due`) with the refusal reasons, and alerts the data team. Only
   a run asked about one `institution` fails when that one is refused. Without `institution`,
   the year's **national extract** follows: `extracts/<year>/_national/vNNNN/` (summary of
   every institution due, the rows of those that passed, the refused with their reasons). A
   year no window covers is skipped. Every attempt is logged in `audit.submission_log`.

Params: `year` or `years` (a list), and `institution` (default: every institution due). Without
a year the reporting year is the year before the run's date in Latvia (`dag_run.run_after`,
which every kind of run has).
Scheduled yearly on 2 March 06:00 Europe/Riga, after the 1 March due date.

**Backfill** past years with Airflow's backfill over this yearly schedule:
`make backfill-annual FROM=2015 TO=2019` creates the runs due on 2 March 2016 … 2020, one at a
time; each reports the year before its date. Re-running a year writes no new extract version
when its data did not change.

**On failure**: the task log and the alert name each failed expectation and its offending
service keys; the failure report shows the offending rows. Fix the submission (a new version
through the intake), then trigger again (or clear the task).
"""


@dag(
    dag_id="annual_indicator_submission",
    schedule=riga_cron("0 6 2 3 *"),
    # Early enough for backfills of every reporting year since 2015 (runs from 2 March 2016).
    start_date=datetime(2016, 1, 1),
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
        "institution": Param(
            None,
            type=["null", "string"],
            description="One institution's code (default: every institution due that year)",
        ),
    },
)
def annual_indicator_submission() -> None:
    @task(**DBT)
    def refresh_marts() -> dict:
        """Raw suites, freshness and dbt build: the one transformation code path."""
        from ingest import refresh
        from ingest.config import load_settings
        from ops.run_dates import as_of_date

        as_of = as_of_date(get_current_context())
        result = refresh.refresh_marts(load_settings(), warehouse_url(TRANSFORMER_ROLE), as_of)
        print(result.describe())
        return {"invocation_id": result.build.invocation_id, "skipped": result.build.skipped}

    @task
    def reporting_years() -> list[int]:
        from ops.run_dates import reporting_years as years_of

        return years_of(get_current_context())

    @task(map_index_template="{{ task.op_kwargs['year'] }}", execution_timeout=GX_TIMEOUT)
    def gate_and_write(year: int, build: dict) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from expectations.yearly_extract import GateThresholds
        from ingest.config import load_settings
        from publish import annual_submission

        settings = load_settings()
        institution = get_current_context()["params"]["institution"]
        try:
            result = annual_submission.submit_year(
                warehouse_url(PUBLISHER_ROLE),
                settings.extracts_dir,
                year,
                [institution] if institution else None,
                limits=GateThresholds(settings.gate_portal_tolerance, settings.gate_yoy_factor),
                dbt_invocation_id=build["invocation_id"],
                contact=settings.extract_contact,
                say=print,
            )
        except annual_submission.NotDue as exc:
            raise AirflowSkipException(f"nothing due: {exc}") from exc
        if institution:  # asked about one institution-year: its refusal fails the run
            result.raise_for_refusals()
        elif result.refused:  # an outcome, not a crash: the others were written
            from ops import alerts

            for line in result.describe_refusals():
                print(line)
            try:
                alerts.send(
                    alerts.compose_refusals(get_current_context(), result.describe_refusals())
                )
            except Exception as exc:  # a mail server down must not undo what was written
                print(f"WARNING: the refusal alert could not be sent: {exc!r}")
        return {
            "outcomes": {o.institution: o.status for o in result.outcomes},
            "refused": {o.institution: list(o.reasons) for o in result.refused},
            "national": str(result.national.path) if result.national else None,
        }

    build = refresh_marts()
    years = reporting_years()
    build >> years
    gate_and_write.partial(build=build).expand(year=years)


annual_indicator_submission()

"""Build the dbt marts: the only place dbt runs from Airflow."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, get_current_context, task

from common import (
    DBT,
    DEFAULT_ARGS,
    GX_TIMEOUT,
    MARTS,
    PUBLISHER_ROLE,
    RAW_INTAKE,
    RAW_PORTAL,
    TRANSFORMER_ROLE,
    warehouse_url,
)

DOCS = """
### warehouse_transform
Runs the raw-data GX suites (`expectations/raw_data.py`; an `error` stops here),
`dbt source freshness` (stale raw tables are reported as warnings in the log, not fatal),
`dbt build` (models, seeds, data tests, unit tests), then `dbt docs generate` when what the
site shows changed (`ingest.refresh.docs_fingerprint`), published as
`<DBT_TARGET_DIR>/docs/index.html` — the steps of `ingest.refresh`, the one transformation
code path (`annual_indicator_submission` runs the same steps). `changes_since_last_build`
skips every step when no raw load batch is newer than the last successful build (same dbt
project, same as-of date): a load that brought nothing new costs no rebuild.
Scheduled on the `warehouse_raw_intake` or `warehouse_raw_portal`
asset, so it runs after any load; publishes `warehouse_marts` when the marts are rebuilt.
dbt tasks run one at a time (pool `dbt`); each invocation keeps its artefacts in its own
folder `<DBT_TARGET_DIR>/runs/<stamp>-<command>-<id>/` (`latest_build` links the last build).

`provisional_outlook` then writes the open year's provisional report per institution
(`<EXTRACTS_DIR>/<year>/<institution>/provisional/as-of-<date>/`: the early-warning outlook,
re-forecasts and the action plan's status and effect, marked PROVISIONAL; the quality gate does
not run on open years) and sends one alert per service whose outlook turned
`projected_to_miss` since the previous as-of date (`audit.outlook_alerts` keeps what was sent).

**On failure**: the log names each failing model or test and the invocation's folder, whose
`run_results.json` has the details. Marts of a failed build keep their previous contents where
dbt did not replace them. Fix the data or model and clear the task.
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
    @task.short_circuit
    def changes_since_last_build() -> bool:
        """False (and every later task skipped) when the marts are already built from the
        current raw data, dbt project and as-of date: a load that brought nothing new."""
        from ingest import refresh
        from ingest.config import load_settings
        from ops.run_dates import as_of_date

        state = refresh.build_state(load_settings(), warehouse_url(TRANSFORMER_ROLE))
        current = state.up_to_date(as_of_date(get_current_context()))
        print("marts up to date: nothing to do" if current else "changes to build")
        return not current

    @task(execution_timeout=GX_TIMEOUT)
    def validate_raw() -> dict:
        """GX suites on the raw tables (expectations/raw_data.py): an error stops the build.
        Not re-run when no raw batch came since the last build (only the date changed)."""
        from ingest import refresh
        from ingest.config import load_settings

        return refresh.validate_raw_if_changed(load_settings(), warehouse_url(TRANSFORMER_ROLE))

    @task(**DBT)
    def source_freshness() -> dict:
        """How old the newest raw rows are, per source table (warn_after in the sources yml)."""
        from ingest import refresh
        from ingest.config import load_settings
        from ops.run_dates import as_of_date

        as_of = as_of_date(get_current_context())
        return refresh.check_freshness(
            load_settings(), warehouse_url(TRANSFORMER_ROLE), as_of=as_of
        )

    @task(outlets=[MARTS], **DBT)
    def dbt_build(validated: dict) -> dict:
        from ingest import refresh
        from ingest.config import load_settings
        from ops.run_dates import as_of_date

        # Statuses (e.g. submission status) are computed as of the run's date in Latvia
        # (dag_run.run_after: asset-triggered and manual runs have no logical date).
        outcome = refresh.build(
            load_settings(),
            warehouse_url(TRANSFORMER_ROLE),
            as_of_date(get_current_context()),
            validated=validated["raw_watermark"],
        )
        print(outcome.describe())
        return {
            "invocation_id": outcome.invocation_id,
            "skipped": outcome.skipped,
            "description": outcome.describe(),
        }

    @task(**DBT)
    def dbt_docs(build: dict) -> str:
        """The documentation site (models, columns, lineage), published to one stable path;
        regenerated only when what it shows changed (ingest.refresh.docs_fingerprint)."""
        from ingest import refresh
        from ingest.config import load_settings
        from ops.run_dates import as_of_date

        index, generated = refresh.generate_docs_if_changed(
            load_settings(), warehouse_url(TRANSFORMER_ROLE), as_of_date(get_current_context())
        )
        print(f"dbt docs site{'' if generated else ' (unchanged)'}: {index}")
        return str(index)

    @task
    def provisional_outlook(build: dict) -> dict:
        """The open year's provisional reports and the early-warning alerts (one per service
        that turned projected_to_miss; a rerun for the same date sends nothing again)."""
        from ingest.config import load_settings
        from ops import alerts
        from ops.run_dates import outlook_as_of_date
        from publish import provisional

        context = get_current_context()
        as_of = outlook_as_of_date(context)
        url = warehouse_url(PUBLISHER_ROLE)
        reports = provisional.write_reports(url, load_settings().extracts_dir, as_of)
        for report in reports:
            print(report.describe())
        alerted = provisional.alert_turned_to_miss(
            url, as_of, lambda row: alerts.send(alerts.compose_outlook(context, row))
        )
        print(f"early-warning alerts: {len(alerted)} service(s) turned projected_to_miss"
              + (f" ({', '.join(alerted)})" if alerted else ""))  # fmt: skip
        return {"as_of": as_of.isoformat(), "reports": [str(r.directory) for r in reports],
                "alerted": alerted}  # fmt: skip

    validated = validate_raw()
    build = dbt_build(validated)
    changes_since_last_build() >> validated >> source_freshness() >> build
    dbt_docs(build)
    provisional_outlook(build)


warehouse_transform()

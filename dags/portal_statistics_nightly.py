"""Load the state portal's e-service usage statistics, nightly and for backfills."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, get_current_context, task

from common import DEFAULT_ARGS, LOADER_ROLE, RAW_PORTAL, riga_cron, warehouse_url

DOCS = """
### portal_statistics_nightly
Loads latvija.lv e-service statistics (requests per e-service, period and electronic
sub-channel) through `ingest.portal.nightly.run` into `raw.portal_requests`. Bad rows go to
`raw.portal_requests_quarantine` with file, line, column and reason; every file is a batch in
`audit.load_batches` (rows read = loaded + quarantined + outside the range).

Params: `source` (`files`: the drop folder `PORTAL_DROP_DIR`; `ckan`: the CKAN dataset
`CKAN_BASE_URL` / `CKAN_DATASET_ID`), `period_from` / `period_to` (`2015` or `2015-01`; empty:
every new or changed file), `force` (reload unchanged files). Backfill whole years with one run,
e.g. `{"period_from": "2015", "period_to": "2019"}`.

**Why a period range, not Airflow's interval backfill**: a portal export covers whatever
months it covers (a year file, a corrected month, a CKAN resource replaced in place), not one
run's day, and the loader replaces exactly the periods each file holds in one transaction.
Reloading 2015–2019 is therefore one run over the range (`make backfill-portal FROM=2015
TO=2019`), not ~1 800 daily runs that would each re-read the same files; the nightly run
itself needs no date (it loads every new or changed file).

**Idempotent**: unchanged files/resources are skipped; a changed file replaces the periods it
covers in one transaction. Publishes `warehouse_raw_portal` for the transformation.

**On failure** — one file never stops the others. A file that cannot be read (missing columns, a NUL
byte, …) is a `failed` batch; a reload that would remove more than `PORTAL_MAX_SHRINK` (20 %)
of the rows or requests of a period it replaces is `held` (nothing changes; rerun with
`force_replace` if the file is right). Both are named by `report_problems`, which then fails
the run so the data team is alerted; the other files were loaded and published.
Connection errors and 5xx/429 from CKAN are retried with backoff before failing.
"""


@dag(
    dag_id="portal_statistics_nightly",
    schedule=riga_cron("0 3 * * *"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "portal"],
    doc_md=DOCS,
    params={
        "source": Param(
            None,
            type=["null", "string"],
            enum=[None, "files", "ckan"],
            description="files or ckan; empty: PORTAL_SOURCE",
        ),
        "period_from": Param(None, type=["null", "string"], description="2015 or 2015-01"),
        "period_to": Param(None, type=["null", "string"], description="2019 or 2019-12"),
        "force": Param(False, type="boolean", description="reload unchanged files too"),
        "force_replace": Param(
            False,
            type="boolean",
            description="apply a reload that would shrink the periods it replaces "
            "(held otherwise, see PORTAL_MAX_SHRINK)",
        ),
    },
)
def portal_statistics_nightly() -> None:
    @task(outlets=[RAW_PORTAL])
    def load_portal_statistics() -> list[str]:
        from ingest.config import load_settings
        from ingest.portal import nightly

        params = get_current_context()["params"]
        summary = nightly.run(
            warehouse_url(LOADER_ROLE),
            load_settings(),
            source=params["source"],
            period_from=params["period_from"],
            period_to=params["period_to"],
            force=params["force"],
            force_replace=params.get("force_replace", False),
        )
        print(summary.describe())
        return summary.problems

    @task
    def report_problems(problems: list[str]) -> None:
        """Fails (and so alerts) when a file failed or was held; the others were loaded and
        published by then."""
        from ingest.portal.nightly import raise_for_problems

        raise_for_problems(problems)

    report_problems(load_portal_statistics())


portal_statistics_nightly()

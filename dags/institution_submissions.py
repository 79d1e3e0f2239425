"""Take in institutions' implementation plans and yearly indicator submissions."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from common import DEFAULT_ARGS, LOADER_ROLE, RAW_INTAKE, riga_cron, warehouse_url

DOCS = """
### institution_submissions
Processes every file in the intake inbox (`INTAKE_INBOX_DIR`) through
`ingest.intake.inbox.process_inbox`: checksum, read (CSV or XLSX, Latvian or English headers),
validate row by row, load as a new version (or reject into quarantine), move to the archive
(`INTAKE_ARCHIVE_DIR`) with a receipt in Latvian and English beside it. Plans go first.
Publishes `warehouse_raw_intake`, on which the transformation runs.

Nightly, and on demand (`make dag DAG=institution_submissions`) after someone drops a file.

**One file never stops the others.** A file whose processing raises unexpectedly is set
aside in `<archive>/_failed/` with a receipt and a failed batch (checksum, error); the run goes
on, then `report_set_aside` fails so the data team is alerted. Put the file back in the inbox
once the cause is fixed.

**Rejected files are not a DAG failure**: the receipt says what to fix; the institution
re-submits. The same bytes sent twice are recognised and not loaded twice.

**On failure** (database unreachable, disk full): files not yet processed stay in the inbox;
clear the task to retry. A file is archived only after its rows were committed.
"""


@dag(
    dag_id="institution_submissions",
    schedule=riga_cron("0 2 * * *"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "intake", "submissions"],
    doc_md=DOCS,
)
def institution_submissions() -> None:
    @task(outlets=[RAW_INTAKE])
    def process_inbox() -> list[dict[str, str]]:
        from ingest.config import load_settings
        from ingest.intake.inbox import process_inbox as process

        settings = load_settings()
        results = process(
            warehouse_url(LOADER_ROLE),
            settings.inbox_dir,
            settings.archive_dir,
            results_dir=settings.extracts_dir,
        )
        for result in results:
            print(result.describe())
        return [r.summary() for r in results]

    @task
    def report_set_aside(results: list[dict[str, str]]) -> None:
        """Fails (and so alerts) when a file was set aside; the valid files beside it were
        processed and published by then."""
        from ingest.intake.inbox import raise_for_failures

        raise_for_failures(results)

    report_set_aside(process_inbox())


institution_submissions()

"""Every DAG imports cleanly and carries what on-call needs (after telemetry-airflow)."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import ROOT

EXPECTED_DAGS = {
    "institution_submissions",
    "portal_statistics_nightly",
    "warehouse_transform",
    "annual_indicator_submission",
    "operations_housekeeping",
}
# Tasks that invoke dbt (they must share the one-slot pool) and tasks that run GX suites.
DBT_TASKS = {
    ("warehouse_transform", "source_freshness"),
    ("warehouse_transform", "dbt_build"),
    ("warehouse_transform", "dbt_docs"),
    ("annual_indicator_submission", "refresh_marts"),
    ("operations_housekeeping", "check_source_freshness"),
}
GX_TASKS = {
    ("warehouse_transform", "validate_raw"),
    ("annual_indicator_submission", "gate_and_write"),
}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_expected_dags_present(dagbag) -> None:
    assert EXPECTED_DAGS <= set(dagbag.dag_ids)


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_dag_has_docs_tags_owner_retries(dagbag, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    assert dag.doc_md and "On failure" in dag.doc_md, "doc_md must tell on-call what to do"
    assert dag.tags, "every DAG is tagged"
    for task in dag.tasks:
        assert task.owner == "data-engineering"
        assert task.retries is not None


def test_dag_files_import_nothing_heavy() -> None:
    """pandas, GX and dbt are imported inside tasks, never at DAG parse time."""
    import subprocess
    import sys

    paths = [str(p) for p in sorted((ROOT / "dags").glob("*.py"))]
    code = (
        f"import sys, runpy; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'dags')!r}];"
        f"[runpy.run_path(p) for p in {paths!r}];"
        "heavy = [m for m in ('pandas', 'great_expectations', 'dbt.cli.main') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1:] in ([], [""]), f"heavy imports: {out.stdout}"


# Calls that run dbt (ingest.refresh / ingest.transform): a task whose code makes one of them
# must take the dbt pool's slot.
_DBT_CALLS = (
    "refresh.build(",
    "refresh_marts(",
    "check_freshness(",
    "generate_docs(",
    "run_dbt(",
    "generate_docs_if_changed(",
)


def test_every_dbt_task_takes_the_one_dbt_pool_slot_and_has_a_timeout(dagbag) -> None:
    import inspect
    from datetime import timedelta

    from ingest.config import DBT_POOL

    in_pool = set()
    calls_dbt = set()
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            if task.pool == DBT_POOL:
                in_pool.add((dag.dag_id, task.task_id))
            code = inspect.getsource(task.python_callable)
            if any(call in code for call in _DBT_CALLS):
                calls_dbt.add((dag.dag_id, task.task_id))
    assert calls_dbt == DBT_TASKS, "a task that runs dbt is missing from DBT_TASKS"
    assert in_pool == DBT_TASKS
    for dag_id, task_id in DBT_TASKS:
        assert dagbag.dags[dag_id].get_task(task_id).execution_timeout == timedelta(minutes=45)
    for dag_id, task_id in GX_TASKS:
        assert dagbag.dags[dag_id].get_task(task_id).execution_timeout == timedelta(minutes=30)


def test_every_task_alerts_the_data_team_when_it_fails(dagbag) -> None:
    from ops.alerts import DataTeamNotifier

    for dag in dagbag.dags.values():
        for task in dag.tasks:
            callbacks = task.on_failure_callback or []
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert any(isinstance(c, DataTeamNotifier) for c in callbacks), task.task_id


def test_time_schedules_are_in_riga_time() -> None:
    """Cron schedules follow Latvian local time, daylight saving included: the nightly intake
    runs at 02:00 in Riga in January (00:00 UTC) and in July (23:00 UTC the day before)."""
    from datetime import UTC, datetime

    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.encoders import encode_timetable
    from airflow.timetables.base import TimeRestriction
    from airflow.timetables.trigger import CronTriggerTimetable

    dags = DagBag(dag_folder=str(ROOT / "dags")).dags
    # What the scheduler gets: the serialized timetable, turned back into the core class.
    encoded = {d: encode_timetable(dag.timetable) for d, dag in dags.items()}
    timed = {
        d: CronTriggerTimetable.deserialize(e["__var"])
        for d, e in encoded.items()
        if e["__type"] == "airflow.timetables.trigger.CronTriggerTimetable"
    }
    assert set(timed) == EXPECTED_DAGS - {"warehouse_transform"}
    for dag_id in timed:
        assert encoded[dag_id]["__var"]["timezone"] == "Europe/Riga", dag_id
    intake = timed["institution_submissions"]
    for month, utc_hour, day in ((1, 0, 15), (7, 23, 14)):
        after = datetime(2026, month, 14, 12, tzinfo=UTC)
        info = intake.next_dagrun_info(
            last_automated_data_interval=None,
            restriction=TimeRestriction(earliest=after, latest=None, catchup=True),
        )
        assert (info.run_after.month, info.run_after.day, info.run_after.hour) == (
            month, day, utc_hour,
        )  # fmt: skip


def test_no_dag_reads_the_logical_date() -> None:
    """Asset-triggered and manual runs have none (nor the keys derived from it): dates come
    from ops.run_dates."""
    import re

    derived = re.compile(
        r"logical_date|execution_date|data_interval_(start|end)|\bds(_nodash)?\b|\bts\b"
        r"|\{\{\s*ds|prev_ds|next_ds"
    )
    for path in sorted((ROOT / "dags").glob("*.py")):
        found = derived.search(path.read_text(encoding="utf-8"))
        assert found is None, f"{path.name}: {found and found.group(0)}"


def test_transform_validates_raw_data_before_building(dagbag) -> None:
    dag = dagbag.dags["warehouse_transform"]
    order = [
        "changes_since_last_build",
        "validate_raw",
        "source_freshness",
        "dbt_build",
        "dbt_docs",
    ]
    for upstream, downstream in itertools.pairwise(order):
        assert downstream in dag.get_task(upstream).downstream_task_ids
    # the provisional reports and early-warning alerts read the marts the build just made
    assert "provisional_outlook" in dag.get_task("dbt_build").downstream_task_ids


def test_annual_submission_refreshes_the_marts_before_every_gate(dagbag) -> None:
    """The gate never validates stale marts: refresh_marts (ingest.refresh, the transformation
    DAG's own steps) is upstream of the per-year gate; the gate never retries by itself."""
    dag = dagbag.dags["annual_indicator_submission"]
    gate = dag.get_task("gate_and_write")
    assert "refresh_marts" in gate.upstream_task_ids
    assert "reporting_years" in gate.upstream_task_ids
    assert all(task.retries == 0 for task in dag.tasks)


def test_one_transformation_code_path() -> None:
    """Only ingest/transform.py invokes dbt; the DAGs reach it through ingest.refresh."""
    offenders = [
        p.relative_to(ROOT).as_posix()
        for folder in ("dags", "ingest", "publish", "expectations")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if "dbtRunner" in p.read_text(encoding="utf-8") and p.name != "transform.py"
    ]
    assert offenders == []
    annual = (ROOT / "dags" / "annual_indicator_submission.py").read_text(encoding="utf-8")
    assert "refresh.refresh_marts(" in annual and "run_dbt" not in annual

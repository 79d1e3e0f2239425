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


def test_transform_validates_raw_data_before_building(dagbag) -> None:
    dag = dagbag.dags["warehouse_transform"]
    order = ["validate_raw", "source_freshness", "dbt_build", "dbt_docs"]
    for upstream, downstream in itertools.pairwise(order):
        assert downstream in dag.get_task(upstream).downstream_task_ids


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
        for folder in ("dags", "ingest", "expectations")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if "dbtRunner" in p.read_text(encoding="utf-8") and p.name != "transform.py"
    ]
    assert offenders == []
    annual = (ROOT / "dags" / "annual_indicator_submission.py").read_text(encoding="utf-8")
    assert "refresh.refresh_marts(" in annual and "run_dbt" not in annual

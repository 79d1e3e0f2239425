"""Every task that needs a date works in a run without ``logical_date`` (asset-triggered, or
started from the UI, CLI or REST API without a date): its dates come from ``run_after``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from ops import run_dates
from tests.conftest import ROOT

# 1 March 2026 22:30 UTC is already 2 March 00:30 in Riga (UTC+2 in winter).
RUN_AFTER = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)


def _context(**params: Any) -> dict[str, Any]:
    """What a run without a logical date gives a task: no ``logical_date`` key at all."""
    return {"dag_run": SimpleNamespace(run_after=RUN_AFTER, logical_date=None), "params": params}


def test_context_has_no_logical_date() -> None:
    with pytest.raises(KeyError):
        _context()["logical_date"]


def test_as_of_date_is_the_run_date_in_riga() -> None:
    assert run_dates.as_of_date(_context()) == date(2026, 3, 2)


def test_reporting_year_defaults_to_the_year_before_the_run() -> None:
    assert run_dates.reporting_years(_context(year=None, years=None)) == [2025]
    assert run_dates.reporting_years(_context(year=2016, years=None)) == [2016]
    assert run_dates.reporting_years(_context(year=2016, years=[2019, 2017, 2017])) == [2017, 2019]


def test_naive_run_after_is_refused() -> None:
    context = {"dag_run": SimpleNamespace(run_after=datetime(2026, 3, 2))}
    with pytest.raises(ValueError, match="timezone-aware"):
        run_dates.as_of_date(context)


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags")).dags


def _call(monkeypatch, task, context: dict[str, Any], **kwargs: Any) -> Any:
    """Run a TaskFlow task's function with ``context`` as its current context."""
    func = task.python_callable
    monkeypatch.setitem(func.__globals__, "get_current_context", lambda: context)
    # Each task asks for its job's role: the URL names it, so a test can see which was used.
    monkeypatch.setitem(
        func.__globals__, "warehouse_url", lambda role: f"postgresql://{role}:p@h:5/db"
    )
    return func(**kwargs)


def test_transform_build_task_without_logical_date(monkeypatch, dags) -> None:
    from ingest import refresh

    seen = {}

    def fake_build(settings, url, as_of, validated=None):
        seen["as_of"], seen["validated"], seen["url"] = as_of, validated, url
        return refresh.BuildOutcome("inv-1", True, "test")

    monkeypatch.setattr(refresh, "build", fake_build)
    task = dags["warehouse_transform"].get_task("dbt_build")
    validated = {"raw_watermark": "2026-03-01T20:00:00+00:00"}
    result = _call(monkeypatch, task, _context(), validated=validated)
    assert seen == {
        "as_of": date(2026, 3, 2),
        "validated": "2026-03-01T20:00:00+00:00",
        "url": "postgresql://transformer:p@h:5/db",  # dbt builds as the transformer role
    }
    assert result["invocation_id"] == "inv-1"


def test_transform_change_check_without_logical_date(monkeypatch, dags) -> None:
    from ingest import refresh

    seen = {}

    class State:
        def up_to_date(self, as_of):
            seen["as_of"] = as_of
            return True

    monkeypatch.setattr(refresh, "build_state", lambda settings, url: State())
    task = dags["warehouse_transform"].get_task("changes_since_last_build")
    assert _call(monkeypatch, task, _context()) is False, "up to date: the rest is skipped"
    assert seen["as_of"] == date(2026, 3, 2)


def test_transform_freshness_and_docs_without_logical_date(monkeypatch, dags, tmp_path) -> None:
    from ingest import refresh

    seen = {}
    monkeypatch.setattr(
        refresh, "check_freshness", lambda s, u, as_of=None: seen.setdefault("fresh", as_of)
    )

    def fake_docs(settings, url, as_of):
        seen["docs"] = as_of
        return tmp_path / "index.html", True

    monkeypatch.setattr(refresh, "generate_docs_if_changed", fake_docs)
    _call(monkeypatch, dags["warehouse_transform"].get_task("source_freshness"), _context())
    build = {"skipped": False}
    _call(monkeypatch, dags["warehouse_transform"].get_task("dbt_docs"), _context(), build=build)
    assert seen == {"fresh": date(2026, 3, 2), "docs": date(2026, 3, 2)}


def test_annual_refresh_task_without_logical_date(monkeypatch, dags) -> None:
    from ingest import refresh

    seen = {}

    def fake_refresh(settings, url, as_of):
        seen["as_of"] = as_of
        return refresh.RefreshResult({}, {}, refresh.BuildOutcome("inv-2", True, "test"))

    monkeypatch.setattr(refresh, "refresh_marts", fake_refresh)
    task = dags["annual_indicator_submission"].get_task("refresh_marts")
    assert _call(monkeypatch, task, _context())["invocation_id"] == "inv-2"
    assert seen["as_of"] == date(2026, 3, 2)


def test_annual_reporting_years_task_without_logical_date(monkeypatch, dags) -> None:
    task = dags["annual_indicator_submission"].get_task("reporting_years")
    assert _call(monkeypatch, task, _context(year=None, years=None, institution="VDI")) == [2025]
    assert _call(monkeypatch, task, _context(year=2016, years=None, institution="VDI")) == [2016]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"INTAKE_SEED_EXAMPLES": "false", "OUTLOOK_AS_OF_DATE": ""}, date(2026, 3, 2)),
        ({"OUTLOOK_AS_OF_DATE": "2019-06-30"}, date(2019, 6, 30)),
    ],
)
def test_provisional_outlook_without_logical_date(monkeypatch, dags, tmp_path, env, expected):
    """The provisional reports and alerts use the outlook's date: OUTLOOK_AS_OF_DATE (the demo's
    mid-2019) when set, else the run's date in Riga — the date dbt computed the outlook for."""
    from publish import provisional

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EXTRACTS_DIR", str(tmp_path))
    seen = {}
    monkeypatch.setattr(
        provisional,
        "write_reports",
        lambda url, folder, as_of: seen.update(report=(url, as_of)) or [],
    )
    monkeypatch.setattr(provisional, "alert_turned_to_miss",
                        lambda url, as_of, send: seen.update(alert=as_of) or [])  # fmt: skip
    task = dags["warehouse_transform"].get_task("provisional_outlook")
    result = _call(monkeypatch, task, _context(), build={"skipped": False})
    assert seen == {"report": ("postgresql://publisher:p@h:5/db", expected), "alert": expected}
    assert result["as_of"] == expected.isoformat()

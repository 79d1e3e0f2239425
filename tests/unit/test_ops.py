"""Alerts, retention and the dbt artefact layout: the logic, without a scheduler."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from ingest import transform
from ops import alerts, maintenance
from publish.annual_submission import SubmissionRefused


def _context(exception: BaseException | None, map_index: int = -1) -> dict:
    ti = SimpleNamespace(
        dag_id="annual_indicator_submission",
        task_id="gate_and_write",
        run_id="manual__2026-11-29T10:00:00+00:00",
        map_index=map_index,
        try_number=1,
        log_url="http://127.0.0.1:58080/dags/annual_indicator_submission/runs/manual__x/tasks/g",
    )
    return {"ti": ti, "exception": exception}


def test_refusal_alert_names_the_rules_services_run_and_link() -> None:
    refused = SubmissionRefused(
        "the 2016 extract for VDI was NOT written: 1 expectation(s) with severity 'error' "
        "failed:\n  - [error] reported electronic requests are within 10% of the portal's "
        "count … 1 offending row(s): VDI-07\nfailure report: /x/report.html"
    )
    alert = alerts.compose(_context(refused, map_index=0))
    assert "REFUSED" in alert.subject and "annual_indicator_submission" in alert.subject
    assert "gate_and_write[0]" in alert.text
    assert "manual__2026-11-29T10:00:00+00:00" in alert.text
    assert "VDI-07" in alert.text and "within 10% of the portal" in alert.text
    assert alert.text.count("http://127.0.0.1:58080/dags/annual_indicator_submission/") == 1
    markup = alerts.compose(_context(RuntimeError("<script>x</script> & more"))).html()
    assert "&lt;script&gt;" in markup and "<script>" not in markup


def test_failure_alert_keeps_the_first_useful_lines() -> None:
    error = RuntimeError("\n".join(f"line {i}" for i in range(40)))
    alert = alerts.compose(_context(error))
    assert "task failed" in alert.subject and "REFUSED" not in alert.subject
    assert "line 0" in alert.text and "line 14" in alert.text and "line 15" not in alert.text
    assert "(25 more lines)" in alert.text
    assert alerts.useful_error_lines(None)[0].startswith("(no exception")


def test_notifier_sends_nothing_without_recipients(monkeypatch, caplog) -> None:
    monkeypatch.delenv("ALERT_EMAILS", raising=False)
    alerts.DataTeamNotifier().notify(_context(RuntimeError("boom")))
    assert "alert not sent (ALERT_EMAILS is empty)" in caplog.text


def test_prune_logs_deletes_only_old_files_and_empty_folders(tmp_path: Path) -> None:
    old_dir = tmp_path / "dag_id=a" / "run_id=old"
    new_dir = tmp_path / "dag_id=a" / "run_id=new"
    old_dir.mkdir(parents=True)
    new_dir.mkdir(parents=True)
    (old_dir / "attempt=1.log").write_text("x" * 100)
    (new_dir / "attempt=1.log").write_text("y")
    forty_days_ago = time.time() - 40 * 86400
    os.utime(old_dir / "attempt=1.log", (forty_days_ago, forty_days_ago))
    pruned = maintenance.prune_logs(tmp_path, 30, now=datetime.now(UTC))
    assert (pruned.files, pruned.bytes, pruned.folders) == (1, 100, 1)
    assert not old_dir.exists() and (new_dir / "attempt=1.log").exists()
    assert maintenance.prune_logs(tmp_path / "missing", 30).files == 0


def test_dbt_invocations_get_their_own_folders_and_stable_links(tmp_path: Path) -> None:
    first = transform.invocation_dir(tmp_path, "build")
    second = transform.invocation_dir(tmp_path, "docs generate")
    assert first != second and first.parent == second.parent == tmp_path / "runs"
    (second / "index.html").write_text("docs v1")
    link = transform.publish(tmp_path, transform.DOCS, second)
    assert (link / "index.html").read_text() == "docs v1"
    third = transform.invocation_dir(tmp_path, "docs generate")
    (third / "index.html").write_text("docs v2")
    transform.publish(tmp_path, transform.DOCS, third)
    assert (tmp_path / "docs" / "index.html").read_text() == "docs v2"
    transform.publish(tmp_path, transform.LATEST_BUILD, first)  # an older, published run
    transform.prune_runs(tmp_path, keep=1)
    assert third.exists(), "the newest stays"
    assert first.exists(), "a published run stays, however old"
    assert not second.exists()
    assert (tmp_path / "latest_build").resolve() == first.resolve()


def test_backfill_annual_without_a_scheduler_says_to_start_one(tmp_path: Path, capsys) -> None:
    from ingest.config import Settings
    from stack import cli

    settings = Settings(airflow_home=tmp_path / "airflow", state_dir=tmp_path / "state")
    assert cli.cmd_backfill_annual(settings, 2015, 2019) == 2
    assert "run `make airflow` first" in capsys.readouterr().err


def test_backfill_years_are_checked(tmp_path: Path) -> None:
    import pytest

    from ingest.config import Settings
    from stack import cli

    settings = Settings(airflow_home=tmp_path / "airflow", state_dir=tmp_path / "state")
    with pytest.raises(ValueError, match="must not be after"):
        cli.cmd_backfill_annual(settings, 2019, 2015)
    with pytest.raises(ValueError, match="reporting years like 2015"):
        cli._year("15")


def test_refusals_of_a_run_that_went_on_are_one_alert() -> None:
    alert = alerts.compose_refusals(
        _context(None),
        [
            "2016 SYNDB REFUSED: [error] reported electronic requests are within 10% of the "
            "portal's count … 1 offending row(s): SYNDB-02",
            "2016 ABC REFUSED: ABC has no implementation plan in the warehouse",
        ],
    )
    assert alert.subject.endswith("2 annual extract(s) REFUSED by the quality gate")
    assert "SYNDB-02" in alert.text and "ABC has no implementation plan" in alert.text
    assert "national extract lists them" in alert.text

"""The DAGs under the real scheduler, as an operations team runs them (``make airflow``).

One local Airflow stack (API server, scheduler, DAG processor, triggerer; LocalExecutor; its
metadata in PostgreSQL) on a throw-away warehouse serves every test of this module, in order:

1. the two load DAGs' scheduled runs (queued by unpausing them), then both triggered through
   the REST API without a logical date; the ``warehouse_transform`` run their asset events
   start builds the marts by itself;
2. ``annual_indicator_submission`` for one year (2015) through the REST API with params (and
   its scheduled run, whose year is outside the window, skips the gate);
3. Airflow's own backfill of the yearly schedule: one run and one extract per year; a second
   backfill with ``reprocess_behavior=completed`` changes nothing;
4. the team deployment's executor: the scheduler restarted with docker-compose.yml's Celery
   settings beside a Redis server and one Celery worker; from here on tasks run on the worker:
5. a corrected submission dropped into the inbox reaches ``fct_service_year`` through the
   asset chain with no other action (VDI-07's 2016 e-requests 2189 → 3000, a correction the
   gate will refuse: it is far from the portal's count);
6. the annual submission of 2016 with that correction is refused: the alert arrives on a local
   SMTP server, naming the rule, the service, the run and its link.

The tests build on each other (one stack, one story, in file order): run the module whole.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from ingest.config import Settings
from publish import extract
from stack import airflow_local, pipeline, warehouse
from stack.airflow_api import AirflowApi
from tests.conftest import ROOT, free_port, pipeline_settings

pytestmark = pytest.mark.integration

LOADS = ("institution_submissions", "portal_statistics_nightly")
ALERT_TO = "data-team@example.lv"


class SmtpSink:
    """A local SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def wait_for(self, predicate, timeout: float = 120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages if predicate(m)]
            if found:
                return found
            time.sleep(1)
        subjects = [m["Subject"] for m in self.messages]
        raise AssertionError(f"no matching alert within {timeout} s; received: {subjects}")

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class Stack:
    settings: Settings
    url: str
    api: AirflowApi
    smtp: SmtpSink
    redis: subprocess.Popen | None = None  # the Celery broker, once the executor is swapped


def _body(message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "".join(
        p.get_payload(decode=True).decode("utf-8", "replace")
        for p in parts
        if p.get_content_maintype() == "text"
    )


@pytest.fixture(scope="module")
def stack(pg_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("scheduler")
    smtp = SmtpSink()
    settings = pipeline_settings(
        pg_settings,
        "sched_warehouse",
        base,
        airflow_database="sched_airflow",
        airflow_api_port=free_port(),
        airflow_dags_paused=True,  # the tests unpause: scheduled runs start when they say
        task_retries=0,
        alert_emails=(ALERT_TO,),
    )
    saved = os.environ.get("AIRFLOW_CONN_SMTP_DEFAULT")
    stack_: Stack | None = None
    os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = (
        f"smtp://127.0.0.1:{smtp.port}?disable_tls=true&disable_ssl=true"
    )
    try:
        url = warehouse.ensure_ready(settings).url
        pipeline.seed_reference_examples(settings, url, say=lambda _m: None)
        airflow_local.start(settings, say=lambda _m: None)
        stack_ = Stack(settings, url, airflow_local.api_client(settings), smtp)
        yield stack_
    finally:
        airflow_local.stop(settings)
        if stack_ is not None and stack_.redis is not None:
            stack_.redis.terminate()
            stack_.redis.wait(timeout=30)
        smtp.stop()
        if saved is None:
            os.environ.pop("AIRFLOW_CONN_SMTP_DEFAULT", None)
        else:
            os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = saved


def _query(url: str, sql: str, params: dict | None = None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params or {}).fetchall()


def _electronic(url: str, service: str, year: int) -> int | None:
    rows = _query(
        url,
        "select actual_electronic_requests from marts.fct_service_year"
        " where service_key = %(s)s and reporting_year = %(y)s",
        {"s": service, "y": year},
    )
    return rows[0][0] if rows else None


def _scheduled_run(stack: Stack, dag_id: str) -> str:
    """The scheduled run that unpausing queued (waits until the scheduler created it)."""
    return stack.api.wait_for_new_run(
        dag_id, datetime(2015, 1, 1, tzinfo=UTC), run_type="scheduled", timeout=120
    )


def _trigger_loads_and_follow(stack: Stack, dags: tuple[str, ...], conf=None) -> str:
    """Trigger load DAGs (no logical date), wait for them, then for the asset-triggered
    transformation that started after their data was committed; returns its run id."""
    runs = {(dag_id, stack.api.trigger(dag_id, (conf or {}).get(dag_id))) for dag_id in dags}
    for dag_id, run_id in runs:
        run = stack.api.run(dag_id, run_id)
        assert run["logical_date"] is None, "triggered as from the UI: no logical date"
        outcome = stack.api.wait(dag_id, run_id, timeout=600)
        assert outcome.state == "success", outcome.error
    loaded = max(
        stack.api.finished_at(dag_id, run_id, pipeline.LOAD_DAGS[dag_id]) for dag_id, run_id in runs
    )
    transform = stack.api.run_started_after("warehouse_transform", loaded, timeout=600)
    outcome = stack.api.wait("warehouse_transform", transform, timeout=900)
    assert outcome.state == "success", outcome.error
    return transform


def test_loads_without_a_date_build_the_marts_through_their_assets(stack: Stack) -> None:
    # Unpausing a load DAG queues its latest scheduled run (Europe/Riga cron): it runs, without
    # a logical-date key in its tasks' logic. The transformation stays paused meanwhile (a
    # paused DAG is not queued by asset events), so one run of it builds the marts below
    # instead of one per load that happened to finish first.
    for dag_id in LOADS:
        stack.api.set_paused(dag_id, False)
    for dag_id in LOADS:
        assert stack.api.wait(dag_id, _scheduled_run(stack, dag_id)).state == "success"
    assert stack.api.runs("warehouse_transform") == []
    (built,) = _query(stack.url, "select to_regclass('marts.fct_service_year')")[0]
    assert built is None, "loaded, not yet transformed"
    stack.api.set_paused("warehouse_transform", False)
    transform = _trigger_loads_and_follow(stack, LOADS)
    assert stack.api.run("warehouse_transform", transform)["run_type"] == "asset_triggered"
    # Nobody triggered the transformation: every run of it came from asset events.
    assert {r["run_type"] for r in stack.api.runs("warehouse_transform")} == {"asset_triggered"}
    assert _electronic(stack.url, "VDI-07", 2016) == 2189
    (count,) = _query(
        stack.url,
        "select count(*) from marts.fct_service_year"
        " where reporting_year = 2016 and institution_code = 'VDI'",
    )[0]
    assert count == 16
    # The dbt invocations kept their artefacts apart; the published links resolve.
    target = stack.settings.dbt_target_dir
    assert (target / "latest_build" / "run_results.json").is_file()
    assert (target / "docs" / "index.html").is_file()


def test_annual_submission_through_the_rest_api_with_params(stack: Stack) -> None:
    for dag_id in ("annual_indicator_submission", "operations_housekeeping"):
        stack.api.set_paused(dag_id, False)
    run_id = stack.api.trigger("annual_indicator_submission", {"year": 2015, "institution": "VDI"})
    outcome = stack.api.wait("annual_indicator_submission", run_id, timeout=900)
    assert outcome.state == "success", outcome.error
    folder = stack.settings.extracts_dir / "2015" / "VDI"
    assert extract.verify(folder / "latest") == []
    # The scheduled yearly run (2 March, Riga) reports the year before its date; that year is
    # outside VDI's window 2015–2019, so its gate is skipped, not failed.
    scheduled = _scheduled_run(stack, "annual_indicator_submission")
    done = stack.api.wait("annual_indicator_submission", scheduled, timeout=900)
    assert done.state == "success", done.error
    gates = [
        t
        for t in stack.api.task_instances("annual_indicator_submission", scheduled)
        if t["task_id"] == "gate_and_write"
    ]
    assert [t["state"] for t in gates] == ["skipped"]
    # Housekeeping under the scheduler: freshness within error_after, metadata cleaned, logs
    # pruned (the retention task reaches the metadata database through its connection).
    house = _scheduled_run(stack, "operations_housekeeping")
    done = stack.api.wait("operations_housekeeping", house, timeout=600)
    assert done.state == "success", done.error


def _submission_log(url: str, years: tuple[int, ...]) -> dict[int, list[str]]:
    rows = _query(
        url,
        "select reporting_year, outcome from audit.submission_log"
        " where reporting_year = any(%(y)s) and institution_code = 'VDI' order by attempted_at",
        {"y": list(years)},
    )
    found: dict[int, list[str]] = {y: [] for y in years}
    for year, outcome in rows:
        found[year].append(outcome)
    return found


def _row_counts(url: str) -> dict[str, int]:
    tables = ("raw.intake_submission_rows", "raw.portal_requests", "marts.fct_service_year")
    return {t: _query(url, f"select count(*) from {t}")[0][0] for t in tables}


def test_backfill_of_reporting_years_with_airflows_backfill(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stack import cli

    years = (2017, 2018)
    monkeypatch.delenv("REPROCESS", raising=False)
    assert cli.cmd_backfill_annual(stack.settings, years[0], years[-1], refresh_after=False) == 0
    backfill_runs = stack.api.runs("annual_indicator_submission", run_type="backfill")
    assert sorted(r["run_after"][:10] for r in backfill_runs) == ["2018-03-02", "2019-03-02"]
    for year in years:
        assert extract.versions(stack.settings.extracts_dir / str(year) / "VDI") == [1]
    counts = _row_counts(stack.url)
    assert _submission_log(stack.url, years) == {2017: ["written"], 2018: ["written"]}

    # Reprocessing a year already done (one is enough to show it: each run costs a dbt build)
    # re-runs its run rather than adding one, and finds the extract unchanged.
    monkeypatch.setenv("REPROCESS", "completed")
    assert cli.cmd_backfill_annual(stack.settings, years[-1], years[-1]) == 0
    rerun = stack.api.runs("annual_indicator_submission", run_type="backfill")
    assert len(rerun) == 2, "reprocessing re-runs the same runs, it does not add any"
    assert sorted(r["run_after"][:10] for r in rerun) == ["2018-03-02", "2019-03-02"]
    for year in years:
        assert extract.versions(stack.settings.extracts_dir / str(year) / "VDI") == [1]
        # every institution due was gated: the year's national extract, unchanged by the rerun
        assert extract.versions(stack.settings.extracts_dir / str(year) / "_national") == [1]
    assert _row_counts(stack.url) == counts
    assert _submission_log(stack.url, years) == {2017: ["written"], 2018: ["written", "unchanged"]}
    # Each backfilled run built the marts as of its own date (2 March 2019 last); the CLI then
    # rebuilt them as of today, so BI does not keep a past date's statuses.
    today = datetime.now(ZoneInfo("Europe/Riga")).date()
    newest = "select as_of_date from audit.dbt_builds order by finished_at desc limit 1"
    assert _query(stack.url, newest) == [(today,)]


def _redis_server() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("redis-server is missing: `make test` installs Debian's redis-server")
    pytest.skip("redis-server is not installed (`make test` installs it as root)")


def _compose_executor_env(redis_port: int, metadata_url: str) -> dict[str, str]:
    """The executor settings of docker-compose.yml's x-airflow-common, hosts swapped for the
    local Redis and metadata database (the only difference from the team deployment)."""
    import yaml

    from tests.deploy.test_compose import interpolate

    doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    env = doc["x-airflow-common"]["environment"]
    keys = [k for k in env if k == "AIRFLOW__CORE__EXECUTOR" or k.startswith("AIRFLOW__CELERY__")]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    variables = {"REDIS_PASSWORD": "local-test-pw", "AIRFLOW_DB_PASSWORD": "unused"}
    values = {k: interpolate(str(env[k]), variables) for k in keys}
    values["AIRFLOW__CELERY__BROKER_URL"] = values["AIRFLOW__CELERY__BROKER_URL"].replace(
        "@redis:6379", f"@127.0.0.1:{redis_port}"
    )
    backend = metadata_url.replace("postgresql+psycopg2://", "db+postgresql://", 1)
    assert values["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://airflow:")
    values["AIRFLOW__CELERY__RESULT_BACKEND"] = backend
    return values


def test_celery_executor_runs_the_load_transform_chain(stack: Stack, tmp_path: Path) -> None:
    """The team deployment's executor: the scheduler restarted with docker-compose.yml's
    Celery settings beside a local Redis and one Celery worker; the rest of this module (a
    corrected submission through the asset chain, a refused extract and its alert) then runs
    through that worker."""
    redis_bin = _redis_server()
    port = free_port()
    stack.redis = subprocess.Popen(
        [redis_bin, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--requirepass", "local-test-pw", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    settings = stack.settings
    env = airflow_local.airflow_env(settings, stack.url, scheduler=True)
    env.update(_compose_executor_env(port, env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]))
    airflow_local.stop(settings, only=("scheduler",))
    airflow_local.launch(settings, "scheduler", env)
    airflow_local.launch(settings, airflow_local.CELERY_WORKER, env)
    deadline = time.monotonic() + 120
    while "ready" not in _worker_log(stack):
        assert time.monotonic() < deadline, _worker_log(stack)[-3000:]
        time.sleep(1)


def _worker_log(stack: Stack) -> str:
    path = stack.settings.airflow_run_dir / f"{airflow_local.CELERY_WORKER}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def test_corrected_submission_reaches_the_mart_through_the_asset_chain(stack: Stack) -> None:
    from ingest.intake.templates import EXAMPLES_DIR

    original = (EXAMPLES_DIR / "VDI_submission_2016.csv").read_text(encoding="utf-8")
    assert ",VDI-07,3755,2189," in original
    corrected = original.replace(",VDI-07,3755,2189,", ",VDI-07,3755,3000,")
    inbox = stack.settings.inbox_dir
    (inbox / "VDI_submission_2016_corrected.csv").write_text(corrected, encoding="utf-8")
    transform = _trigger_loads_and_follow(stack, ("institution_submissions",))
    assert _electronic(stack.url, "VDI-07", 2016) == 3000
    log = _worker_log(stack)
    assert "process_inbox" in log and transform in log, "the chain ran on the Celery worker"


def test_a_refused_extract_alerts_the_data_team(stack: Stack) -> None:
    """VDI's real 2016 now carries the correction of the second test (VDI-07 3000, the demo
    portal 2189): checked against demo data, the deviation warns but never refuses a real year.
    SYNDB's demo 2016 (SYNDB-02 1.6x the demo portal) is refused: a run asked about that one
    institution-year fails, and the data team is alerted."""
    assert _electronic(stack.url, "VDI-07", 2016) == 3000
    run_id = stack.api.trigger("annual_indicator_submission", {"year": 2016, "institution": "VDI"})
    outcome = stack.api.wait("annual_indicator_submission", run_id, timeout=900)
    assert outcome.state == "success", outcome.error
    vdi = stack.settings.extracts_dir / "2016" / "VDI"
    manifest = json.loads((vdi / "latest" / "manifest.json").read_text(encoding="utf-8"))
    (warning,) = [w for w in manifest["validation"]["warnings"] if "portal" in w and "VDI-07" in w]
    assert "checked against demo data: not evidence" in warning

    run_id = stack.api.trigger(
        "annual_indicator_submission", {"year": 2016, "institution": "SYNDB"}
    )
    outcome = stack.api.wait("annual_indicator_submission", run_id, timeout=900)
    assert outcome.state == "failed"
    assert outcome.error.startswith("SubmissionRefused: 1 of 1 institution(s) refused for 2016")
    assert "the 2016 extract for SYNDB was NOT written" in outcome.error
    assert "SYNDB-02" in outcome.error
    folder = stack.settings.extracts_dir / "2016" / "SYNDB"
    (report_dir,) = sorted((folder / "failed").iterdir())[-1:]
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    (failure,) = report["errors"]
    assert [r["service_key"] for r in failure["offending_rows"]] == ["SYNDB-02"]
    assert extract.versions(folder) == [], "the refused year has no extract"

    (alert,) = stack.smtp.wait_for(lambda m: "REFUSED" in (m["Subject"] or ""))
    assert ALERT_TO in alert["To"]
    body = html.unescape(_body(alert))
    assert "annual_indicator_submission" in alert["Subject"]
    assert "gate_and_write" in body
    assert run_id in body
    assert "within 10% of the portal's count" in body and "SYNDB-02" in body
    ui = stack.settings.airflow_api_url
    assert f"{ui}/dags/annual_indicator_submission/runs/" in body


def test_stopping_the_stack_leaves_no_process_behind(stack: Stack) -> None:
    """The Celery worker re-executes itself under another name; `make airflow-stop` must still
    find it (through the PID file Celery writes) and everything it forked."""
    running = airflow_local.pids(stack.settings, with_worker=True)
    worker = running[airflow_local.CELERY_WORKER]
    assert worker is not None, "the worker started by the Celery test is found by its PID file"
    everything = set()
    for pid in running.values():
        if pid is not None:
            everything |= airflow_local._family(pid)
    airflow_local.stop(stack.settings)
    table = airflow_local._process_table()
    survivors = {pid for pid in everything if pid in table and table[pid][0] != "Z"}
    assert not survivors, {p: Path(f"/proc/{p}/cmdline").read_bytes() for p in survivors}
    assert airflow_local.pids(stack.settings, with_worker=True) == dict.fromkeys(running)

"""Run the whole pipeline through real Airflow: under the running scheduler, or without one.

When ``make airflow`` runs, :func:`run_via_api` triggers the two load DAGs through its REST API
(no logical date, as from the UI), waits for the ``warehouse_transform`` run their asset
events start, then triggers the annual submission, printing each run's outcome. Otherwise
:func:`run` plays the scheduler's part: it runs each DAG in dependency order with ``airflow
dags test`` (a real DAG run, real task instances, in-process) and stops at the first failure,
showing the end of that DAG's log. Full logs go to ``.warehouse/logs/``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.config import JOB_ROLES, Settings, role_conn_id


class PipelineError(RuntimeError):
    """A step of the pipeline failed; the message says which and where its log is."""


@dataclass(frozen=True)
class DagStep:
    dag_id: str
    conf: dict


def pipeline_steps(settings: Settings) -> list[DagStep]:
    """The DAGs in the order the assets would trigger them."""
    return [
        # The portal first, as its nightly run precedes a submission: the intake's receipts
        # can then say what the annual gate will cross-check the figures against.
        DagStep(
            "portal_statistics_nightly",
            {"source": settings.portal_source, "period_from": "2015", "period_to": "2019"},
        ),
        DagStep("institution_submissions", {}),
        DagStep("warehouse_transform", {}),
        DagStep("annual_indicator_submission", annual_conf(settings)),
    ]


def annual_conf(settings: Settings) -> dict:
    """The reporting year, plus every window year the demo data covers when the demo runs; for
    every institution due (and so the national extract) unless one is configured."""
    years = {settings.reporting_year}
    if settings.intake_seed_examples and settings.reporting_institution in ("", "VDI"):
        from ingest.intake.synthetic import DEMO_YEARS

        years.update(DEMO_YEARS)
    conf: dict = {"years": sorted(years)}
    if settings.reporting_institution:
        conf["institution"] = settings.reporting_institution
    return conf


def role_connections(settings: Settings, warehouse_url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_WAREHOUSE_<ROLE>`` for each job role. The owner's URL is not among them:
    tasks never migrate, so they never get the owner's password."""
    from stack import warehouse

    known = warehouse.urls(settings)
    return {
        f"AIRFLOW_CONN_{role_conn_id(role).upper()}": (
            known.of(role) if known.url == warehouse_url else warehouse_url
        )
        for role in JOB_ROLES
    }


def base_env(settings: Settings, warehouse_url: str) -> dict[str, str]:
    """The project's part of every Airflow command's environment: local home, our DAGs, the
    warehouse connections (one per job role), the folders (``stack.airflow_local.airflow_env``
    adds Airflow's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_WAREHOUSE")}
    env.update(role_connections(settings, warehouse_url))
    env.update(
        {
            "AIRFLOW_HOME": str(settings.airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            # The DAGs import `ingest` and `expectations` from the project root.
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(settings.project_root), env.get("PYTHONPATH", "")) if p
            ),
            "REFERENCE_DATA_DIR": str(settings.reference_dir),
            "EXTRACTS_DIR": str(settings.extracts_dir),
            "DBT_TARGET_DIR": str(settings.dbt_target_dir),
            "WAREHOUSE_STATE_DIR": str(settings.state_dir),
            "PORTAL_SOURCE": settings.portal_source,
            "PORTAL_DROP_DIR": str(settings.portal_files_dir),
            "TASK_RETRIES": "0",
            "ALERT_EMAILS": ",".join(settings.alert_emails),
            "ALERT_FROM": settings.alert_from,
            "ALERT_SMTP_CONN_ID": settings.alert_smtp_conn_id,
            "AIRFLOW_RETENTION_DAYS": str(settings.retention_days),
            "INTAKE_INBOX_DIR": str(settings.inbox_dir),
            "INTAKE_ARCHIVE_DIR": str(settings.archive_dir),
            "XDG_RUNTIME_DIR": env.get("XDG_RUNTIME_DIR") or str(settings.state_dir),
            # with OUTLOOK_AS_OF_DATE: the early-warning outlook's date (ingest.config)
            "INTAKE_SEED_EXAMPLES": "true" if settings.intake_seed_examples else "false",
            "OUTLOOK_AS_OF_DATE": settings.outlook_as_of_date or "",
            "DBT_UNIT_TESTS": "true" if settings.dbt_unit_tests else "false",
        }
    )
    return env


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Refused|Exception|Failed)\b.*:")
_LOG_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def failure_excerpt(log_text: str, fallback_lines: int = 40) -> str:
    """The last exception a task raised, with its detail lines; else the log's tail.

    Airflow's log around a failure is long; the person running ``make run`` needs the one
    message that says what is wrong (e.g. which expectation failed for which services).
    """
    lines = log_text.splitlines()
    starts = [i for i, line in enumerate(lines) if _EXCEPTION_LINE.match(line)]
    if not starts:
        return "\n".join(lines[-fallback_lines:])
    excerpt = []
    for line in lines[starts[-1] :]:
        if excerpt and (_LOG_LINE.match(line) or not line.strip()):
            break
        excerpt.append(line)
    return "\n".join(excerpt)


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def _run_logged(cmd: list[str], env: dict[str, str], logfile: Path, what: str) -> float:
    logfile.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with logfile.open("w") as out:
        code = subprocess.call(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=env["AIRFLOW_HOME"]
        )
    elapsed = time.monotonic() - started
    if code != 0:
        excerpt = failure_excerpt(logfile.read_text(errors="replace"))
        raise PipelineError(f"{what} failed (exit {code}); full log: {logfile}\n{excerpt}")
    return elapsed


def prepare_demo_portal_exports(settings: Settings, say: Callable[[str], None] = print) -> None:
    """Without a configured drop folder the ``files`` source reads the SYNTHETIC demo exports:
    (re)write them (same bytes each time, so nothing reloads)."""
    if settings.portal_source != "files" or settings.portal_drop_dir is not None:
        return
    from ingest import demo_institutions
    from ingest.portal.synthetic import write_vdi_demo

    paths = write_vdi_demo(
        settings.reference_dir,
        settings.demo_portal_dir,
        extra_rows=demo_institutions.portal_monthly_rows(),
    )
    say(f"  SYNTHETIC demo portal exports: {len(paths)} files in {settings.demo_portal_dir}")


def seed_reference_examples(
    settings: Settings, warehouse_url: str, say: Callable[[str], None] = print
) -> None:
    """Drop the REAL VDI plan and 2016 submission into the inbox, with the SYNTHETIC demo
    submissions of the other window years and the two SYNTHETIC demo institutions' plans and
    submissions, unless already received."""
    if not settings.intake_seed_examples:
        return
    from ingest import demo_institutions
    from ingest.intake.inbox import seed_examples
    from ingest.intake.synthetic import write_demo_submissions

    demo = write_demo_submissions(settings.reference_dir, settings.demo_intake_dir)
    demo += demo_institutions.write_intake_files(settings.demo_intake_dir)
    seeded = seed_examples(warehouse_url, settings.inbox_dir, tuple(demo))
    if seeded:
        names = ", ".join(p.name for p in seeded)
        say(f"  dropped into the intake inbox: {names}")


def init_airflow(settings: Settings, warehouse_url: str) -> float:
    """``airflow db migrate`` and the ``dbt`` pool (idempotent); returns seconds."""
    from stack import airflow_local

    started = time.monotonic()
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    env = airflow_local.airflow_env(settings, warehouse_url)
    try:
        airflow_local.init_metadata(settings, env)
    except airflow_local.AirflowStackError as exc:
        raise PipelineError(str(exc)) from exc
    return time.monotonic() - started


def trigger(
    settings: Settings,
    warehouse_url: str,
    step: DagStep,
    logical_date: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> float:
    """One real DAG run with ``airflow dags test``; raises :class:`PipelineError` on failure."""
    from stack.airflow_local import airflow_env

    env = {**airflow_env(settings, warehouse_url), **(extra_env or {})}
    logical_date = logical_date or datetime.now(UTC).replace(microsecond=0).isoformat()
    cmd = [_airflow(), "dags", "test", step.dag_id, logical_date]
    if step.conf:
        cmd += ["--conf", json.dumps(step.conf)]
    log = settings.logs_dir / f"{step.dag_id}.log"
    return _run_logged(cmd, env, log, f"DAG {step.dag_id}")


def run(
    settings: Settings,
    warehouse_url: str,
    say: Callable[[str], None] = print,
) -> dict[str, float]:
    """Initialise Airflow's metadata, then run every DAG of the pipeline in order."""
    prepare_demo_portal_exports(settings, say)
    seed_reference_examples(settings, warehouse_url, say)
    say("  airflow db migrate …")
    timings = {"airflow db migrate": init_airflow(settings, warehouse_url)}
    logical_date = datetime.now(UTC).replace(microsecond=0).isoformat()
    steps = pipeline_steps(settings)
    for i, step in enumerate(steps, start=1):
        say(f"  [{i}/{len(steps)}] airflow dags test {step.dag_id} …")
        timings[step.dag_id] = trigger(settings, warehouse_url, step, logical_date)
        log = settings.logs_dir / f"{step.dag_id}.log"
        say(f"        done in {timings[step.dag_id]:.1f} s (log: {log})")
    return timings


def _check(outcome, say: Callable[[str], None], may_fail: bool = False) -> float:
    say(f"        {outcome.describe()}")
    if outcome.state != "success":
        if may_fail:
            first = outcome.error.strip().splitlines()[:1]
            say("        failed, as expected here" + (f": {first[0]}" if first else ""))
        else:
            raise PipelineError(
                f"DAG {outcome.dag_id} run {outcome.run_id} failed\n{outcome.error}"
            )
    return outcome.seconds


def trigger_via_api(
    settings: Settings,
    step: DagStep,
    say: Callable[[str], None] = print,
    follow: bool = True,
    may_fail: bool = False,
    unpause: bool = False,
) -> dict[str, float]:
    """Trigger one DAG through the running scheduler's REST API (no logical date) and wait;
    with ``follow``, a load DAG's asset-triggered ``warehouse_transform`` run is awaited too.
    A failed run raises :class:`PipelineError` unless ``may_fail`` (a run expected to fail).
    A paused DAG is refused, or with ``unpause`` unpaused first."""
    from stack import airflow_local

    api = airflow_local.api_client(settings)
    for dag_id in (step.dag_id, "warehouse_transform") if follow else (step.dag_id,):
        _ready(api, dag_id, unpause)
    run_id = api.trigger(step.dag_id, step.conf)
    say(f"  triggered {step.dag_id} through the REST API: {run_id}")
    timings = {step.dag_id: _check(api.wait(step.dag_id, run_id, say=say), say, may_fail)}
    if follow and step.dag_id in LOAD_DAGS:
        timings.update(await_transform(settings, {(step.dag_id, run_id)}, say))
    return timings


def _ready(api, dag_id: str, unpause: bool) -> None:
    """A DAG whose runs will start: unpaused here (``unpause``), or refused when paused.

    Unpausing a cron-scheduled DAG also starts its run for the latest past cron time
    (``catchup=False``): each DAG is unpaused only when its turn comes."""
    if unpause:
        api.set_paused(dag_id, False)
    else:
        api.ensure_unpaused(dag_id)


# How long a transformation may take, queued behind another included (a first build after
# ten national years loaded takes ~10 min on the 2-core machine).
TRANSFORM_TIMEOUT = 3600.0

# The load DAGs and the task of each that commits the data and publishes its asset (a task
# after it may still run, e.g. to report failed files, once the transformation has started).
LOAD_DAGS = {
    "institution_submissions": "process_inbox",
    "portal_statistics_nightly": "load_portal_statistics",
}


def await_transform(
    settings: Settings, loads: set[tuple[str, str]], say: Callable[[str], None] = print
) -> dict[str, float]:
    """Wait for the asset-triggered ``warehouse_transform`` run that started after the load
    runs ``loads`` ({(dag_id, run_id)}) ended, and for its end: it built their data."""
    from stack import airflow_local
    from stack.airflow_api import TERMINAL

    api = airflow_local.api_client(settings)
    loaded = max(api.finished_at(dag_id, run_id, LOAD_DAGS[dag_id]) for dag_id, run_id in loads)
    # Unpausing a cron DAG queues its latest scheduled run beside the triggered one: it runs
    # after it (one run at a time) and its data counts too.
    for dag_id in sorted({dag_id for dag_id, _ in loads}):
        for run in api.runs(dag_id):
            if run["state"] not in TERMINAL:
                say(f"  waiting for {dag_id} {run['dag_run_id']} too (queued by the scheduler) …")
                api.wait(dag_id, run["dag_run_id"], say=say)
                loaded = max(loaded, api.finished_at(dag_id, run["dag_run_id"]))
    say("  waiting for the asset-triggered warehouse_transform run …")
    # It may wait behind a transformation that started earlier (one run at a time).
    run_id = api.run_started_after("warehouse_transform", loaded, timeout=TRANSFORM_TIMEOUT)
    outcome = api.wait("warehouse_transform", run_id, say=say, timeout=TRANSFORM_TIMEOUT)
    return {"warehouse_transform": _check(outcome, say)}


def run_via_api(
    settings: Settings,
    warehouse_url: str,
    say: Callable[[str], None] = print,
    steps: list[DagStep] | None = None,
    may_fail: tuple[str, ...] = (),
    unpause: bool = False,
) -> dict[str, float]:
    """The whole pipeline through the running scheduler (``make airflow``): the load DAGs of
    ``steps`` (default: :func:`pipeline_steps`) at once, the ``warehouse_transform`` run their
    assets start, then the others in order. A run of a DAG in ``may_fail`` may fail; with
    ``unpause``, paused DAGs are unpaused when their turn comes (else refused)."""
    if steps is None:
        prepare_demo_portal_exports(settings, say)
        seed_reference_examples(settings, warehouse_url, say)
        steps = pipeline_steps(settings)
    from stack import airflow_local

    api = airflow_local.api_client(settings)
    for dag_id in {s.dag_id for s in steps if s.dag_id in LOAD_DAGS} | {"warehouse_transform"}:
        _ready(api, dag_id, unpause)
    loads = set()
    for step in steps:  # at once: they touch different raw tables
        if step.dag_id in LOAD_DAGS:
            run_id = api.trigger(step.dag_id, step.conf)
            say(f"  triggered {step.dag_id} through the REST API: {run_id}")
            loads.add((step.dag_id, run_id))
    timings: dict[str, float] = {}
    for dag_id, run_id in sorted(loads):
        timings[dag_id] = _check(api.wait(dag_id, run_id, say=say), say)
    timings.update(await_transform(settings, loads, say))
    for step in steps:
        if step.dag_id not in LOAD_DAGS and step.dag_id != "warehouse_transform":
            timings.update(
                trigger_via_api(
                    settings,
                    step,
                    say,
                    follow=False,
                    may_fail=step.dag_id in may_fail,
                    unpause=unpause,
                )
            )
    return timings

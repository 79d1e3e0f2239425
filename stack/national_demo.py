"""``make demo-national``: the whole pipeline through Airflow on the SYNTHETIC national dataset.

It runs on its own state (``.national/``: an embedded PostgreSQL on another port, its own
Airflow home and API port, extracts and dbt artefacts), so it never mixes with the VDI warehouse
of ``make run``. Everything runs under the real scheduler, as in production. Steps, each timed:

1. generate the dataset (``ingest.national``; unchanged files are not rewritten);
2. start and migrate the national warehouse, drop the plans and submissions into its inbox;
3. start the national Airflow (API server, scheduler, DAG processor, triggerer; LocalExecutor)
   unless it already runs, with every DAG paused except the ones the demo triggers;
4. trigger through the REST API, as from the UI: ``institution_submissions`` and
   ``portal_statistics_nightly`` (the ten daily years) at once; the ``warehouse_transform``
   run their assets start; then ``annual_indicator_submission`` for 2015–2024 and every
   institution (one GX run per year). The dataset contains submissions the gate must refuse:
   each refusal is an outcome (a failure report, an alert, a line in the year's national
   extract), and the run succeeds;
5. compare what the warehouse decided with the dataset's manifest: intake outcome per file,
   submission status and gate result per institution-year. Any difference fails the demo;
6. one night: the next day's portal file dropped, ``portal_statistics_nightly`` triggered and
   the ``warehouse_transform`` run it starts awaited: a night's cost with ten years loaded;
7. stop the Airflow it started (by PID); the warehouse keeps running for a look
   (``make demo-national-clean`` stops it and deletes ``.national/``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from ingest.config import PROJECT_ROOT, Settings

NATIONAL_DIR = PROJECT_ROOT / ".national"
NATIONAL_PORT = 55433
NATIONAL_API_PORT = 58081


class DemoMismatch(RuntimeError):
    """The warehouse decided differently from the national dataset's manifest."""


def national_settings(base: Settings, root: Path = NATIONAL_DIR) -> Settings:
    """The demo's own state: nothing here touches the VDI warehouse's folders or ports."""
    if base.warehouse_url:
        raise ValueError(
            "make demo-national runs on its own embedded warehouse (.national/); "
            "unset WAREHOUSE_URL"
        )
    return replace(
        base,
        port=NATIONAL_PORT,
        state_dir=root / "warehouse",
        extracts_dir=root / "extracts",
        airflow_home=root / "airflow",
        dbt_target_dir=root / "dbt-target",
        airflow_api_port=NATIONAL_API_PORT,
        portal_source="files",
        portal_drop_dir=root / "dataset" / "portal",
        intake_inbox_dir=None,
        intake_archive_dir=None,
        intake_seed_examples=False,
        reporting_institution="",
        # Only what the demo triggers runs (no scheduled nightly or annual run meanwhile).
        airflow_dags_paused=True,
    )


def stop(base: Settings, say: Callable[[str], None] = print) -> None:
    """Stop the demo's Airflow (by PID) and its embedded warehouse, whatever runs of them."""
    from stack import airflow_local, embedded_pg

    settings = national_settings(base)
    stopped = airflow_local.stop(settings)
    say(f"national Airflow: {'stopped ' + ', '.join(stopped) if stopped else 'not running'}")
    say(f"national warehouse: {'stopped' if embedded_pg.stop(settings) else 'not running'}")


def compare(manifest_rows: list[dict[str, str]], intake: dict[str, str],
            gate: dict[tuple[str, int], tuple[str, str]]) -> list[str]:  # fmt: skip
    """Differences between the manifest and the warehouse (empty: all as expected)."""
    problems = []
    for row in manifest_rows:
        key = (row["institution_code"], int(row["reporting_year"]))
        files = [f for f in row["files"].split(";") if f]
        outcomes = [o for o in row["intake_outcomes"].split(";") if o]
        for name, want in zip(files, outcomes, strict=True):
            got = intake.get(name, "not received")
            if got != want:
                problems.append(f"{name}: intake {got}, expected {want}")
        status, result = gate.get(key, ("no row in fct_submission_status", "not attempted"))
        if status != row["submission_status"]:
            problems.append(f"{key[0]} {key[1]}: status {status}, expected "
                            f"{row['submission_status']} ({row['scenario']})")  # fmt: skip
        if result != row["gate"]:
            problems.append(f"{key[0]} {key[1]}: gate {result}, expected {row['gate']} "
                            f"({row['scenario']})")  # fmt: skip
    return problems


def _tally(values) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(Counter(values).items()))


def run(base: Settings, say: Callable[[str], None] = print) -> dict[str, float]:

    from ingest.intake.inbox import drop_into_inbox
    from ingest.national import dataset
    from stack import pipeline, warehouse

    settings = national_settings(base)
    timings: dict[str, float] = {}
    say("SYNTHETIC national dataset …")
    t = time.monotonic()
    data = dataset.generate(NATIONAL_DIR / "dataset", say=say)
    timings["generate dataset"] = time.monotonic() - t
    years = data.years_due()

    say(f"national warehouse (embedded PostgreSQL on 127.0.0.1:{settings.port}) …")
    t = time.monotonic()
    wh = warehouse.ensure_ready(settings)
    timings["warehouse"] = time.monotonic() - t
    dropped = drop_into_inbox(wh.url, settings.inbox_dir, tuple(sorted(data.intake_dir.iterdir())))
    say(f"  dropped {len(dropped)} plan and submission file(s) into {settings.inbox_dir}")
    from stack import airflow_local

    since = datetime.now(UTC)
    started_here = not airflow_local.is_running(settings)
    if started_here:
        say(f"  the national Airflow on {settings.airflow_api_url} (scheduler, API server, "
            "DAG processor, triggerer) …")  # fmt: skip
        t = time.monotonic()
        airflow_local.start(settings, say=lambda text: say("  " + text))
        timings["airflow start"] = time.monotonic() - t
    try:
        steps = [
            pipeline.DagStep("institution_submissions", {}),
            # no period range: the nightly run's own parameters, so its next run skips these
            pipeline.DagStep("portal_statistics_nightly", {"source": "files"}),
            pipeline.DagStep("annual_indicator_submission", {"years": years, "institution": None}),
        ]
        timings.update(
            pipeline.run_via_api(
                settings,
                wh.url,
                say,
                steps=steps,
                # refusals are outcomes (listed in each year's national extract): it succeeds
                unpause=True,
            )
        )
        _check(settings, wh.url, data, timings, say)
        timings.update(one_night(settings, wh.url, data, say))
        say_runs(settings, since, [s.dag_id for s in steps] + ["warehouse_transform"], say)
    finally:
        if started_here:
            say("  stopping the national Airflow …")
            airflow_local.stop(settings)
    return timings


def say_runs(
    settings: Settings, since: datetime, dag_ids: list[str], say: Callable[[str], None]
) -> None:
    """Every run of ``dag_ids`` since ``since``, from Airflow's metadata: the triggered ones,
    the scheduled ones unpausing queued and the asset-triggered transformations, each with its
    own duration (a triggered load may find its files already loaded by a scheduled twin)."""
    from stack import airflow_local
    from stack.airflow_api import run_seconds

    api = airflow_local.api_client(settings)
    say("\nDAG runs under the scheduler (Airflow's metadata; each run's own start to end)")
    for dag_id in dag_ids:
        # By start: a scheduled run's run_after is its cron time, hours before it ran.
        runs = [
            r for r in api.runs(dag_id)
            if r.get("start_date") and datetime.fromisoformat(r["start_date"]) >= since
        ]  # fmt: skip
        for run in sorted(runs, key=lambda r: r["start_date"]):
            seconds = run_seconds(run, default=float("nan"))
            say(f"  {dag_id:<30} {run['run_type']:<15} {run['state']:<8} {seconds:7.1f} s  "
                f"{run['dag_run_id']}")  # fmt: skip


def _check(
    settings: Settings, url: str, data, timings: dict[str, float], say: Callable[[str], None]
) -> None:
    """Compare the warehouse with the manifest and print the summary; raises
    :class:`DemoMismatch` on any difference."""
    import csv

    import psycopg

    from stack import load_sql

    with (data.root / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        manifest = list(csv.DictReader(fh))
    with psycopg.connect(url) as conn:
        intake = dict(conn.execute(load_sql("national/intake_outcomes")).fetchall())
        gate = {
            (inst, year): (status, result)
            for inst, year, status, result in conn.execute(load_sql("national/gate_outcomes"))
        }
        counts = conn.execute(load_sql("summary/row_counts")).fetchall()
    problems = compare(manifest, intake, gate)
    say("\nSummary (SYNTHETIC national dataset)")
    for table, count in counts:
        say(f"  {table:<32} {count:>12,}")
    say(f"  gate per institution-year:   {_tally(r for _, r in gate.values())}")
    say(f"  status per institution-year: {_tally(s for s, _ in gate.values())}")
    say(f"  extracts: {settings.extracts_dir}")
    say("  timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    if problems:
        raise DemoMismatch(
            f"{len(problems)} difference(s) from the manifest:\n  " + "\n  ".join(problems[:40])
        )
    say(f"  all {len(manifest)} institution-years and {len(intake)} files as the manifest expects")


def one_night(settings: Settings, url: str, data, say: Callable[[str], None]) -> dict[str, float]:
    """The next day's file, then the nightly load and transformation, timed. The day after the
    newest one loaded, so that running the demo again brings a new night each time."""
    from datetime import timedelta

    import psycopg

    from ingest.national import portal_exports
    from stack import load_sql, pipeline

    with psycopg.connect(url) as conn:
        (newest,) = conn.execute(load_sql("national/newest_portal_day")).fetchone()
    day = portal_exports.next_day(data.country)
    if newest is not None and newest >= day:
        day = newest + timedelta(days=1)
    path = data.portal_dir / portal_exports.day_file_name(day)
    rows = portal_exports.write_day(data.country, day, path)
    say(f"\none night with {data.country.scale.years} years loaded: {path.name} ({rows:,} rows)")
    timings = {
        f"night: {dag_id}": seconds
        for dag_id, seconds in pipeline.trigger_via_api(
            settings,
            pipeline.DagStep("portal_statistics_nightly", {"source": "files"}),
            say,
            unpause=True,
        ).items()
    }
    say(f"  the night took {sum(timings.values()):.1f} s")
    return timings

"""Command line of the warehouse: what the Makefile targets call.

python -m stack.cli run            whole pipeline through Airflow, then a summary
python -m stack.cli demo-national  the same on the SYNTHETIC national dataset (state: .national/)
python -m stack.cli demo-national-stop   stop the national demo's Airflow and warehouse
python -m stack.cli dag DAG_ID [--conf JSON]        one run of one DAG
python -m stack.cli airflow start|stop|status       the local Airflow (scheduler, UI, …)
python -m stack.cli backfill-annual FROM TO         Airflow backfill of reporting years
python -m stack.cli backfill-portal FROM TO         reload portal statistics of a period range
python -m stack.cli backup | restore FOLDER        back up / restore warehouse, archive, extracts
python -m stack.cli migrate        apply the warehouse migrations (WAREHOUSE_URL or embedded)
python -m stack.cli up             start (embedded) and migrate the warehouse only
python -m stack.cli url [--bi]     print the warehouse URL (owner or read-only BI role)
python -m stack.cli psql           psql shell on the warehouse
python -m stack.cli stop           stop the embedded server
python -m stack.cli status         is the embedded server running, and where
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

from ingest.config import Settings, load_settings
from stack import airflow_local


def _masked(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def _summary(
    settings: Settings, url: str, timings: dict[str, float], started: float, since: datetime
) -> None:
    import psycopg

    from ingest import transform
    from stack import load_sql

    print("\nSummary")
    with psycopg.connect(url) as conn:
        print("  rows in the warehouse:")
        for table, count in conn.execute(load_sql("summary/row_counts")):
            print(f"    {table:<32} {count:>8}")
        received = conn.execute(load_sql("summary/intake_since"), {"since": since}).fetchall()
        outlook = (
            conn.execute(
                load_sql("summary/outlook"), {"as_of": settings.effective_outlook_as_of}
            ).fetchall()
            if settings.effective_outlook_as_of
            else []
        )
        reforecasts = conn.execute(load_sql("summary/reforecast")).fetchall()
        activities = conn.execute(load_sql("summary/action_plan")).fetchall()
        attempts = conn.execute(
            load_sql("summary/latest_attempt"),
            {"institution": settings.reporting_institution or ""},
        ).fetchall()
    if received:
        print("  intake this run (receipts beside the archived files):")
        for name, outcome, kind, institution, year, version, receipt in received:
            what = " ".join(str(x) for x in (kind, institution, year) if x)
            version_text = f" v{version}" if version else ""
            print(f"    {name}: {outcome}{version_text} ({what}) → {receipt}")
    run_results = settings.dbt_target_dir / transform.LATEST_BUILD / "run_results.json"
    if run_results.exists():
        dbt = transform.read_run_results(run_results)
        print(
            f"  dbt: {dbt.count('model', 'success')} models built, "
            f"{dbt.count('test', 'pass')} data tests and {dbt.count('unit_test', 'pass')} "
            f"unit tests passed (invocation {dbt.invocation_id})"
        )
    docs = settings.dbt_target_dir / transform.DOCS / "index.html"
    if docs.exists():
        print(f"  dbt docs site: {docs}")
    if attempts:
        scope = settings.reporting_institution or "every institution due"
        print(f"  annual submission ({scope}; quality gate, extract):")
        refusals = []
        for year, institution, outcome, version, path, total, failed, message in attempts:
            warned = message.count("[warning]") if message and outcome != "failed" else 0
            passed = f"{total - (failed or 0)}/{total} expectations passed" if total else "-"
            shipped = f", {warned} warning(s) shipped" if warned else ""
            where = f"v{version:04d} {path}" if version else str(path or "")
            shown = "refused" if outcome == "failed" else outcome
            print(f"    {year} {institution:<8} {shown:<9} {passed}{shipped}  {where}")
            if outcome == "failed":
                refusals.append((year, institution, message or ""))
        for year in sorted({a[0] for a in attempts}):
            national = settings.extracts_dir / str(year) / "_national" / "latest"
            if (national / "manifest.json").exists():
                manifest = json.loads((national / "manifest.json").read_text(encoding="utf-8"))
                print(f"    {year} national: {manifest['headline']['lv']} → {national.resolve()}")
        if refusals:
            print("  REFUSED by the quality gate (an outcome, not a crash; no extract written):")
            for year, institution, message in refusals:
                print(f"    {year} {institution}:")
                for line in message.splitlines()[1:] or [message]:
                    print(f"      {line.strip()}")
    if outlook:
        print(
            f"  early warning as of {settings.effective_outlook_as_of} (portal months so far, "
            "projected electronic requests vs the forecast; marts.fct_service_year_outlook):"
        )
        for year, status, services, keys in outlook:
            print(f"    {year} {status:<18} {services:>3}  {keys}")
        year = outlook[0][0]
        for report in sorted(settings.extracts_dir.glob(f"{year}/*/provisional/latest")):
            print(f"    PROVISIONAL report: {report.resolve() / 'report.html'}")
    if reforecasts:
        print(
            "  re-forecasts of the open years (electronic requests from the closed years' trend, "
            "beside the plan; marts.fct_service_reforecast):"
        )
        for inst, year, services, planned, revised, error in reforecasts:
            print(
                f"    {year} {inst:<8} {services:>3} services: plan {planned} e-users, "
                f"re-forecast {revised} requests; past forecasts off by {error} % (median)"
            )
    if activities:
        _print_action_plan(activities, settings.effective_outlook_as_of)
    print("  timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"  total: {time.monotonic() - started:.1f} s")
    print(f"  warehouse: {_masked(url)}  (make warehouse-url prints it in full)")


def _print_action_plan(activities: list[tuple], as_of: object) -> None:
    """One line per action-plan activity: status, and the electronic requests after its start
    against what the early-warning model expected without it (marts.fct_action_effect)."""
    print(
        f"  action plans as of {as_of or 'the as-of date'} (status; electronic requests after "
        "the start vs expected without the activity, 80 % interval; marts.fct_action_effect):"
    )
    for (activity, service, kind, status, start, approximate, months, actual, expected, low,
         high, pct, verdict, synthetic) in activities:  # fmt: skip
        started = f"{start:%Y-%m-%d}{'~' if approximate else ''}"
        if expected is not None:
            change = f"{pct:+} % " if pct is not None else ""
            effect = (
                f"{actual} in {months} months vs {expected} expected ({low}–{high}), "
                f"{change}{verdict}"
            )
        else:
            effect = verdict
        demo = " [demo data]" if synthetic else ""
        print(f"    {activity:<16} {service:<8} {kind:<13} {status:<8} from {started}  "
              f"{effect}{demo}")  # fmt: skip


def cmd_run(settings: Settings) -> int:
    from stack import pipeline, warehouse

    started = time.monotonic()
    since = datetime.now(UTC)
    print("e-service indicators warehouse: full pipeline")
    where = "embedded PostgreSQL" if settings.embedded else "WAREHOUSE_URL"
    print(f"  warehouse ({where}) …")
    t = time.monotonic()
    wh = warehouse.ensure_ready(settings)
    timings = {"warehouse": time.monotonic() - t}
    print(f"        ready at {_masked(wh.url)}")
    if airflow_local.is_running(settings):
        print(f"  Airflow runs ({settings.airflow_api_url}): triggering through its REST API")
        timings.update(pipeline.run_via_api(settings, wh.url))
    else:
        timings.update(pipeline.run(settings, wh.url))
    _summary(settings, wh.url, timings, started, since)
    return 0


def _conf(conf: str) -> dict:
    try:
        value = json.loads(conf or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"--conf is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ValueError("--conf must be a JSON object, e.g. '{\"year\": 2016}'")
    return value


def cmd_dag(settings: Settings, dag_id: str, conf: str) -> int:
    from stack import pipeline, warehouse

    conf_dict = _conf(conf)
    wh = warehouse.ensure_ready(settings)
    pipeline.prepare_demo_portal_exports(settings)
    if airflow_local.is_running(settings):
        step = pipeline.DagStep(dag_id, conf_dict)
        timings = pipeline.trigger_via_api(settings, step)
        print("done: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
        return 0
    pipeline.init_airflow(settings, wh.url)
    print(f"airflow dags test {dag_id} {json.dumps(conf_dict)} …")
    seconds = pipeline.trigger(settings, wh.url, pipeline.DagStep(dag_id, conf_dict))
    print(f"done in {seconds:.1f} s (log: {settings.logs_dir / (dag_id + '.log')})")
    return 0


def cmd_backfill_portal(settings: Settings, period_from: str, period_to: str) -> int:
    """One run over the period range (never one per day), then the transformation."""
    force_replace = os.environ.get("FORCE_REPLACE", "").lower() in ("1", "true", "yes")
    conf = {"period_from": period_from, "period_to": period_to, "force_replace": force_replace}
    code = cmd_dag(settings, "portal_statistics_nightly", json.dumps(conf))
    if not airflow_local.is_running(settings):  # under the scheduler the asset chain did it
        code = code or cmd_dag(settings, "warehouse_transform", "{}")
    return code


def cmd_backfill_annual(
    settings: Settings, first_year: int, last_year: int, refresh_after: bool = True
) -> int:
    """Airflow's backfill of the yearly schedule: reporting years FROM..TO are the runs due on
    2 March of FROM+1..TO+1, one at a time. Each run builds the marts as of its own date;
    ``refresh_after`` then rebuilds them as of today, so BI never keeps a past date's view."""
    from zoneinfo import ZoneInfo

    if first_year > last_year:
        raise ValueError(f"FROM ({first_year}) must not be after TO ({last_year})")
    if not airflow_local.is_running(settings):
        print(
            "backfill-annual needs the scheduler: run `make airflow` first "
            "(Airflow's backfill only queues runs; the scheduler executes them)",
            file=sys.stderr,
        )
        return 2
    riga = ZoneInfo("Europe/Riga")
    api = airflow_local.api_client(settings)
    started = time.monotonic()
    backfill_id, dates = api.backfill(
        "annual_indicator_submission",
        datetime(first_year + 1, 3, 1, tzinfo=riga),
        datetime(last_year + 1, 3, 3, tzinfo=riga),
        reprocess=settings_reprocess(),
    )
    span = f"{dates[0]} … {dates[-1]}"
    print(f"backfill {backfill_id} of annual_indicator_submission: {len(dates)} runs ({span})")
    runs = api.wait_backfill("annual_indicator_submission", backfill_id, say=print)
    for run in runs:
        due = run["run_after"][:10]
        print(f"  run due {due} (reporting year {int(due[:4]) - 1}): {run['state']}")
    print(f"backfill done in {time.monotonic() - started:.1f} s")
    failed = [r for r in runs if r["state"] != "success"]
    if refresh_after:
        from stack import pipeline

        print("marts back to today's as-of date (warehouse_transform):")
        pipeline.trigger_via_api(settings, pipeline.DagStep("warehouse_transform", {}))
    return 1 if failed else 0


def settings_reprocess() -> str:
    """``REPROCESS=completed`` re-runs years already done (``failed``: only failed ones)."""
    value = (os.environ.get("REPROCESS") or "none").strip().lower()
    if value not in ("none", "failed", "completed"):
        raise ValueError(f"REPROCESS must be none, failed or completed, got {value!r}")
    return value


def cmd_airflow(settings: Settings, action: str) -> int:
    if action == "start":
        print("local Airflow: API server + UI, scheduler, DAG processor, triggerer …")
        started = time.monotonic()
        airflow_local.start(settings)
        print(f"healthy in {time.monotonic() - started:.1f} s")
        print(airflow_local.describe(settings))
        return 0
    if action == "stop":
        stopped = airflow_local.stop(settings)
        print("stopped: " + ", ".join(stopped) if stopped else "the local Airflow was not running")
        return 0
    pids = airflow_local.pids(settings)
    for component, pid in pids.items():
        print(f"  {component:<14} {'running (pid ' + str(pid) + ')' if pid else 'stopped'}")
    if airflow_local.is_running(settings):
        health = airflow_local.api_client(settings).health()
        for name, info in health.items():
            print(f"  health {name:<14} {(info or {}).get('status')}")
        print(airflow_local.describe(settings))
    return 0


def cmd_migrate(settings: Settings) -> int:
    """Apply the warehouse migrations (the compose deployment's airflow-init runs this)."""
    from stack import migrate, warehouse

    if settings.embedded:
        url = warehouse.ensure_ready(settings).url
    else:
        url = settings.warehouse_url or ""
    applied = migrate.apply(url)
    print(f"migrations applied: {[m.path.name for m in applied] or 'none (up to date)'}")
    return 0


def cmd_up(settings: Settings) -> int:
    from stack import warehouse

    wh = warehouse.ensure_ready(settings)
    print(f"warehouse ready: {_masked(wh.url)}")
    return 0


def cmd_url(settings: Settings, bi: bool) -> int:
    from stack import embedded_pg, warehouse

    wh = warehouse.urls(settings)
    if bi and wh.bi_url is None:
        print("no BI URL: the BI role is managed by the owner of WAREHOUSE_URL", file=sys.stderr)
        return 1
    print(wh.bi_url if bi else wh.url)
    if settings.embedded and not embedded_pg.is_running(settings):
        print(
            "note: the embedded warehouse is not running; `make run` or `make db-start`",
            file=sys.stderr,
        )
    return 0


def cmd_psql(settings: Settings) -> int:
    from stack import embedded_pg, warehouse

    wh = warehouse.ensure_ready(settings)
    psql = str(embedded_pg.bin_dir() / "psql") if settings.embedded else shutil.which("psql")
    if not psql:
        print("psql not found on PATH", file=sys.stderr)
        return 1
    os.execv(psql, [psql, wh.url])
    return 0  # not reached


def cmd_stop(settings: Settings) -> int:
    from stack import embedded_pg

    if not settings.embedded:
        print("WAREHOUSE_URL is set: that server is not ours to stop")
        return 0
    print("stopped" if embedded_pg.stop(settings) else "the embedded warehouse was not running")
    return 0


def cmd_status(settings: Settings) -> int:
    from stack import embedded_pg

    if not settings.embedded:
        print("external warehouse (WAREHOUSE_URL)")
        return 0
    running = embedded_pg.is_running(settings)
    print(
        f"embedded warehouse: {'running' if running else 'stopped'} "
        f"(127.0.0.1:{settings.port}, data in {settings.pgdata})"
    )
    return 0


def cmd_backup(settings: Settings) -> int:
    from stack import backup, clean

    print("backing up the warehouse, the intake archive and the extracts …")
    folder = backup.backup(settings, clean.backups_dir(settings))
    manifest = json.loads((folder / backup.MANIFEST).read_text(encoding="utf-8"))
    size = sum(f["bytes"] for f in manifest["files"].values())
    print(f"backup written: {folder} ({size / 1e6:.1f} MB, "
          f"{sum(manifest['table_counts'].values())} rows in {len(manifest['table_counts'])} "
          "tables)\n  restore into fresh state: make clean && make restore "
          f"BACKUP={folder}")  # fmt: skip
    return 0


def cmd_restore(settings: Settings, folder: str) -> int:
    from stack import backup

    if not folder:
        print("say which backup: make restore BACKUP=backups/<stamp>", file=sys.stderr)
        return 2
    print(f"restoring {folder} …")
    counts = backup.restore(settings, Path(folder))
    print(f"restored: {sum(counts.values())} rows in {len(counts)} tables, equal to the backup's")
    return 0


def _year(text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise ValueError(f"FROM and TO are reporting years like 2015, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stack.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in (
        "run",
        "demo-national",
        "demo-national-stop",
        "up",
        "psql",
        "stop",
        "status",
        "migrate",
    ):
        sub.add_parser(name)
    airflow = sub.add_parser("airflow")
    airflow.add_argument("action", choices=("start", "stop", "status"))
    for name in ("backfill-annual", "backfill-portal"):
        backfill = sub.add_parser(name)
        backfill.add_argument("first")
        backfill.add_argument("last")
    dag = sub.add_parser("dag")
    dag.add_argument("dag_id")
    dag.add_argument("--conf", default="{}", help="DAG params as JSON")
    sub.add_parser("backup")
    restore = sub.add_parser("restore")
    restore.add_argument("folder", help="a backup folder, e.g. backups/20261129T120000Z")
    url = sub.add_parser("url")
    url.add_argument("--bi", action="store_true", help="the read-only BI role's URL")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    settings = load_settings()

    from publish.annual_submission import SubmissionRefused
    from stack.airflow_api import AirflowApiError
    from stack.airflow_local import AirflowStackError
    from stack.backup import BackupError
    from stack.embedded_pg import EmbeddedPostgresError
    from stack.migrate import MigrationError
    from stack.national_demo import DemoMismatch
    from stack.pipeline import PipelineError

    try:
        if args.command == "run":
            return cmd_run(settings)
        if args.command == "demo-national":
            from stack import national_demo

            national_demo.run(settings)
            return 0
        if args.command == "demo-national-stop":
            from stack import national_demo

            national_demo.stop(settings)
            return 0
        if args.command == "url":
            return cmd_url(settings, args.bi)
        if args.command == "dag":
            return cmd_dag(settings, args.dag_id, args.conf)
        if args.command == "airflow":
            return cmd_airflow(settings, args.action)
        if args.command == "migrate":
            return cmd_migrate(settings)
        if args.command == "backup":
            return cmd_backup(settings)
        if args.command == "restore":
            return cmd_restore(settings, args.folder)
        if args.command == "backfill-portal":
            return cmd_backfill_portal(settings, args.first, args.last)
        if args.command == "backfill-annual":
            return cmd_backfill_annual(settings, _year(args.first), _year(args.last))
        return {"up": cmd_up, "psql": cmd_psql, "stop": cmd_stop, "status": cmd_status}[
            args.command
        ](settings)
    except (
        BackupError,
        DemoMismatch,
        AirflowApiError,
        AirflowStackError,
        EmbeddedPostgresError,
        MigrationError,
        PipelineError,
        SubmissionRefused,
        ValueError,
    ) as exc:
        print(f"\nERROR: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

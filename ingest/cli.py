"""Command line of the warehouse: what the Makefile targets call.

python -m ingest.cli run            whole pipeline through Airflow, then a summary
python -m ingest.cli up             start (embedded) and migrate the warehouse only
python -m ingest.cli url [--bi]     print the warehouse URL (owner or read-only BI role)
python -m ingest.cli psql           psql shell on the warehouse
python -m ingest.cli stop           stop the embedded server
python -m ingest.cli status         is the embedded server running, and where
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

from ingest.config import Settings, load_settings


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

    from ingest import sqlfiles, transform

    print("\nSummary")
    with psycopg.connect(url) as conn:
        print("  rows in the warehouse:")
        for table, count in conn.execute(sqlfiles.load("summary/row_counts")):
            print(f"    {table:<32} {count:>8}")
        received = conn.execute(sqlfiles.load("summary/intake_since"), {"since": since}).fetchall()
        attempts = conn.execute(
            sqlfiles.load("summary/latest_attempt"),
            {"institution": settings.reporting_institution},
        ).fetchall()
    if received:
        print("  intake this run (receipts beside the archived files):")
        for name, outcome, kind, institution, year, version, receipt in received:
            what = " ".join(str(x) for x in (kind, institution, year) if x)
            version_text = f" v{version}" if version else ""
            print(f"    {name}: {outcome}{version_text} ({what}) → {receipt}")
    run_results = settings.dbt_target_dir / "run_results.json"
    if run_results.exists():
        dbt = transform.read_run_results(run_results)
        print(
            f"  dbt: {dbt.count('model', 'success')} models built, "
            f"{dbt.count('test', 'pass')} data tests and {dbt.count('unit_test', 'pass')} "
            f"unit tests passed (invocation {dbt.invocation_id})"
        )
    docs = settings.dbt_target_dir / "docs" / "index.html"
    if docs.exists():
        print(f"  dbt docs site: {docs}")
    if attempts:
        print(f"  annual submission ({settings.reporting_institution}; quality gate, extract):")
        for year, outcome, version, path, total, failed, message in attempts:
            warned = message.count("[warning]") if message and outcome != "failed" else 0
            passed = f"{total - (failed or 0)}/{total} expectations passed" if total else "-"
            shipped = f", {warned} warning(s) shipped" if warned else ""
            where = f"v{version:04d} {path}" if version else str(path or "")
            print(f"    {year}: {outcome:<9} {passed}{shipped}  {where}")
    print("  timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"  total: {time.monotonic() - started:.1f} s")
    print(f"  warehouse: {_masked(url)}  (make warehouse-url prints it in full)")


def cmd_run(settings: Settings) -> int:
    from ingest import pipeline, warehouse

    started = time.monotonic()
    since = datetime.now(UTC)
    print("e-service indicators warehouse: full pipeline")
    where = "embedded PostgreSQL" if settings.embedded else "WAREHOUSE_URL"
    print(f"  warehouse ({where}) …")
    t = time.monotonic()
    wh = warehouse.ensure_ready(settings)
    timings = {"warehouse": time.monotonic() - t}
    print(f"        ready at {_masked(wh.url)}")
    timings.update(pipeline.run(settings, wh.url))
    _summary(settings, wh.url, timings, started, since)
    return 0


def cmd_dag(settings: Settings, dag_id: str, conf: str) -> int:
    from ingest import pipeline, warehouse

    try:
        conf_dict = json.loads(conf or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"--conf is not valid JSON: {exc}") from exc
    wh = warehouse.ensure_ready(settings)
    pipeline.prepare_demo_portal_exports(settings)
    pipeline.init_airflow(settings, wh.url)
    print(f"airflow dags test {dag_id} {json.dumps(conf_dict)} …")
    seconds = pipeline.trigger(settings, wh.url, pipeline.DagStep(dag_id, conf_dict))
    print(f"done in {seconds:.1f} s (log: {settings.logs_dir / (dag_id + '.log')})")
    return 0


def cmd_up(settings: Settings) -> int:
    from ingest import warehouse

    wh = warehouse.ensure_ready(settings)
    print(f"warehouse ready: {_masked(wh.url)}")
    return 0


def cmd_url(settings: Settings, bi: bool) -> int:
    from ingest import embedded_pg, warehouse

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
    from ingest import embedded_pg, warehouse

    wh = warehouse.ensure_ready(settings)
    psql = str(embedded_pg.bin_dir() / "psql") if settings.embedded else shutil.which("psql")
    if not psql:
        print("psql not found on PATH", file=sys.stderr)
        return 1
    os.execv(psql, [psql, wh.url])
    return 0  # not reached


def cmd_stop(settings: Settings) -> int:
    from ingest import embedded_pg

    if not settings.embedded:
        print("WAREHOUSE_URL is set: that server is not ours to stop")
        return 0
    print("stopped" if embedded_pg.stop(settings) else "the embedded warehouse was not running")
    return 0


def cmd_status(settings: Settings) -> int:
    from ingest import embedded_pg

    if not settings.embedded:
        print("external warehouse (WAREHOUSE_URL)")
        return 0
    running = embedded_pg.is_running(settings)
    print(
        f"embedded warehouse: {'running' if running else 'stopped'} "
        f"(127.0.0.1:{settings.port}, data in {settings.pgdata})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "up", "psql", "stop", "status"):
        sub.add_parser(name)
    dag = sub.add_parser("dag")
    dag.add_argument("dag_id")
    dag.add_argument("--conf", default="{}", help="DAG params as JSON")
    url = sub.add_parser("url")
    url.add_argument("--bi", action="store_true", help="the read-only BI role's URL")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    settings = load_settings()

    from ingest.annual_submission import SubmissionRefused
    from ingest.embedded_pg import EmbeddedPostgresError
    from ingest.migrate import MigrationError
    from ingest.pipeline import PipelineError

    try:
        if args.command == "run":
            return cmd_run(settings)
        if args.command == "url":
            return cmd_url(settings, args.bi)
        if args.command == "dag":
            return cmd_dag(settings, args.dag_id, args.conf)
        return {"up": cmd_up, "psql": cmd_psql, "stop": cmd_stop, "status": cmd_status}[
            args.command
        ](settings)
    except (
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

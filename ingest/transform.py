"""Run dbt in-process against the warehouse (the one place the pipeline invokes dbt).

The ``warehouse_transform`` DAG and any later caller that needs fresh marts go through
:func:`run_dbt`, so there is a single dbt setup: one project, one profile, credentials passed
as environment variables (the password as ``DBT_ENV_SECRET_*`` so dbt scrubs it from logs).

Every invocation writes its artefacts to a folder of its own under ``<target>/runs/`` (two runs
never overwrite each other's ``run_results.json`` or manifest); the last successful build and
the last docs site are then published as the stable links ``<target>/latest_build`` and
``<target>/docs`` (an atomic symlink swap, so a reader never sees a half-written site). Under
Airflow, every task that runs dbt also takes its slot from the pool ``dbt`` (size 1).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ingest.config import BI_ROLE, SYNTHETIC_CODE_PREFIX

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult


class TransformError(RuntimeError):
    """dbt failed; the message names every failing node (``failures``: "<unique_id>: <message>")."""

    def __init__(self, message: str, failures: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.failures = tuple(failures)

    def drifted_incremental_models(self) -> list[str]:
        """Incremental models whose table no longer matches the project's columns or types (a
        project upgrade changed them; ``on_schema_change='fail'`` refuses to guess)."""
        return [
            failure.split(":", 1)[0].rsplit(".", 1)[-1]
            for failure in self.failures
            if failure.startswith("model.") and INCREMENTAL_SCHEMA_DRIFT in failure
        ]


# What dbt says when an incremental model's table and its SQL disagree on columns or types.
INCREMENTAL_SCHEMA_DRIFT = "schemas on this incremental model are out of sync"


def dbt_env(conninfo: str) -> dict[str, str]:
    """The profile's environment variables for a ``postgresql://`` URL."""
    parts = urlsplit(conninfo)
    if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
        raise ValueError("the warehouse URL must look like postgresql://user:password@host:port/db")
    return {
        "DBT_WAREHOUSE_HOST": parts.hostname,
        "DBT_WAREHOUSE_PORT": str(parts.port or 5432),
        "DBT_WAREHOUSE_USER": unquote(parts.username or ""),
        "DBT_ENV_SECRET_WAREHOUSE_PASSWORD": unquote(parts.password or ""),
        "DBT_WAREHOUSE_DBNAME": parts.path.lstrip("/") or "postgres",
    }


def dbt_vars() -> dict[str, str]:
    """Variables every run passes, the same for every run (dbt re-parses the whole project
    when they change): synthetic code prefix, BI role."""
    return {"synthetic_code_prefix": SYNTHETIC_CODE_PREFIX, "bi_role": BI_ROLE}


AS_OF_ENV = "DBT_AS_OF_DATE"
OUTLOOK_AS_OF_ENV = "DBT_OUTLOOK_AS_OF_DATE"


def as_of_env(as_of: date | None) -> dict[str, str]:
    """The as-of date of statuses, for macros/as_of_date.sql (empty: dbt_project.yml's
    fallback). An environment variable: a new date re-parses only the models that read it,
    where a new --vars value re-parses the whole project."""
    return {AS_OF_ENV: as_of.isoformat() if as_of is not None else ""}


def outlook_env() -> dict[str, str]:
    """The early-warning outlook's as-of date (macros/outlook_as_of_date.sql) from the
    settings (OUTLOOK_AS_OF_DATE, the demo's mid-2019 date); empty: the statuses' as-of date.
    Every dbt invocation gets it, so a rebuild from any code path shows the same outlook."""
    from ingest.config import load_settings

    return {OUTLOOK_AS_OF_ENV: load_settings().effective_outlook_as_of or ""}


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@dataclass(frozen=True)
class DbtSummary:
    """What a dbt invocation did, read from its ``run_results.json``."""

    command: str
    invocation_id: str
    success: bool
    counts: dict[str, Counter] = field(default_factory=dict)  # resource type -> status counts
    failures: tuple[str, ...] = ()
    target_dir: Path | None = None  # this invocation's own artefacts folder

    def count(self, resource_type: str, status: str) -> int:
        return self.counts.get(resource_type, Counter()).get(status, 0)

    def describe(self) -> str:
        parts = [
            f"{rtype}s: " + ", ".join(f"{n} {status}" for status, n in sorted(c.items()))
            for rtype, c in sorted(self.counts.items())
        ]
        return f"dbt {self.command} ({self.invocation_id}): " + "; ".join(parts)


def read_run_results(run_results: Path, success: bool = True) -> DbtSummary:
    """Summarise a dbt ``run_results.json`` (counts per resource type and status, failures)."""
    data = json.loads(run_results.read_text())
    command = str(data.get("args", {}).get("which", "dbt"))
    counts: dict[str, Counter] = {}
    failures = []
    for result in data.get("results", []):
        rtype = result["unique_id"].split(".", 1)[0]
        counts.setdefault(rtype, Counter())[result["status"]] += 1
        if result["status"] in ("error", "fail", "runtime error"):
            failures.append(f"{result['unique_id']}: {result.get('message') or result['status']}")
    return DbtSummary(
        command=command,
        invocation_id=data["metadata"]["invocation_id"],
        success=success,
        counts=counts,
        failures=tuple(failures),
    )


RUNS_DIR = "runs"
LATEST_BUILD = "latest_build"
DOCS = "docs"
KEEP_RUNS = 30  # invocation folders kept under <target>/runs (the published ones always)


def invocation_dir(target_root: Path, command: str) -> Path:
    """A new folder for one dbt invocation: ``runs/<UTC stamp, µs>-<command>-<8 hex>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")  # sorts in creation order
    slug = "-".join(command.split()[:2])
    path = target_root / RUNS_DIR / f"{stamp}-{slug}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path


def publish(target_root: Path, name: str, run_dir: Path) -> Path:
    """Point the stable link ``<target_root>/<name>`` at ``run_dir`` (atomic rename)."""
    link = target_root / name
    if link.exists() and not link.is_symlink():  # an older layout kept a real folder here
        shutil.rmtree(link)
    tmp = target_root / f".{name}.{uuid.uuid4().hex[:8]}"
    tmp.symlink_to(run_dir.relative_to(target_root))
    os.replace(tmp, link)
    return link


def prune_runs(target_root: Path, keep: int = KEEP_RUNS) -> None:
    """Delete all but the newest ``keep`` invocation folders, never a published one."""
    runs = target_root / RUNS_DIR
    if not runs.is_dir():
        return
    published = {
        (target_root / name).resolve()
        for name in (LATEST_BUILD, DOCS)
        if (target_root / name).is_symlink()
    }
    for old in sorted(p for p in runs.iterdir() if p.is_dir())[:-keep]:
        if old.resolve() not in published:
            shutil.rmtree(old, ignore_errors=True)


PARSE_CACHE = "partial_parse.msgpack"


@contextmanager
def _parse_cache(target_root: Path, target_dir: Path) -> Iterator[None]:
    """Share dbt's partial-parse cache between invocation folders (a fresh folder would mean a
    full parse every time): copied in before, the updated one copied back after."""
    shared = target_root / PARSE_CACHE
    if shared.is_file():
        shutil.copyfile(shared, target_dir / PARSE_CACHE)
    try:
        yield
    finally:
        produced = target_dir / PARSE_CACHE
        if produced.is_file():
            tmp = target_root / f".{PARSE_CACHE}.{uuid.uuid4().hex[:8]}"
            shutil.copyfile(produced, tmp)
            os.replace(tmp, shared)


def _dbt_args(command: str, project_dir: Path, target_dir: Path) -> list[str]:
    return [
        "--no-use-colors",
        *command.split(),
        "--project-dir", str(project_dir),
        "--profiles-dir", str(project_dir),
        "--target-path", str(target_dir),
        "--log-path", str(target_dir / "logs"),
        "--vars", json.dumps(dbt_vars()),
    ]  # fmt: skip


def _invoke(conninfo: str, args: list[str], as_of: date | None) -> dbtRunnerResult:
    from dbt.cli.main import dbtRunner  # heavy import (~3 s): only when dbt really runs

    env = {**dbt_env(conninfo), **as_of_env(as_of), **outlook_env(),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}  # fmt: skip
    with _environment(env):
        return dbtRunner().invoke(args)


def run_dbt(
    conninfo: str,
    project_dir: Path,
    target_root: Path,
    command: str = "build",
    as_of: date | None = None,
    extra_args: Sequence[str] = (),
) -> DbtSummary:
    """Run ``dbt <command>`` in-process in its own folder under ``<target_root>/runs``; raises
    :class:`TransformError` naming failing nodes (and that folder, which keeps the details)."""
    target_dir = invocation_dir(target_root, command)
    run_results = target_dir / "run_results.json"
    args = _dbt_args(command, project_dir, target_dir)
    with _parse_cache(target_root, target_dir):
        result = _invoke(conninfo, [*args, *extra_args], as_of)
    prune_runs(target_root)
    if result.exception is not None or not run_results.exists():
        raise TransformError(f"dbt {command} could not run: {result.exception} (see {target_dir})")
    summary = read_run_results(run_results, bool(result.success))
    summary = DbtSummary(**{**summary.__dict__, "target_dir": target_dir})
    if not summary.success:
        raise TransformError(
            f"dbt {command} failed (artefacts: {target_dir}):\n"
            + "\n".join(f"  - {f}" for f in summary.failures),
            summary.failures,
        )
    return summary


def generate_docs(
    conninfo: str, project_dir: Path, target_root: Path, as_of: date | None = None
) -> Path:
    """``dbt docs generate`` in its own folder, then published as ``<target_root>/docs``;
    returns the stable path of the site's ``index.html``. Pass the build's ``as_of`` (the
    docs show the compiled SQL of the build)."""
    summary = run_dbt(conninfo, project_dir, target_root, "docs generate", as_of=as_of)
    assert summary.target_dir is not None
    return publish(target_root, DOCS, summary.target_dir) / "index.html"


@dataclass(frozen=True)
class SourceFreshness:
    """One source table's freshness: status pass / warn / error / runtime error."""

    source: str
    status: str
    max_loaded_at: str | None
    age_hours: float | None


def read_sources_json(sources_json: Path) -> list[SourceFreshness]:
    """The per-table results of ``dbt source freshness`` (its ``sources.json``)."""
    data = json.loads(sources_json.read_text())
    results = []
    for result in data.get("results", []):
        age = result.get("max_loaded_at_time_ago_in_s")
        results.append(
            SourceFreshness(
                source=result["unique_id"].removeprefix("source.").split(".", 1)[-1],
                status=result["status"],
                max_loaded_at=result.get("max_loaded_at"),
                age_hours=round(age / 3600, 1) if age is not None else None,
            )
        )
    return sorted(results, key=lambda r: r.source)


def source_freshness(
    conninfo: str, project_dir: Path, target_root: Path, as_of: date | None = None
) -> list[SourceFreshness]:
    """Run ``dbt source freshness``. Stale raw tables are reported, not fatal: the sources only
    set ``warn_after`` (old data still builds correct marts, and the annual gate checks what
    matters for a submission); a source that cannot be queried raises :class:`TransformError`.
    """
    target_dir = invocation_dir(target_root, "source freshness")
    sources_json = target_dir / "sources.json"
    args = _dbt_args("source freshness", project_dir, target_dir)
    with _parse_cache(target_root, target_dir):
        result = _invoke(conninfo, args, as_of)
    prune_runs(target_root)
    if result.exception is not None or not sources_json.exists():
        raise TransformError(f"dbt source freshness could not run: {result.exception}")
    results = read_sources_json(sources_json)
    broken = [r for r in results if r.status == "runtime error"]
    if broken:
        raise TransformError(
            "dbt source freshness could not query: " + ", ".join(r.source for r in broken)
        )
    return results


def describe_freshness(results: Sequence[SourceFreshness]) -> str:
    """One line per source table, stale ones first."""
    order = {"error": 0, "warn": 1, "pass": 2}
    return "\n".join(
        f"  {r.status:<5} {r.source}: newest row {r.age_hours} h old"
        for r in sorted(results, key=lambda r: (order.get(r.status, 3), r.source))
    )

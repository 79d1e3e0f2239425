"""Run dbt in-process against the warehouse (the one place the pipeline invokes dbt).

The ``warehouse_transform`` DAG and any later caller that needs fresh marts go through
:func:`run_dbt`, so there is a single dbt setup: one project, one profile, credentials passed
as environment variables (the password as ``DBT_ENV_SECRET_*`` so dbt scrubs it from logs).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ingest.config import BI_ROLE, SYNTHETIC_CODE_PREFIX

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult


class TransformError(RuntimeError):
    """dbt failed; the message names every failing node."""


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


def dbt_vars(as_of: date | None) -> dict[str, str]:
    """Variables every run passes: synthetic code prefix, BI role, as-of date of statuses."""
    values = {"synthetic_code_prefix": SYNTHETIC_CODE_PREFIX, "bi_role": BI_ROLE}
    if as_of is not None:
        values["as_of_date"] = as_of.isoformat()
    return values


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


def _dbt_args(command: str, project_dir: Path, target_dir: Path, as_of: date | None) -> list[str]:
    return [
        "--no-use-colors",
        *command.split(),
        "--project-dir", str(project_dir),
        "--profiles-dir", str(project_dir),
        "--target-path", str(target_dir),
        "--log-path", str(target_dir / "logs"),
        "--vars", json.dumps(dbt_vars(as_of)),
    ]  # fmt: skip


def _invoke(conninfo: str, args: list[str]) -> dbtRunnerResult:
    from dbt.cli.main import dbtRunner  # heavy import (~3 s): only when dbt really runs

    with _environment({**dbt_env(conninfo), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}):
        return dbtRunner().invoke(args)


def run_dbt(
    conninfo: str,
    project_dir: Path,
    target_dir: Path,
    command: str = "build",
    as_of: date | None = None,
    extra_args: Sequence[str] = (),
) -> DbtSummary:
    """Run ``dbt <command>`` in-process; raises :class:`TransformError` naming failing nodes."""
    run_results = target_dir / "run_results.json"
    run_results.unlink(missing_ok=True)  # never summarise a previous invocation's results
    result = _invoke(conninfo, [*_dbt_args(command, project_dir, target_dir, as_of), *extra_args])
    if result.exception is not None or not run_results.exists():
        raise TransformError(f"dbt {command} could not run: {result.exception}")
    summary = read_run_results(run_results, bool(result.success))
    if not summary.success:
        raise TransformError(
            f"dbt {command} failed:\n" + "\n".join(f"  - {f}" for f in summary.failures)
        )
    return summary


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


def source_freshness(conninfo: str, project_dir: Path, target_dir: Path) -> list[SourceFreshness]:
    """Run ``dbt source freshness``. Stale raw tables are reported, not fatal: the sources only
    set ``warn_after`` (old data still builds correct marts, and the annual gate checks what
    matters for a submission); a source that cannot be queried raises :class:`TransformError`.
    """
    sources_json = target_dir / "sources.json"
    sources_json.unlink(missing_ok=True)
    result = _invoke(conninfo, _dbt_args("source freshness", project_dir, target_dir, None))
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

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
from urllib.parse import unquote, urlsplit

from ingest.config import BI_ROLE, SYNTHETIC_CODE_PREFIX


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


def run_dbt(
    conninfo: str,
    project_dir: Path,
    target_dir: Path,
    command: str = "build",
    as_of: date | None = None,
    extra_args: Sequence[str] = (),
) -> DbtSummary:
    """Run ``dbt <command>`` in-process; raises :class:`TransformError` naming failing nodes."""
    from dbt.cli.main import dbtRunner  # heavy import (~3 s): only when dbt really runs

    args = [
        "--no-use-colors",
        *command.split(),
        "--project-dir", str(project_dir),
        "--profiles-dir", str(project_dir),
        "--target-path", str(target_dir),
        "--log-path", str(target_dir / "logs"),
        "--vars", json.dumps(dbt_vars(as_of)),
        *extra_args,
    ]  # fmt: skip
    with _environment({**dbt_env(conninfo), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}):
        result = dbtRunner().invoke(args)
    run_results = target_dir / "run_results.json"
    if result.exception is not None or not run_results.exists():
        raise TransformError(f"dbt {command} could not run: {result.exception}")
    summary = read_run_results(run_results, bool(result.success))
    if not summary.success:
        raise TransformError(
            f"dbt {command} failed:\n" + "\n".join(f"  - {f}" for f in summary.failures)
        )
    return summary

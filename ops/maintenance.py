"""Retention of Airflow's own metadata and task logs (the ``operations_housekeeping`` DAG).

A scheduler that runs every night for years grows its metadata database (task instances, XCom,
logs tables, DAG runs) and its log folder without bound; both are cut back to
``AIRFLOW_RETENTION_DAYS`` every day. ``airflow db clean`` is Airflow's own tool for the first;
the log folder is pruned file by file (empty folders removed).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pruned:
    files: int
    bytes: int
    folders: int

    def describe(self) -> str:
        return f"{self.files} log files ({self.bytes / 1e6:.1f} MB) and {self.folders} folders"


def cutoff(retention_days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=retention_days)


def _airflow() -> str:
    sibling = Path(sys.executable).with_name("airflow")
    return str(sibling) if sibling.exists() else (shutil.which("airflow") or "airflow")


def clean_metadata(retention_days: int, metadata_url: str, dry_run: bool = False) -> str:
    """``airflow db clean`` of every table older than the cut-off; returns its output.

    Airflow 3 gives tasks no metadata-database access (their ``sql_alchemy_conn`` is blanked),
    so the URL comes from the connection ``airflow_metadata`` the deployment defines."""
    cmd = [
        _airflow(), "db", "clean",
        "--clean-before-timestamp", cutoff(retention_days).isoformat(),
        "--skip-archive", "--yes",
    ]  # fmt: skip
    if dry_run:
        cmd.append("--dry-run")
    for scheme in ("postgres://", "postgresql://"):  # Connection.get_uri() says postgres://
        if metadata_url.startswith(scheme):
            metadata_url = "postgresql+psycopg2://" + metadata_url[len(scheme) :]
    env = {**os.environ, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db clean failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def prune_logs(folder: Path, retention_days: int, now: datetime | None = None) -> Pruned:
    """Delete log files last written before the cut-off, then the folders left empty."""
    if not folder.is_dir():
        return Pruned(0, 0, 0)
    limit = cutoff(retention_days, now).timestamp()
    files = size = folders = 0
    for root, _dirs, names in os.walk(folder, topdown=False):
        for name in names:
            path = Path(root) / name
            try:
                stat = path.stat()
                if stat.st_mtime < limit:
                    path.unlink()
                    files += 1
                    size += stat.st_size
            except FileNotFoundError:
                continue
        here = Path(root)
        if here != folder and not any(here.iterdir()):
            here.rmdir()
            folders += 1
    return Pruned(files, size, folders)

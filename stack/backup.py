"""``make backup`` / ``make restore``: the warehouse, the intake archive and the extracts.

A backup is one folder ``backups/<UTC stamp>/`` (``BACKUP_DIR``) holding:

- ``warehouse.dump``: ``pg_dump`` in custom format (schema, data, grants and owners);
- ``files.tar``: the intake archive (received submissions and their receipts), the inbox and
  the extracts, with their paths relative to the state they came from;
- ``manifest.json``: sha256 and size of both, row counts of every raw, audit and mart table,
  the migrations applied, and the PostgreSQL version — what ``restore`` checks before and after.

``restore`` puts a backup into a *fresh* warehouse (a database that does not exist yet, or
holds no tables) and empty folders, then checks the row counts against the manifest. It never
overwrites: to restore over existing state, ``make clean`` first (which itself refuses to delete
received submissions that no backup holds).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from ingest.config import Settings
from stack import embedded_pg, warehouse

DUMP = "warehouse.dump"
FILES = "files.tar"
MANIFEST = "manifest.json"
COUNTED_SCHEMAS = ("raw", "audit", "marts")


class BackupError(RuntimeError):
    """A backup could not be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Folders:
    """The folders a backup carries, by the name they have inside ``files.tar``."""

    archive: Path
    inbox: Path
    extracts: Path

    @classmethod
    def of(cls, settings: Settings) -> Folders:
        return cls(settings.archive_dir, settings.inbox_dir, settings.extracts_dir)

    def items(self) -> list[tuple[str, Path]]:
        return [("intake/archive", self.archive), ("intake/inbox", self.inbox),
                ("extracts", self.extracts)]  # fmt: skip


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_tool(name: str) -> str:
    tool = embedded_pg.bin_dir() / name
    if tool.exists():
        return str(tool)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found (install the PostgreSQL client tools)")
    return found


def table_counts(url: str) -> dict[str, int]:
    """Row count of every table in the raw, audit and marts schemas."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1",
            (list(COUNTED_SCHEMAS),),
        ).fetchall()
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}


def _admin_url(settings: Settings, database: str) -> str:
    """A superuser URL on the embedded server (restoring owners and grants needs one)."""
    creds = embedded_pg.load_or_create_credentials(settings)
    return embedded_pg.url(settings, "postgres", creds.admin_password, database=database)


def backup(settings: Settings, root: Path, say=print) -> Path:
    """Write a new backup folder under ``root``; returns it."""
    url = warehouse.ensure_ready(settings).url
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = root / stamp
    partial = root / f".partial-{stamp}"
    partial.mkdir(parents=True, exist_ok=False)
    try:
        dump_url = _admin_url(settings, settings.database) if settings.embedded else url
        say(f"  pg_dump {settings.database} …")
        subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--file", str(partial / DUMP), dump_url],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        say("  intake archive, inbox and extracts …")
        with tarfile.open(partial / FILES, "w") as tar:
            for name, folder in Folders.of(settings).items():
                if folder.exists():
                    tar.add(folder, arcname=name)
        with psycopg.connect(url) as conn:
            version = conn.execute("show server_version").fetchone()[0]
            migrations = [r[0] for r in conn.execute(
                "select name from audit.schema_migrations order by version"
            )]  # fmt: skip
        manifest = {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": settings.database,
            "postgres_version": version,
            "migrations": migrations,
            "files": {
                name: {"sha256": _sha256(partial / name), "bytes": (partial / name).stat().st_size}
                for name in (DUMP, FILES)
            },
            "table_counts": table_counts(url),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.rename(partial, target)  # a backup folder is complete or absent
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"pg_dump failed: {exc.stderr.strip()}") from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return target


def latest(root: Path) -> Path | None:
    found = sorted(p for p in root.glob("2*") if (p / MANIFEST).exists()) if root.exists() else []
    return found[-1] if found else None


def _verify(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{folder} is not a backup (no {MANIFEST})") from exc
    for name, meta in manifest["files"].items():
        if _sha256(folder / name) != meta["sha256"]:
            raise BackupError(f"{folder / name} does not match its manifest: damaged backup")
    return manifest


def restore(settings: Settings, folder: Path, say=print) -> dict[str, int]:
    """Restore ``folder`` into the (fresh) warehouse and folders of ``settings``."""
    manifest = _verify(folder)
    for _name, target in Folders.of(settings).items():
        if target.exists() and any(target.iterdir()):
            raise BackupError(
                f"{target} is not empty: restore only into fresh state (make clean first)"
            )
    if not settings.embedded:
        raise BackupError(
            "restore drives the embedded server; for WAREHOUSE_URL run pg_restore yourself: "
            f"pg_restore --dbname <url> {folder / DUMP}"
        )
    creds = embedded_pg.start(settings)
    warehouse.bootstrap_embedded(settings, creds)  # roles and an empty database
    url = warehouse.urls(settings).url
    with psycopg.connect(url) as conn:
        existing = conn.execute(
            "select count(*) from information_schema.tables where table_schema = any(%s)",
            (list(COUNTED_SCHEMAS),),
        ).fetchone()[0]
    if existing:
        raise BackupError(
            f"the warehouse {settings.database} already holds tables: restore only into a fresh "
            "warehouse (make clean first)"
        )
    say(f"  pg_restore into {settings.database} …")
    done = subprocess.run(
        [_pg_tool("pg_restore"), "--exit-on-error", "--dbname",
         _admin_url(settings, settings.database), str(folder / DUMP)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-2000:]}")
    say("  intake archive, inbox and extracts …")
    places = dict(Folders.of(settings).items())
    with tarfile.open(folder / FILES) as tar:
        for member in tar.getmembers():
            top = next((name for name in places if member.name.startswith(name)), None)
            if top is None:
                raise BackupError(f"unexpected entry {member.name!r} in {FILES}")
        for name, target in places.items():
            members = [m for m in tar.getmembers() if m.name == name or
                       m.name.startswith(name + "/")]  # fmt: skip
            target.mkdir(parents=True, exist_ok=True)
            for member in members:
                member.name = os.path.relpath(member.name, name)
            tar.extractall(target, members=[m for m in members if m.name != "."], filter="data")
    counts = table_counts(url)
    if counts != manifest["table_counts"]:
        differ = {t: (manifest["table_counts"].get(t), n) for t, n in counts.items()
                  if manifest["table_counts"].get(t) != n}  # fmt: skip
        raise BackupError(f"restored row counts differ from the backup's: {differ}")
    return counts

"""Numbered, idempotent warehouse migrations (``stack/migrations/NNNN_name.sql``).

Each file runs once, in its own transaction, and is recorded with its sha256 in
``audit.schema_migrations``; an existing warehouse therefore upgrades in place. A file edited
after it was applied is refused (write a new migration instead), and an advisory lock keeps two
concurrent runs from applying the same file twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from stack import load_sql

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 748_201_001  # arbitrary, project-wide advisory lock id for migrations


class MigrationError(RuntimeError):
    """A migration file is malformed, was changed after being applied, or failed."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migration files in version order; refuses badly named files and duplicate numbers."""
    migrations: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_lower_snake.sql")
        migrations.append(Migration(int(match[1]), match[2], path))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration numbers in {directory}: {versions}")
    return migrations


def apply(conninfo: str, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply every migration not yet recorded; returns the ones applied by this call."""
    migrations = discover(directory)
    applied_now: list[Migration] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(load_sql("migrations_table"))
            done = dict(
                conn.execute("select version, sha256 from audit.schema_migrations").fetchall()
            )
            for migration in migrations:
                recorded = done.get(migration.version)
                if recorded is not None:
                    if recorded != migration.sha256:
                        raise MigrationError(
                            f"migration {migration.path.name} changed after it was applied; "
                            "add a new numbered migration instead of editing it"
                        )
                    continue
                log.info("applying migration %s", migration.path.name)
                try:
                    with conn.transaction():
                        conn.execute(migration.sql)
                        conn.execute(
                            "insert into audit.schema_migrations (version, name, sha256) "
                            "values (%s, %s, %s)",
                            (migration.version, migration.name, migration.sha256),
                        )
                except psycopg.Error as exc:
                    raise MigrationError(f"migration {migration.path.name} failed: {exc}") from exc
                applied_now.append(migration)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied_now

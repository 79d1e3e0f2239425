"""Lineage shared by every loader: file checksums, load batches and streamed ``COPY``.

Every raw row carries the batch that wrote it, its source file, that file's sha256 and the load
time, so any figure in a mart can be traced back to the bytes it came from.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg import sql

from ingest import sqlfiles

CHUNK = 1 << 16


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in chunks (files can be larger than memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def combined_sha256(paths: Iterable[Path]) -> str:
    """One checksum for a set of files that load together (order-independent)."""
    parts = sorted(f"{p.name}:{file_sha256(p)}" for p in paths)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Batch:
    """An open load batch: its id and start time stamp every row it writes."""

    batch_id: uuid.UUID
    started_at: datetime
    loader: str
    source_uri: str
    source_sha256: str
    is_synthetic: bool

    def lineage_params(self, source_file: str | None = None) -> dict[str, object]:
        return {
            "batch_id": self.batch_id,
            "source_file": source_file or self.source_uri,
            "source_sha256": self.source_sha256,
            "loaded_at": self.started_at,
            "is_synthetic": self.is_synthetic,
        }


def start_batch(
    conn: psycopg.Connection, loader: str, source_uri: str, source_sha256: str, is_synthetic: bool
) -> Batch:
    """Insert a ``running`` batch row inside the caller's transaction."""
    row = conn.execute(
        sqlfiles.load("batch_start"),
        {
            "loader": loader,
            "source_uri": source_uri,
            "source_sha256": source_sha256,
            "is_synthetic": is_synthetic,
        },
    ).fetchone()
    assert row is not None
    return Batch(row[0], row[1], loader, source_uri, source_sha256, is_synthetic)


def finish_batch(
    conn: psycopg.Connection, batch: Batch, rows_read: int, rows_loaded: int, message: str = ""
) -> None:
    conn.execute(
        sqlfiles.load("batch_finish"),
        {
            "batch_id": batch.batch_id,
            "status": "succeeded",
            "rows_read": rows_read,
            "rows_loaded": rows_loaded,
            "message": message or None,
        },
    )


def record_batch(
    conninfo: str,
    *,
    loader: str,
    source_uri: str,
    source_sha256: str,
    status: str,
    message: str,
    is_synthetic: bool,
    rows_read: int | None = None,
    rows_loaded: int | None = None,
    params: dict[str, object] | None = None,
) -> uuid.UUID:
    """Record a batch outside any load transaction (a skip, or a failure that rolled back)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            sqlfiles.load("batch_record"),
            {
                "loader": loader,
                "source_uri": source_uri,
                "source_sha256": source_sha256,
                "status": status,
                "message": message,
                "is_synthetic": is_synthetic,
                "rows_read": rows_read,
                "rows_loaded": rows_loaded,
                "params": json.dumps(params) if params is not None else None,
            },
        ).fetchone()
    assert row is not None
    return row[0]


def copy_csv(conn: psycopg.Connection, table: str, columns: list[str], path: Path) -> int:
    """Stream a UTF-8 CSV file with a header row into ``table`` with ``COPY``; returns rows copied.

    ``HEADER MATCH`` makes PostgreSQL itself confirm the header names the columns in order.
    """
    statement = sql.SQL("copy {table} ({columns}) from stdin (format csv, header match)").format(
        table=sql.Identifier(table),
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
    )
    with conn.cursor() as cur:
        with cur.copy(statement) as copy, path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                copy.write(chunk)
        return cur.rowcount

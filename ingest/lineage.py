"""Lineage shared by every loader: load batches.

Every raw row carries the batch that wrote it, its source file, that file's sha256 and the load
time, so any figure in a mart can be traced back to the bytes it came from.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg

from ingest import sqlfiles


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

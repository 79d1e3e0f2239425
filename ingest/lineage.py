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


def start_batch(
    conn: psycopg.Connection, loader: str, source_uri: str, source_sha256: str, is_synthetic: bool
) -> Batch:
    """Insert and **commit** a ``running`` batch row, before the load's own transaction.

    A loader killed mid-load thus leaves a visible attempt (its rows roll back, the batch row
    stays); :func:`mark_abandoned` later tells it from a load still under way by its backend.
    Call it outside ``conn.transaction()``.

    The commit does not wait for the WAL flush (``synchronous_commit = off``, this transaction
    only): a killed loader still leaves the row (the server has it); only a server crash within
    a fraction of a second could lose it, and then the load's own transaction, which commits
    synchronously after it, is lost too. The wait was ~0.2 s of every load."""
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.commit()
    conn.execute("set local synchronous_commit = off")
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
    conn.commit()
    return Batch(row[0], row[1], loader, source_uri, source_sha256, is_synthetic)


def fail_batch(conninfo: str, batch: Batch, error: BaseException) -> None:
    """Mark a started batch failed after its transaction rolled back (best effort: if the
    database is unreachable, the next run marks it abandoned)."""
    message = f"{type(error).__name__}: {error}"[:2000]
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                sqlfiles.load("batch_failed"), {"batch_id": batch.batch_id, "message": message}
            )
    except psycopg.Error:
        pass


def mark_abandoned(conninfo: str, loader: str) -> list[tuple[uuid.UUID, str]]:
    """Mark ``running`` batches whose PostgreSQL backend is gone as ``abandoned``."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return [
            (row[0], row[1])
            for row in conn.execute(sqlfiles.load("batch_abandoned"), {"loader": loader})
        ]


def finish_batch(
    conn: psycopg.Connection,
    batch: Batch,
    rows_read: int,
    rows_loaded: int,
    message: str = "",
    rows_quarantined: int = 0,
) -> None:
    """Close the batch inside the load's transaction: rows_read = loaded + quarantined."""
    conn.execute(
        sqlfiles.load("batch_finish"),
        {
            "batch_id": batch.batch_id,
            "status": "succeeded",
            "rows_read": rows_read,
            "rows_loaded": rows_loaded,
            "rows_quarantined": rows_quarantined,
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

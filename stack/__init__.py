"""The local stack: what runs the warehouse on one machine and operates it.

The embedded PostgreSQL (``embedded_pg``), its bootstrap and migrations (``warehouse``,
``migrate``, ``migrations/``), the pipeline runner without a scheduler (``pipeline``), the local
Airflow with its scheduler (``airflow_local``) and its REST client (``airflow_api``), and the
command line the Makefile calls (``cli``). ``ingest/`` holds ingestion only.
"""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


def load_sql(name: str) -> str:
    """The text of ``stack/sql/<name>.sql``."""
    from ingest import sqlfiles

    return sqlfiles.load(name, SQL_DIR)

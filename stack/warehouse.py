"""Bring a warehouse to a usable state and tell callers how to reach it.

Two deployments share this code path: the embedded server that ``make run`` starts
(``stack.embedded_pg``) and a PostgreSQL the user points at with ``WAREHOUSE_URL``. For the
embedded one this module also creates the roles and the database (cluster-level objects that
migrations cannot create inside a transaction); migrations then run as the owner role.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from ingest.config import ADMIN_ROLE, AIRFLOW_ROLE, BI_ROLE, JOB_ROLES, OWNER_ROLE, Settings
from stack import embedded_pg, load_sql, migrate


@dataclass(frozen=True)
class Warehouse:
    """Connection URLs of a ready warehouse: the owner's (migrations and operators' tools),
    BI's, and one per job role (``role_urls``: loader, transformer, publisher)."""

    url: str
    bi_url: str | None
    embedded: bool
    role_urls: dict[str, str] = field(default_factory=dict)

    def of(self, role: str) -> str:
        """The URL a job of ``role`` connects with (the owner's where no role URL is known)."""
        return self.role_urls.get(role, self.url)


def _role_exists(conn: psycopg.Connection, role: str) -> bool:
    return conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone() is not None


def _ensure_role(conn: psycopg.Connection, role: str, password: str) -> None:
    """Create the login role, or reset its password to the generated one."""
    name = "bootstrap_alter_role" if _role_exists(conn, role) else "bootstrap_create_role"
    conn.execute(
        sql.SQL(load_sql(name)).format(role=sql.Identifier(role), password=sql.Literal(password))
    )


def _ensure_database(conn: psycopg.Connection, database: str, owner: str) -> None:
    exists = conn.execute("select 1 from pg_database where datname = %s", (database,)).fetchone()
    if not exists:
        conn.execute(
            sql.SQL(load_sql("bootstrap_create_database")).format(
                database=sql.Identifier(database), owner=sql.Identifier(owner)
            )
        )


def _admin_connection(settings: Settings) -> psycopg.Connection:
    creds = embedded_pg.load_or_create_credentials(settings)
    admin_url = embedded_pg.url(settings, ADMIN_ROLE, creds.admin_password, database="postgres")
    return psycopg.connect(admin_url, autocommit=True)


def bootstrap_embedded(settings: Settings, creds: embedded_pg.Credentials) -> None:
    """Create or refresh the owner, BI and job roles and the warehouse database; the owner may
    act as each job role (migration 0008 hands them their objects)."""
    with _admin_connection(settings) as conn:
        _ensure_role(conn, OWNER_ROLE, creds.owner_password)
        _ensure_role(conn, BI_ROLE, creds.bi_password)
        for role in JOB_ROLES:
            _ensure_role(conn, role, creds.of(role))
            conn.execute(
                sql.SQL(load_sql("bootstrap_grant_role")).format(
                    role=sql.Identifier(role), owner=sql.Identifier(OWNER_ROLE)
                )
            )
        _ensure_database(conn, settings.database, OWNER_ROLE)


def ensure_airflow_database(settings: Settings, password: str) -> str:
    """The login role ``airflow`` and its own database (``settings.airflow_database``) on the
    embedded server, for Airflow's metadata; returns its SQLAlchemy URL."""
    with _admin_connection(settings) as conn:
        _ensure_role(conn, AIRFLOW_ROLE, password)
        _ensure_database(conn, settings.airflow_database, AIRFLOW_ROLE)
    url = embedded_pg.url(settings, AIRFLOW_ROLE, password, database=settings.airflow_database)
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


def urls(settings: Settings) -> Warehouse:
    """Connection URLs without starting anything (for ``make warehouse-url`` and scripts)."""
    if not settings.embedded:
        assert settings.warehouse_url is not None
        # WAREHOUSE_<ROLE>_URL per job role; without them every job uses WAREHOUSE_URL.
        roles = {r: os.environ[f"WAREHOUSE_{r.upper()}_URL"] for r in JOB_ROLES
                 if os.environ.get(f"WAREHOUSE_{r.upper()}_URL")}  # fmt: skip
        return Warehouse(settings.warehouse_url, None, False, roles)
    creds = embedded_pg.load_or_create_credentials(settings)
    return Warehouse(
        url=embedded_pg.url(settings, OWNER_ROLE, creds.owner_password),
        bi_url=embedded_pg.url(settings, BI_ROLE, creds.bi_password),
        embedded=True,
        role_urls={r: embedded_pg.url(settings, r, creds.of(r)) for r in JOB_ROLES},
    )


def ensure_ready(settings: Settings) -> Warehouse:
    """Start (embedded only), bootstrap and migrate the warehouse; safe to call repeatedly."""
    if settings.embedded:
        creds = embedded_pg.start(settings)
        bootstrap_embedded(settings, creds)
    warehouse = urls(settings)
    migrate.apply(warehouse.url)
    return warehouse

import socket
import stat
from dataclasses import replace

import psycopg
import pytest

from ingest.config import BI_ROLE, OWNER_ROLE, Settings
from stack import embedded_pg, warehouse
from tests.conftest import free_port


def test_server_listens_on_loopback_with_password_auth(pg_settings: Settings) -> None:
    assert embedded_pg.is_running(pg_settings)
    good = warehouse.urls(pg_settings).url
    with psycopg.connect(good) as conn:
        assert conn.execute("select current_user").fetchone() == (OWNER_ROLE,)
        assert conn.execute("show listen_addresses").fetchone() == ("127.0.0.1",)
    bad = embedded_pg.url(pg_settings, OWNER_ROLE, "wrong-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(bad)


def test_credentials_file_is_private(pg_settings: Settings) -> None:
    mode = stat.S_IMODE(pg_settings.secrets_file.stat().st_mode)
    assert mode == 0o600


def test_bi_role_exists_and_can_log_in(pg_settings: Settings) -> None:
    with psycopg.connect(warehouse.urls(pg_settings).bi_url) as conn:
        assert conn.execute("select current_user").fetchone() == (BI_ROLE,)


def test_start_is_idempotent(pg_settings: Settings) -> None:
    embedded_pg.start(pg_settings)
    assert embedded_pg.is_running(pg_settings)


def test_running_on_another_port_is_a_clear_error(pg_settings: Settings) -> None:
    with pytest.raises(embedded_pg.EmbeddedPostgresError, match="already running on port"):
        embedded_pg.start(replace(pg_settings, port=pg_settings.port + 1))


def test_port_taken_by_another_program_is_a_clear_error(pg_settings: Settings, tmp_path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        other = replace(pg_settings, state_dir=tmp_path / "other", port=port)
        with pytest.raises(embedded_pg.EmbeddedPostgresError, match="taken by another program"):
            embedded_pg.start(other)


def test_stop_and_restart_keeps_data(pg_settings: Settings, tmp_path) -> None:
    settings = replace(pg_settings, state_dir=tmp_path / "own", port=free_port())
    try:
        url = warehouse.ensure_ready(settings).url
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create table audit.kept (v text)")
            conn.execute("insert into audit.kept values ('ā')")
        assert embedded_pg.stop(settings)
        assert not embedded_pg.is_running(settings)
        warehouse.ensure_ready(settings)
        with psycopg.connect(url) as conn:
            assert conn.execute("select v from audit.kept").fetchone() == ("ā",)
    finally:
        embedded_pg.stop(settings)


def test_warehouse_url_uses_that_server_and_starts_nothing(db_url: str, tmp_path) -> None:
    settings = Settings(warehouse_url=db_url, state_dir=tmp_path / "unused")
    ready = warehouse.ensure_ready(settings)
    assert ready.url == db_url and not ready.embedded
    assert not (tmp_path / "unused").exists()
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select to_regclass('raw.intake_files')::text").fetchone() == (
            "raw.intake_files",
        )

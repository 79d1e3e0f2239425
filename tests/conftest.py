"""Shared fixtures. Tests never touch the user's warehouse: they start their own PostgreSQL
(own data directory, own free port) and give every module its own database on it."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="eservices-tests-"))

# Airflow reads its configuration at import: point it at a throw-away home before any test
# imports it, and make the DAG folder's helper module importable as Airflow does.
os.environ["AIRFLOW_HOME"] = str(_SESSION_DIR / "airflow")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ.setdefault("XDG_RUNTIME_DIR", str(_SESSION_DIR))
for path in (ROOT, ROOT / "dags"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
# Nothing from the user's environment may redirect tests to a real warehouse.
os.environ.pop("WAREHOUSE_URL", None)

from ingest.config import Settings  # noqa: E402
from stack import embedded_pg, warehouse  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pg_settings() -> Iterator[Settings]:
    """Settings of a throw-away embedded PostgreSQL, started once per test session."""
    settings = Settings(
        port=free_port(),
        state_dir=_SESSION_DIR / "warehouse",
        extracts_dir=_SESSION_DIR / "extracts",
        airflow_home=_SESSION_DIR / "airflow",
        # The dbt unit tests run once, in the end-to-end `make run` path (its fixture turns
        # them on); every other build of the suite would only repeat them.
        dbt_unit_tests=False,
    )
    warehouse.ensure_ready(settings)
    yield settings
    embedded_pg.stop(settings)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for every browser check of the session (tests/browser.py);
    ``make test`` installs Debian's ``chromium`` when it is missing (tests/system_deps.sh)."""
    from tests import browser

    binary = browser.executable()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs Debian's chromium")
        pytest.skip("chromium is not installed (make test installs it as root)")
    instance = browser.Chromium(binary)
    yield instance
    instance.close()


def pipeline_settings(pg_settings: Settings, database: str, base: Path, **overrides) -> Settings:
    """Settings for a whole pipeline run on the test server: its own database and, under
    ``base``, its own extracts, Airflow home, dbt target and intake folders."""
    return replace(
        pg_settings,
        database=database,
        extracts_dir=base / "extracts",
        airflow_home=base / "airflow",
        dbt_target_dir=base / "dbt_target",
        intake_inbox_dir=base / "inbox",
        intake_archive_dir=base / "archive",
        **overrides,
    )


@pytest.fixture
def fresh_db(pg_settings: Settings, tmp_path: Path) -> Settings:
    """A new, migrated database on the test server, with its own extracts folder."""
    settings = replace(
        pg_settings,
        database=f"t_{uuid.uuid4().hex[:12]}",
        extracts_dir=tmp_path / "extracts",
    )
    warehouse.ensure_ready(settings)
    return settings


@pytest.fixture
def db_url(fresh_db: Settings) -> str:
    return warehouse.urls(fresh_db).url


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    """A writable copy of the real reference files, for tests that break them."""
    target = tmp_path / "reference"
    target.mkdir()
    for source in (ROOT / "data" / "reference").iterdir():
        (target / source.name).write_bytes(source.read_bytes())
    return target


@pytest.fixture
def vdi_plan(db_url: str, tmp_path: Path) -> str:
    """The real VDI implementation plan loaded through the intake; returns the database URL."""
    from ingest.intake.inbox import process_file
    from ingest.intake.templates import EXAMPLES_DIR

    inbox = tmp_path / "plan-inbox"
    inbox.mkdir()
    path = inbox / "VDI_plan_2012.csv"
    path.write_bytes((EXAMPLES_DIR / "VDI_plan_2012.csv").read_bytes())
    result = process_file(db_url, path, tmp_path / "plan-archive")
    assert result.outcome == "accepted", result.describe()
    return db_url


# The slowest modules first (their seconds on the 2-core CI machine, from the `--durations`
# report): with `--dist loadfile --no-loadscope-reorder` a worker takes the next module in
# collection order when it is nearly done, so the long ones start at once and the many short
# ones fill the end. (xdist's default order, most tests first, started these last: the
# single-test benchmark module began when the other worker was almost idle.)
_SLOW_FIRST = (
    "tests/integration/test_scheduler.py",  # ~760 s: one Airflow stack, one story
    "tests/integration/test_pipeline_end_to_end.py",  # ~440 s: the `make run` path
    "tests/test_bench_harness.py",  # ~170 s: make bench QUICK=1
    "tests/portal/test_bounded_memory.py",  # ~65 s
    "tests/integration/test_faults.py",  # ~65 s
    "tests/integration/test_portal_dag_ckan.py",  # ~60 s
    "tests/test_lint.py",  # ~30 s: sqlfluff
)


def pytest_sessionfinish(session, exitstatus) -> None:
    """Remove this process's session folder (its warehouse grows to gigabytes in a full run;
    left behind, repeated runs fill the disk). Servers in it were stopped by their fixtures."""
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


def pytest_collection_modifyitems(config, items) -> None:
    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return _SLOW_FIRST.index(path) if path in _SLOW_FIRST else len(_SLOW_FIRST)

    items.sort(key=rank)  # stable: the order within each rank is kept

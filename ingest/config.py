"""All configuration in one place: environment variables with defaults.

Every other module receives a :class:`Settings` (or plain arguments) instead of reading the
environment itself, so that tests can build settings for a throw-away warehouse and nothing
ever reaches for the user's real one by accident.

Variables (all optional):

- ``WAREHOUSE_URL``        use this PostgreSQL instead of the embedded one (nothing embedded starts)
- ``WAREHOUSE_PORT``       port of the embedded PostgreSQL on 127.0.0.1 (default 55432)
- ``WAREHOUSE_STATE_DIR``  data directory, credentials and logs (default ``.warehouse/``)
- ``WAREHOUSE_DB``         database name of the embedded warehouse (default ``warehouse``)
- ``REFERENCE_DATA_DIR``   the real reference files (default ``data/reference/``)
- ``EXTRACTS_DIR``         where validated yearly extracts are written (default ``extracts/``)
- ``AIRFLOW_HOME``         Airflow's home (default ``.airflow/``)
- ``DBT_TARGET_DIR``       dbt's artefacts (default ``dbt_project/target``)
- ``REPORTING_YEAR`` / ``REPORTING_INSTITUTION``  what ``make run`` submits (default 2016 / VDI)
- ``PORTAL_SOURCE``        ``files`` (a drop folder, default) or ``ckan`` (an open-data API)
- ``PORTAL_DROP_DIR``      the drop folder; default: the generated SYNTHETIC demo exports in
                           ``.warehouse/demo/portal/`` (``make run`` writes them there)
- ``CKAN_BASE_URL`` / ``CKAN_DATASET_ID``   the CKAN site and dataset (for ``ckan``)
- ``INTAKE_INBOX_DIR`` / ``INTAKE_ARCHIVE_DIR``  where institutions' files arrive / are kept
                           (default ``.warehouse/intake/inbox`` and ``…/archive``)
- ``INTAKE_SEED_EXAMPLES`` ``true`` (default): ``make run`` drops the real VDI plan and 2016
                           submission (``templates/examples/``) into the inbox unless received
- ``GATE_PORTAL_TOLERANCE``  the annual gate's allowed |reported − portal| / portal for
                           electronic requests (default 0.10 = 10 %; beyond it is an error)
- ``GATE_YOY_FACTOR``      a figure more than this many times last year's (or under 1/factor)
                           is a warning in the annual gate (default 3)
- ``PORTAL_MAX_SHRINK``    a portal file replacing periods already loaded is held (not applied)
                           when it would remove more than this fraction of a replaced period's
                           rows or requests (default 0.20); ``force_replace`` applies it
- ``ALERT_EMAILS``         comma-separated recipients of failure and refusal alerts (empty:
                           nothing is sent); ``ALERT_SMTP_CONN_ID`` the Airflow SMTP connection
                           (default ``smtp_default``), ``ALERT_FROM`` the sender address
- ``AIRFLOW_RETENTION_DAYS``  Airflow metadata (``airflow db clean``) and task logs older than
                           this are deleted by the ``operations_housekeeping`` DAG (default 30)
- ``AIRFLOW_API_PORT``     port of the local Airflow API server and UI on 127.0.0.1 (default
                           58080); the execution API URL follows it
- ``AIRFLOW_METADATA_DB``  database of Airflow's metadata on the embedded server (default
                           ``airflow``; with ``WAREHOUSE_URL`` set, Airflow keeps SQLite in
                           ``AIRFLOW_HOME`` unless ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` is set)
- ``AIRFLOW_DAGS_PAUSED``  ``true`` keeps the DAGs paused under ``make airflow`` (default false)
- ``TASK_RETRIES``         retries of a failed Airflow task (default 2; ``make run`` uses 0 so an
                           interactive run fails at once instead of waiting for retry delays)
- ``TASK_RETRY_DELAY_SECONDS``  wait before the first retry (default 300; doubles each time)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_PORT = 55432
DEFAULT_DB = "warehouse"
OWNER_ROLE = "warehouse"
BI_ROLE = "bi_reader"
ADMIN_ROLE = "postgres"
AIRFLOW_ROLE = "airflow"  # owns Airflow's metadata database on the embedded server
AIRFLOW_CONN_ID = "warehouse"
# Least privilege (migration 0008): each job connects as its own role, through the Airflow
# connection warehouse_<role> (AIRFLOW_CONN_WAREHOUSE_<ROLE>); the owner only migrates.
LOADER_ROLE = "loader"  # writes raw and the load bookkeeping
TRANSFORMER_ROLE = "transformer"  # reads raw, builds staging / intermediate / marts (dbt)
PUBLISHER_ROLE = "publisher"  # reads marts, writes the submission log and the extracts
JOB_ROLES = (LOADER_ROLE, TRANSFORMER_ROLE, PUBLISHER_ROLE)


def role_conn_id(role: str) -> str:
    """The Airflow connection a task of ``role`` uses: ``warehouse_loader`` etc."""
    return f"{AIRFLOW_CONN_ID}_{role}"


# Every task that runs dbt takes its slot from this Airflow pool (size 1): one dbt at a time.
DBT_POOL = "dbt"
DEFAULT_AIRFLOW_API_PORT = 58080
# Portal codes invented for services whose real code is unknown: visibly synthetic, and
# derived from the service key (SYN-VDI-02) so statistics still match their service.
SYNTHETIC_CODE_PREFIX = "SYN-"
# The demo's outlook date: the last demo window year (2019) open half-way.
DEMO_OUTLOOK_AS_OF = "2019-06-30"


@dataclass(frozen=True)
class InputLimits:
    """How big one received file may be, per source: a submission stays small, while a portal
    export may be a national transaction-level year (~1.2 GB). Beyond a limit the file is
    refused with a message naming the limit, before anything reaches the database."""

    max_file_bytes: int
    max_rows: int  # data rows (blank rows of a sheet count: a workbook of a million is a bomb)
    max_columns: int
    max_cell_chars: int
    max_xlsx_uncompressed_bytes: int = 0  # XLSX only: the zip's expanded size

    def describe_bytes(self, size: int) -> str:
        return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size} bytes"


INTAKE_LIMITS = InputLimits(
    max_file_bytes=10_000_000,
    max_rows=20_000,
    max_columns=64,
    max_cell_chars=5_000,
    max_xlsx_uncompressed_bytes=50_000_000,
)
PORTAL_LIMITS = InputLimits(
    max_file_bytes=4_000_000_000,
    max_rows=100_000_000,
    max_columns=32,
    max_cell_chars=1_000,
)
# A portal reload may not silently delete: one that would shrink a replaced period's rows or
# requests by more than this fraction is held until forced (PORTAL_MAX_SHRINK).
DEFAULT_PORTAL_MAX_SHRINK = 0.20


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one warehouse deployment."""

    project_root: Path = PROJECT_ROOT
    warehouse_url: str | None = None
    port: int = DEFAULT_PORT
    database: str = DEFAULT_DB
    state_dir: Path = PROJECT_ROOT / ".warehouse"
    reference_dir: Path = PROJECT_ROOT / "data" / "reference"
    extracts_dir: Path = PROJECT_ROOT / "extracts"
    airflow_home: Path = PROJECT_ROOT / ".airflow"
    dbt_project_dir: Path = PROJECT_ROOT / "dbt_project"
    dbt_target_dir: Path = PROJECT_ROOT / "dbt_project" / "target"
    dags_dir: Path = PROJECT_ROOT / "dags"
    reporting_year: int = 2016
    reporting_institution: str = ""  # empty: every institution due (and the national extract)
    portal_source: str = "files"
    portal_drop_dir: Path | None = None
    ckan_base_url: str = "https://data.gov.lv/dati"
    ckan_dataset_id: str = "latvija-lv-e-pakalpojumu-statistika"
    task_retries: int = 2
    task_retry_delay_seconds: int = 300
    intake_inbox_dir: Path | None = None
    intake_archive_dir: Path | None = None
    intake_seed_examples: bool = True
    # The early-warning outlook's as-of date (dbt: DBT_OUTLOOK_AS_OF_DATE); None: the run's
    # date. The demo uses DEMO_OUTLOOK_AS_OF so that it shows an open year.
    outlook_as_of_date: str | None = None
    # dbt unit tests in every build (DBT_UNIT_TESTS): they test the models' code, not the
    # data, so the team deployment's nightly builds leave them to CI (docker-compose.yml);
    # `make run` keeps them; the test suite runs them once, in its `make run` path.
    dbt_unit_tests: bool = True
    gate_portal_tolerance: float = 0.10
    gate_yoy_factor: float = 3.0
    alert_emails: tuple[str, ...] = ()
    alert_smtp_conn_id: str = "smtp_default"
    alert_from: str = "eservices-warehouse@localhost"
    # Who answers questions about an extract (its report, workbook cover and manifest).
    extract_contact: str = "e-pakalpojumu rādītāju datu komanda: eservices-warehouse@localhost"
    retention_days: int = 30
    airflow_api_port: int = DEFAULT_AIRFLOW_API_PORT
    airflow_dags_paused: bool = False
    airflow_database: str = "airflow"
    portal_max_shrink: float = DEFAULT_PORTAL_MAX_SHRINK

    @property
    def effective_outlook_as_of(self) -> str | None:
        """The outlook's as-of date: configured, else mid-2019 for the demo data (its last
        window year open half-way), else None (the run's own date)."""
        if self.outlook_as_of_date:
            return self.outlook_as_of_date
        return DEMO_OUTLOOK_AS_OF if self.intake_seed_examples else None

    @property
    def embedded(self) -> bool:
        """True when the project runs its own PostgreSQL (no ``WAREHOUSE_URL`` given)."""
        return not self.warehouse_url

    @property
    def pgdata(self) -> Path:
        return self.state_dir / "pgdata"

    @property
    def secrets_file(self) -> Path:
        return self.state_dir / "credentials.json"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def airflow_run_dir(self) -> Path:
        """PID files and process logs of the local Airflow (``make airflow``)."""
        return self.airflow_home / "run"

    @property
    def airflow_api_url(self) -> str:
        return f"http://127.0.0.1:{self.airflow_api_port}"

    @property
    def demo_portal_dir(self) -> Path:
        """Where ``make run`` writes the SYNTHETIC demo portal exports."""
        return self.state_dir / "demo" / "portal"

    @property
    def demo_intake_dir(self) -> Path:
        """Where ``make run`` writes the SYNTHETIC demo submissions (2015, 2017–2019)."""
        return self.state_dir / "demo" / "intake"

    @property
    def inbox_dir(self) -> Path:
        return self.intake_inbox_dir or self.state_dir / "intake" / "inbox"

    @property
    def archive_dir(self) -> Path:
        return self.intake_archive_dir or self.state_dir / "intake" / "archive"

    @property
    def portal_files_dir(self) -> Path:
        """The drop folder the ``files`` source reads: configured, or the demo exports."""
        return self.portal_drop_dir or self.demo_portal_dir


def postgres_url(host: str, port: int, user: str, password: str, database: str) -> str:
    """A ``postgresql://`` URL with the user and password percent-encoded."""
    return (
        f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{database}"
    )


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    return _optional_path(env, name) or default


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    return Path(value).expanduser().resolve() if value else None


def _date(env: Mapping[str, str], name: str) -> str | None:
    value = (env.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{name} must be a date written YYYY-MM-DD, got {value!r}") from None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {value!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {value!r}") from exc
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {number}")
    return number


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    port = _int(env, name, default)
    if not 1024 <= port <= 65535:
        raise ValueError(f"{name} must be between 1024 and 65535, got {port}")
    return port


def _emails(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    emails = tuple(e.strip() for e in (env.get(name) or "").split(",") if e.strip())
    for email in emails:
        if "@" not in email or " " in email:
            raise ValueError(f"{name} must be comma-separated e-mail addresses, got {email!r}")
    return emails


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    port = _port(env, "WAREHOUSE_PORT", DEFAULT_PORT)
    return Settings(
        warehouse_url=env.get("WAREHOUSE_URL") or None,
        port=port,
        database=env.get("WAREHOUSE_DB") or DEFAULT_DB,
        state_dir=_path(env, "WAREHOUSE_STATE_DIR", PROJECT_ROOT / ".warehouse"),
        reference_dir=_path(env, "REFERENCE_DATA_DIR", PROJECT_ROOT / "data" / "reference"),
        extracts_dir=_path(env, "EXTRACTS_DIR", PROJECT_ROOT / "extracts"),
        airflow_home=_path(env, "AIRFLOW_HOME", PROJECT_ROOT / ".airflow"),
        dbt_target_dir=_path(env, "DBT_TARGET_DIR", PROJECT_ROOT / "dbt_project" / "target"),
        reporting_year=_int(env, "REPORTING_YEAR", 2016),
        reporting_institution=(env.get("REPORTING_INSTITUTION") or "").upper(),
        portal_source=_choice(env, "PORTAL_SOURCE", ("files", "ckan"), "files"),
        portal_drop_dir=_optional_path(env, "PORTAL_DROP_DIR"),
        ckan_base_url=env.get("CKAN_BASE_URL") or Settings.ckan_base_url,
        ckan_dataset_id=env.get("CKAN_DATASET_ID") or Settings.ckan_dataset_id,
        task_retries=_int(env, "TASK_RETRIES", 2),
        task_retry_delay_seconds=max(1, _int(env, "TASK_RETRY_DELAY_SECONDS", 300)),
        intake_inbox_dir=_optional_path(env, "INTAKE_INBOX_DIR"),
        intake_archive_dir=_optional_path(env, "INTAKE_ARCHIVE_DIR"),
        outlook_as_of_date=_date(env, "OUTLOOK_AS_OF_DATE"),
        dbt_unit_tests=_choice(env, "DBT_UNIT_TESTS", ("true", "false"), "true") == "true",
        intake_seed_examples=_choice(env, "INTAKE_SEED_EXAMPLES", ("true", "false"), "true")
        == "true",
        gate_portal_tolerance=_float(env, "GATE_PORTAL_TOLERANCE", 0.10, 0.0),
        gate_yoy_factor=_float(env, "GATE_YOY_FACTOR", 3.0, 1.0),
        portal_max_shrink=_float(env, "PORTAL_MAX_SHRINK", DEFAULT_PORTAL_MAX_SHRINK, 0.0),
        alert_emails=_emails(env, "ALERT_EMAILS"),
        alert_smtp_conn_id=env.get("ALERT_SMTP_CONN_ID") or Settings.alert_smtp_conn_id,
        alert_from=env.get("ALERT_FROM") or Settings.alert_from,
        extract_contact=env.get("EXTRACT_CONTACT") or Settings.extract_contact,
        retention_days=max(1, _int(env, "AIRFLOW_RETENTION_DAYS", 30)),
        airflow_api_port=_port(env, "AIRFLOW_API_PORT", DEFAULT_AIRFLOW_API_PORT),
        airflow_database=env.get("AIRFLOW_METADATA_DB") or Settings.airflow_database,
        airflow_dags_paused=_choice(env, "AIRFLOW_DAGS_PAUSED", ("true", "false"), "false")
        == "true",
    )

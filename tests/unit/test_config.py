from pathlib import Path

import pytest

from ingest.config import DEFAULT_PORT, load_settings, postgres_url


def test_defaults_are_embedded_and_inside_the_project() -> None:
    settings = load_settings({})
    assert settings.embedded
    assert settings.port == DEFAULT_PORT
    assert settings.pgdata == settings.project_root / ".warehouse" / "pgdata"
    assert settings.reference_dir == settings.project_root / "data" / "reference"
    assert settings.reporting_institution == ""  # every institution due: the national extract


def test_warehouse_url_switches_off_the_embedded_server() -> None:
    settings = load_settings({"WAREHOUSE_URL": "postgresql://u:p@db:5432/w"})
    assert not settings.embedded
    assert settings.warehouse_url == "postgresql://u:p@db:5432/w"


def test_overrides(tmp_path: Path) -> None:
    settings = load_settings(
        {"WAREHOUSE_PORT": "6543", "EXTRACTS_DIR": str(tmp_path), "REPORTING_INSTITUTION": "vdi"}
    )
    assert settings.port == 6543
    assert settings.extracts_dir == tmp_path
    assert settings.reporting_institution == "VDI"  # upper-cased


@pytest.mark.parametrize("port", ["abc", "80", "70000"])
def test_bad_port_is_a_clear_error(port: str) -> None:
    with pytest.raises(ValueError, match="WAREHOUSE_PORT"):
        load_settings({"WAREHOUSE_PORT": port})


def test_postgres_url_encodes_credentials() -> None:
    assert (
        postgres_url("h", 1, "us er", "p@ss/:", "db") == "postgresql://us%20er:p%40ss%2F%3A@h:1/db"
    )


def test_outlook_date_is_configured_or_the_demo_mid_year() -> None:
    assert load_settings({}).effective_outlook_as_of == "2019-06-30"  # the demo: an open year
    assert load_settings({"INTAKE_SEED_EXAMPLES": "false"}).effective_outlook_as_of is None
    settings = load_settings({"OUTLOOK_AS_OF_DATE": "2026-05-31"})
    assert settings.effective_outlook_as_of == "2026-05-31"
    with pytest.raises(ValueError, match="OUTLOOK_AS_OF_DATE must be a date written YYYY-MM-DD"):
        load_settings({"OUTLOOK_AS_OF_DATE": "31.05.2026"})

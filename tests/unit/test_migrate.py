from pathlib import Path

import psycopg
import pytest

from stack import migrate


def test_discover_orders_and_rejects_bad_names(tmp_path: Path) -> None:
    (tmp_path / "0002_b.sql").write_text("select 1;")
    (tmp_path / "0001_a.sql").write_text("select 1;")
    assert [m.version for m in migrate.discover(tmp_path)] == [1, 2]
    (tmp_path / "3_bad.sql").write_text("select 1;")
    with pytest.raises(migrate.MigrationError, match="NNNN_lower_snake"):
        migrate.discover(tmp_path)


def test_duplicate_numbers_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("select 1;")
    (tmp_path / "0001_b.sql").write_text("select 1;")
    with pytest.raises(migrate.MigrationError, match="duplicate"):
        migrate.discover(tmp_path)


def test_project_migrations_applied_once_and_recorded(db_url: str) -> None:
    # fresh_db already migrated; applying again changes nothing
    assert migrate.apply(db_url) == []
    with psycopg.connect(db_url) as conn:
        versions = [r[0] for r in conn.execute("select version from audit.schema_migrations")]
    assert versions == [m.version for m in migrate.discover()]


def test_new_migration_upgrades_in_place_and_edits_are_refused(db_url: str, tmp_path: Path) -> None:
    for m in migrate.discover():
        (tmp_path / m.path.name).write_bytes(m.path.read_bytes())
    extra = tmp_path / "9999_add_probe.sql"
    extra.write_text("create table audit.probe (id integer);")
    applied = migrate.apply(db_url, tmp_path)
    assert [m.version for m in applied] == [9999]
    extra.write_text("create table audit.probe (id bigint);")
    with pytest.raises(migrate.MigrationError, match="changed after it was applied"):
        migrate.apply(db_url, tmp_path)


def test_failing_migration_rolls_back_and_is_not_recorded(db_url: str, tmp_path: Path) -> None:
    for m in migrate.discover():
        (tmp_path / m.path.name).write_bytes(m.path.read_bytes())
    (tmp_path / "9998_broken.sql").write_text(
        "create table audit.half (id int); select * from no_such_table;"
    )
    with pytest.raises(migrate.MigrationError, match=r"9998_broken\.sql failed"):
        migrate.apply(db_url, tmp_path)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select to_regclass('audit.half')").fetchone() == (None,)
        assert conn.execute(
            "select count(*) from audit.schema_migrations where version = 9998"
        ).fetchone() == (0,)

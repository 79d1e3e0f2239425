"""A refresh rebuilds the marts only when something they depend on changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import psycopg
import pytest

from ingest import refresh, transform
from ingest.config import Settings


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[date | None]:
    """Record dbt builds instead of running dbt (the decision is what is tested here)."""
    calls: list[date | None] = []

    def fake_run_dbt(conninfo, project_dir, target_root, command="build", as_of=None, **_):
        calls.append(as_of)
        run_dir = transform.invocation_dir(target_root, command)
        return transform.DbtSummary(command, f"inv-{len(calls)}", True, target_dir=run_dir)

    monkeypatch.setattr(transform, "run_dbt", fake_run_dbt)
    return calls


def _new_batch(url: str, status: str = "succeeded") -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into audit.load_batches (loader, source_uri, source_sha256, status,"
            " finished_at) values ('test', 'f.csv', 'x', %s, now())",
            (status,),
        )


def test_build_is_skipped_until_raw_data_project_or_date_change(
    fresh_db: Settings, db_url: str, builds: list, tmp_path: Path
) -> None:
    settings = replace(fresh_db, dbt_target_dir=tmp_path / "target")
    day = date(2026, 3, 2)
    first = refresh.build(settings, db_url, day)
    assert not first.skipped and builds == [day]
    assert (settings.dbt_target_dir / "latest_build").is_symlink()

    again = refresh.build(settings, db_url, day)
    assert again.skipped and again.invocation_id == first.invocation_id and len(builds) == 1

    _new_batch(db_url, status="skipped")  # an unchanged file changes nothing
    assert refresh.build(settings, db_url, day).skipped

    _new_batch(db_url)
    assert not refresh.build(settings, db_url, day).skipped and len(builds) == 2
    assert refresh.build(settings, db_url, day).skipped

    assert not refresh.build(settings, db_url, date(2026, 3, 3)).skipped, "another as-of date"
    assert not refresh.build(settings, db_url, date(2026, 3, 3), force=True).skipped
    assert len(builds) == 4


def test_project_fingerprint_follows_model_changes(tmp_path: Path) -> None:
    project = tmp_path / "dbt"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: x\n")
    (project / "models" / "a.sql").write_text("select 1")
    before = refresh.project_fingerprint(project)
    (project / "target").mkdir()
    (project / "target" / "run_results.json").write_text("{}")
    assert refresh.project_fingerprint(project) == before, "artefacts do not count"
    (project / "models" / "a.sql").write_text("select 2")
    assert refresh.project_fingerprint(project) != before


def test_build_records_the_watermark_its_validation_covered(
    fresh_db: Settings, db_url: str, builds: list, tmp_path: Path
) -> None:
    """A batch that commits between the raw suites and the build is not taken as validated:
    the build records the watermark read before validation, so the next refresh runs again."""
    settings = replace(fresh_db, dbt_target_dir=tmp_path / "target")
    day = date(2026, 3, 2)
    _new_batch(db_url)
    validated = refresh.raw_watermark(db_url)
    _new_batch(db_url)  # loaded while the suites ran
    refresh.build(settings, db_url, day, validated=validated)
    state = refresh.build_state(settings, db_url)
    assert not state.raw_unchanged and not state.up_to_date(day)
    assert not refresh.build(settings, db_url, day).skipped


def test_refresh_runs_the_raw_suites_only_on_new_raw_data(
    fresh_db: Settings, db_url: str, builds: list, tmp_path: Path, monkeypatch
) -> None:
    settings = replace(fresh_db, dbt_target_dir=tmp_path / "target")
    suites: list[str] = []

    def fake_validate(url):
        suites.append("raw")
        return {"raw_watermark": refresh.raw_watermark(url)}

    monkeypatch.setattr(refresh, "validate_raw", fake_validate)
    monkeypatch.setattr(refresh, "check_freshness", lambda *a, **k: {})
    _new_batch(db_url)
    refresh.refresh_marts(settings, db_url, date(2026, 3, 2))
    assert suites == ["raw"] and len(builds) == 1
    refresh.refresh_marts(settings, db_url, date(2026, 3, 2))  # nothing changed
    assert suites == ["raw"] and len(builds) == 1
    refresh.refresh_marts(settings, db_url, date(2018, 3, 2))  # only the as-of date changed
    assert suites == ["raw"] and len(builds) == 2
    _new_batch(db_url)
    refresh.refresh_marts(settings, db_url, date(2018, 3, 2))
    assert suites == ["raw", "raw"] and len(builds) == 3

"""The as-of date reaches the marts without dbt re-parsing the whole project.

Statuses are computed as of the run's date, which changes every night and with every
backfilled year. Passed as a ``--vars`` value it made dbt discard its partial-parse cache and
re-parse everything on each change (~10 s at VDI scale, minutes on a large project); passed as
an environment variable (macros/as_of_date.sql) only the models that read it are re-parsed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ingest import transform
from ingest.config import Settings


def _compiled(summary: transform.DbtSummary, model: str) -> str:
    assert summary.target_dir is not None
    (path,) = summary.target_dir.glob(f"compiled/**/{model}.sql")
    return path.read_text(encoding="utf-8")


def test_a_new_as_of_date_reparses_only_the_models_that_read_it(
    fresh_db: Settings, db_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "target"
    logs = []
    for day in (date(2017, 1, 15), date(2018, 3, 2), None):
        summary = transform.run_dbt(
            db_url, fresh_db.dbt_project_dir, root, "compile --select fct_submission_status",
            as_of=day,
        )  # fmt: skip
        # Without a date, dbt_project.yml's fallback.
        expected = (day or date(2019, 12, 31)).isoformat()
        assert f"'{expected}'::date as as_of_date" in _compiled(summary, "fct_submission_status")
        assert summary.target_dir is not None
        logs.append((summary.target_dir / "logs" / "dbt.log").read_text(encoding="utf-8"))
    assert "Unable to do partial parsing" in logs[0]  # no cache yet: a full parse
    for later in logs[1:]:
        assert "Unable to do partial parsing" not in later
        assert "Partial parsing enabled" in later

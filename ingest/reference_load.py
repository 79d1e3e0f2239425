"""Load the real VDI reference table as (a) VDI's implementation plan and (b) its 2016 submission.

The report's one table mixes two things an authority receives separately: the plan (2012
forecasts per service, planned activities) and a yearly submission (2016 actuals). This loader
splits it the way ``domain.md`` decides, so that the marts are built from the same raw shapes
the real intake (a later step) will write.

Loads are idempotent: files already loaded (same sha256) are skipped, and a changed file
replaces its plan / institution-year inside one transaction, so readers never see half a load.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from ingest import lineage, sqlfiles

log = logging.getLogger(__name__)

# file key -> (file name in the reference folder, landing temp table)
FILES: dict[str, tuple[str, str]] = {
    "report_context": ("vdi_report_context.csv", "tmp_report_context"),
    "services": ("vdi_eservices_2012_forecast_2016_actual.csv", "tmp_vdi_services"),
    "portal_codes": ("vdi_portal_service_codes.csv", "tmp_portal_codes"),
}
MAX_PROBLEMS_SHOWN = 25


class ReferenceDataError(ValueError):
    """The reference files cannot be loaded; the message lists every problem found."""


@dataclass(frozen=True)
class Target:
    """What one load writes: its loader name, raw table and replace statements."""

    loader: str
    table: str
    delete_sql: str
    insert_sql: tuple[str, ...]


PLAN = Target(
    "reference.vdi_plan",
    "plan_services",
    "reference/delete_plan",
    ("reference/insert_plan", "reference/insert_plan_services"),
)
SUBMISSION = Target(
    "reference.vdi_submission_2016",
    "yearly_submissions",
    "reference/delete_submission",
    ("reference/insert_submission",),
)


@dataclass(frozen=True)
class LoadResult:
    loader: str
    status: str  # "loaded" or "unchanged"
    rows_read: int
    rows_loaded: int
    source_sha256: str

    def __str__(self) -> str:
        return f"{self.loader}: {self.status}, {self.rows_loaded} of {self.rows_read} rows"


def _paths(reference_dir: Path) -> dict[str, Path]:
    paths = {key: reference_dir / name for key, (name, _) in FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise ReferenceDataError("reference file(s) not found: " + ", ".join(missing))
    return paths


def _check_header(path: Path, expected: list[str]) -> None:
    """Name missing and unexpected columns before PostgreSQL's terser ``HEADER MATCH`` would."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    if header == expected:
        return
    missing = [c for c in expected if c not in header]
    unexpected = [c for c in header if c not in expected]
    details = []
    if missing:
        details.append("missing column(s): " + ", ".join(missing))
    if unexpected:
        details.append("unexpected column(s): " + ", ".join(unexpected))
    if not details:
        details.append("columns are out of order; expected " + ", ".join(expected))
    raise ReferenceDataError(f"{path.name}: " + "; ".join(details))


def _format_problems(rows: list[tuple], paths: dict[str, Path]) -> str:
    lines = []
    for file_key, row_no, column, value, reason in rows[:MAX_PROBLEMS_SHOWN]:
        where = f"data row {row_no}" if row_no is not None else "file"
        col = f", column {column}" if column else ""
        lines.append(f"  - {paths[file_key].name}, {where}{col}: {reason} (got {value!r})")
    if len(rows) > MAX_PROBLEMS_SHOWN:
        lines.append(f"  … and {len(rows) - MAX_PROBLEMS_SHOWN} more")
    return f"{len(rows)} problem(s) in the reference files:\n" + "\n".join(lines)


def _land(conn: psycopg.Connection, paths: dict[str, Path]) -> dict[str, int]:
    """Create the temp tables, COPY every file in, and validate them set-based."""
    conn.execute(sqlfiles.load("reference/create_temp_tables"))
    counts: dict[str, int] = {}
    for key, (_, table) in FILES.items():
        columns = [
            r[0] for r in conn.execute(sqlfiles.load("reference/temp_columns"), {"table": table})
        ]
        _check_header(paths[key], columns)
        counts[key] = lineage.copy_csv(conn, table, columns, paths[key])
    problems = conn.execute(sqlfiles.load("reference/validate")).fetchall()
    if problems:
        raise ReferenceDataError(_format_problems(problems, paths))
    return counts


def _rows_loaded_from(conn: psycopg.Connection, target: Target, sha256: str) -> int:
    """Rows of ``target`` already loaded from files with this checksum (0: not loaded yet)."""
    query = sql.SQL("select count(*) from raw.{t} where source_sha256 = %s").format(
        t=sql.Identifier(target.table)
    )
    row = conn.execute(query, (sha256,)).fetchone()
    return int(row[0]) if row else 0


def _source_uri(paths: dict[str, Path], reference_dir: Path) -> str:
    return ", ".join(f"{reference_dir.name}/{p.name}" for p in paths.values())


def load(conninfo: str, reference_dir: Path, target: Target) -> LoadResult:
    """Load ``target`` from the reference files in ``reference_dir``."""
    paths = _paths(reference_dir)
    sha256 = lineage.combined_sha256(paths.values())
    source_uri = _source_uri(paths, reference_dir)

    def record(status: str, message: str) -> None:
        lineage.record_batch(
            conninfo,
            loader=target.loader,
            source_uri=source_uri,
            source_sha256=sha256,
            status=status,
            message=message,
            is_synthetic=False,
        )

    with psycopg.connect(conninfo) as conn:
        existing = _rows_loaded_from(conn, target, sha256)
        if existing:
            record("skipped", "files unchanged since the last successful load")
            log.info(
                "%s: files unchanged (sha256 %s…), nothing to load", target.loader, sha256[:12]
            )
            return LoadResult(target.loader, "unchanged", existing, 0, sha256)
        try:
            with conn.transaction():
                batch = lineage.start_batch(conn, target.loader, source_uri, sha256, False)
                counts = _land(conn, paths)
                conn.execute(sqlfiles.load(target.delete_sql))
                params = batch.lineage_params(source_uri)
                loaded = 0
                for name in target.insert_sql:
                    loaded = conn.execute(sqlfiles.load(name), params).rowcount
                lineage.finish_batch(conn, batch, counts["services"], loaded)
        except (ReferenceDataError, psycopg.Error) as exc:
            record("failed", str(exc)[:4000])
            if isinstance(exc, psycopg.Error):
                raise ReferenceDataError(
                    f"{target.loader}: PostgreSQL refused the load: {exc}"
                ) from exc
            raise
    log.info("%s: loaded %s rows into raw.%s", target.loader, loaded, target.table)
    return LoadResult(target.loader, "loaded", counts["services"], loaded, sha256)


def load_plan(conninfo: str, reference_dir: Path) -> LoadResult:
    return load(conninfo, reference_dir, PLAN)


def load_submission(conninfo: str, reference_dir: Path) -> LoadResult:
    return load(conninfo, reference_dir, SUBMISSION)

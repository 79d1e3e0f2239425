"""Process the intake inbox: checksum, read, validate, load (as a new version), archive, receipt.

Each file is one transaction: its ``raw.intake_files`` row, its rows (accepted) or its
quarantined rows (rejected), and every issue are committed together; then the file moves to
the archive with its receipt beside it. The same bytes sent again are recognised by sha256
and not loaded twice. Plans are processed before submissions, since submissions are checked
against the plans.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from ingest import lineage, sqlfiles
from ingest.intake import reader, receipts
from ingest.intake.schema import PLAN, SUBMISSION
from ingest.intake.validate import Issue, Registry, Validated, validate

log = logging.getLogger(__name__)

LOADER = "intake.files"
SYNTHETIC_FILE_PREFIX = "SYNTHETIC_"
SUFFIXES = (".csv", ".xlsx")
_COUNT_KEYS = {c.key for t in (PLAN, SUBMISSION) for c in t.columns if c.kind == "count"}


@dataclass(frozen=True)
class IntakeResult:
    original_name: str
    outcome: str  # accepted | accepted_with_warnings | rejected | duplicate
    kind: str | None
    institution_code: str | None
    reporting_year: int | None
    version: int | None
    errors: int
    warnings: int
    archived_path: Path
    receipt_path: Path

    def describe(self) -> str:
        what = " ".join(
            str(x) for x in (self.kind, self.institution_code, self.reporting_year) if x
        )
        version = f" v{self.version}" if self.version else ""
        return (
            f"{self.original_name}: {self.outcome}{version} ({what or 'unreadable'}; "
            f"{self.errors} error(s), {self.warnings} warning(s)) → {self.receipt_path.name}"
        )


def registry(conn: psycopg.Connection) -> Registry:
    services: dict[str, str] = {}
    windows: dict[str, tuple[int, int]] = {}
    for key, institution, base_year in conn.execute(sqlfiles.load("intake/registry")):
        services[key] = institution
        windows[institution] = (base_year, base_year + 4)
    return Registry(services, windows)


def _inbox_files(inbox: Path) -> list[Path]:
    files = [
        p for p in inbox.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUFFIXES
    ]  # fmt: skip

    def order(path: Path) -> tuple[int, str]:
        try:
            kind = reader.read(path).template.name
        except (reader.UnreadableFile, OSError, ValueError):
            kind = "unknown"
        return ({"plan": 0, "submission": 1}.get(kind, 2), path.name)

    return sorted(files, key=order)


def _archive_path(
    archive: Path, institution: str | None, received: datetime, sha: str, name: str
) -> Path:
    safe = re.sub(r"[^\w.\-]+", "_", name)
    folder = archive / (institution or "_unidentified")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{received:%Y%m%dT%H%M%S}_{sha[:8]}_{safe}"


def _count_cells(row: dict[str, object], keys: list[str]) -> list[object]:
    cells: list[object] = []
    for key in keys:
        value = row[key]
        if key in _COUNT_KEYS:
            number, state = value  # type: ignore[misc]
            cells += [number, state]
        else:
            cells.append(value)
    return cells


# Template columns stored per row (the others - submitter, received date - are file-level).
_ROW_KEYS = {
    "plan": PLAN.keys,
    "submission": [
        k for k in SUBMISSION.keys
        if k not in ("submitter_name", "submitter_email", "received_date",
                     "received_date_is_approximate")
    ],
}  # fmt: skip


def _copy_rows(conn: psycopg.Connection, file_id, checked: Validated) -> None:
    """COPY the typed rows into raw.intake_<kind>_rows (a count is value + state)."""
    keys = _ROW_KEYS[checked.template.name]
    columns: list[str] = []
    for key in keys:
        columns += [key, f"{key}_state"] if key in _COUNT_KEYS else [key]
    table = f"raw.intake_{checked.template.name}_rows"
    statement = f"copy {table} (file_id, row_no, {', '.join(columns)}) from stdin"
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row_no, row in checked.rows:
            copy.write_row([file_id, row_no, *_count_cells(row, keys)])


def process_file(
    conninfo: str, path: Path, archive: Path, received_at: datetime | None = None
) -> IntakeResult:
    received_at = received_at or datetime.now(UTC)
    # Generated demo files are named SYNTHETIC_…; they and all built from them are synthetic.
    synthetic = path.name.upper().startswith(SYNTHETIC_FILE_PREFIX)
    issues: list[Issue] = []
    checked: Validated | None = None
    try:
        read = reader.read(path)
        sha256, file_format = read.sha256, read.file_format
    except reader.UnreadableFile as exc:
        from ingest.textfiles import scan

        read = None
        sha256, file_format = scan(path)[0], path.suffix.lower().lstrip(".")
        issues.append(Issue("error", None, None, None, exc.en, exc.lv))

    with psycopg.connect(conninfo) as conn:
        known = conn.execute(sqlfiles.load("intake/file_known"), {"sha256": sha256}).fetchone()
        if known:
            name, when, outcome, version, institution, year = known
            target = _archive_path(archive, institution, received_at, sha256, path.name)
            receipt = receipts.Receipt(
                path.name, sha256, received_at, "duplicate", institution_code=institution,
                reporting_year=year, version=version,
                note_lv=f"Šie paši baiti jau saņemti {when:%Y-%m-%d %H:%M} UTC kā “{name}” "
                        f"({receipts.OUTCOMES[outcome][0]}); vēlreiz netika ielādēti.",
                note_en=f"These exact bytes were already received on {when:%Y-%m-%d %H:%M} UTC as "
                        f"“{name}” ({receipts.OUTCOMES[outcome][1]}); not loaded again.",
            )  # fmt: skip
            return _finish(path, target, receipt, "duplicate", None, institution, year, version)

        if read is not None:
            for column in read.ignored_columns:
                issues.append(
                    Issue("warning", None, None, column, "unknown column ignored",
                          "nezināma kolonna ignorēta")
                )  # fmt: skip
            checked = validate(read.template, read.rows, registry(conn))
            issues += checked.issues
        errors = [i for i in issues if i.severity == "error"]
        warnings = [i for i in issues if i.severity == "warning"]
        outcome = "rejected" if errors else ("accepted_with_warnings" if warnings else "accepted")
        kind = read.template.name if read else None
        institution = str(checked.single("institution_code") or "") or None if checked else None
        year = checked.single("reporting_year") if checked and kind == "submission" else None
        project = checked.single("project_id") if checked and kind == "plan" else None
        target = _archive_path(archive, institution, received_at, sha256, path.name)
        receipt_path = target.with_name(target.name + ".receipt.txt")

        with conn.transaction():
            version = None
            if outcome != "rejected":
                version = conn.execute(sqlfiles.load("intake/next_version"), {
                    "kind": kind, "institution_code": institution if kind == "submission" else None,
                    "reporting_year": year, "project_id": project,
                }).fetchone()[0]  # fmt: skip
            batch = lineage.start_batch(conn, LOADER, str(path), sha256, synthetic)
            declared = checked.single("received_date") if checked else None
            approximate = bool(checked.single("received_date_is_approximate")) if checked else False
            file_id = conn.execute(sqlfiles.load("intake/insert_file"), {
                "kind": kind, "original_name": path.name, "file_format": file_format,
                "sha256": sha256, "institution_code": institution, "reporting_year": year,
                "project_id": project, "version": version, "outcome": outcome,
                "submitter_name": checked.single("submitter_name") if checked else None,
                "submitter_email": checked.single("submitter_email") if checked else None,
                "received_at": received_at, "declared_received_date": declared,
                "received_date_is_approximate": approximate,
                "rows_total": len(checked.rows) if checked else 0,
                "rows_with_errors": len({i.row for i in errors if i.row}),
                "warnings": len(warnings), "archived_path": str(target),
                "receipt_path": str(receipt_path), "batch_id": batch.batch_id,
                "loaded_at": batch.started_at, "is_synthetic": synthetic,
            }).fetchone()[0]  # fmt: skip
            if checked and outcome != "rejected":
                _copy_rows(conn, file_id, checked)
            elif read is not None:
                with (
                    conn.cursor() as cur,
                    cur.copy(
                        "copy raw.intake_quarantine (file_id, row_no, raw_record) from stdin"
                    ) as copy,
                ):
                    for row_no, raw in read.rows:
                        copy.write_row([file_id, row_no, json.dumps(raw, ensure_ascii=False)])
            with conn.cursor() as cur:
                cur.executemany(sqlfiles.load("intake/insert_issue"), [
                    (file_id, i.row, i.column, i.value, i.severity, i.en, i.lv) for i in issues
                ])  # fmt: skip
            rows = len(checked.rows) if checked else 0
            lineage.finish_batch(conn, batch, rows, rows if outcome != "rejected" else 0, outcome)

    receipt = receipts.Receipt(
        path.name, sha256, received_at, outcome, kind=kind, institution_code=institution,
        reporting_year=year, version=version, rows_total=len(checked.rows) if checked else 0,
        issues=issues,
    )  # fmt: skip
    return _finish(path, target, receipt, outcome, kind, institution, year, version)


def _finish(path, target, receipt, outcome, kind, institution, year, version) -> IntakeResult:
    receipt_path = target.with_name(target.name + ".receipt.txt")
    receipt_path.write_text(receipts.render(receipt), encoding="utf-8")
    shutil.move(str(path), target)
    errors = sum(i.severity == "error" for i in receipt.issues)
    warnings = sum(i.severity == "warning" for i in receipt.issues)
    result = IntakeResult(path.name, outcome, kind, institution, year, version, errors, warnings,
                          target, receipt_path)  # fmt: skip
    log.info("%s", result.describe())
    return result


EXAMPLES = ("VDI_plan_2012.csv", "VDI_submission_2016.csv")


def seed_examples(conninfo: str, inbox: Path, extra: tuple[Path, ...] = ()) -> list[Path]:
    """Copy the real VDI examples (and ``extra`` files, e.g. the SYNTHETIC demo submissions)
    into the inbox unless the same bytes were received before."""
    from ingest.intake.templates import EXAMPLES_DIR
    from ingest.textfiles import scan

    inbox.mkdir(parents=True, exist_ok=True)
    copied = []
    with psycopg.connect(conninfo) as conn:
        for source in (*(EXAMPLES_DIR / name for name in EXAMPLES), *extra):
            known = conn.execute(
                sqlfiles.load("intake/file_known"), {"sha256": scan(source)[0]}
            ).fetchone()
            if not known and not (inbox / source.name).exists():
                shutil.copyfile(source, inbox / source.name)
                copied.append(inbox / source.name)
    return copied


def process_inbox(conninfo: str, inbox: Path, archive: Path) -> list[IntakeResult]:
    """Every file in the inbox, plans first; returns one result per file."""
    inbox.mkdir(parents=True, exist_ok=True)
    archive.mkdir(parents=True, exist_ok=True)
    files = _inbox_files(inbox)
    results = []
    for i, path in enumerate(files, start=1):
        log.info("[%s/%s] %s", i, len(files), path.name)
        results.append(process_file(conninfo, path, archive))
    return results

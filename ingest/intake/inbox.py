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
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from ingest import lineage, safe_paths, sqlfiles, textfiles
from ingest.config import INTAKE_LIMITS, InputLimits
from ingest.intake import reader, receipts
from ingest.intake.schema import ACTION_PLAN, PLAN, SUBMISSION
from ingest.intake.validate import Issue, Registry, Validated, validate

log = logging.getLogger(__name__)

LOADER = "intake.files"
SYNTHETIC_FILE_PREFIX = "SYNTHETIC_"
_COUNT_KEYS = {c.key for t in (PLAN, SUBMISSION) for c in t.columns if c.kind == "count"}


@dataclass(frozen=True)
class IntakeResult:
    original_name: str
    outcome: str  # accepted | accepted_with_warnings | rejected | duplicate | failed
    kind: str | None
    institution_code: str | None
    reporting_year: int | None
    version: int | None
    errors: int
    warnings: int
    archived_path: Path
    receipt_path: Path

    def summary(self) -> dict[str, str]:
        return {"file": self.original_name, "outcome": self.outcome,
                "archived": str(self.archived_path)}  # fmt: skip

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
    activities = dict(conn.execute(sqlfiles.load("intake/action_registry")).fetchall())
    return Registry(services, windows, activities)


class IntakeStorageError(RuntimeError):
    """A folder of the intake cannot be written (disk full, permissions): not the file's
    fault. The file stays in the inbox; the message says which folder and what to fix."""


# Lock files an editor keeps beside an open workbook ("~$name.xlsx", ".~lock.name.xlsx#"):
# not submissions, and gone when the editor closes. Left alone, and logged.
_EDITOR_LOCK = re.compile(r"^(~\$|\.~lock\.)")


def _inbox_files(inbox: Path) -> list[Path]:
    """Every file in the inbox gets an outcome (an unsupported type is rejected with a
    receipt), except editors' lock files and folders."""
    files = []
    for path in sorted(inbox.iterdir()):
        if _EDITOR_LOCK.match(path.name):
            log.info("%s: an editor's lock file, left alone", path.name)
        elif path.is_symlink() or path.is_file():
            files.append(path)
    return files


# Plans first (submissions and action plans are checked against them), then action plans
# (submissions name their activities).
_KIND_ORDER = {"plan": 0, "action_plan": 1, "submission": 2}


def _archive_target(archive: Path, institution: object, received: datetime, sha: str,
                    name: str) -> Path:  # fmt: skip
    """Where the file goes: ``<archive>/<institution>/<stamp>_<sha8>_<name>``, every part
    sanitised and the whole confined to the archive (codes and names come from the file)."""
    folder = safe_paths.safe_component(str(institution) if institution else None, "_unidentified")
    stamp = f"{received:%Y%m%dT%H%M%S}_{sha[:8]}_"
    return safe_paths.confined(archive, folder, stamp + safe_paths.safe_component(name, "file"))


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
    "action_plan": ACTION_PLAN.keys,
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


class _Staged:
    """The archived copy and the receipt, written under temporary names before the database
    commits and renamed into place after it: a full disk or a denied folder fails the file's
    transaction (nothing loaded, nothing half-written visible, the file stays in the inbox)."""

    def __init__(self, source: Path, target: Path) -> None:
        self.source = source
        self.target = target
        self.receipt = target.with_name(target.name + ".receipt.txt")
        token = uuid.uuid4().hex[:8]
        self.tmp_file = target.with_name(f".partial-{token}-file")
        self.tmp_receipt = target.with_name(f".partial-{token}-receipt")

    def write(self, receipt_text: str) -> None:
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.source, self.tmp_file)
            with self.tmp_receipt.open("w", encoding="utf-8") as fh:
                fh.write(receipt_text)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            self.discard()
            raise IntakeStorageError(
                f"cannot write to the intake archive {self.target.parent}: {exc.strerror or exc} "
                f"— free space or give the loader write access there; {self.source.name} stays "
                "in the inbox and is processed on the next run"
            ) from exc

    def discard(self) -> None:
        for tmp in (self.tmp_file, self.tmp_receipt):
            tmp.unlink(missing_ok=True)

    def publish(self) -> None:
        os.replace(self.tmp_file, self.target)
        os.replace(self.tmp_receipt, self.receipt)
        try:
            self.source.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise IntakeStorageError(
                f"{self.source.name} was loaded and archived as {self.target}, but it cannot be "
                f"removed from the inbox ({exc.strerror or exc}): give the loader write access "
                "to the inbox; the next run will recognise it as already received"
            ) from exc


def process_file(
    conninfo: str,
    path: Path,
    archive: Path,
    received_at: datetime | None = None,
    limits: InputLimits = INTAKE_LIMITS,
    read_result: reader.ReadFile | reader.UnreadableFile | None = None,
    results_dir: Path | None = None,
) -> IntakeResult:
    """Read, validate and load one file as one transaction, then archive it with a receipt.

    ``read_result`` is the file as :func:`process_inbox` already read it (to sort plans first);
    ``results_dir`` is the extracts folder, named in an accepted submission's receipt."""
    received_at = received_at or datetime.now(UTC)
    # Generated demo files are named SYNTHETIC_…; they and all built from them are synthetic.
    synthetic = path.name.upper().startswith(SYNTHETIC_FILE_PREFIX)
    issues: list[Issue] = []
    checked: Validated | None = None
    if read_result is None:
        read_result = _read(path, limits)
    read = read_result if isinstance(read_result, reader.ReadFile) else None
    if read is None:
        assert isinstance(read_result, reader.UnreadableFile)
        issues.append(Issue("error", None, None, None, read_result.en, read_result.lv))
    sha256 = read.sha256 if read else textfiles.sha256_of(path)
    file_format = read.file_format if read else path.suffix.lower().lstrip(".")
    empty = path.stat().st_size == 0

    if empty:  # every empty file has the same checksum: not a submission to deduplicate
        return _reject_empty(conninfo, path, archive, received_at, sha256, issues)

    with psycopg.connect(conninfo) as conn:
        known = conn.execute(sqlfiles.load("intake/file_known"), {"sha256": sha256}).fetchone()
        if known:
            name, when, outcome, version, institution, year = known
            staged = _Staged(path, _archive_target(archive, institution, received_at, sha256,
                                                   path.name))  # fmt: skip
            receipt = receipts.Receipt(
                path.name, sha256, received_at, "duplicate", institution_code=institution,
                reporting_year=year, version=version,
                note_lv=f"Šie paši baiti jau saņemti {when:%Y-%m-%d %H:%M} UTC kā “{name}” "
                        f"({receipts.OUTCOMES[outcome][0]}); vēlreiz netika ielādēti.",
                note_en=f"These exact bytes were already received on {when:%Y-%m-%d %H:%M} UTC as "
                        f"“{name}” ({receipts.OUTCOMES[outcome][1]}); not loaded again.",
            )  # fmt: skip
            staged.write(receipts.render(receipt))
            staged.publish()
            return _result(path.name, staged, receipt, None, institution, year, version)

        if read is not None:
            for column in read.ignored_columns:
                issues.append(
                    Issue("warning", None, None, column[:80], "unknown column ignored",
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
        staged = _Staged(path, _archive_target(archive, institution, received_at, sha256,
                                               path.name))  # fmt: skip
        rows_total = len(checked.rows) if checked else 0

        batch = lineage.start_batch(conn, LOADER, str(path), sha256, synthetic)
        try:
            with conn.transaction():
                version = None
                if outcome != "rejected":
                    version = conn.execute(sqlfiles.load("intake/next_version"), {
                        "kind": kind, "institution_code": institution, "reporting_year": year,
                        "project_id": project,
                    }).fetchone()[0]  # fmt: skip
                declared = checked.single("received_date") if checked else None
                approximate = (
                    bool(checked.single("received_date_is_approximate")) if checked else False
                )
                file_id = conn.execute(sqlfiles.load("intake/insert_file"), {
                    "kind": kind, "original_name": path.name, "file_format": file_format,
                    "sha256": sha256, "institution_code": institution, "reporting_year": year,
                    "project_id": project, "version": version, "outcome": outcome,
                    "submitter_name": checked.single("submitter_name") if checked else None,
                    "submitter_email": checked.single("submitter_email") if checked else None,
                    "received_at": received_at, "declared_received_date": declared,
                    "received_date_is_approximate": approximate, "rows_total": rows_total,
                    "rows_with_errors": len({i.row for i in errors if i.row}),
                    "warnings": len(warnings), "archived_path": str(staged.target),
                    "receipt_path": str(staged.receipt), "batch_id": batch.batch_id,
                    "loaded_at": batch.started_at, "is_synthetic": synthetic,
                }).fetchone()[0]  # fmt: skip
                quarantined = 0
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
                            quarantined += 1
                with conn.cursor() as cur:
                    cur.executemany(sqlfiles.load("intake/insert_issue"), [
                        (file_id, i.row, i.column, i.value, i.severity, i.en, i.lv)
                        for i in issues
                    ])  # fmt: skip
                loaded = rows_total if outcome != "rejected" else 0
                lineage.finish_batch(conn, batch, max(rows_total, quarantined), loaded, outcome,
                                     rows_quarantined=quarantined)  # fmt: skip
                evidence = None
                if kind == "submission" and outcome != "rejected" and institution and year:
                    evidence = conn.execute(
                        sqlfiles.load("intake/portal_evidence"),
                        {"institution": institution, "year": year},
                    ).fetchone()
                receipt = receipts.Receipt(
                    path.name, sha256, received_at, outcome, kind=kind,
                    institution_code=institution, reporting_year=year, version=version,
                    rows_total=rows_total, issues=issues, sheet=read.sheet if read else None,
                    results_dir=str(results_dir) if results_dir else None,
                    portal_evidence=receipts.portal_evidence(evidence),
                )  # fmt: skip
                staged.write(receipts.render(receipt))  # before the commit: see _Staged
        except BaseException as exc:
            staged.discard()
            lineage.fail_batch(conninfo, batch, exc)
            raise
    staged.publish()
    return _result(path.name, staged, receipt, kind, institution, year, version)


def _reject_empty(conninfo: str, path: Path, archive: Path, received_at: datetime, sha256: str,
                  issues: list[Issue]) -> IntakeResult:  # fmt: skip
    """An empty file: a receipt and a batch (no ``raw.intake_files`` row: there is nothing in
    it to version, and its checksum is every empty file's)."""
    lineage.record_batch(
        conninfo, loader=LOADER, source_uri=str(path), source_sha256=sha256,
        status="succeeded", message="rejected: the file is empty (0 bytes)", is_synthetic=False,
        rows_read=0, rows_loaded=0,
    )  # fmt: skip
    staged = _Staged(path, _archive_target(archive, None, received_at, sha256, path.name))
    receipt = receipts.Receipt(path.name, sha256, received_at, "rejected", issues=issues)
    staged.write(receipts.render(receipt))
    staged.publish()
    return _result(path.name, staged, receipt, None, None, None, None)


def _result(name, staged: _Staged, receipt, kind, institution, year, version) -> IntakeResult:
    errors = sum(i.severity == "error" for i in receipt.issues)
    warnings = sum(i.severity == "warning" for i in receipt.issues)
    result = IntakeResult(name, receipt.outcome, kind, institution, year, version, errors,
                          warnings, staged.target, staged.receipt)  # fmt: skip
    log.info("%s", result.describe())
    return result


def _read(path: Path, limits: InputLimits) -> reader.ReadFile | reader.UnreadableFile:
    try:
        return reader.read(path, limits)
    except reader.UnreadableFile as exc:
        return exc


def set_aside(conninfo: str, path: Path, archive: Path, error: BaseException) -> IntakeResult:
    """A file whose processing raised unexpectedly: recorded (checksum, error) as a failed
    batch and moved to ``<archive>/_failed/`` with a receipt, so it cannot fail every night;
    the run goes on and then reports it. Once the cause is fixed, put it back in the inbox."""
    received_at = datetime.now(UTC)
    sha256 = textfiles.sha256_of(path)
    message = f"{type(error).__name__}: {error}"[:2000]
    lineage.record_batch(
        conninfo, loader=LOADER, source_uri=str(path), source_sha256=sha256, status="failed",
        message=f"set aside in _failed/: {message}", is_synthetic=False,
    )  # fmt: skip
    staged = _Staged(path, _archive_target(archive, FAILED_FOLDER, received_at, sha256, path.name))
    receipt = receipts.Receipt(
        path.name, sha256, received_at, "failed",
        note_lv="Failu neizdevās apstrādāt mūsu pusē radušās kļūdas dēļ "
                f"({type(error).__name__}). Datu komanda ir informēta un to apstrādās; "
                "atkārtoti iesniegt nav nepieciešams. Neviens šī faila dati nav ielādēti.",
        note_en="The file could not be processed because of a problem on our side "
                f"({type(error).__name__}). The data team has been alerted and will process "
                "it; you do not need to send it again. None of its data was loaded.",
    )  # fmt: skip
    staged.write(receipts.render(receipt))
    staged.publish()
    log.error("%s: set aside in %s: %s", path.name, staged.target.parent, message)
    return _result(path.name, staged, receipt, None, None, None, None)


FAILED_FOLDER = "_failed"


EXAMPLES = ("VDI_plan_2012.csv", "VDI_action_plan_2017.csv", "VDI_submission_2016.csv")


def seed_examples(conninfo: str, inbox: Path, extra: tuple[Path, ...] = ()) -> list[Path]:
    """Copy the real VDI examples (and ``extra`` files, e.g. the SYNTHETIC demo submissions)
    into the inbox unless the same bytes were received before."""
    from ingest.intake.templates import EXAMPLES_DIR

    return drop_into_inbox(conninfo, inbox, (*(EXAMPLES_DIR / name for name in EXAMPLES), *extra))


def drop_into_inbox(conninfo: str, inbox: Path, files: tuple[Path, ...]) -> list[Path]:
    """Copy ``files`` into the inbox, as institutions would, unless the same bytes were
    received before (or a file of that name already waits there)."""
    inbox.mkdir(parents=True, exist_ok=True)
    copied = []
    with psycopg.connect(conninfo) as conn:
        for source in files:
            known = conn.execute(
                sqlfiles.load("intake/file_known"), {"sha256": textfiles.sha256_of(source)}
            ).fetchone()
            if not known and not (inbox / source.name).exists():
                shutil.copyfile(source, inbox / source.name)
                copied.append(inbox / source.name)
    return copied


def process_inbox(
    conninfo: str,
    inbox: Path,
    archive: Path,
    limits: InputLimits = INTAKE_LIMITS,
    results_dir: Path | None = None,
) -> list[IntakeResult]:
    """Every file in the inbox, plans first, each on its own: one result per file.

    A file that breaks the processing is set aside with a receipt (outcome ``failed``) and the
    others go on. Only what is not the file's fault stops the run: the database unreachable
    (:class:`psycopg.OperationalError`) or a folder that cannot be written
    (:class:`IntakeStorageError`); the files not yet processed then stay in the inbox."""
    inbox.mkdir(parents=True, exist_ok=True)
    archive.mkdir(parents=True, exist_ok=True)
    abandoned = lineage.mark_abandoned(conninfo, LOADER)
    for batch_id, source in abandoned:
        log.warning("batch %s (%s) was abandoned mid-load; its file is processed again if it "
                    "is still in the inbox", batch_id, source)  # fmt: skip
    files = _inbox_files(inbox)
    read = {path: _safe_read(path, limits) for path in files}

    def order(path: Path) -> tuple[int, str]:
        result = read[path]
        kind = result.template.name if isinstance(result, reader.ReadFile) else ""
        return _KIND_ORDER.get(kind, len(_KIND_ORDER)), path.name

    results = []
    files = sorted(files, key=order)
    for i, path in enumerate(files, start=1):
        log.info("[%s/%s] %s", i, len(files), path.name)
        try:
            if isinstance(read[path], BaseException) and not isinstance(
                read[path], reader.UnreadableFile
            ):
                raise read[path]  # type: ignore[misc]
            results.append(process_file(conninfo, path, archive, limits=limits,
                                        read_result=read[path],
                                        results_dir=results_dir))  # fmt: skip
        except (psycopg.OperationalError, IntakeStorageError):
            raise
        except Exception as exc:  # the file's own problem, found the hard way
            log.exception("%s: unexpected error", path.name)
            results.append(set_aside(conninfo, path, archive, exc))
    return results


def _safe_read(path: Path, limits: InputLimits):
    try:
        return _read(path, limits)
    except Exception as exc:  # kept for process_inbox to set the file aside
        return exc


class IntakeFilesFailed(RuntimeError):
    """Files were set aside because processing them raised; the others were processed."""


def raise_for_failures(results: list[dict[str, str]]) -> None:
    """Fail the run (and so alert) when a file was set aside, after every file had its turn.
    ``results`` are :meth:`IntakeResult.summary` dicts (what an Airflow task passes on)."""
    failed = [r for r in results if r["outcome"] == "failed"]
    if failed:
        raise IntakeFilesFailed(
            f"{len(failed)} of {len(results)} intake file(s) could not be processed and were "
            "set aside with a receipt (the others were processed):\n"
            + "\n".join(f"  - {r['file']} → {r['archived']}" for r in failed)
        )

"""Read a filled template (CSV in any of our encodings/delimiters, or XLSX) into text rows.

Every cell comes back as text exactly as the person typed it (numbers from XLSX become their
plain text form), so that one validator judges CSV and XLSX the same way.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ingest import textfiles
from ingest.config import INTAKE_LIMITS, InputLimits
from ingest.intake.schema import (
    TEMPLATES,
    Template,
    detect_template,
    header_lookup,
    normalise_header,
)


class UnreadableFile(ValueError):
    """The file is not a filled template we can read; the message says why (LV and EN)."""

    def __init__(self, en: str, lv: str) -> None:
        super().__init__(en)
        self.en = en
        self.lv = lv


@dataclass(frozen=True)
class ReadFile:
    template: Template
    sha256: str
    rows: list[tuple[int, dict[str, str]]]  # (row number as the person sees it, key -> text)
    ignored_columns: list[str] = field(default_factory=list)
    file_format: str = ""
    sheet: str | None = None  # the XLSX sheet read


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _too_long(row: int, column: int, limits: InputLimits) -> UnreadableFile:
    return UnreadableFile(
        f"row {row}, column {column}: a cell longer than {limits.max_cell_chars} characters; "
        "shorten it (notes belong in a separate document)",
        f"{row}. rinda, {column}. kolonna: šūna garāka par {limits.max_cell_chars} rakstzīmēm; "
        "saīsiniet to (piezīmes pievienojiet atsevišķā dokumentā)",
    )


def _too_many_rows(limits: InputLimits) -> UnreadableFile:
    return UnreadableFile(
        f"more than {limits.max_rows} rows (blank rows included): one file holds one "
        "institution's plan or year; delete the empty rows below the table",
        f"vairāk nekā {limits.max_rows} rindu (ieskaitot tukšās): vienā failā ir vienas iestādes "
        "plāns vai gads; izdzēsiet tukšās rindas zem tabulas",
    )


def _xlsx_guard(path: Path, limits: InputLimits) -> None:
    """Refuse what must not be opened: not a zip, a zip bomb, or a workbook with macros."""
    import zipfile

    if not zipfile.is_zipfile(path):
        raise UnreadableFile(
            "not an XLSX workbook (the file is not a zip archive): save it from Excel as .xlsx",
            "nav XLSX darbgrāmata (fails nav zip arhīvs): saglabājiet to no Excel kā .xlsx",
        )
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        expanded = sum(e.file_size for e in entries)
        if expanded > limits.max_xlsx_uncompressed_bytes:
            raise UnreadableFile(
                f"the workbook expands to {expanded / 1e6:.0f} MB (at most "
                f"{limits.max_xlsx_uncompressed_bytes / 1e6:.0f} MB): send only the data table",
                f"darbgrāmata izvēršas līdz {expanded / 1e6:.0f} MB (ne vairāk kā "
                f"{limits.max_xlsx_uncompressed_bytes / 1e6:.0f} MB): iesniedziet tikai datu "
                "tabulu",
            )
        names = [e.filename.lower() for e in entries]
        # Read only the heads of the parts: never a whole (possibly huge) entry here.
        heads = {
            e.filename: archive.open(e).read(4096)
            for e in entries
            if e.filename.lower().endswith((".xml", ".rels"))
        }
    types = heads.get("[Content_Types].xml", b"")
    # Excel never writes a DOCTYPE; one declaring entities is an expansion bomb.
    declares = [name for name, head in heads.items() if b"<!DOCTYPE" in head]
    if declares:
        raise UnreadableFile(
            f"the workbook's {declares[0]} declares a DOCTYPE (Excel never writes one; it can "
            "hide an entity-expansion bomb): save the data as a new .xlsx from Excel",
            f"darbgrāmatas daļa {declares[0]} satur DOCTYPE (Excel to nekad neraksta; tā var "
            "slēpt entītiju izvēršanas bumbu): saglabājiet datus jaunā .xlsx no Excel",
        )
    if any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
        raise UnreadableFile(
            "the workbook contains macros (VBA): save it as 'Excel Workbook (*.xlsx)', "
            "which removes them, and send it again",
            "darbgrāmatā ir makrosi (VBA): saglabājiet to kā 'Excel darbgrāmata (*.xlsx)', "
            "kas tos noņem, un iesniedziet vēlreiz",
        )


DATA_SHEETS = ("dati", "data")


def _choose_sheet(sheetnames: list[str]) -> str:
    """The data sheet by name ("Dati" / "Data"); a workbook of one sheet is that sheet."""
    for name in sheetnames:
        if name.strip().lower() in DATA_SHEETS:
            return name
    if len(sheetnames) == 1:
        return sheetnames[0]
    listed = ", ".join(f"'{n}'" for n in sheetnames)
    raise UnreadableFile(
        f"no sheet named 'Dati' (found {listed}): put the table on a sheet named 'Dati', "
        "as in the template",
        f"nav lapas ar nosaukumu 'Dati' (atrastas {listed}): ievietojiet tabulu lapā 'Dati', "
        "kā veidnē",
    )


def _read_xlsx(path: Path, limits: InputLimits) -> tuple[str, list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    _xlsx_guard(path, limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(
            f"not a readable XLSX workbook ({type(exc).__name__}): open it in Excel, "
            "save it again as .xlsx and send it",
            f"nav nolasāma XLSX darbgrāmata ({type(exc).__name__}): atveriet to Excel, "
            "saglabājiet vēlreiz kā .xlsx un iesniedziet",
        ) from exc
    try:
        name = _choose_sheet(workbook.sheetnames)
        sheet = workbook[name]
        declared = sheet.max_row or 0  # from the sheet's dimension: cheap, may be absent
        if declared > limits.max_rows + 1:
            raise _too_many_rows(limits)
        rows: list[tuple[int, list[str]]] = []
        try:
            for number, values in enumerate(
                sheet.iter_rows(min_row=1, max_col=limits.max_columns, values_only=True),
                start=1,
            ):
                if number > limits.max_rows + 1:
                    raise _too_many_rows(limits)
                cells = [_cell_text(v) for v in values]
                for column, text in enumerate(cells, start=1):
                    if len(text) > limits.max_cell_chars:
                        raise _too_long(number, column, limits)
                rows.append((number, cells))
        except UnreadableFile:
            raise
        except Exception as exc:  # broken sheet XML surfaces only while reading rows
            raise UnreadableFile(
                f"sheet '{name}' cannot be read ({type(exc).__name__}): open the workbook in "
                "Excel, save it again as .xlsx and send it",
                f"lapu '{name}' nevar nolasīt ({type(exc).__name__}): atveriet darbgrāmatu "
                "Excel, saglabājiet vēlreiz kā .xlsx un iesniedziet",
            ) from exc
    finally:
        workbook.close()
    return name, rows


def _read_csv(path: Path, limits: InputLimits) -> tuple[textfiles.TextSniff, list]:
    try:
        sniff = textfiles.sniff_csv(path)
    except textfiles.BadBytes as exc:
        raise UnreadableFile(exc.en, exc.lv) from exc
    rows: list[tuple[int, list[str]]] = []
    previous_limit = csv.field_size_limit(limits.max_cell_chars)
    try:
        with path.open(encoding=sniff.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=sniff.delimiter, strict=True)
            # The row a person sees in a spreadsheet: one per record (a blank line is a row,
            # a quoted cell over several lines is one), the header being row 1.
            number = 0
            while True:
                number += 1
                try:
                    fields = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    raise _csv_problem(number, str(exc), limits) from exc
                if number > limits.max_rows + 1:
                    raise _too_many_rows(limits)
                if len(fields) > limits.max_columns:
                    fields = fields[: limits.max_columns]
                rows.append((number, fields))
    finally:
        csv.field_size_limit(previous_limit)
    return sniff, rows


def _csv_problem(row: int, message: str, limits: InputLimits) -> UnreadableFile:
    if "field larger than field limit" in message:
        return UnreadableFile(
            f"row {row}: a cell longer than {limits.max_cell_chars} characters; shorten it",
            f"{row}. rinda: šūna garāka par {limits.max_cell_chars} rakstzīmēm; saīsiniet to",
        )
    if "unexpected end of data" in message:
        return UnreadableFile(
            f'row {row}: a quoted cell (starting with ") is never closed, so the rest of the '
            "file would be read as one cell; add the closing quote",
            f'{row}. rinda: šūna pēdiņās (sākas ar ") netiek aizvērta, tāpēc visa faila '
            "atlikusī daļa būtu viena šūna; pievienojiet noslēdzošās pēdiņas",
        )
    return UnreadableFile(
        f"row {row}: the CSV cannot be read ({message}); check the quotes on that row",
        f"{row}. rinda: CSV nevar nolasīt ({message}); pārbaudiet pēdiņas šajā rindā",
    )


def _raw_table(
    path: Path, limits: InputLimits
) -> tuple[str, str, str | None, list[str], list[tuple[int, list[str]]]]:
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile(
            "the file is empty (0 bytes): the upload may have failed; send the file again",
            "fails ir tukšs (0 baitu): augšupielāde, iespējams, neizdevās; iesniedziet vēlreiz",
        )
    if size > limits.max_file_bytes:
        raise UnreadableFile(
            f"the file is {limits.describe_bytes(size)}, more than the "
            f"{limits.describe_bytes(limits.max_file_bytes)} a submission may be",
            f"fails ir {limits.describe_bytes(size)}, vairāk nekā atļautie "
            f"{limits.describe_bytes(limits.max_file_bytes)}",
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        sha256 = textfiles.sha256_of(path)
        sheet, rows = _read_xlsx(path, limits)
        header = rows[0][1] if rows else []
        return sha256, f"XLSX (sheet '{sheet}')", sheet, header, rows[1:]
    if suffix == ".csv":
        sniff, rows = _read_csv(path, limits)
        header = rows[0][1] if rows else []
        label = f"CSV ({sniff.encoding_label}, '{sniff.delimiter}')"
        return sniff.sha256, label, None, header, rows[1:]
    raise UnreadableFile(
        f"unsupported file type {suffix or '(none)'}: send .csv or .xlsx",
        f"neatbalstīts faila tips {suffix or '(nav)'}: iesniedziet .csv vai .xlsx",
    )


def _header_problem(header: list[str]) -> UnreadableFile:
    """Why no template matches: the closest template and the columns it misses, by name."""
    found = ", ".join(h for h in header if h)[:300] or "nothing"
    best = max(TEMPLATES.values(), key=lambda t: len(_named(t, header)))
    named = _named(best, header)
    missing = [c for c in best.columns if c.required and c.key not in named]
    if named and len(missing) < len([c for c in best.columns if c.required]):
        return UnreadableFile(
            f"the {best.title_en.split(':')[0].lower()} is missing required column(s): "
            + ", ".join(f"'{c.header_lv}' ({c.header_en})" for c in missing)
            + "; use the template's header row",
            f"veidnei '{best.title_lv.split(':')[0]}' trūkst obligātās kolonnas: "
            + ", ".join(f"'{c.header_lv}'" for c in missing)
            + "; izmantojiet veidnes galvenes rindu",
        )
    return UnreadableFile(
        "the first row is not the header of the plan or the submission template "
        f"(found: {found}); start from a template in templates/",
        f"pirmā rinda nav plāna vai iesnieguma veidnes galvene (atrasts: {found}); "
        "izmantojiet veidni no templates/",
    )


def _named(template: Template, header: list[str]) -> set[str]:
    lookup = header_lookup(template)
    return {k for k in (lookup.get(normalise_header(h)) for h in header) if k}


def read(path: Path, limits: InputLimits = INTAKE_LIMITS) -> ReadFile:
    sha256, label, sheet, header, body = _raw_table(path, limits)
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    template = detect_template(header)
    if template is None:
        raise _header_problem(header)
    lookup = header_lookup(template)
    positions = [lookup.get(normalise_header(h)) for h in header]
    seen: dict[str, int] = {}
    for index, key in enumerate(positions):
        if key is None:
            continue
        if key in seen:
            column = template.column(key)
            raise UnreadableFile(
                f"column '{column.header_lv}' ({column.header_en}) appears twice (columns "
                f"{seen[key] + 1} and {index + 1}): keep one",
                f"kolonna '{column.header_lv}' ir divreiz ({seen[key] + 1}. un {index + 1}. "
                "kolonna): atstājiet vienu",
            )
        seen[key] = index
    ignored = [h for h, key in zip(header, positions, strict=True) if key is None and h]
    rows = []
    for row_no, fields in body:
        if not any(f.strip() for f in fields):
            continue  # empty line: nothing to load, nothing lost
        values = {key: "" for key in template.keys}
        for key, value in zip(positions, fields, strict=False):
            if key is not None:
                values[key] = value
        if len(fields) > len(header) and any(f.strip() for f in fields[len(header) :]):
            values["__extra__"] = "|".join(fields[len(header) :])[:200]
        rows.append((row_no, values))
    return ReadFile(template, sha256, rows, ignored, label, sheet)

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
from ingest.intake.schema import Template, detect_template, header_lookup, normalise_header


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


def _raw_table(path: Path) -> tuple[str, str, list[str], list[tuple[int, list[str]]]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        sha256, _utf8, _size = textfiles.scan(path)
        try:
            workbook = load_workbook(path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise UnreadableFile(
                f"not a readable XLSX workbook ({type(exc).__name__})",
                f"nav nolasāma XLSX darbgrāmata ({type(exc).__name__})",
            ) from exc
        sheet = workbook["Dati"] if "Dati" in workbook.sheetnames else workbook.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        header = rows[0] if rows else []
        body = [(i, r) for i, r in enumerate(rows[1:], start=2)]
        return sha256, "XLSX", header, body
    if suffix == ".csv":
        sniff = textfiles.sniff_csv(path)
        with path.open(encoding=sniff.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=sniff.delimiter)
            next(reader, None)
            body = []
            while True:
                line = reader.line_num + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    break
                body.append((line, fields))
        label = f"CSV ({sniff.encoding_label}, '{sniff.delimiter}')"
        return sniff.sha256, label, sniff.header, body
    raise UnreadableFile(
        f"unsupported file type {suffix or '(none)'}: send .csv or .xlsx",
        f"neatbalstīts faila tips {suffix or '(nav)'}: iesniedziet .csv vai .xlsx",
    )


def read(path: Path) -> ReadFile:
    sha256, label, header, body = _raw_table(path)
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    template = detect_template(header)
    if template is None:
        raise UnreadableFile(
            "the header row matches neither the plan nor the submission template "
            f"(found: {', '.join(h for h in header if h) or 'nothing'})",
            "galvenes rinda neatbilst ne plāna, ne iesnieguma veidnei "
            f"(atrasts: {', '.join(h for h in header if h) or 'nekas'})",
        )
    lookup = header_lookup(template)
    positions = [lookup.get(normalise_header(h)) for h in header]
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
            values["__extra__"] = "|".join(fields[len(header) :])
        rows.append((row_no, values))
    return ReadFile(template, sha256, rows, ignored, label)

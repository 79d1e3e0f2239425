"""Re-read an extract's XLSX with openpyxl and compare it to its CSV, cell by cell."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

from publish import extract_content, labels

_YES_NO = {labels.YES_NO[0]: "true", labels.YES_NO[1]: "false"}


def _expected_text(column: str, text: str) -> str:
    """How the workbook shows a CSV value: codes as their Latvian label, booleans Jā/Nē."""
    if column in labels.CODE_LISTS and text:
        return labels.label(labels.CODE_LISTS[column], text)
    if text in ("true", "false"):
        return labels.YES_NO[0] if text == "true" else labels.YES_NO[1]
    return text


def _check_cell(cell, column: str, text: str, where: str) -> None:
    if cell.value is None:
        assert text == "", where
    elif cell.data_type == "n" and text.lstrip("-").isdigit():
        assert cell.value == int(text), where  # counts: exact
    elif cell.data_type == "n":
        # Ratios: XLSX stores a double with 16 significant digits (Excel shows 15); the CSV
        # keeps the exact decimal.
        assert math.isclose(cell.value, float(text), rel_tol=1e-15), where
    else:
        assert cell.data_type == "s", f"{where}: not text"
        assert cell.value == _expected_text(column, text), where


def assert_sheets_equal_csv(
    xlsx: bytes, sheet_names: Sequence[str], csv_bytes: bytes, key: str
) -> int:
    """Every CSV column is on one of ``sheet_names`` under its Latvian header, and every cell
    equals the CSV's: whole numbers exactly, ratios to the 16 significant digits XLSX keeps,
    text stored as text (never a formula), codes as their Latvian labels, booleans Jā/Nē,
    empty for NULL. Rows are matched by ``key``. Returns the number of cells compared."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(xlsx))
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    columns = list(rows[0]) if rows else []
    by_header = {extract_content.HEADERS_LV.get(c, c): c for c in columns}
    seen: set[str] = set()
    compared = 0
    for name in sheet_names:
        sheet = workbook[name]
        header = [c.value for c in sheet[1]]
        assert all(h in by_header for h in header), f"{name}: unknown headers {header}"
        sheet_columns = [by_header[h] for h in header]
        seen.update(sheet_columns)
        key_at = sheet_columns.index(key)
        data = list(sheet.iter_rows(min_row=2))
        assert len(data) == len(rows), name
        csv_by_key = {r[key]: r for r in rows}
        for xlsx_row in data:
            row = csv_by_key[xlsx_row[key_at].value]
            for cell, column in zip(xlsx_row, sheet_columns, strict=True):
                assert cell.data_type != "f", f"{name}!{cell.coordinate} is a formula"
                _check_cell(cell, column, row[column], f"{name}!{cell.coordinate}")
                compared += 1
    assert seen == set(columns), f"CSV columns missing from the workbook: {set(columns) - seen}"
    return compared


def assert_channel_sheet_equals_csv(xlsx: bytes, sheet_name: str, csv_bytes: bytes) -> int:
    """The compact channel sheet (a row per service, a column per channel) holds every row
    of the long channel CSV: its number, or "nav norādīts" / "nav piemērojams" where there is
    none. Returns the number of CSV rows found."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx))[sheet_name]
    header = [c.value for c in sheet[1]]
    channel_at = {labels.label(labels.CHANNEL, code): code for code in labels.CHANNEL}
    columns = {channel_at.get(h, h): i for i, h in enumerate(header)}
    key_at = header.index(extract_content.HEADERS_LV["service_key"])
    cells = {row[key_at].value: row for row in sheet.iter_rows(min_row=2)}
    found = 0
    for row in csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))):
        cell = cells[row["service_key"]][columns[row["channel"]]]
        where = f"{sheet_name}!{cell.coordinate}"
        if row["count_state"] in ("value", "derived"):
            assert cell.data_type == "n" and cell.value == int(row["requests"]), where
        else:
            expected = labels.label(labels.COUNT_STATE, row["count_state"])
            assert cell.data_type == "s" and cell.value == expected, where
        found += 1
    return found


def assert_workbook_prints_and_works(xlsx: bytes) -> dict[str, int]:
    """What a person relies on, checked on every data sheet: A4 landscape fitted to one page
    wide with the header row repeated, frozen panes, an autofilter over the data, wrapped bold
    headers, column widths, percentages and whole numbers with number formats (never
    "General"), Jā/Nē for booleans; and a cover sheet "Par datiem". Returns the rows per sheet."""
    from openpyxl import load_workbook

    from publish import workbook as wb

    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames[0] == wb.COVER_SHEET and wb.DEFINITIONS_SHEET in book.sheetnames
    cover = book[wb.COVER_SHEET]
    labels_a = [row[0].value for row in cover.iter_rows(min_row=3)]
    assert (
        cover["A1"].value and "Definīcijas" in labels_a and "Avoti (ielādes partijas)" in labels_a
    )
    rows = {}
    for sheet in book.worksheets[1:]:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert int(sheet.page_setup.paperSize) == 9, sheet.title  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.freeze_panes is not None and sheet.freeze_panes.endswith("2"), sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        for cell in sheet[1]:
            assert cell.font.bold and cell.alignment.wrap_text, f"{sheet.title}!{cell.coordinate}"
            width = sheet.column_dimensions[cell.column_letter].width
            assert width and width >= 8, f"{sheet.title}!{cell.column_letter} has no width"
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                where = f"{sheet.title}!{cell.coordinate}"
                if isinstance(cell.value, bool):
                    raise AssertionError(f"{where}: a boolean, not Jā/Nē")
                if isinstance(cell.value, float):  # ratios: percentages or factors
                    assert cell.number_format in ("0.0%", "0.00"), where
                elif isinstance(cell.value, int):  # counts, years; a ratio of exactly 1
                    assert cell.number_format in ("#,##0", "0", "0.0%", "0.00"), where
        rows[sheet.title] = sheet.max_row - 1
    return rows

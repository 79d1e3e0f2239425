"""Re-read an extract's XLSX with openpyxl and compare each sheet to its CSV, cell by cell."""

from __future__ import annotations

import csv
import io
import math

from publish import extract_content


def assert_sheet_equals_csv(xlsx: bytes, sheet_name: str, csv_bytes: bytes) -> int:
    """Latvian headers for the CSV's columns; whole numbers exactly equal, ratios to the 16
    significant digits XLSX keeps; text stored
    as text (never a formula); booleans as the CSV's true/false; empty for NULL. Returns the
    number of data rows compared."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx))[sheet_name]
    csv_rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8"))))
    header = [c.value for c in sheet[1]]
    assert header == [extract_content.HEADERS_LV.get(c, c) for c in csv_rows[0]]
    xlsx_rows = list(sheet.iter_rows(min_row=2))
    assert len(xlsx_rows) == len(csv_rows) - 1
    for xlsx_row, csv_row in zip(xlsx_rows, csv_rows[1:], strict=True):
        for cell, text in zip(xlsx_row, csv_row, strict=True):
            where = f"{sheet_name}!{cell.coordinate}"
            if cell.value is None:
                assert text == "", where
            elif isinstance(cell.value, bool):
                assert text == str(cell.value).lower(), where
            elif cell.data_type == "n" and text.lstrip("-").isdigit():
                assert cell.value == int(text), where  # counts: exact
            elif cell.data_type == "n":
                # Ratios: XLSX stores a double with 16 significant digits (Excel shows 15);
                # the CSV keeps the exact decimal.
                assert math.isclose(cell.value, float(text), rel_tol=1e-15), where
            else:
                assert cell.data_type == "s" and cell.value == text, where
    return len(xlsx_rows)

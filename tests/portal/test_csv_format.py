"""Every real-world CSV variant maps to one schema, diacritics intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.portal import csv_format
from ingest.portal.schema import CANONICAL

LV_HEADER = "Kods;Iestāde;Periods;Kanāls;Pieprasījumu skaits;Nosaukums"
EN_HEADER = "service_code,institution_code,period,channel,requests,service_name"
LV_ROW = "EP72;VDI;2016-01;latvija.lv;30;Iesniegums Darba inspekcijai un atbildes saņemšana"
EN_ROW = "EP72,VDI,2016-01,portal,30,Iesniegums Darba inspekcijai un atbildes saņemšana"
NAME = "Iesniegums Darba inspekcijai un atbildes saņemšana"


def _write(tmp_path: Path, text: str, encoding: str, bom: bool = False) -> Path:
    path = tmp_path / "export.csv"
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def _rows(path: Path) -> list[dict[str, object]]:
    fmt = csv_format.sniff(path)
    columns = ["line_no", *CANONICAL, "parse_error"]
    return [dict(zip(columns, row, strict=True)) for row in csv_format.canonical_rows(path, fmt)]


@pytest.mark.parametrize(
    ("text", "encoding", "bom", "delimiter", "label"),
    [
        (f"{EN_HEADER}\n{EN_ROW}\n", "utf-8", False, ",", "UTF-8"),
        (f"{EN_HEADER}\r\n{EN_ROW}\r\n", "utf-8", True, ",", "UTF-8"),
        (f"{LV_HEADER}\n{LV_ROW}\n", "utf-8", True, ";", "UTF-8"),
        (f"{LV_HEADER}\r\n{LV_ROW}\r\n", "cp1257", False, ";", "Windows-1257"),
        (
            f"{EN_HEADER.replace(',', ';')}\n{EN_ROW.replace(',', ';')}\n",
            "cp1257",
            False,
            ";",
            "Windows-1257",
        ),
    ],
)
def test_variants_read_to_the_same_row(
    tmp_path: Path, text: str, encoding: str, bom: bool, delimiter: str, label: str
) -> None:
    path = _write(tmp_path, text, encoding, bom)
    fmt = csv_format.sniff(path)
    assert fmt.delimiter == delimiter
    assert fmt.label.startswith(label)
    (row,) = _rows(path)
    assert row["portal_service_code"] == "EP72"
    assert row["institution_code"] == "VDI"
    assert row["period"] == "2016-01"
    assert row["request_count"] == "30"
    assert row["service_name"] == NAME  # diacritics exactly as sent
    assert row["line_no"] == 2
    assert row["parse_error"] is None


def test_unknown_columns_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = _write(tmp_path, f"{EN_HEADER},Comment\n{EN_ROW},x\n", "utf-8")
    fmt = csv_format.sniff(path)
    assert fmt.warnings == ["export.csv: ignored unknown column(s): Comment"]
    assert _rows(path)[0]["request_count"] == "30"


def test_missing_required_columns_reject_the_file_naming_them(tmp_path: Path) -> None:
    path = _write(tmp_path, "service_code,period,service_name\nEP72,2016-01,x\n", "utf-8")
    with pytest.raises(csv_format.PortalFileError) as err:
        csv_format.sniff(path)
    assert "missing required column(s): institution_code, channel, request_count" in str(err.value)


def test_two_columns_meaning_the_same_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "code,kods,institution,period,channel,count\n", "utf-8")
    with pytest.raises(csv_format.PortalFileError, match="both mean portal_service_code"):
        csv_format.sniff(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "", "utf-8")
    with pytest.raises(csv_format.PortalFileError, match="empty"):
        csv_format.sniff(path)


def test_ragged_record_is_yielded_with_its_error(tmp_path: Path) -> None:
    path = _write(tmp_path, f"{EN_HEADER}\n{EN_ROW}\nEP72,VDI,2016-02\n\n{EN_ROW}\n", "utf-8")
    rows = _rows(path)
    assert [r["line_no"] for r in rows] == [2, 3, 5]  # the blank line 4 holds nothing
    assert rows[1]["parse_error"] == "expected 6 fields, found 3"
    assert rows[1]["portal_service_code"] == "EP72"


def test_quoted_field_with_newline_keeps_its_first_line_number(tmp_path: Path) -> None:
    text = f'{EN_HEADER}\nEP72,VDI,2016-01,portal,3,"two\nlines"\n{EN_ROW}\n'
    rows = _rows(_write(tmp_path, text, "utf-8"))
    assert [r["line_no"] for r in rows] == [2, 4]
    assert rows[0]["service_name"] == "two\nlines"

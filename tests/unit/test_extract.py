"""Versioned, atomic extract writing and the CSV / XLSX renderings (no database needed)."""

import io
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from publish import extract, extract_content, workbook
from publish.extract_content import HEADERS_LV
from tests.conftest import ROOT
from tests.xlsx_check import assert_sheets_equal_csv, assert_workbook_prints_and_works

COLUMNS = ["institution_code", "reporting_year", "service_key", "service_name_lv",
           "electronic_attainment", "actual_total_users", "electronic_status",
           "previous_year_electronic_requests", "is_synthetic",
           "previous_year_is_synthetic"]  # fmt: skip
TYPES = ("string", "integer", "string", "string", "number", "integer", "string", "integer",
         "boolean", "boolean")  # fmt: skip


def _table(attainment: str = "9.2362869198312236", name: str = "Izziņa") -> extract_content.Table:
    rows = [
        ("VDI", 2016, "VDI-07", name, Decimal(attainment), 3755, "met", 3000, False, True),
        ("VDI", 2016, "VDI-16", '=HYPERLINK("http://x")', None, 207, "no_forecast", None, False,
         None),
        ("VDI", 2016, "VDI-17", "-1+1", None, 1, "below_plan", None, False, None),
        ("VDI", 2016, "VDI-18", "@SUM(1)", None, 1, "below_plan", None, False, None),
        ("VDI", 2016, "VDI-19", "\t+cmd|' /C calc'!A0", None, 1, "below_plan", None, False, None),
        ("VDI", 2016, "VDI-20", "- a list item, 5 - 3", None, 1, "below_plan", None, False, None),
    ]  # fmt: skip
    return extract_content.Table(extract_content.INDICATORS, COLUMNS, rows, TYPES)


def _xlsx(table: extract_content.Table) -> bytes:
    return workbook.render([table], title="VDI 2016", facts=[("Iestāde", "VDI")])


def _files(table: extract_content.Table) -> dict[str, bytes]:
    return {
        "indicators.csv": extract_content.render_csv(table),
        "indicators.xlsx": _xlsx(table),
    }


FIELDS = {"institution_code": "VDI", "reporting_year": 2016, "is_synthetic": False}


def _write(tmp_path: Path, table: extract_content.Table, other=None) -> extract.ExtractResult:
    return extract.write(
        tmp_path / "2016" / "VDI", _files(table), other or {"report.html": b"<p>r</p>"}, FIELDS
    )


def test_csv_is_deterministic_and_exact() -> None:
    data = extract_content.render_csv(_table())
    assert data == extract_content.render_csv(_table())
    assert data.startswith(b"\xef\xbb\xbfinstitution_code,")  # UTF-8 BOM: Excel reads UTF-8
    assert data.decode("utf-8-sig").splitlines() == [
        ",".join(COLUMNS),
        "VDI,2016,VDI-07,Izziņa,9.2362869198312236,3755,met,3000,false,true",
        # OWASP CSV injection: text starting like a formula gets an apostrophe in front
        'VDI,2016,VDI-16,"\'=HYPERLINK(""http://x"")",,207,no_forecast,,false,',
        "VDI,2016,VDI-17,'-1+1,,1,below_plan,,false,",
        "VDI,2016,VDI-18,'@SUM(1),,1,below_plan,,false,",
        "VDI,2016,VDI-19,'\t+cmd|' /C calc'!A0,,1,below_plan,,false,",
        'VDI,2016,VDI-20,"\'- a list item, 5 - 3",,1,below_plan,,false,',
    ]
    assert extract.read_csv_rows(data)[0]["institution_code"] == "VDI"  # the BOM is no name


def test_csv_contract_names_every_column_with_its_type() -> None:
    schema = json.loads(extract_content.render_schema(_table(), {"service_key": "The key."}))
    assert schema["encoding"] == "utf-8-sig" and schema["path"] == "indicators.csv"
    fields = schema["schema"]["fields"]
    assert [(f["name"], f["type"]) for f in fields] == list(zip(COLUMNS, TYPES, strict=True))
    by_name = {f["name"]: f for f in fields}
    assert by_name["service_key"]["description"] == "The key."
    assert by_name["electronic_status"]["constraints"]["enum"] == sorted(
        ["met", "below_plan", "no_forecast", "no_data", "not_due"]
    )
    assert schema["schema"]["primaryKey"] == ["service_key"]


def test_every_export_column_is_described_in_dbt() -> None:
    """The CSV contract and the workbook's definitions read dbt's column docs."""
    from publish import national_extract

    described = {**extract_content.column_descriptions(), **national_extract.DESCRIPTIONS}
    for name in extract_content.HEADERS_LV:
        if name not in {"service_year_channel_id", "channel_group", "sort_order"}:
            assert described.get(name), name


def test_xlsx_is_byte_for_byte_reproducible() -> None:
    first = _xlsx(_table())
    time.sleep(1.1)  # a later second must not change the bytes (no timestamps inside)
    assert _xlsx(_table()) == first


def test_xlsx_reread_equals_the_csv_and_text_is_never_a_formula() -> None:
    from openpyxl import load_workbook

    table = _table()
    xlsx = _xlsx(table)
    csv_bytes = extract_content.render_csv(table)
    sheets = [workbook.INDICATORS_SHEET, workbook.CHECKS_SHEET]
    assert assert_sheets_equal_csv(xlsx, sheets, csv_bytes, "service_key") == 6 * (10 + 2)
    sheet = load_workbook(io.BytesIO(xlsx))["Rādītāji"]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    name = sheet.cell(row=3, column=2)  # service key first, then the name
    assert name.data_type == "s" and name.value == '\'=HYPERLINK("http://x")'


def test_xlsx_is_for_print_and_for_work() -> None:
    from openpyxl import load_workbook

    xlsx = _xlsx(_table())
    rows = assert_workbook_prints_and_works(xlsx)
    assert rows[workbook.INDICATORS_SHEET] == rows[workbook.CHECKS_SHEET] == 6
    sheet = load_workbook(io.BytesIO(xlsx))[workbook.INDICATORS_SHEET]
    header = [c.value for c in sheet[1]]
    status = sheet.cell(row=2, column=header.index("Statuss") + 1)
    assert status.value == "Plāns izpildīts"  # a Latvian label, not the code "met"
    attainment = sheet.cell(row=2, column=header.index(HEADERS_LV["electronic_attainment"]) + 1)
    assert attainment.number_format == "0.0%"
    synthetic = sheet.cell(row=2, column=header.index("Sintētiski dati") + 1)
    assert synthetic.value == "Nē"
    checks = load_workbook(io.BytesIO(xlsx))[workbook.CHECKS_SHEET]
    header = [c.value for c in checks[1]]
    previous = checks.cell(
        row=2, column=header.index(HEADERS_LV["previous_year_electronic_requests"]) + 1
    )
    assert previous.value == 3000 and previous.font.italic  # rests on a demo year: marked


def test_first_write_creates_v0001_with_verifiable_manifest(tmp_path: Path) -> None:
    result = _write(tmp_path, _table())
    assert (result.status, result.version) == ("written", 1)
    folder = tmp_path / "2016" / "VDI"
    assert os.readlink(folder / "latest") == "v0001"
    manifest = json.loads((folder / "latest" / "manifest.json").read_text())
    assert manifest["files"]["indicators.csv"]["identity"] is True
    assert manifest["files"]["report.html"]["identity"] is False
    assert extract.verify(folder / "v0001") == []
    assert manifest["previous_version"] is None and manifest["changes"] is None
    (folder / "v0001" / "indicators.csv").write_text("tampered")
    assert extract.verify(folder / "v0001") == [
        "indicators.csv: sha256 or size differs from the manifest"
    ]


def test_identical_rerun_makes_no_new_version(tmp_path: Path) -> None:
    first = _write(tmp_path, _table())
    again = _write(tmp_path, _table(), other={"report.html": b"<p>another report</p>"})
    assert (again.status, again.version) == ("unchanged", 1)
    assert again.manifest_sha256 == first.manifest_sha256
    assert extract.versions(tmp_path / "2016" / "VDI") == [1]


def test_changed_data_makes_the_next_version_listing_the_changes(tmp_path: Path) -> None:
    def changes(previous_dir: Path) -> dict:
        old = extract.read_csv_rows((previous_dir / "indicators.csv").read_bytes())
        new = extract.read_csv_rows(extract_content.render_csv(_table("9.5")))
        return extract.diff_rows(old, new, "service_key")

    _write(tmp_path, _table())
    folder = tmp_path / "2016" / "VDI"
    second = extract.write(folder, _files(_table("9.5")), {}, FIELDS, changes)
    assert (second.status, second.version) == ("written", 2)
    assert extract.versions(folder) == [1, 2]
    assert os.readlink(folder / "latest") == "v0002"
    manifest = json.loads((folder / "v0002" / "manifest.json").read_text())
    assert manifest["previous_version"] == 1
    assert manifest["changes"] == {
        "added": [],
        "removed": [],
        "changed": {"VDI-07": {"electronic_attainment": ["9.2362869198312236", "9.5"]}},
    }


def test_failure_mid_write_leaves_no_visible_version(tmp_path: Path, monkeypatch) -> None:
    calls = {"n": 0}
    real = extract._write_durably

    def crash_on_second_file(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(extract, "_write_durably", crash_on_second_file)
    with pytest.raises(extract.ExtractStorageError, match="disk full — free space"):
        _write(tmp_path, _table())
    folder = tmp_path / "2016" / "VDI"
    assert extract.versions(folder) == []
    assert not (folder / "latest").exists()
    assert list(folder.iterdir()) == []  # the temporary folder was removed too


_SLOW_WRITER = """
import sys, time
from pathlib import Path
from publish import extract
real = extract._write_durably
def slow(path, data):
    real(path, data)
    print("wrote", path.name, flush=True)
    time.sleep(30)
extract._write_durably = slow
extract.write(Path(sys.argv[1]), {"a.csv": b"1", "b.csv": b"2"}, {}, {})
"""


def test_killing_the_writer_mid_write_never_leaves_a_visible_half_extract(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "2016" / "VDI"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(folder)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("wrote a.csv")  # mid-write: one file of two
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    visible = [p.name for p in folder.iterdir() if not p.name.startswith(".")]
    assert visible == []  # no version, no latest
    assert extract.versions(folder) == []
    hidden = [p.name for p in folder.iterdir()]
    assert len(hidden) == 1 and hidden[0].startswith(".tmp-v0001-")

    result = extract.write(folder, {"a.csv": b"1", "b.csv": b"2"}, {}, {})
    assert (result.status, result.version) == ("written", 1)
    assert sorted(p.name for p in folder.iterdir()) == ["latest", "v0001"]  # debris removed
    assert extract.verify(folder / "v0001") == []

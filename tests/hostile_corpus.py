"""The hostile-input corpus: malformed and malicious files with the outcome each must get.

    python -m tests.hostile_corpus          # rewrite tests/fixtures/hostile/ (then commit)

Every file is built here, deterministically, from the real VDI examples (so a file that should
be accepted carries exactly the real 2016 figures and leaves the marts as they were), and
listed in ``tests/fixtures/hostile/manifest.json`` with its expected outcome and the words its
receipt or batch message must contain. ``test_hostile_corpus`` (in the end-to-end module) runs
them all in one pass of the real DAGs; a unit test checks the committed files equal these.

Kinds of file: ``intake`` (dropped in the intake inbox; outcome of ``raw.intake_files``) and
``portal`` (dropped in the portal drop folder; status of its ``audit.load_batches`` row).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest import xlsx
from ingest.intake.schema import PLAN, SUBMISSION
from ingest.intake.templates import EXAMPLES_DIR, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "tests" / "fixtures" / "hostile"
MANIFEST = CORPUS_DIR / "manifest.json"


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # intake | portal
    threat: str  # what the file tries
    outcome: str  # intake: accepted… / rejected / …; portal: loaded / failed / held
    says: list[str] = field(default_factory=list)  # words the receipt / batch message contains
    rows_loaded: int | None = None  # portal: rows expected in raw
    rows_quarantined: int | None = None


# -- the real examples -----------------------------------------------------------------------
def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def submission() -> list[list[str]]:
    """Header + 16 rows: the real VDI 2016 submission."""
    return _csv_rows(EXAMPLES_DIR / "VDI_submission_2016.csv")


def plan() -> list[list[str]]:
    return _csv_rows(EXAMPLES_DIR / "VDI_plan_2012.csv")


SUB = {c.key: i for i, c in enumerate(SUBMISSION.columns)}
PLN = {c.key: i for i, c in enumerate(PLAN.columns)}


def to_csv(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue()


def edited(rows: list[list[str]], row: int, column: int, value: str) -> list[list[str]]:
    """A copy with data row ``row`` (0 = first data row), ``column`` set to ``value``."""
    copy = [list(r) for r in rows]
    copy[row + 1][column] = value
    return copy


def _typed(template, rows: list[list[str]]) -> list[list[object]]:
    return [
        [int(v) if c.kind in ("count", "year") and v.isdigit() else v
         for c, v in zip(template.columns, r, strict=True)]
        for r in rows
    ]  # fmt: skip


def workbook(rows: list[list[str]], template=SUBMISSION) -> bytes:
    """The rows as the template workbook (sheet "Dati" + instructions)."""
    return xlsx_bytes(template, _typed(template, rows[1:]))


def _rezip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, replace.get(info.filename, src.read(info.filename)))
        for name, content in (add or {}).items():
            fixed = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, content)
    return out.getvalue()


def _sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml")


def blank_rows_workbook(rows: int, dimension: bool) -> bytes:
    """The real submission's workbook whose data sheet has ``rows`` empty rows after it."""
    base = workbook(submission())
    sheet = _sheet_xml(base)
    blanks = b"".join(b'<row r="%d"/>' % r for r in range(18, 18 + rows))
    sheet = sheet.replace(b"</sheetData>", blanks + b"</sheetData>")
    sheet = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:P%d"/>' % (17 + rows)
                   if dimension else b"", sheet)  # fmt: skip
    return _rezip(base, {"xl/worksheets/sheet1.xml": sheet})


def huge_note_workbook(chars: int) -> bytes:
    """The real submission's workbook with a note of ``chars`` characters written straight into
    the sheet XML (Excel caps a cell at 32 767; a crafted file does not)."""
    base = workbook(submission())
    sheet = _sheet_xml(base)
    cell = b'<c r="P2" t="inlineStr"><is><t>' + b"A" * chars + b"</t></is></c>"
    sheet = re.sub(rb'<c r="P2"[^>]*>.*?</c>', lambda _m: cell, sheet, count=1, flags=re.S)
    assert len(sheet) > chars
    return _rezip(base, {"xl/worksheets/sheet1.xml": sheet})


def macro_workbook() -> bytes:
    base = workbook(submission())
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        types = z.read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Attribute VB_Name = "Module1"\nSub AutoOpen()\n'
    return _rezip(base, {"[Content_Types].xml": types}, {"xl/vbaProject.bin": vba})


def sheets_workbook(order: list[str]) -> bytes:
    """The real submission on a sheet named by ``order`` (data under the name "Dati" or the
    first name), the other names holding the instructions."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    rows = submission()
    for name in order:
        sheet = wb.create_sheet(name)
        if name in ("Dati", order[-1]) and name != "Norādījumi":
            sheet.append(rows[0])
            for r in _typed(SUBMISSION, rows[1:]):
                sheet.append(r)
        else:
            sheet.append(["Kolonna", "Column", "Norādījumi"])
            sheet.append(["Iestādes kods", "Institution code", "Iestādes īsais kods"])
    return xlsx.to_bytes(wb)


def formula_workbook(cell_formula: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = "Dati"
    rows = submission()
    sheet.append(rows[0])
    for r in _typed(SUBMISSION, rows[1:]):
        sheet.append(r)
    sheet.cell(row=2, column=SUB["submitter_name"] + 1).value = cell_formula  # a real formula
    return xlsx.to_bytes(wb)


def number_workbook(value: int) -> bytes:
    rows = _typed(SUBMISSION, submission()[1:])
    rows[0][SUB["total_users"]] = value
    return xlsx_bytes(SUBMISSION, rows)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
    b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)


# -- the portal ------------------------------------------------------------------------------
PORTAL_HEADER = "service_code,service_name,institution_code,period,channel,requests,is_synthetic"


def demo_month() -> str:
    """The SYNTHETIC demo export of VDI for March 2016, exactly as `make run` loads it."""
    import tempfile

    from ingest.portal.synthetic import write_vdi_demo

    with tempfile.TemporaryDirectory() as tmp:
        paths = write_vdi_demo(ROOT / "data" / "reference", Path(tmp))
        return next(p for p in paths if p.name.endswith("2016-03.csv")).read_text("utf-8")


def hostile_rows(*rows: str) -> str:
    """Rows for the institution HOSTILE (no plan), 2020. A file replaces the months it holds,
    so each file whose valid rows load uses a month of its own."""
    return PORTAL_HEADER + "\n" + "".join(r + "\n" for r in rows)


def _ok(code: str = "HX01", count: str = "5", period: str = "2020-01", inst: str = "HOSTILE",
        name: str = "Hostile test", channel: str = "portal") -> str:  # fmt: skip
    return f"{code},{name},{inst},{period},{channel},{count},true"


# -- the cases -------------------------------------------------------------------------------
def cases() -> list[tuple[Case, Callable[[], bytes]]]:
    sub, pln = submission(), plan()
    sub_csv = to_csv(sub)
    long_name = "i12_" + "garš_nosaukums_" * 15 + ".csv"
    out: list[tuple[Case, Callable[[], bytes]]] = []

    def intake(name, threat, outcome, says, build):
        out.append((Case(name, "intake", threat, outcome, says), build))

    def portal(name, threat, outcome, says, build, loaded=None, quarantined=None):
        out.append((Case(name, "portal", threat, outcome, says, loaded, quarantined), build))

    accepted = "accepted_with_warnings"  # the real submission has no e-mail: one warning
    # Encodings and bytes
    intake(
        "i01_utf16_bom.csv",
        "UTF-16 with a BOM",
        accepted,
        ["VDI"],
        lambda: sub_csv.encode("utf-16"),
    )
    intake(
        "i02_utf16_no_bom.csv",
        "UTF-16 without a BOM",
        "rejected",
        ["UTF-16 without a byte-order mark"],
        lambda: sub_csv.encode("utf-16-le"),
    )
    intake("i03_utf32.csv", "UTF-32 with a BOM", accepted, [], lambda: sub_csv.encode("utf-32"))
    intake(
        "i04_nul_in_note.csv",
        "a NUL byte in a note",
        "rejected",
        ["a NUL character on line 3"],
        lambda: to_csv(edited(sub, 1, SUB["notes"], "piezīme\x00x")).encode(),
    )
    intake(
        "i05_stray_byte.csv",
        "one stray byte in UTF-8",
        "rejected",
        ["byte 0xFF on line 4", "not valid UTF-8"],
        lambda: to_csv(sub[:3]).encode() + b"\xff" + to_csv(sub[3:]).encode(),
    )
    intake(
        "i06_windows_1257.csv",
        "Windows-1257 (Excel on a Latvian PC)",
        accepted,
        [],
        lambda: sub_csv.encode("cp1257"),
    )
    intake(
        "i07_beyond_int4.csv",
        "a count of 20 digits",
        "rejected",
        ["number too large"],
        lambda: to_csv(edited(sub, 0, SUB["total_users"], "99999999999999999999")).encode(),
    )
    intake(
        "i08_3e9.xlsx",
        "3 000 000 000 as a number in XLSX",
        "rejected",
        ["number too large"],
        lambda: number_workbook(3_000_000_000),
    )
    intake("i09_code_300_chars.csv", "a 300-character institution code", "rejected",
           ["not a valid institution code"],
           lambda: to_csv([sub[0]] + [[("V" * 300) if i == 0 else v for i, v in enumerate(r)]
                                      for r in sub[1:]]).encode())  # fmt: skip
    intake(
        "i10_huge_field.csv",
        "a 200 000-character note",
        "rejected",
        ["longer than 5000 characters"],
        lambda: to_csv(edited(sub, 0, SUB["notes"], "x" * 200_000)).encode(),
    )
    intake(
        "i11_broken_sheet.xlsx",
        "a workbook with broken sheet XML",
        "rejected",
        ["cannot be read"],
        lambda: _rezip(
            workbook(sub),
            {"xl/worksheets/sheet1.xml": _sheet_xml(workbook(sub))[:700] + b"<row><c"},
        ),
    )
    intake(
        long_name, "a 240-byte file name", accepted, ["VDI"], lambda: (sub_csv + "\n\n").encode()
    )
    intake(
        "i13_path_traversal.csv",
        "institution code ../../../../X",
        "rejected",
        ["not a valid institution code"],
        lambda: to_csv([sub[0]] + [["../../../../X", *r[1:]] for r in sub[1:]]).encode(),
    )
    intake(
        "i14_formula_minus.csv",
        "'-1+1' as a note",
        "rejected",
        ["starts like a spreadsheet formula"],
        lambda: to_csv(edited(sub, 0, SUB["notes"], "-1+1")).encode(),
    )
    intake(
        "i15_formula_cmd_plan.xlsx",
        "a plan whose service name is a DDE payload",
        "rejected",
        ["starts like a spreadsheet formula"],
        lambda: workbook(edited(pln, 2, PLN["service_name"], "-2+3+cmd|' /C calc'!A0"), PLAN),
    )
    intake(
        "i16_thousands_comma.csv",
        "3,000 for a count",
        "rejected",
        ["ambiguous number"],
        lambda: to_csv(edited(sub, 6, SUB["total_users"], "3,755")).encode(),
    )
    intake(
        "i17_thousands_dot.csv",
        "1.000 for a count",
        "rejected",
        ["ambiguous number"],
        lambda: to_csv(edited(sub, 0, SUB["total_users"], "4.441")).encode(),
    )
    intake(
        "i18_grouped_space.csv",
        "4 441 with a space and NBSP",
        accepted,
        [],
        lambda: to_csv(
            edited(edited(sub, 0, SUB["total_users"], "4 441"), 6, SUB["total_users"], "3\u00a0755")
        ).encode(),
    )
    intake("i19_duplicate_header.csv", "the total column twice, the second blank", "rejected",
           ["appears twice"],
           lambda: to_csv([[*sub[0], sub[0][SUB["total_users"]]]] + [[*r, ""] for r in sub[1:]]
                          ).encode())  # fmt: skip
    intake("i20_missing_column.csv", "the service key column missing", "rejected",
           ["missing required column(s): 'Pakalpojuma atslēga'"],
           lambda: to_csv([r[: SUB["service_key"]] + r[SUB["service_key"] + 1:]
                           for r in sub]).encode())  # fmt: skip
    intake(
        "i21_instructions_first.xlsx",
        "instructions as the first sheet",
        accepted,
        ["Lapa / Sheet:            Dati"],
        lambda: sheets_workbook(["Norādījumi", "Dati"]),
    )
    intake(
        "i22_no_data_sheet.xlsx",
        "two sheets, neither named Dati",
        "rejected",
        ["no sheet named 'Dati'"],
        lambda: sheets_workbook(["Norādījumi", "Tabula"]),
    )
    intake("i23_empty.csv", "0 bytes", "rejected", ["the file is empty (0 bytes)"], lambda: b"")
    intake(
        "i24_empty.xlsx",
        "0 bytes named .xlsx",
        "rejected",
        ["the file is empty (0 bytes)"],
        lambda: b"",
    )
    intake(
        "..i25_dotdot_name.csv",
        "a name starting with ..",
        accepted,
        [],
        lambda: sub_csv.replace("\n", "\r\n").encode(),
    )
    intake(
        "i26_stray_quote.csv",
        "a stray quote mid-file",
        "rejected",
        ["row 4", "check the quotes on that row"],
        lambda: (
            to_csv(sub[:3]).encode()
            + b'VDI,2016,"Valsts darba,,VDI-03,1,1\n'
            + to_csv(sub[4:]).encode()
        ),
    )
    intake(
        "i27_zip_bomb_note.xlsx",
        "74 KB expanding to a 67-million-character note",
        "rejected",
        ["the workbook expands to"],
        lambda: huge_note_workbook(67_000_000),
    )
    intake(
        "i28_300k_blank_rows.xlsx",
        "300 000 blank rows (dimension given)",
        "rejected",
        ["more than 20000 rows"],
        lambda: blank_rows_workbook(300_000, True),
    )
    intake(
        "i29_blank_rows_no_dimension.xlsx",
        "50 000 blank rows, no dimension",
        "rejected",
        ["more than 20000 rows"],
        lambda: blank_rows_workbook(50_000, False),
    )
    intake(
        "i30_macros.xlsx",
        "a macro-enabled workbook renamed .xlsx",
        "rejected",
        ["contains macros"],
        macro_workbook,
    )
    intake(
        "i31_csv_named_xlsx.xlsx",
        "a CSV renamed .xlsx",
        "rejected",
        ["not a zip"],
        lambda: to_csv(sub, delimiter=";").encode(),
    )
    intake(
        "i32_report.pdf",
        "a PDF",
        "rejected",
        ["unsupported file type .pdf"],
        lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    intake(
        "i33_sql_in_note.csv",
        "SQL in a note",
        accepted,
        [],
        lambda: to_csv(
            edited(sub, 0, SUB["notes"], "x'); drop table raw.intake_files; --")
        ).encode(),
    )
    intake(
        "i34_negative.csv",
        "a negative count",
        "rejected",
        ["negative number"],
        lambda: to_csv(edited(sub, 0, SUB["electronic_requests"], "-331")).encode(),
    )
    intake(
        "i35_fraction.csv",
        "a fractional count",
        "rejected",
        ["fractional number"],
        lambda: to_csv(edited(sub, 0, SUB["electronic_requests"], "331.5")).encode(),
    )
    intake(
        "i36_e_over_total.csv",
        "more electronic requests than the total",
        "rejected",
        ["exceed the total"],
        lambda: to_csv(edited(sub, 1, SUB["electronic_requests"], "999")).encode(),
    )
    intake(
        "i37_unknown_service.csv",
        "a service not in the plan",
        "rejected",
        ["unknown service"],
        lambda: to_csv(edited(sub, 15, SUB["service_key"], "VDI-99")).encode(),
    )
    intake(
        "i38_outside_window.csv",
        "a year outside the window",
        "rejected",
        ["outside VDI's monitoring window"],
        lambda: to_csv([sub[0]] + [[r[0], "2024", *r[2:]] for r in sub[1:]]).encode(),
    )
    intake(
        "i39_two_institutions.csv",
        "two institutions in one file",
        "rejected",
        ["one file holds one institution"],
        lambda: to_csv(edited(sub, 3, SUB["institution_code"], "VARAM")).encode(),
    )
    intake(
        "i40_extra_cells.csv",
        "more cells than columns",
        "rejected",
        ["more cells than header columns"],
        lambda: to_csv([sub[0], [*sub[1], "extra"], *sub[2:]]).encode(),
    )
    intake(
        "i41_duplicate_service.csv",
        "one service twice",
        "rejected",
        ["duplicate"],
        lambda: to_csv(edited(sub, 1, SUB["service_key"], "VDI-01")).encode(),
    )
    intake(
        "i42_plan_correction.csv",
        "a corrected plan (must become version 2)",
        "accepted",
        ["Versija / Version:       2"],
        lambda: to_csv(pln, newline="\r\n").encode(),
    )
    intake(
        "i43_semicolon_bom.csv",
        "UTF-8 BOM, ';' separated",
        accepted,
        [],
        lambda: codecs.BOM_UTF8 + to_csv(sub, delimiter=";").encode(),
    )
    intake(
        "i44_header_only.csv",
        "a header and nothing else",
        "rejected",
        ["the file has no data rows"],
        lambda: to_csv(sub[:1]).encode(),
    )
    intake(
        "i45_english_headers.csv",
        "English headers",
        accepted,
        [],
        lambda: to_csv([[c.header_en for c in SUBMISSION.columns], *sub[1:]]).encode(),
    )
    intake(
        "i46_html.csv",
        "an HTML page saved as CSV",
        "rejected",
        ["the first row is not the header"],
        lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n",
    )
    intake(
        "i47_random_bytes.csv",
        "random binary bytes",
        "rejected",
        ["not plain text"],  # its first bad byte is a NUL (byte 8)
        lambda: bytes((i * 7919 + 13) % 251 for i in range(4000)),
    )
    intake(
        "i48_real_formula.xlsx",
        "a real formula cell (=HYPERLINK)",
        "rejected",
        ["starts like a spreadsheet formula"],
        lambda: formula_workbook('=HYPERLINK("http://x.example","klikšķini")'),
    )
    intake(
        "i49_tab_start.csv",
        "a note starting with a tab",
        "rejected",
        ["starts like a spreadsheet formula"],
        lambda: to_csv(edited(sub, 0, SUB["notes"], "\t=1+1")).encode(),
    )
    intake(
        "i50_cr_only_lines.csv",
        "old Mac line ends (CR only)",
        accepted,
        [],
        lambda: to_csv(sub, newline="\r").encode(),
    )
    intake(
        "i51_at_formula.csv",
        "'@SUM(1+1)*cmd' as a submitter",
        "rejected",
        ["starts like a spreadsheet formula"],
        lambda: to_csv(edited(sub, 0, SUB["submitter_name"], "@SUM(1+1)*cmd")).encode(),
    )
    intake(
        "i52_plan_other_institution.csv",
        "a plan whose service key names another institution",
        "rejected",
        ["service key must start with VDI-"],
        lambda: to_csv(edited(pln, 0, PLN["service_key"], "VARAM-01")).encode(),
    )
    intake(
        "i53_xml_entities.xlsx",
        "a sheet declaring XML entities (billion laughs)",
        "rejected",
        ["DOCTYPE"],
        lambda: _rezip(
            workbook(sub),
            {
                "xl/worksheets/sheet1.xml": BILLION_LAUGHS
                + _sheet_xml(workbook(sub)).replace(b"<t>VDI</t>", b"<t>&lol2;</t>", 1)
            },
        ),
    )
    intake(
        "i54_unterminated_quote.csv",
        "a quote opened on the last row, never closed",
        "rejected",
        ["row 18", "is never closed"],
        lambda: (sub_csv + 'VDI,2016,"Valsts darba,,VDI-03,1,1\n').encode(),
    )

    demo = demo_month()
    # Portal exports
    portal(
        "p01_one_row_replaces_month.csv",
        "one row replacing all of VDI's March 2016",
        "held",
        ["HELD, not applied", "VDI month 2016-03-01"],
        lambda: (PORTAL_HEADER + "\n" + demo.splitlines()[1] + "\n").encode(),
    )
    portal(
        "p02_utf16_copy.csv",
        "VDI March 2016 again, as UTF-16",
        "loaded",
        [],
        lambda: demo.encode("utf-16"),
        loaded=len(demo.splitlines()) - 1,
        quarantined=0,
    )
    portal(
        "p03_nul.csv",
        "a NUL byte",
        "failed",
        ["a NUL character on line 2"],
        lambda: hostile_rows(_ok(name="x\x00y")).encode(),
    )
    portal(
        "p04_stray_byte.csv",
        "a stray byte in UTF-8",
        "failed",
        ["byte 0xFE", "not valid"],
        lambda: hostile_rows(_ok(name="Ārlietas")).encode() + b"\xfe\n",
    )
    portal(
        "p05_utf16_no_bom.csv",
        "UTF-16 without a BOM",
        "failed",
        ["UTF-16 without"],
        lambda: hostile_rows(_ok()).encode("utf-16-le"),
    )
    portal(
        "p06_thousands.csv",
        "1,000 and 2.000 as counts",
        "loaded",
        ["ambiguous number"],
        lambda: hostile_rows(_ok(count='"1,000"'), _ok(count="2.000", channel="api")).encode(),
        loaded=0,
        quarantined=2,
    )
    portal(
        "p07_future.csv",
        "a period in 2099",
        "loaded",
        ["period after today"],
        lambda: hostile_rows(_ok(period="2099-01")).encode(),
        loaded=0,
        quarantined=1,
    )
    portal(
        "p08_sql_institution.csv",
        "SQL text as the institution code",
        "loaded",
        ["not a valid institution code"],
        lambda: hostile_rows(_ok(inst='"VDI\'; drop table raw.portal_requests; --"')).encode(),
        loaded=0,
        quarantined=1,
    )
    portal(
        "p09_path_institution.csv",
        "../../X as the institution code",
        "loaded",
        ["not a valid institution code"],
        lambda: hostile_rows(_ok(inst="../../X")).encode(),
        loaded=0,
        quarantined=1,
    )
    portal(
        "p10_20_digits.csv",
        "a count of 20 digits",
        "loaded",
        ["number too large"],
        lambda: hostile_rows(_ok(count="99999999999999999999")).encode(),
        loaded=0,
        quarantined=1,
    )
    portal(
        "p11_long_name.csv",
        "a 5 000-character service name",
        "loaded",
        ["longer than 1000 characters"],
        lambda: hostile_rows(_ok(name="N" * 5000), _ok(code="HX02", period="2020-02")).encode(),
        loaded=1,
        quarantined=1,
    )
    portal(
        "p12_unterminated_quote.csv",
        "an unterminated quote",
        "loaded",
        ["never closed"],
        lambda: hostile_rows(
            _ok(period="2020-03"),
            '"HX02,Never closed,HOSTILE,2020-03,portal,5,true',
            _ok(code="HX03"),
        ).encode(),
        loaded=1,
        quarantined=1,
    )
    portal(
        "p13_missing_column.csv",
        "no requests column",
        "failed",
        ["missing required column(s): request_count"],
        lambda: b"service_code,institution_code,period,channel\nHX01,HOSTILE,2020-01,portal\n",
    )
    portal("p14_duplicate_header.csv", "two columns meaning requests", "failed", ["both mean"],
           lambda: b"service_code,institution_code,period,channel,requests,skaits\n"
                   b"HX01,HOSTILE,2020-01,portal,5,\n")  # fmt: skip
    portal("p15_empty.csv", "0 bytes", "failed", ["the file is empty"], lambda: b"")
    portal(
        "p16_negative_and_fraction.csv",
        "-5 and 2.5",
        "loaded",
        ["negative number", "fractional number"],
        lambda: hostile_rows(_ok(count="-5"), _ok(count="2.5", channel="api")).encode(),
        loaded=0,
        quarantined=2,
    )
    portal("p17_bad_dates.csv", "2016-02-30 and 31.13.2016", "loaded", ["impossible date"],
           lambda: hostile_rows(_ok(period="2016-02-30"), _ok(period="31.13.2016", channel="api")
                                ).encode(), loaded=0, quarantined=2)  # fmt: skip
    portal(
        "p18_binary.csv",
        "random binary bytes",
        "failed",
        ["not plain text"],  # its first bad byte is a NUL (byte 8)
        lambda: bytes((i * 7919 + 13) % 251 for i in range(4000)),
    )
    portal(
        "p19_header_only.csv",
        "a header and nothing else",
        "loaded",
        [],
        lambda: (PORTAL_HEADER + "\n").encode(),
        loaded=0,
        quarantined=0,
    )
    portal(
        "p20_html.csv",
        "an HTML error page",
        "failed",
        ["missing required column"],
        lambda: b"<html><body><h1>502 Bad Gateway</h1></body></html>\n",
    )
    portal(
        "p21_formula_name.csv",
        "a DDE payload as a code",
        "loaded",
        ["not a valid portal service code"],
        lambda: hostile_rows(_ok(code="=cmd|' /C calc'!A0")).encode(),
        loaded=0,
        quarantined=1,
    )
    portal(
        "p22_duplicates.csv",
        "the same key twice",
        "loaded",
        ["duplicate of line 2"],
        lambda: hostile_rows(_ok(period="2020-04"), _ok(count="6", period="2020-04")).encode(),
        loaded=1,
        quarantined=1,
    )
    return out


def build(target: Path = CORPUS_DIR) -> dict[str, bytes]:
    """Every corpus file's bytes by relative path, and the manifest."""
    files: dict[str, bytes] = {}
    manifest = []
    for case, make in cases():
        files[f"{case.kind}/{case.name}"] = make()
        manifest.append(asdict(case))
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    return files


def main() -> int:
    for relative, data in build().items():
        path = CORPUS_DIR / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"wrote {len(cases())} files and manifest.json to {CORPUS_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

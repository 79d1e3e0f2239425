"""The extract's XLSX, for print and for work.

Sheets: "Par datiem" (cover: institution, year, sources, real or synthetic, definitions,
contact), "Rādītāji" (the indicators people read), "Pārbaudes dati" (what the gate checked
them against), "Kanālu sadalījums" (a row per service, a column per channel) and
"Definīcijas" (each Latvian header and label beside the CSV's column name and code).

Every data sheet prints on A4 landscape fitted to the page width with its header row repeated,
has frozen panes, an autofilter, wrapped headers, column widths and number formats
(percentages, whole numbers); codes become Latvian labels and booleans Jā/Nē. Together the
indicator sheets hold exactly the CSV's columns (a test re-reads them against it). Figures of a
real row that rest on demo data (a synthetic previous year, base year or portal count) are
italic grey, as the cover explains. Only values derived from the data are written — no time,
no version — so the same data gives the same bytes (``ingest.xlsx.to_bytes``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ingest import rules
from publish import labels, provenance
from publish.extract_content import HEADERS_LV, Table

COVER_SHEET = "Par datiem"
INDICATORS_SHEET = "Rādītāji"
CHECKS_SHEET = "Pārbaudes dati"
CHANNELS_SHEET = "Kanālu sadalījums"
DEFINITIONS_SHEET = "Definīcijas"

# The gate's evidence: on their own sheet, so the indicators fit an A4 landscape page.
CHECK_COLUMNS = (
    "institution_code",
    "reporting_year",
    "portal_service_code",
    "base_year",
    "window_last_year",
    "portal_electronic_requests",
    "electronic_reported_minus_portal",
    "electronic_deviation_from_portal",
    "channel_parts_sum",
    "previous_year_total_users",
    "previous_year_electronic_requests",
    "total_users_yoy_factor",
    "electronic_yoy_factor",
    "portal_is_synthetic",
    "previous_year_is_synthetic",
    "growth_vs_base_is_synthetic",
)
KEY_COLUMNS = ("service_key", "service_name_lv")  # repeated on both sheets, to find a row
LEAD_COLUMNS = ("service_no", "service_key", "service_name_lv")  # first, frozen

PERCENT_COLUMNS = {
    "forecast_electronic_share",
    "electronic_share",
    "total_attainment",
    "electronic_attainment",
    "electronic_growth_vs_base",
    "electronic_deviation_from_portal",
    "share_of_total",
}
FACTOR_COLUMNS = {"total_users_yoy_factor", "electronic_yoy_factor"}
PLAIN_NUMBER_COLUMNS = {  # years, numbers of order: no thousands separator
    "reporting_year",
    "base_year",
    "window_last_year",
    "service_no",
    "below_plan_rank",
    "sort_order",
    "extract_version",
}
WIDE_TEXT = {
    "service_name_lv": 34,
    "planned_activities_lv": 44,
    "activities_done_lv": 30,
    "institution_name_lv": 30,
    "refusal_reasons": 60,
}
CODE_COLUMNS = labels.CODE_LISTS

FORMAT_PERCENT = "0.0%"
FORMAT_FACTOR = "0.00"
FORMAT_COUNT = "#,##0"
FORMAT_PLAIN = "0"
FORMAT_TEXT = "@"


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="BFBFBF")
    return {
        "header_font": Font(bold=True),
        "header_fill": PatternFill("solid", fgColor="E7EEF5"),
        "header_align": Alignment(wrap_text=True, vertical="top"),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "top": Alignment(vertical="top"),
        "border": Border(bottom=thin),
        "demo_font": Font(italic=True, color="7F7F7F"),
        "title_font": Font(bold=True, size=14),
        "bold": Font(bold=True),
    }


def _excel_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _number_format(column: str, value: Any) -> str:
    if column in PERCENT_COLUMNS:
        return FORMAT_PERCENT
    if column in FACTOR_COLUMNS:
        return FORMAT_FACTOR
    if column in PLAIN_NUMBER_COLUMNS:
        return FORMAT_PLAIN
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return "0.00"
    return FORMAT_COUNT


def _set_text(cell: Any, text: str) -> None:
    """Text stays text: cell type ``s`` and the text format, never evaluated; text starting
    like a formula gets an apostrophe in front, as in the CSV (OWASP)."""
    cell.value = rules.neutralise_formula(text)
    cell.data_type = "s"
    cell.number_format = FORMAT_TEXT


def _width(column: str) -> float:
    if column in WIDE_TEXT:
        return WIDE_TEXT[column]
    if column in CODE_COLUMNS:
        return 16
    if column in PLAIN_NUMBER_COLUMNS:
        return 8
    return 12


def _print_setup(sheet: Any, title: str, columns: int, frozen: str) -> None:
    """A4 landscape, one page wide, header row on every page, page numbers."""
    from openpyxl.utils import get_column_letter

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddHeader.center.text = title
    sheet.oddFooter.center.text = "&P / &N"
    sheet.freeze_panes = frozen
    if sheet.max_row >= 1:
        sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(sheet.max_row, 1)}"


def _header(sheet: Any, names: Sequence[str], styles: dict) -> None:
    from openpyxl.utils import get_column_letter

    for col, name in enumerate(names, start=1):
        cell = sheet.cell(row=1, column=col)
        _set_text(cell, HEADERS_LV.get(name, name))
        cell.font = styles["header_font"]
        cell.fill = styles["header_fill"]
        cell.alignment = styles["header_align"]
        sheet.column_dimensions[get_column_letter(col)].width = _width(name)
    sheet.row_dimensions[1].height = 58


def _write_value(cell: Any, column: str, value: Any, styles: dict) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        _set_text(cell, labels.yes_no(value) or "")
    elif column in CODE_COLUMNS:
        _set_text(cell, labels.label(CODE_COLUMNS[column], value))
    elif isinstance(value, str):
        _set_text(cell, value)
        if column in WIDE_TEXT:
            cell.alignment = styles["wrap"]
    else:
        cell.value = _excel_number(value)
        cell.number_format = _number_format(column, value)


def _data_sheet(
    workbook: Any,
    name: str,
    title: str,
    columns: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    styles: dict,
    frozen: str,
) -> None:
    sheet = workbook.create_sheet(name)
    _header(sheet, columns, styles)
    for r, record in enumerate(records, start=2):
        for c, column in enumerate(columns, start=1):
            cell = sheet.cell(row=r, column=c)
            _write_value(cell, column, record.get(column), styles)
            if cell.alignment is None or not cell.alignment.wrap_text:
                cell.alignment = styles["top"]
            if provenance.OWN in record and provenance.derived_from_demo(record, column):
                cell.font = styles["demo_font"]
    _print_setup(sheet, title, len(columns), frozen)


def _indicator_sheets(workbook: Any, table: Table, title: str, styles: dict) -> None:
    records = table.records()
    checks = [c for c in table.columns if c in CHECK_COLUMNS]
    keys = [c for c in KEY_COLUMNS if c in table.columns]
    lead = [c for c in LEAD_COLUMNS if c in table.columns]
    main = lead + [c for c in table.columns if c not in CHECK_COLUMNS and c not in lead]
    frozen = f"{chr(65 + len(lead))}2"
    _data_sheet(workbook, INDICATORS_SHEET, title, main, records, styles, frozen)
    if checks:
        _data_sheet(
            workbook,
            CHECKS_SHEET,
            title,
            [*keys, *checks],
            records,
            styles,
            f"{chr(65 + len(keys))}2",
        )


def channel_matrix(channel_mix: Table) -> tuple[list[str], list[dict[str, Any]]]:
    """The channel mix compact: a row per service, a column per channel holding the number,
    or the state ("nav norādīts", "nav piemērojams") where there is none."""
    channels: list[str] = []
    by_service: dict[str, dict[str, Any]] = {}
    for row in channel_mix.records():
        if row["channel"] not in channels:
            channels.append(row["channel"])
        entry = by_service.setdefault(
            row["service_key"],
            {
                "service_key": row["service_key"],
                "reporting_year": row["reporting_year"],
                "reported_total_users": row["reported_total_users"],
                "is_synthetic": row["is_synthetic"],
            },
        )
        if row["count_state"] in ("value", "derived"):
            entry[row["channel"]] = row["requests"]
        else:
            entry[row["channel"]] = labels.label(labels.COUNT_STATE, row["count_state"])
    columns = ["service_key", "reporting_year", "reported_total_users", *channels, "is_synthetic"]
    return columns, list(by_service.values())


def _channel_sheet(workbook: Any, channel_mix: Table, title: str, styles: dict) -> None:
    from openpyxl.utils import get_column_letter

    columns, records = channel_matrix(channel_mix)
    sheet = workbook.create_sheet(CHANNELS_SHEET)
    _header(sheet, columns, styles)
    for col, name in enumerate(columns, start=1):
        if name in labels.CHANNEL:
            _set_text(sheet.cell(row=1, column=col), labels.label(labels.CHANNEL, name))
            sheet.column_dimensions[get_column_letter(col)].width = 14
    for r, record in enumerate(records, start=2):
        for c, column in enumerate(columns, start=1):
            cell = sheet.cell(row=r, column=c)
            value = record.get(column)
            if column in labels.CHANNEL and isinstance(value, str):
                _set_text(cell, value)
            else:
                _write_value(cell, column, value, styles)
    _print_setup(sheet, title, len(columns), "B2")


def _cover(
    workbook: Any,
    title: str,
    facts: Sequence[tuple[str, Any]],
    sources: Sequence[Mapping[str, Any]],
    styles: dict,
) -> None:
    sheet = workbook.create_sheet(COVER_SHEET, 0)
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 95
    _set_text(sheet.cell(row=1, column=1), title)
    sheet.cell(row=1, column=1).font = styles["title_font"]
    row = 3
    for label_text, value in facts:
        _set_text(sheet.cell(row=row, column=1), label_text)
        sheet.cell(row=row, column=1).font = styles["bold"]
        sheet.cell(row=row, column=1).alignment = styles["top"]
        cell = sheet.cell(row=row, column=2)
        _set_text(cell, "" if value is None else str(value))
        cell.alignment = styles["wrap"]
        row += 1
    row += 1
    _set_text(sheet.cell(row=row, column=1), "Avoti (ielādes partijas)")
    sheet.cell(row=row, column=1).font = styles["bold"]
    # The files, not the load batches: reloading the same files must not change these bytes
    # (batch ids and checksums are in the manifest).
    files: dict[str, list[str]] = {}
    for source in sources:
        name = str(source.get("source_uri") or "").rsplit("/", 1)[-1]
        version = f" (versija {source['version']})" if source.get("version") else ""
        synthetic = " — SINTĒTISKI dati" if source.get("is_synthetic") else ""
        entry = f"{name}{version}{synthetic}"
        if entry not in files.setdefault(str(source["source"]), []):
            files[str(source["source"])].append(entry)
    for kind, entries in sorted(files.items()):
        cell = sheet.cell(row=row, column=2)
        _set_text(cell, f"{kind}: " + "; ".join(sorted(entries)))
        cell.alignment = styles["wrap"]
        row += 1
    row += 1
    _set_text(sheet.cell(row=row, column=1), "Definīcijas")
    sheet.cell(row=row, column=1).font = styles["bold"]
    for term_lv, term_en, text in labels.DEFINITIONS:
        _set_text(sheet.cell(row=row, column=2), f"{term_lv} ({term_en}): {text}")
        sheet.cell(row=row, column=2).alignment = styles["wrap"]
        row += 1
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _definitions(
    workbook: Any, tables: Sequence[Table], descriptions: Mapping[str, str], styles: dict
) -> None:
    sheet = workbook.create_sheet(DEFINITIONS_SHEET)
    columns = ("Nosaukums XLSX", "CSV kolonna / kods", "Fails / saraksts", "Apraksts (English)")
    for col, (name, width) in enumerate(zip(columns, (40, 34, 20, 90), strict=True), start=1):
        cell = sheet.cell(row=1, column=col)
        _set_text(cell, name)
        cell.font = styles["header_font"]
        cell.fill = styles["header_fill"]
        cell.alignment = styles["header_align"]
        sheet.column_dimensions[chr(64 + col)].width = width
    row = 2
    for table in tables:
        for column in table.columns:
            values = (
                HEADERS_LV.get(column, column),
                column,
                f"{table.spec.name}.csv",
                descriptions.get(column, ""),
            )
            for col, value in enumerate(values, start=1):
                _set_text(sheet.cell(row=row, column=col), value)
                sheet.cell(row=row, column=col).alignment = styles["wrap"]
            row += 1
    for list_name, codes in labels.CODE_LISTS.items():
        for code, (lv, en) in codes.items():
            for col, value in enumerate((lv, code, list_name, en), start=1):
                _set_text(sheet.cell(row=row, column=col), value)
            row += 1
    for col, value in enumerate(("Jā / Nē", "true / false", "boolean", "yes / no"), start=1):
        _set_text(sheet.cell(row=row, column=col), value)
    _print_setup(sheet, "Definīcijas", len(columns), "A2")


def render(
    tables: Sequence[Table],
    *,
    title: str,
    facts: Sequence[tuple[str, Any]] = (),
    sources: Sequence[Mapping[str, Any]] = (),
    descriptions: Mapping[str, str] | None = None,
) -> bytes:
    """The workbook's bytes. ``tables``: the indicators, optionally the channel mix."""
    from openpyxl import Workbook

    from ingest import xlsx

    styles = _styles()
    workbook = Workbook()
    workbook.remove(workbook.active)
    _cover(workbook, title, facts, sources, styles)
    for table in tables:
        if table.spec.name == "channel_mix":
            _channel_sheet(workbook, table, title, styles)
        elif table.spec.name == "indicators":
            _indicator_sheets(workbook, table, title, styles)
        else:  # e.g. the national summary: one sheet, as the CSV
            _data_sheet(
                workbook, table.spec.sheet_lv, title, table.columns, table.records(), styles, "C2"
            )
    _definitions(workbook, tables, descriptions or {}, styles)
    return xlsx.to_bytes(workbook)

"""What a yearly extract contains, and its CSV and XLSX renderings.

Two tables leave the warehouse per institution and year: the indicators (one row per planned
service, with the figures the gate checked them against) and the channel mix. Both are
rendered deterministically — the same rows give the same bytes — so an unchanged year makes
no new version. The XLSX has a sheet per table with Latvian headers; text cells are written
as text (never a formula, whatever the text starts with).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg

from ingest import rules, sqlfiles
from publish import SQL_DIR


@dataclass(frozen=True)
class TableSpec:
    """One table of the extract: its file, its SQL (``publish/sql/<name>.sql``), its
    sheet and the key that identifies a row (for the diff against the previous version)."""

    name: str
    sheet_lv: str
    key: str


INDICATORS = TableSpec("indicators", "Rādītāji", "service_key")
CHANNEL_MIX = TableSpec("channel_mix", "Kanālu sadalījums", "service_year_channel_id")
TABLES = (INDICATORS, CHANNEL_MIX)

# Latvian column headers of the XLSX (the CSV keeps the warehouse's column names).
HEADERS_LV = {
    "institution_code": "Iestādes kods",
    "reporting_year": "Pārskata gads",
    "service_key": "Pakalpojuma atslēga",
    "service_no": "Nr. p. k.",
    "service_name_lv": "E-pakalpojuma nosaukums",
    "portal_service_code": "Portāla kods",
    "base_year": "Bāzes gads",
    "window_last_year": "Uzraudzības pēdējais gads",
    "forecast_total_users": "Prognoze: lietotāju skaits kopā",
    "forecast_electronic_users": "Prognoze: e-pakalpojuma lietotāji",
    "actual_total_users": "Faktiskais pieprasījumu skaits kopā",
    "actual_electronic_requests": "Faktiskie elektroniskie pieprasījumi",
    "actual_other_channel_requests": "Pieprasījumi citos kanālos",
    "forecast_electronic_share": "Prognozētā e-daļa",
    "electronic_share": "Faktiskā e-daļa",
    "total_attainment": "Izpilde: kopā (faktiskais / prognoze)",
    "electronic_attainment": "Izpilde: elektroniski (faktiskais / prognoze)",
    "total_variance": "Novirze: kopā",
    "electronic_variance": "Novirze: elektroniski",
    "electronic_growth_vs_base": "E-pieprasījumu pieaugums pret bāzes gadu",
    "electronic_status": "Statuss",
    "portal_electronic_requests": "Portāla statistika: e-pieprasījumi",
    "electronic_reported_minus_portal": "Iesniegtais mīnus portāla skaits",
    "electronic_deviation_from_portal": "Relatīvā novirze no portāla",
    "channel_parts_sum": "Kanālu daļu summa",
    "previous_year_total_users": "Iepriekšējā gadā: kopā",
    "previous_year_electronic_requests": "Iepriekšējā gadā: elektroniski",
    "total_users_yoy_factor": "Izmaiņa pret iepriekšējo gadu: kopā (reizes)",
    "electronic_yoy_factor": "Izmaiņa pret iepriekšējo gadu: elektroniski (reizes)",
    "is_synthetic": "Sintētiski dati",
    "portal_is_synthetic": "Portāla dati sintētiski",
    "service_year_channel_id": "Rindas atslēga",
    "channel_group": "Kanālu grupa",
    "channel": "Kanāls",
    "sort_order": "Secība",
    "count_state": "Skaita statuss",
    "requests": "Pieprasījumi",
    "reported_total_users": "Kopā",
    "share_of_total": "Daļa no kopējā",
}


@dataclass(frozen=True)
class Table:
    spec: TableSpec
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def fetch(conn: psycopg.Connection, spec: TableSpec, params: dict[str, Any]) -> Table:
    with conn.cursor() as cur:
        cur.execute(sqlfiles.load(spec.name, SQL_DIR), params)
        assert cur.description is not None
        return Table(spec, [c.name for c in cur.description], cur.fetchall())


def cell_text(value: Any) -> str:
    """A value as the CSV writes it: exact decimals, lower-case booleans, empty for NULL, and
    text that a spreadsheet would run as a formula prefixed with an apostrophe (OWASP)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return rules.neutralise_formula(value)
    return str(value)


def render_csv(table: Table) -> bytes:
    """Deterministic CSV bytes (same rows → same bytes): UTF-8, ``\\n`` line ends, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell_text(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def render_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table with Latvian headers (the CSV keeps the warehouse's column names).
    Text is stored as text: cell type ``s`` with the text number format, so it is never
    evaluated; and, as in the CSV, text starting like a formula gets an apostrophe in front."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ingest import xlsx

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.spec.sheet_lv)
        for col, name in enumerate(table.columns, start=1):
            cell = sheet.cell(row=1, column=col)
            cell.value = HEADERS_LV.get(name, name)
            cell.data_type = "s"
            cell.font = Font(bold=True)
        for r, row in enumerate(table.rows, start=2):
            for col, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=col)
                if isinstance(value, str):
                    cell.value = rules.neutralise_formula(value)  # as in the CSV
                    cell.data_type = "s"  # never a formula
                    cell.number_format = "@"
                else:
                    cell.value = _xlsx_value(value)
        sheet.freeze_panes = "A2"
    return xlsx.to_bytes(workbook)

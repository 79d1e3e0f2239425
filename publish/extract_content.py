"""What a yearly extract contains, and its CSV and XLSX renderings.

Two tables leave the warehouse per institution and year: the indicators (one row per planned
service, with the figures the gate checked them against) and the channel mix. Both are
rendered deterministically — the same rows give the same bytes — so an unchanged year makes
no new version. The CSV is for machines and for Excel alike: UTF-8 with a byte-order mark
(so Excel on a Latvian PC opens it as UTF-8 columns), comma-separated, ``.`` decimals,
unrounded, codes and ``true``/``false``; its contract (columns, types, units) is written beside
it as ``<table>.schema.json``. The XLSX for people is :mod:`publish.workbook`.
"""

from __future__ import annotations

import csv
import functools
import io
import json
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
    "growth_source": "Pieauguma aprēķina avots",
    "electronic_gap": "Iztrūkums: e-pieprasījumi līdz plānam",
    "below_plan_rank": "Vieta zem plāna (lielākais iztrūkums = 1)",
    "planned_activities_lv": "Plānotās popularizēšanas aktivitātes",
    "activities_done_lv": "Veiktās popularizēšanas aktivitātes",
    "is_synthetic": "Sintētiski dati",
    "portal_is_synthetic": "Portāla dati sintētiski",
    "previous_year_is_synthetic": "Iepriekšējā gada dati sintētiski",
    "growth_vs_base_is_synthetic": "Pieaugums pret bāzes gadu no sintētiskiem datiem",
    "service_year_channel_id": "Rindas atslēga",
    "channel_group": "Kanālu grupa",
    "channel": "Kanāls",
    "sort_order": "Secība",
    "count_state": "Skaita statuss",
    "requests": "Pieprasījumi",
    "reported_total_users": "Kopā",
    "share_of_total": "Daļa no kopējā",
    "institution_name_lv": "Iestāde",
    "planned_services": "Plānotie pakalpojumi",
    "reported_services": "Pakalpojumi ar iesniegtiem skaitiem",
    "services_met": "Plāns izpildīts (pakalpojumi)",
    "services_below_plan": "Zem plāna (pakalpojumi)",
    "submission_status": "Iesniegums",
    "extract_outcome": "Izraksts",
    "extract_version": "Izraksta versija",
    "refusal_reasons": "Atteikuma iemesli",
}


@dataclass(frozen=True)
class Table:
    spec: TableSpec
    columns: list[str]
    rows: list[tuple[Any, ...]]
    types: tuple[str, ...] = ()  # the CSV contract's type per column (integer, number, …)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


# PostgreSQL type → the CSV contract's type (Frictionless Table Schema names).
_CONTRACT_TYPES = {
    "int2": "integer",
    "int4": "integer",
    "int8": "integer",
    "numeric": "number",
    "float8": "number",
    "bool": "boolean",
    "text": "string",
    "varchar": "string",
    "uuid": "string",
    "date": "date",
}


def fetch(conn: psycopg.Connection, spec: TableSpec, params: dict[str, Any]) -> Table:
    with conn.cursor() as cur:
        cur.execute(sqlfiles.load(spec.name, SQL_DIR), params)
        assert cur.description is not None
        registry = conn.adapters.types
        types = tuple(
            _CONTRACT_TYPES.get(getattr(registry.get(c.type_code), "name", ""), "string")
            for c in cur.description
        )
        return Table(spec, [c.name for c in cur.description], cur.fetchall(), types)


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


EXPORT_MODELS_YML = ("dbt_project", "models", "exports", "_exports__models.yml")


@functools.cache
def column_descriptions() -> dict[str, str]:
    """Each export column's description, from the dbt export models' yml (one place documents
    a column: dbt docs, the CSV contract and the XLSX's definitions all read it)."""
    import yaml

    from ingest.config import PROJECT_ROOT

    path = PROJECT_ROOT.joinpath(*EXPORT_MODELS_YML)
    found: dict[str, str] = {}
    for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
        for column in model.get("columns", []):
            text = " ".join(str(column.get("description", "")).split())
            found.setdefault(column["name"], text)
    return found


CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark: Excel then reads it as UTF-8


def render_csv(table: Table) -> bytes:
    """Deterministic CSV bytes (same rows → same bytes): UTF-8 with BOM, ``\\n`` line ends,
    header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell_text(v) for v in row])
    return buffer.getvalue().encode(CSV_ENCODING)


def render_schema(table: Table, descriptions: dict[str, str] | None = None) -> bytes:
    """The CSV's machine-readable contract, written beside it: a Frictionless Table Schema
    with the dialect, each column's name, type, Latvian title and (where known) description."""
    from publish import labels

    fields = []
    for name, kind in zip(
        table.columns, table.types or ("string",) * len(table.columns), strict=True
    ):
        field: dict[str, Any] = {"name": name, "type": kind, "title_lv": HEADERS_LV.get(name, name)}
        if descriptions and name in descriptions:
            field["description"] = descriptions[name]
        if name in labels.CODE_LISTS:
            field["constraints"] = {"enum": sorted(labels.CODE_LISTS[name])}
        if kind == "boolean":
            field["trueValues"], field["falseValues"] = ["true"], ["false"]
        fields.append(field)
    schema = {
        "profile": "tabular-data-resource",
        "name": table.spec.name,
        "path": f"{table.spec.name}.csv",
        "encoding": CSV_ENCODING,
        "dialect": {"delimiter": ",", "lineTerminator": "\n", "header": True, "quoteChar": '"'},
        "schema": {
            "fields": fields,
            "missingValues": [""],
            "primaryKey": [table.spec.key],
            "notes": (
                "Numbers are unrounded with '.' as the decimal separator; ratios are 0-1 "
                "(0.533 = 53.3 %); empty = no value (never 0). Forecasts count users, actual "
                "figures count requests. Text starting with = + - @ has an apostrophe in front."
            ),
        },
    }
    return (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

"""The year's national extract: ``extracts/<year>/_national/vNNNN/``.

The responsible authority monitors every funded project, so besides one extract per
institution it receives the year's national picture, written after the year's gate decided
every institution due:

- ``national_summary.csv``: one row per institution due — services, below plan, electronic
  share, attainment, submission status — and what became of its extract (written, unchanged or
  refused, with the version or the reasons);
- ``indicators.csv`` and ``channel_mix.csv``: the rows of every institution that passed (the
  same columns as an institution's extract; refused institutions' rows never leave);
- ``national.xlsx`` (cover, summary, indicators, checks, channels, definitions),
  ``report.html``, and the CSV contracts;
- ``manifest.json`` links each institution's extract version (path and manifest sha256).

Same rules as an institution's extract (``publish.extract``): written aside and renamed into
place, a new version only when the data files change, byte-for-byte reproducible.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg

from ingest import safe_paths, sqlfiles
from publish import (
    SQL_DIR,
    extract,
    extract_content,
    extract_report,
    provenance,
    workbook,
)

NATIONAL_DIR = "_national"  # never an institution code: those start with a letter
XLSX_FILE = "national.xlsx"
REPORT_FILE = "report.html"
SUMMARY = extract_content.TableSpec("national_summary", "Kopsavilkums", "institution_code")
SUMMARY_COLUMNS = (
    ("institution_code", "string"),
    ("institution_name_lv", "string"),
    ("reporting_year", "integer"),
    ("planned_services", "integer"),
    ("reported_services", "integer"),
    ("services_met", "integer"),
    ("services_below_plan", "integer"),
    ("forecast_electronic_users", "integer"),
    ("actual_electronic_requests", "integer"),
    ("forecast_electronic_share", "number"),
    ("electronic_share", "number"),
    ("electronic_attainment", "number"),
    ("submission_status", "string"),
    ("is_synthetic", "boolean"),
    ("extract_outcome", "string"),
    ("extract_version", "integer"),
    ("refusal_reasons", "string"),
)


# The publishing facts the summary adds to dbt's figures (dbt documents the rest).
DESCRIPTIONS = {
    "extract_outcome": (
        "What the annual gate made of the institution's extract: passed (extract_version is "
        "its version) or refused (no extract; refusal_reasons says why)."
    ),
    "extract_version": "The institution's extract version (vNNNN); empty when refused.",
    "refusal_reasons": "The failed error-severity rules, with their services, when refused.",
}


def national_dir(extracts_dir: Path, year: int) -> Path:
    return safe_paths.confined(extracts_dir, str(int(year)), NATIONAL_DIR)


def _institution_years(conn: psycopg.Connection, year: int) -> dict[str, dict[str, Any]]:
    with conn.cursor() as cur:
        cur.execute(sqlfiles.load("national_summary", SQL_DIR), {"year": year})
        assert cur.description is not None
        columns = [c.name for c in cur.description]
        return {row[0]: dict(zip(columns, row, strict=True)) for row in cur.fetchall()}


def summary_table(
    year: int, facts: Mapping[str, Mapping[str, Any]], outcomes: Sequence[Any]
) -> extract_content.Table:
    """One row per institution the year concerned: its figures (dbt's export) beside what the
    gate made of its extract."""
    rows = []
    for outcome in sorted(outcomes, key=lambda o: o.institution):
        if outcome.status == "not_due":
            continue
        fact = facts.get(outcome.institution, {})
        refused = outcome.status == "refused"
        reasons = "; ".join(outcome.reasons) if refused else None
        values = {
            **fact,
            "institution_code": outcome.institution,
            "reporting_year": year,
            # passed, not this run's written/unchanged: a rerun must give the same bytes
            "extract_outcome": "refused" if refused else "passed",
            "extract_version": outcome.version,
            "refusal_reasons": reasons,
        }
        rows.append(tuple(values.get(name) for name, _ in SUMMARY_COLUMNS))
    return extract_content.Table(
        SUMMARY,
        [name for name, _ in SUMMARY_COLUMNS],
        rows,
        tuple(kind for _, kind in SUMMARY_COLUMNS),
    )


def _combined(tables: Sequence[extract_content.Table]) -> extract_content.Table:
    """Every passed institution's rows of one table, in institution order."""
    first = tables[0]
    rows = [row for table in tables for row in table.rows]
    return extract_content.Table(first.spec, first.columns, rows, first.types)


def write(
    conn: psycopg.Connection,
    extracts_dir: Path,
    year: int,
    outcomes: Sequence[Any],
    candidates: Mapping[str, Any],
    contact: str,
    validation_summary: Mapping[str, Any] | None,
) -> extract.ExtractResult | None:
    """Write the year's national extract (``None`` when no institution was due)."""
    if not any(o.status != "not_due" for o in outcomes):
        return None
    directory = national_dir(extracts_dir, year)
    summary = summary_table(year, _institution_years(conn, year), outcomes)
    passed = [
        candidates[o.institution]
        for o in sorted(outcomes, key=lambda o: o.institution)
        if o.status in ("written", "unchanged") and o.institution in candidates
    ]
    tables = [summary]
    if passed:
        tables += [_combined([c.tables[i] for c in passed]) for i in range(len(passed[0].tables))]
    descriptions = {**extract_content.column_descriptions(), **DESCRIPTIONS}
    data_files: dict[str, bytes] = {}
    for table in tables:
        data_files[f"{table.spec.name}.csv"] = extract_content.render_csv(table)
        data_files[f"{table.spec.name}.schema.json"] = extract_content.render_schema(
            table, descriptions
        )
    records = summary.records()
    refused = [r for r in records if r["extract_outcome"] == "refused"]
    lv, en = extract_report.national_headline(year, records)
    data_files[XLSX_FILE] = workbook.render(
        tables,
        title=f"{year}: e-pakalpojumu rādītāji, visas iestādes",
        facts=[
            ("Pārskata gads", year),
            ("Kopsavilkums", lv),
            ("Iestādes", ", ".join(r["institution_code"] for r in records)),
            ("Atteiktas", ", ".join(r["institution_code"] for r in refused) or "nav"),
            (
                "Dati",
                "Reālo un SINTĒTISKO (demonstrācijas) iestāžu dati; kolonna “Sintētiski dati” "
                "saka, kuri ir kuri.",
            ),
            ("Kontakti", contact),
        ],
        descriptions=descriptions,
    )
    institution_versions = {
        o.institution: _link(directory, o) for o in outcomes if o.version is not None
    }

    def other_files(version: int, generated_at: str) -> dict[str, bytes]:
        meta = {
            "version": version,
            "generated_at": generated_at,
            "contact": contact,
            "links": [(name, name) for name in sorted(data_files)]
            + [("manifest.json", extract.MANIFEST_FILE)]
            + [
                (f"{code} v{link['version']:04d}", f"{link['path']}/report.html")
                for code, link in sorted(institution_versions.items())
            ],
        }
        return {REPORT_FILE: extract_report.national_report(year, records, meta)}

    manifest_fields = {
        "scope": "national",
        "reporting_year": year,
        "headline": {"lv": lv, "en": en},
        "institutions": {
            r["institution_code"]: {
                "outcome": r["extract_outcome"],
                "submission_status": r["submission_status"],
                "is_synthetic": r["is_synthetic"],
                **(
                    {"extract": institution_versions[r["institution_code"]]}
                    if r["institution_code"] in institution_versions
                    else {}
                ),
                **({"reasons": r["refusal_reasons"]} if r["refusal_reasons"] else {}),
            }
            for r in records
        },
        "row_counts": {f"{t.spec.name}.csv": len(t.rows) for t in tables},
        "tables": {
            f"{t.spec.name}.csv": {
                "columns": t.columns,
                "encoding": extract_content.CSV_ENCODING,
                "contract": f"{t.spec.name}.schema.json",
                "provenance": provenance.column_provenance(t.columns, t.records()),
            }
            for t in tables
        },
        "contact": contact,
        "validation": validation_summary,
    }

    keys = {f"{t.spec.name}.csv": t.spec.key for t in tables}
    describe_changes = extract.table_changes(data_files, keys)
    return extract.write(directory, data_files, other_files, manifest_fields, describe_changes)


def _link(directory: Path, outcome: Any) -> dict[str, Any]:
    """Where an institution's extract version is, relative to a national version folder."""
    version_dir = Path(outcome.path)
    manifest = version_dir / extract.MANIFEST_FILE
    return {
        "version": outcome.version,
        "path": os.path.relpath(version_dir, directory / "v0000"),
        "manifest_sha256": extract.sha256(manifest.read_bytes()) if manifest.exists() else None,
    }

"""Generate the intake templates and the filled VDI examples from :mod:`ingest.intake.schema`.

    python -m ingest.intake.templates            # rewrite templates/ (then commit)

Outputs (all reproducible byte for byte):
  templates/<template>_template_<lv|en>.csv          header row only (plan, submission,
                                                     action_plan)
  templates/<template>_template.xlsx                 "Dati" sheet (Latvian headers) and a
                                                     bilingual "Norādījumi" sheet
  templates/examples/VDI_plan_2012.{csv,xlsx}        the real VDI plan (2012 forecasts)
  templates/examples/VDI_action_plan_2017.{csv,xlsx} the real VDI action plan (2017)
  templates/examples/VDI_submission_2016.{csv,xlsx}  the real VDI 2016 submission
The examples are REAL data, derived from data/reference/ (see domain.md for the split): the
report's per-service activities are the 2017 action plan's, not the 2012 plan's, so the plan
example leaves its (undated) activities column empty.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ingest import xlsx
from ingest.config import PROJECT_ROOT
from ingest.intake.schema import ACTION_PLAN, PLAN, SUBMISSION, Template

COUNTS_HELP_LV = (
    "Skaitļi: vesels skaitlis; tukšs vai 'nav norādīts' = nav sniegts; "
    "'n/a' vai 'nav attiecināms' = kanāls šim pakalpojumam nepastāv."
)
COUNTS_HELP_EN = (
    "Counts: a whole number; empty or 'not provided' = not provided; "
    "'n/a' or 'not applicable' = the channel does not exist for the service."
)
TEMPLATES_DIR = PROJECT_ROOT / "templates"
EXAMPLES_DIR = TEMPLATES_DIR / "examples"


def headers(template: Template, language: str) -> list[str]:
    return [c.header_lv if language == "lv" else c.header_en for c in template.columns]


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(template: Template, rows: list[list[object]]) -> bytes:
    """A workbook whose first sheet is the data table; text cells are stored as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    data = workbook.active
    data.title = "Dati"
    data.append(headers(template, "lv"))
    for cell in data[1]:
        cell.font = Font(bold=True)
    for row in rows:
        data.append(row)
    for i, column in enumerate(template.columns, start=1):
        letter = data.cell(row=1, column=i).column_letter
        data.column_dimensions[letter].width = max(14, min(48, len(column.header_lv) + 2))
        if column.kind not in ("count", "year"):
            for cell in data[letter][1:]:
                cell.number_format = "@"  # text: nothing typed here is evaluated
    data.freeze_panes = "A2"
    _choice_lists(workbook, data, template)
    help_sheet = workbook.create_sheet("Norādījumi")
    help_sheet.append(["Kolonna", "Column", "Obligāta / Required", "Norādījumi", "Instructions"])
    for column in template.columns:
        help_sheet.append([column.header_lv, column.header_en, "jā / yes" if column.required
                           else "nē / no", column.help_lv, column.help_en])  # fmt: skip
    help_sheet.append([])
    help_sheet.append([COUNTS_HELP_LV, COUNTS_HELP_EN])
    return xlsx.to_bytes(workbook)


# The report's action-plan table per service (data/reference planned_activities_lv), by the
# categories of the recommended measures: letters to partner institutions are cooperation,
# "no extra activity needed" is other, the rest inform the public and the institution's
# correspondents.
VDI_ACTIVITY_TYPES = {5: "cooperation", 11: "cooperation", 12: "cooperation", 13: "cooperation",
                      14: "other", 15: "other"}  # fmt: skip
VDI_ACTION_PLAN_START = "2017-06-01"  # the report's month: its table gives no start dates


def _type_label(value: str) -> str:
    """The Latvian label of an activity type (what a Latvian file holds)."""
    return next(lv for v, _, lv in ACTION_PLAN.column("activity_type").choices if v == value)


def _choice_lists(workbook, data, template: Template) -> None:
    """A drop-down of the Latvian labels on every choice column (the list on its own sheet)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    for i, column in enumerate(template.columns, start=1):
        if not column.choices:
            continue
        if "Saraksti" not in workbook:
            workbook.create_sheet("Saraksti")
        lists = workbook["Saraksti"]
        lists.append([column.header_lv])
        first = lists.max_row + 1
        for _, _, lv in column.choices:
            lists.append([lv])
        letter = data.cell(row=1, column=i).column_letter
        rule = DataValidation(type="list", allow_blank=True,
                              formula1=f"Saraksti!$A${first}:$A${lists.max_row}")  # fmt: skip
        rule.add(f"{letter}2:{letter}5000")
        data.add_data_validation(rule)


def vdi_example_rows(
    reference_dir: Path,
) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """(plan rows, 2016 submission rows, 2017 action plan rows) from the real reference
    table, in template order."""
    with (reference_dir / "vdi_portal_service_codes.csv").open(encoding="utf-8") as fh:
        codes = {r["service_no"]: r["portal_service_code"] for r in csv.DictReader(fh)}
    with (reference_dir / "vdi_report_context.csv").open(encoding="utf-8") as fh:
        context = next(csv.DictReader(fh))
    plan, submission, action_plan = [], [], []
    with (reference_dir / "vdi_eservices_2012_forecast_2016_actual.csv").open(
        encoding="utf-8"
    ) as fh:
        for r in csv.DictReader(fh):
            key = f"VDI-{int(r['service_no']):02d}"
            plan.append(
                [
                    context["institution_code"],
                    context["institution_name_lv"],
                    context["project_id"],
                    context["project_end_year"],
                    context["base_year"],
                    context["forecast_year"],
                    key,
                    codes.get(r["service_no"], ""),
                    r["service_name_lv"],
                    r["forecast_2012_total_users"],
                    r["forecast_2012_e_users"],
                    "",  # the activities are the 2017 action plan's (action_plan below)
                ]
            )
            if r["planned_activities_lv"]:
                action_plan.append([
                    context["institution_code"], key, f"VDI-RP2017-{int(r['service_no']):02d}",
                    r["planned_activities_lv"],
                    _type_label(VDI_ACTIVITY_TYPES.get(int(r["service_no"]), "communication")),
                    VDI_ACTION_PLAN_START, "jā", "", "",
                    "Rīcības plāns (LM informatīvais ziņojums, 2017); sākuma datums nav "
                    "norādīts — ziņojuma mēnesis, aptuvens.",
                ])  # fmt: skip
            submission.append([
                context["institution_code"], context["actuals_year"],
                "Valsts darba inspekcija (LM informatīvais ziņojums, 2017)", "", key,
                r["actual_2016_total_users"], r["actual_2016_e_requests"],
                "", "", "", "", "", "", "", context["actuals_received_date"],
                "jā" if context["actuals_received_date_is_approximate"] == "true" else "nē",
                "Elektroniskie pieprasījumi no latvija.lv portāla statistikas; pārējie kanāli nav "
                "sadalīti (nav norādīts).",
            ])  # fmt: skip
    return plan, submission, action_plan


def generated_files(reference_dir: Path) -> dict[Path, bytes]:
    """Every file this module writes, by path: the single source for writing and for tests."""
    files: dict[Path, bytes] = {}
    for template in (PLAN, SUBMISSION, ACTION_PLAN):
        for language in ("lv", "en"):
            files[TEMPLATES_DIR / f"{template.name}_template_{language}.csv"] = csv_bytes(
                [headers(template, language)]
            )
        files[TEMPLATES_DIR / f"{template.name}_template.xlsx"] = xlsx_bytes(template, [])
    plan, submission, action_plan = vdi_example_rows(reference_dir)
    for template, name, rows in ((PLAN, "VDI_plan_2012", plan),
                                 (SUBMISSION, "VDI_submission_2016", submission),
                                 (ACTION_PLAN, "VDI_action_plan_2017", action_plan)):  # fmt: skip
        files[EXAMPLES_DIR / f"{name}.csv"] = csv_bytes([headers(template, "lv"), *rows])
        typed = [[int(v) if c.kind in ("count", "year") and v.isdigit() else v
                  for c, v in zip(template.columns, row, strict=True)] for row in rows]  # fmt: skip
        files[EXAMPLES_DIR / f"{name}.xlsx"] = xlsx_bytes(template, typed)
    return files


def main() -> int:
    from ingest.config import load_settings

    for path, data in generated_files(load_settings().reference_dir).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(PROJECT_ROOT)} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

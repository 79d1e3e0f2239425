"""The shipped templates and examples are exactly what the schema module generates."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from ingest.intake import schema, templates
from tests.conftest import ROOT

GENERATED = templates.generated_files(ROOT / "data" / "reference")


@pytest.mark.parametrize("path", sorted(GENERATED), ids=lambda p: p.name)
def test_committed_copy_matches_the_schema_module(path) -> None:
    assert path.exists(), f"{path} is missing: run python -m ingest.intake.templates"
    assert path.read_bytes() == GENERATED[path], (
        f"{path.name} differs from what ingest/intake/schema.py generates: "
        "run python -m ingest.intake.templates and commit"
    )


def test_generation_is_reproducible() -> None:
    assert templates.generated_files(ROOT / "data" / "reference") == GENERATED


@pytest.mark.parametrize("name", ["VDI_plan_2012", "VDI_submission_2016"])
def test_xlsx_example_reads_back_as_the_csv_example(name: str) -> None:
    csv_rows = list(
        csv.reader(io.StringIO(GENERATED[templates.EXAMPLES_DIR / f"{name}.csv"].decode()))
    )
    sheet = load_workbook(io.BytesIO(GENERATED[templates.EXAMPLES_DIR / f"{name}.xlsx"])).active
    xlsx_rows = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert xlsx_rows == csv_rows


def test_examples_carry_the_real_vdi_figures() -> None:
    rows = list(csv.reader(io.StringIO(
        GENERATED[templates.EXAMPLES_DIR / "VDI_submission_2016.csv"].decode())))  # fmt: skip
    header, body = rows[0], rows[1:]
    total = header.index("Kopējais lietotāju skaits")
    electronic = header.index("Elektroniskie pieprasījumi")
    assert len(body) == 16
    assert sum(int(r[total]) for r in body) == 27165
    assert sum(int(r[electronic]) for r in body) == 7350


def test_both_languages_map_to_the_same_columns() -> None:
    for template in (schema.PLAN, schema.SUBMISSION, schema.ACTION_PLAN):
        lookup = schema.header_lookup(template)
        for language in ("lv", "en"):
            mapped = [
                lookup[schema.normalise_header(h)] for h in templates.headers(template, language)
            ]
            assert mapped == template.keys
        assert schema.detect_template(templates.headers(template, "en")) is template


@pytest.mark.parametrize(
    ("text", "state"),
    [("12", schema.VALUE), ("", schema.NOT_PROVIDED), ("nav norādīts", schema.NOT_PROVIDED),
     ("Not provided", schema.NOT_PROVIDED), ("n/a", schema.NOT_APPLICABLE),
     ("Nav attiecināms", schema.NOT_APPLICABLE), (None, schema.NOT_PROVIDED)],
)  # fmt: skip
def test_count_states_are_distinct(text, state) -> None:
    assert schema.count_state(text) == state

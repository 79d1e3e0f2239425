"""The national extract's summary and headline, and the demo institutions behind it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ingest import demo_institutions
from ingest.intake.schema import SUBMISSION
from publish import extract_report, national_extract
from publish.annual_submission import InstitutionOutcome, YearResult

FACTS = {
    "VDI": {"institution_name_lv": "Valsts darba inspekcija", "planned_services": 16,
            "services_below_plan": 7, "electronic_attainment": Decimal("2.72"),
            "submission_status": "late", "is_synthetic": False},
    "SYNDB": {"institution_name_lv": "B", "planned_services": 3, "services_below_plan": 1,
              "submission_status": "on_time", "is_synthetic": True},
}  # fmt: skip
OUTCOMES = [
    InstitutionOutcome("VDI", "written", 2, Path("/x/2016/VDI/v0002")),
    InstitutionOutcome("SYNDB", "refused", reasons=("[error] within 10% … SYNDB-02",)),
    InstitutionOutcome("OLD", "not_due", message="2016 is outside OLD's window"),
]


def test_summary_has_a_row_per_institution_due_with_its_outcome() -> None:
    table = national_extract.summary_table(2016, FACTS, OUTCOMES)
    records = table.records()
    assert [r["institution_code"] for r in records] == ["SYNDB", "VDI"]  # not the not-due
    syndb, vdi = records
    assert (syndb["extract_outcome"], syndb["extract_version"]) == ("refused", None)
    assert syndb["refusal_reasons"] == "[error] within 10% … SYNDB-02"
    assert (vdi["extract_outcome"], vdi["extract_version"], vdi["refusal_reasons"]) == (
        "passed", 2, None,
    )  # fmt: skip
    assert vdi["services_below_plan"] == 7 and vdi["reporting_year"] == 2016
    assert len(table.types) == len(table.columns)


def test_a_rerun_that_writes_nothing_new_gives_the_same_summary() -> None:
    """The summary is the national extract's identity: this run's written/unchanged must not
    make a new version when the institutions' extracts did not change."""
    rerun = [InstitutionOutcome("VDI", "unchanged", 2, Path("/x/2016/VDI/v0002")), *OUTCOMES[1:]]
    first = national_extract.summary_table(2016, FACTS, OUTCOMES)
    again = national_extract.summary_table(2016, FACTS, rerun)
    assert first.rows == again.rows


def test_headline_counts_below_plan_services_of_the_institutions_that_passed() -> None:
    records = national_extract.summary_table(2016, FACTS, OUTCOMES).records()
    assert extract_report.national_headline(2016, records) == (
        "2016. gads: 2 iestādes, atteiktas: 1; 7 no 16 pakalpojumiem zem plāna",
        "2016: 2 institutions, refused: 1; 7 of 16 services below plan",
    )


def test_refusals_are_listed_with_their_reasons() -> None:
    result = YearResult(2016, OUTCOMES, None, 1.0)
    assert result.describe_refusals() == ["2016 SYNDB REFUSED: [error] within 10% … SYNDB-02"]


def test_demo_institutions_one_passes_one_reports_a_typo_in_2016() -> None:
    """SYNDB's 2016 figure for service 02 is 1.6x the portal's count; every other figure equals
    it, and the files are marked SYNTHETIC for the intake."""
    portal = {}
    for month, row in demo_institutions.portal_monthly_rows():
        portal[(row[0], month.year)] = portal.get((row[0], month.year), 0) + int(row[5])
    assert all(row[-1] == "true" for _, row in demo_institutions.portal_monthly_rows())
    electronic = SUBMISSION.keys.index("electronic_requests")
    for institution in demo_institutions.INSTITUTIONS:
        for year in demo_institutions.YEARS:
            for row, service in zip(
                demo_institutions.submission_rows(institution, year),
                institution.services,
                strict=True,
            ):
                count = portal[(institution.portal_code(service), year)]
                if (institution.code, year, service.no) == demo_institutions.REFUSED:
                    assert int(row[electronic]) == round(count * 1.6)
                else:
                    assert int(row[electronic]) == count


def test_demo_institution_files_are_synthetic_and_reproducible(tmp_path: Path) -> None:
    first = demo_institutions.write_intake_files(tmp_path / "a")
    second = demo_institutions.write_intake_files(tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    assert all(p.name.startswith("SYNTHETIC_") for p in first)
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))
    assert len(first) == 2 * (1 + len(demo_institutions.YEARS))

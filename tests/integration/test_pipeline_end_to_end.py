"""The whole path through real Airflow, dbt and GX on a throw-away PostgreSQL.

Asserts that the mart and the extract reproduce the real VDI reference table for all 16
services through the `make run` path (`airflow dags test`, no scheduler). Reruns, corrections
and refusals are proven under the real scheduler (tests/integration/test_scheduler.py: a
second backfill changes nothing; a corrected file reaches the marts; a refused year alerts).
"""

from __future__ import annotations

import csv
import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import psycopg
import pytest

from ingest import extract
from ingest.config import Settings
from stack import pipeline, warehouse
from tests.conftest import ROOT, pipeline_settings
from tests.xlsx_check import assert_sheet_equals_csv

pytestmark = pytest.mark.integration

REFERENCE = ROOT / "data" / "reference" / "vdi_eservices_2012_forecast_2016_actual.csv"
DATA_TABLES = (
    "raw.intake_files",
    "raw.intake_plan_rows",
    "raw.intake_submission_rows",
    "raw.intake_quarantine",
    "raw.portal_requests",
    "raw.portal_requests_quarantine",
    "marts.fct_service_year",
    "marts.dim_service",
    "marts.dim_institution",
    "marts.fct_submission_status",
)


def _2dp(value: Decimal | str | None) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _reference_rows() -> list[dict[str, str]]:
    with REFERENCE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _expected(row: dict[str, str]) -> dict[str, object]:
    """The figures a person computes by hand from one line of the reference table."""
    ft, fe = int(row["forecast_2012_total_users"]), int(row["forecast_2012_e_users"])
    at, ae = int(row["actual_2016_total_users"]), int(row["actual_2016_e_requests"])
    return {
        "service_key": f"VDI-{int(row['service_no']):02d}",
        "service_name_lv": row["service_name_lv"],
        "forecast_total_users": ft,
        "forecast_electronic_users": fe,
        "actual_total_users": at,
        "actual_electronic_requests": ae,
        "electronic_share": _2dp(Decimal(ae) / Decimal(at)),
        "total_attainment": _2dp(Decimal(at) / Decimal(ft)) if ft else None,
        "electronic_attainment": _2dp(Decimal(ae) / Decimal(fe)) if fe else None,
        "total_variance": at - ft,
        "electronic_variance": ae - fe,
    }


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in DATA_TABLES}


@pytest.fixture(scope="module")
def e2e(pg_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    base = tmp_path_factory.mktemp("e2e")
    settings = pipeline_settings(pg_settings, "e2e_warehouse", base)
    url = warehouse.ensure_ready(settings).url
    pipeline.run(settings, url, say=lambda _msg: None)
    return settings, url


def test_mart_reproduces_the_reference_table(e2e: tuple[Settings, str]) -> None:
    _settings, url = e2e
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(
            "select f.*, s.service_name_lv from marts.fct_service_year f"
            " join marts.dim_service s using (service_key)"
            " where reporting_year = 2016 order by service_key"
        )
        mart = cur.fetchall()
        totals = conn.execute(
            "select sum(actual_total_users), sum(actual_electronic_requests)"
            " from marts.fct_service_year where reporting_year = 2016"
        ).fetchone()
    expected = [_expected(r) for r in _reference_rows()]
    assert len(mart) == len(expected) == 16
    for got, want in zip(mart, expected, strict=True):
        for key, value in want.items():
            actual = got[key]
            if isinstance(actual, Decimal):
                actual = _2dp(actual)
            assert actual == value, f"{want['service_key']}.{key}: {actual} != {value}"
    by_key = {r["service_key"]: r for r in mart}
    assert _2dp(by_key["VDI-07"]["electronic_attainment"]) == Decimal("9.24")
    assert by_key["VDI-16"]["electronic_attainment"] is None
    assert totals == (27165, 7350)


def test_mart_shows_portal_next_to_reported_figures(e2e: tuple[Settings, str]) -> None:
    """The SYNTHETIC portal demo is built so that its 2016 sums equal the real figures."""
    _settings, url = e2e
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select service_key, actual_electronic_requests, portal_electronic_requests,"
            " electronic_reported_minus_portal, electronic_source, portal_is_synthetic,"
            " is_synthetic,"
            " portal_months_with_data"
            " from marts.fct_service_year where reporting_year = 2016 order by service_key"
        ).fetchall()
        years = conn.execute(
            "select reporting_year, count(portal_electronic_requests)"
            " from marts.fct_service_year group by 1 order by 1"
        ).fetchall()
    assert len(rows) == 16
    for key, reported, portal, diff, source, portal_synthetic, synthetic, months in rows:
        assert portal == reported and diff == 0, key
        assert (source, portal_synthetic, synthetic, months) == ("reported", True, False, 12)
    assert years == [(2015, 16), (2016, 16), (2017, 16), (2018, 16), (2019, 16)]


def test_extract_has_the_16_services_and_a_verifiable_manifest(e2e: tuple[Settings, str]) -> None:
    settings, _url = e2e
    latest = settings.extracts_dir / "2016" / "VDI" / "latest"
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    data = (latest / "indicators.csv").read_bytes()
    assert manifest["files"]["indicators.csv"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert extract.verify(latest) == []  # every file, incl. XLSX, report and Data Docs
    assert manifest["row_counts"] == {"indicators.csv": 16, "channel_mix.csv": 16 * 7}
    assert manifest["validation"]["passed"] is True
    assert manifest["validation"]["warnings"] == []
    assert manifest["is_synthetic"] is False  # the reported figures are real
    assert manifest["portal_figures_synthetic"] is True  # the portal cross-check is not
    assert len(manifest["dbt_invocation_id"]) == 36
    sources = {b["source"] for b in manifest["source_batches"]}
    assert sources == {"intake:plan", "intake:submission", "portal"}
    assert {"report.html", "indicators.xlsx", "data_docs/index.html"} <= set(manifest["files"])
    report = (latest / "report.html").read_text(encoding="utf-8")
    assert report.count("<svg") == 3 and "VDI-07" in report
    xlsx = (latest / "indicators.xlsx").read_bytes()
    assert assert_sheet_equals_csv(xlsx, "Rādītāji", data) == 16
    mix = (latest / "channel_mix.csv").read_bytes()
    assert assert_sheet_equals_csv(xlsx, "Kanālu sadalījums", mix) == 16 * 7
    rows = list(csv.DictReader(data.decode("utf-8").splitlines()))
    expected = {e["service_key"]: e for e in map(_expected, _reference_rows())}
    assert [r["service_key"] for r in rows] == sorted(expected)
    for row in rows:
        want = expected[row["service_key"]]
        assert row["service_name_lv"] == want["service_name_lv"]
        assert int(row["actual_electronic_requests"]) == want["actual_electronic_requests"]
        assert _2dp(row["electronic_attainment"]) == want["electronic_attainment"]


def test_every_demo_window_year_has_an_extract_marked_synthetic(
    e2e: tuple[Settings, str],
) -> None:
    settings, _url = e2e
    flags = {}
    for year in range(2015, 2020):
        latest = settings.extracts_dir / str(year) / "VDI" / "latest"
        manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
        assert extract.verify(latest) == [], year
        flags[year] = manifest["is_synthetic"]
        if year != 2016:
            assert "SYNTHETIC" in (latest / "report.html").read_text(encoding="utf-8")
    assert flags == {2015: True, 2016: False, 2017: True, 2018: True, 2019: True}


def _bi_url(settings: Settings) -> str:
    bi_url = warehouse.urls(settings).bi_url
    assert bi_url is not None
    return bi_url


def test_bi_reader_answers_which_services_were_below_plan(e2e: tuple[Settings, str]) -> None:
    settings, _url = e2e
    query = (ROOT / "bi" / "queries" / "services_below_plan.sql").read_text(encoding="utf-8")
    with psycopg.connect(_bi_url(settings)) as conn:
        assert conn.execute("select current_user").fetchone() == ("bi_reader",)
        rows = conn.execute(query).fetchall()
    below = {r[0]: (r[4], r[5]) for r in rows}
    expected = {
        e["service_key"]: (e["electronic_variance"], e["electronic_attainment"])
        for e in map(_expected, _reference_rows())
        if e["electronic_attainment"] is not None and e["electronic_attainment"] < 1
    }
    assert below == expected
    assert below["VDI-03"] == (61 - 486, Decimal("0.13"))


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "bi" / "queries").glob("*.sql")))
def test_every_bi_query_runs_as_bi_reader(e2e: tuple[Settings, str], name: str) -> None:
    settings, _url = e2e
    query = (ROOT / "bi" / "queries" / name).read_text(encoding="utf-8")
    with psycopg.connect(_bi_url(settings)) as conn:
        rows = conn.execute(query).fetchall()
    assert rows, f"{name} returned no rows on the demo data"


@pytest.mark.parametrize(
    "statement",
    [
        "select count(*) from raw.intake_files",
        "select count(*) from raw.intake_quarantine",
        "select count(*) from raw.portal_requests_quarantine",
        "select count(*) from audit.load_batches",
        "select count(*) from audit.submission_log",
        "delete from marts.fct_service_year",
        "update marts.dim_service set service_name_lv = 'x'",
        "create table marts.scratch (id int)",
        "create table public.scratch (id int)",
        "create temporary table scratch (id int)",
    ],
)
def test_bi_reader_cannot_read_raw_or_audit_nor_write(
    e2e: tuple[Settings, str], statement: str
) -> None:
    settings, _url = e2e
    with psycopg.connect(_bi_url(settings)) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)


def test_institution_roll_up_reconciles_with_vdi_totals(e2e: tuple[Settings, str]) -> None:
    _settings, url = e2e
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select actual_total_users, actual_electronic_requests, round(electronic_share, 4),"
            " round(forecast_electronic_share, 4), planned_services"
            " from marts.fct_institution_year"
            " where institution_code = 'VDI' and reporting_year = 2016"
        ).fetchone()
    assert row == (27165, 7350, Decimal("0.2706"), Decimal("0.1103"), 16)


def test_eindex_facts_and_promotion_effect(e2e: tuple[Settings, str]) -> None:
    _settings, url = e2e
    with psycopg.connect(url) as conn:
        facts = conn.execute(
            "select count(*), max(value) filter (where fact_year = 2019"
            " and sector = 'direct_administration' and metric = 'services_electronic_share')"
            " from marts.fct_eindex_facts"
        ).fetchone()
        effect = conn.execute(
            "select count(*), count(*) filter (where portal_requests_before is not null),"
            " max(portal_requests_before) filter (where service_key = 'VDI-07')"
            " from marts.fct_promotion_effect"
            " where activity_source = 'plan' and activity_year = 2017"
        ).fetchone()
    assert facts == (21, Decimal("73.0"))
    assert effect == (16, 16, 2189)  # 2016 portal count (synthetic) = the real 2016 figure


# Latvian alphabet (CLDR lv primary order): long vowels are not letters of their own, y is i.
_LV_PRIMARY = {c: i for i, c in enumerate("abcčdefgģhijkķlļmnņoprsštuvzž")}
_LV_SECONDARY = str.maketrans("āēīūy", "aeiui")


def _latvian_key(name: str) -> tuple:
    folded = name.lower().translate(_LV_SECONDARY)
    return ([_LV_PRIMARY.get(c, -1 if not c.isalpha() else 99) for c in folded], name)


def test_service_names_sort_in_latvian_order(e2e: tuple[Settings, str]) -> None:
    """The 16 real VDI names, ordered by the sort key, are in Latvian alphabetical order
    (codepoint order would put every Č/Š/Ž name after Z)."""
    _settings, url = e2e
    with psycopg.connect(url) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "select service_name_lv from marts.dim_service"
                " order by service_name_sort_lv, service_name_lv"
            )
        ]
    assert len(names) == 16
    assert names == sorted(names, key=_latvian_key)


def test_service_month_rebuilds_only_the_reloaded_month(
    e2e: tuple[Settings, str], tmp_path: Path
) -> None:
    """A corrected export for one month changes that month in fct_service_month; the other
    months are not rebuilt (their rows keep the watermark of the earlier build). Runs last in
    this module: it changes the data the tests above compare."""
    from ingest import transform
    from ingest.portal.load import load_file

    settings, url = e2e
    source = settings.portal_files_dir / "portal_requests_2016-03.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    header, first = lines[0], lines[1].rstrip("\n").split(",")
    assert first[2:5] == ["VDI", "2016-03", "portal"], first
    first[5] = str(int(first[5]) + 1000)
    corrected = tmp_path / "portal_requests_2016-03_corrected.csv"
    corrected.write_text(header + ",".join(first) + "\n" + "".join(lines[2:]), encoding="utf-8")

    def month_rows() -> dict[str, tuple]:
        with psycopg.connect(url) as conn:
            return {
                str(month): (requests, through)
                for month, requests, through in conn.execute(
                    "select period_month, sum(request_count), max(portal_batches_through)"
                    " from marts.fct_service_month group by period_month"
                )
            }

    before = month_rows()
    assert load_file(url, corrected, default_synthetic=True).status == "loaded"
    transform.run_dbt(
        url, settings.dbt_project_dir, settings.dbt_target_dir, "build --select fct_service_month"
    )
    after = month_rows()

    assert after["2016-03-01"][0] == before["2016-03-01"][0] + 1000
    assert after["2016-03-01"][1] > before["2016-03-01"][1]  # rebuilt from the new batch
    unchanged = {m: v for m, v in after.items() if m != "2016-03-01"}
    assert unchanged == {m: v for m, v in before.items() if m != "2016-03-01"}
    assert len(unchanged) == 59

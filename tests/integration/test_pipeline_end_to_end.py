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
import re
import shutil
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import psycopg
import pytest

from ingest.config import Settings
from publish import extract, workbook
from stack import pipeline, warehouse
from tests.conftest import ROOT, pipeline_settings
from tests.xlsx_check import (
    assert_channel_sheet_equals_csv,
    assert_sheets_equal_csv,
    assert_workbook_prints_and_works,
)

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
    settings = pipeline_settings(pg_settings, "e2e_warehouse", base, dbt_unit_tests=True)
    url = warehouse.ensure_ready(settings).url
    pipeline.run(settings, url, say=lambda _msg: None)
    # The `make run` path ran every dbt unit test; later rebuilds here would only repeat them.
    return replace(settings, dbt_unit_tests=False), url


def test_the_make_run_build_ran_every_dbt_unit_test(e2e: tuple[Settings, str]) -> None:
    """The suite's one run of the dbt unit tests: `make run`'s build ran each one the project
    defines, and each passed (other builds here leave them out: DBT_UNIT_TESTS)."""
    settings, _url = e2e
    build = settings.dbt_target_dir / "latest_build"  # this module's first test: make run's
    first = json.loads((build / "run_results.json").read_text(encoding="utf-8"))
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    defined = {u for u in manifest.get("unit_tests", {})}
    ran = {r["unique_id"]: r["status"] for r in first["results"]
           if r["unique_id"].startswith("unit_test.")}  # fmt: skip
    assert len(defined) >= 17 and set(ran) == defined
    assert set(ran.values()) == {"pass"}


def test_dbt_docs_are_regenerated_only_when_what_they_show_changes(
    e2e: tuple[Settings, str],
) -> None:
    """make run's transform published the docs site with its fingerprint; the same project,
    date and relations find it current (no 20-second `dbt docs generate`), while another
    as-of date or a changed relation would regenerate it."""
    from zoneinfo import ZoneInfo

    from ingest import refresh

    settings, url = e2e
    today = datetime.now(ZoneInfo("Europe/Riga")).date()
    stamp = (settings.dbt_target_dir / "docs" / refresh.DOCS_STAMP).read_text()
    assert refresh.docs_fingerprint(settings, url, today) == stamp
    index, generated = refresh.generate_docs_if_changed(settings, url, today)
    assert not generated and index.is_file()
    assert refresh.docs_fingerprint(settings, url, date(2019, 3, 2)) != stamp
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("alter table marts.dim_institution add column probe integer")
        try:
            assert refresh.docs_fingerprint(settings, url, today) != stamp
        finally:
            conn.execute("alter table marts.dim_institution drop column probe")
    # a dropped column leaves attisdropped behind: not part of the shape
    assert refresh.docs_fingerprint(settings, url, today) == stamp


def test_mart_reproduces_the_reference_table(e2e: tuple[Settings, str]) -> None:
    _settings, url = e2e
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(
            "select f.*, s.service_name_lv from marts.fct_service_year f"
            " join marts.dim_service s using (service_key)"
            " where reporting_year = 2016 and f.institution_code = 'VDI' order by service_key"
        )
        mart = cur.fetchall()
        totals = conn.execute(
            "select sum(actual_total_users), sum(actual_electronic_requests)"
            " from marts.fct_service_year where reporting_year = 2016 and institution_code = 'VDI'"
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
            " from marts.fct_service_year where reporting_year = 2016 and institution_code = 'VDI'"
            " order by service_key"
        ).fetchall()
        years = conn.execute(
            "select reporting_year, count(portal_electronic_requests)"
            " from marts.fct_service_year where institution_code = 'VDI' group by 1 order by 1"
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
    # provenance per column: what a real year derives from the demo years is marked
    provenance = manifest["tables"]["indicators.csv"]["provenance"]
    assert provenance["actual_electronic_requests"] == "real"
    assert provenance["electronic_attainment"] == "real"
    assert provenance["electronic_yoy_factor"] == "synthetic"  # against the demo 2015
    assert provenance["electronic_growth_vs_base"] == "synthetic"  # base year 2015 is demo
    assert provenance["portal_electronic_requests"] == "synthetic"
    assert provenance["channel_parts_sum"] == "no values"
    results = {r["rule"]: r for r in manifest["validation"]["results"]}
    parts = results["channel parts sum to the total where every part is provided"]
    assert parts["status"] == "not_applicable"  # every part "not provided": nothing checked
    portal = results["reported electronic requests are within 10% of the portal's count"]
    assert portal["evidence_note"] == "checked against demo data: not evidence"
    assert set(manifest["checks_on_demo_evidence"]) >= {portal["rule"]}
    assert manifest["headline"]["en"] == "7 of 16 services below plan in 2016"
    assert (latest / "indicators.schema.json").is_file()
    assert len(manifest["dbt_invocation_id"]) == 36
    sources = {b["source"] for b in manifest["source_batches"]}
    assert sources == {"intake:plan", "intake:submission", "portal"}
    assert {"report.html", "indicators.xlsx"} <= set(manifest["files"])
    # GX Data Docs are built once per year-wide validation run, beside the extracts
    docs = (latest / manifest["validation"]["data_docs"]).resolve()
    assert docs.is_file() and docs.parent.parent.parent.name == "validations"
    assert manifest["validation"]["validation_run"] in str(docs)
    report = (latest / "report.html").read_text(encoding="utf-8")
    assert report.count("<svg") == 3 and "VDI-07" in report
    assert "7 no 16 pakalpojumiem zem plāna 2016. gadā" in report
    xlsx = (latest / "indicators.xlsx").read_bytes()
    sheets = [workbook.INDICATORS_SHEET, workbook.CHECKS_SHEET]
    columns = len(manifest["tables"]["indicators.csv"]["columns"])
    compared = assert_sheets_equal_csv(xlsx, sheets, data, "service_key")
    assert compared == 16 * (columns + 2)  # the key and name are on both sheets
    mix = (latest / "channel_mix.csv").read_bytes()
    assert assert_channel_sheet_equals_csv(xlsx, workbook.CHANNELS_SHEET, mix) == 16 * 7
    sheets_rows = assert_workbook_prints_and_works(xlsx)
    assert sheets_rows[workbook.INDICATORS_SHEET] == sheets_rows[workbook.CHANNELS_SHEET] == 16
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines()))
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
        report = (latest / "report.html").read_text(encoding="utf-8")
        # only the demo years are called synthetic; the real 2016 marks its demo-derived figures
        assert ("SYNTHETIC demo data" in report) is (year != 2016), year
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
    every = {r[0]: (r[4], r[5]) for r in rows}  # every institution (the demo adds two)
    assert {"SYNDA-02", "SYNDB-01"} <= set(every)
    below = {k: v for k, v in every.items() if k.startswith("VDI-")}
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


def test_eindex_facts(e2e: tuple[Settings, str]) -> None:
    _settings, url = e2e
    with psycopg.connect(url) as conn:
        facts = conn.execute(
            "select count(*), max(value) filter (where fact_year = 2019"
            " and sector = 'direct_administration' and metric = 'services_electronic_share')"
            " from marts.fct_eindex_facts"
        ).fetchone()
    assert facts == (21, Decimal("73.0"))


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
                "select service_name_lv from marts.dim_service where institution_code = 'VDI'"
                " order by service_name_sort_lv, service_name_lv"
            )
        ]
    assert len(names) == 16
    assert names == sorted(names, key=_latvian_key)


def test_submitters_personal_data_never_leaves_the_raw_tables(e2e: tuple[Settings, str]) -> None:
    """Submitters' names and e-mails (the SYNTHETIC years carry a person-like name and an
    address) stay in raw.intake_files: no mart bi_reader reads, no extract file, no report
    holds them."""
    settings, url = e2e
    with psycopg.connect(url) as conn:
        personal = {
            value
            for row in conn.execute("select submitter_name, submitter_email from raw.intake_files")
            for value in row
            if value
        }
        columns = conn.execute(
            "select table_name, column_name from information_schema.columns"
            " where table_schema = 'marts' and data_type in ('text', 'character varying')"
        ).fetchall()
        leaks = [
            f"marts.{table}.{column}"
            for table, column in columns
            if conn.execute(
                f'select 1 from marts.{table} where "{column}" = any(%s) limit 1',
                (sorted(personal),),
            ).fetchone()
        ]
    assert "anna.paraudzina.demo@example.invalid" in personal  # the test has something to find
    assert not [c for _t, c in columns if "submitter" in c or "email" in c]
    assert leaks == []
    files = [p for p in settings.extracts_dir.rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        if path.suffix == ".xlsx":
            import zipfile

            with zipfile.ZipFile(path) as z:
                text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        assert not [v for v in personal if v in text], path


def test_backup_restores_into_a_fresh_warehouse_with_equal_marts(
    e2e: tuple[Settings, str], tmp_path: Path
) -> None:
    """make backup, then make restore into fresh state (its own database and folders): the same
    rows in every raw, audit and mart table, the same marts, the same archived files."""
    from dataclasses import replace

    from stack import backup

    settings, url = e2e
    folder = backup.backup(settings, tmp_path / "backups", say=lambda _m: None)
    fresh = replace(
        settings,
        database="e2e_restored",
        extracts_dir=tmp_path / "restored" / "extracts",
        intake_inbox_dir=tmp_path / "restored" / "inbox",
        intake_archive_dir=tmp_path / "restored" / "archive",
    )
    counts = backup.restore(fresh, folder, say=lambda _m: None)
    assert counts == backup.table_counts(url) and counts["raw.intake_files"] > 0
    restored_url = warehouse.urls(fresh).url
    assert _mart_figures(restored_url) == _mart_figures(url)

    def files(root: Path) -> dict[str, str]:
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in root.rglob("*") if p.is_file()}  # fmt: skip

    assert files(fresh.archive_dir) == files(settings.archive_dir) != {}
    assert files(fresh.extracts_dir) == files(settings.extracts_dir) != {}
    with pytest.raises(backup.BackupError, match="not empty: restore only into fresh state"):
        backup.restore(fresh, folder, say=lambda _m: None)  # never over existing state


# -- the hostile corpus (tests/hostile_corpus.py) --------------------------------------------
# Lineage and bookkeeping columns: they change with every load by design; figures must not.
_BOOKKEEPING = re.compile(r"version|_files$|batch|file_id|_at$|^source_|sha256|invocation|through")


def _mart_figures(url: str) -> dict[str, tuple]:
    """A digest per mart of every column except bookkeeping: what a reader of the figures sees
    (rows of the corpus's own institution HOSTILE aside)."""
    digests = {}
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
            " order by 1"
        )]  # fmt: skip
        for table in tables:
            columns = [r[0] for r in conn.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'marts' and table_name = %s order by ordinal_position",
                (table,),
            ) if not _BOOKKEEPING.search(r[0])]  # fmt: skip
            select = ", ".join(f'"{c}"' for c in columns)
            # The corpus's valid rows belong to the unplanned institution HOSTILE (they load,
            # as valid rows should); every other figure must stay as it was.
            where = "where institution_code <> 'HOSTILE'" if "institution_code" in columns else ""
            digests[table] = conn.execute(
                f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), ''))"
                f" from (select {select} from marts.{table} {where}) as t"
            ).fetchone()
    return digests


def _receipts(archive: Path) -> dict[str, str]:
    """Receipt text by the original file name it names."""
    found = {}
    for receipt in archive.rglob("*.receipt.txt"):
        text = receipt.read_text(encoding="utf-8")
        name = re.search(r"^Fails / File: +(.*)$", text, re.M).group(1)
        found[name] = text
    return found


def _neighbourhood(folder: Path, levels: int = 3) -> set[str]:
    """Every name in the folders up to ``levels`` above ``folder``: where a file written
    through the corpus's ../../../../X (from <archive>/<institution>/) would land. Higher
    folders are shared with other test sessions and change on their own."""
    names = set()
    for parent in list(folder.parents)[:levels]:
        names |= {str(p) for p in parent.iterdir()}
    return names


def _demo_rows(settings: Settings) -> list[str]:
    """The header and VDI's rows of the demo's March 2016 export (hostile file p02 repeats
    them; the demo institutions' rows beside them are not in it)."""
    lines = (settings.portal_files_dir / "portal_requests_2016-03.csv").read_text().splitlines()
    rows = csv.DictReader(lines)
    return [lines[0], *(line for line, row in zip(lines[1:], rows, strict=True)
                        if row["institution_code"] == "VDI")]  # fmt: skip


PROJECTED_TO_MISS_2019 = ["VDI-01", "VDI-02", "VDI-03", "VDI-04", "VDI-05", "VDI-13"]


def test_the_early_warning_outlook_of_the_open_demo_year(e2e: tuple[Settings, str]) -> None:
    """make run computes the outlook of 2019 as of 30 June (the demo's open year): every VDI
    service projected from January-June against its forecast; the backtest is published."""
    _settings, url = e2e
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select service_key, months_complete, profile_scope, outlook_status,"
            " projected_requests_p10 <= projected_requests"
            " and projected_requests <= projected_requests_p90"
            " from marts.fct_service_year_outlook"
            " where as_of_date = '2019-06-30' and institution_code = 'VDI' order by service_key"
        ).fetchall()
        backtest = conn.execute(
            "select count(*), count(median_ape), count(interval_coverage)"
            " from marts.fct_outlook_backtest where cut_off in (3, 6, 9)"
        ).fetchone()
    assert len(rows) == 16
    assert {r[1] for r in rows} == {6} and {r[2] for r in rows} == {"service"}
    status = {r[0]: r[3] for r in rows}
    assert status["VDI-03"] == "projected_to_miss"  # 12.6 % of its forecast in 2016
    assert status["VDI-07"] == "on_track" and status["VDI-16"] == "no_forecast"
    assert all(r[4] for r in rows)  # the projection inside its own interval
    assert backtest[0] == 15 and backtest[1] == 12 and backtest[2] >= 9  # 2015: no history


def test_reforecasts_of_the_open_year_and_forecast_errors_of_the_closed(
    e2e: tuple[Settings, str],
) -> None:
    """As of mid-2019, 2019 is open: each VDI service gets a re-forecast from 2015-2018 beside
    its original forecast (never replacing it); every closed year has its forecast error."""
    _settings, url = e2e
    with psycopg.connect(url) as conn:
        reforecast = conn.execute(
            "select r.service_key, r.closed_years, r.forecast_electronic_users,"
            " f.forecast_electronic_users, r.reforecast_electronic_low"
            " <= r.reforecast_electronic_requests"
            " and r.reforecast_electronic_requests <= r.reforecast_electronic_high"
            " from marts.fct_service_reforecast as r"
            " join marts.fct_service_year as f using (service_year_id)"
            " where r.institution_code = 'VDI' and r.reporting_year = 2019"
        ).fetchall()
        errors = conn.execute(
            "select reporting_year, services, electronic_median_ape > 0"
            " from marts.fct_institution_forecast_error where institution_code = 'VDI'"
            " order by reporting_year"
        ).fetchall()
    assert len(reforecast) == 16
    assert all(r[1] == 4 and r[2] == r[3] and r[4] for r in reforecast)
    assert errors == [(year, 16, True) for year in range(2015, 2020)]


def test_the_vdi_action_plan_with_each_activity_s_status_and_effect(
    e2e: tuple[Settings, str],
) -> None:
    """make run loads the real VDI action plan (the report's 16 activities, started
    2017-06-01, approximate) through the intake; as of mid-2019 each has started (no end
    date, no submission names it done), and each has its effect on June-December 2017:
    requests after the start against the outlook model's counterfactual with its interval."""
    _settings, url = e2e
    with psycopg.connect(url) as conn:
        files = conn.execute(
            "select outcome, version, rows_total from raw.intake_files where kind = 'action_plan'"
        ).fetchall()
        rows = conn.execute(
            "select activity_id, service_key, activity_status, start_date::text,"
            " start_date_is_approximate, months_in_window, months_after, effect_verdict,"
            " expected_after_p10 <= expected_after and expected_after <= expected_after_p90,"
            " actual_after - expected_after = effect_requests, is_synthetic, as_of_date::text"
            " from marts.fct_action_effect where institution_code = 'VDI' order by activity_id"
        ).fetchall()
        planned = conn.execute(
            "select planned_activities_lv from marts.dim_service where service_key = 'VDI-14'"
        ).fetchone()[0]
    assert files == [("accepted", 1, 16)]
    assert [r[0] for r in rows] == [f"VDI-RP2017-{n:02d}" for n in range(1, 17)]
    assert {r[2] for r in rows} == {"started"} and {r[3] for r in rows} == {"2017-06-01"}
    assert all(r[4] and r[5] == 7 and r[6] == 7 for r in rows)
    assert {r[7] for r in rows} <= {"above_expected", "below_expected", "within_expected"}
    assert all(r[8] and r[9] for r in rows)
    assert all(r[10] for r in rows) and {r[11] for r in rows} == {"2019-06-30"}  # demo months
    assert planned.startswith("Papildus aktivitātes nav vajadzīgas")  # from the action plan


def test_the_provisional_report_of_the_open_year_and_one_alert_per_turn(
    e2e: tuple[Settings, str], chromium
) -> None:
    """The open year 2019 gets a provisional report per institution (marked PROVISIONAL, the
    outlook worst first, the action plan's effects); each service projected to miss was
    alerted once, a rerun alerts nothing, and a later date alerts only a service that
    turned."""
    from publish import provisional

    settings, url = e2e
    report = settings.extracts_dir / "2019" / "VDI" / "provisional" / "latest" / "report.html"
    load = chromium.open(report)
    assert load.blocked == [] and load.failed == [] and load.console_errors == []
    assert chromium.evaluate("document.getElementById('headline').textContent") == (
        "6 no 16 pakalpojumiem prognozēti zem plāna 2019. gadā (uz 30.06.2019)"
    )
    assert "PROVIZORISKI" in chromium.evaluate("document.querySelector('.banner').textContent")
    first = chromium.evaluate(
        "[...document.querySelectorAll('table.services tbody tr td:first-child')]"
        ".map(td => td.textContent)"
    )
    assert len(first) == 16 and set(first[:6]) == set(PROJECTED_TO_MISS_2019)
    assert chromium.evaluate("document.querySelectorAll('table.actions tbody tr').length") == 16
    # beside the versioned extracts, never one of them (no manifest, no gate)
    assert sorted(p.name for p in report.parent.iterdir()) == [
        "action_plan.csv", "outlook.csv", "report.html",
    ]  # fmt: skip
    with psycopg.connect(url) as conn:
        alerted = conn.execute(
            "select service_key from audit.outlook_alerts where as_of_date = '2019-06-30'"
            " order by service_key"
        ).fetchall()
    assert [a[0] for a in alerted] == sorted(
        [*PROJECTED_TO_MISS_2019, "SYNDA-02", "SYNDB-01", "SYNDB-03"]
    )
    sent: list[str] = []
    assert provisional.alert_turned_to_miss(url, date(2019, 6, 30), sent.append) == []
    # A month later VDI-07 turns projected_to_miss; the others stay so: one alert.
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into marts.fct_service_year_outlook select service_key || '-' ||"
            " reporting_year || '@2019-07-31', service_key, institution_code, reporting_year,"
            " '2019-07-31', months_complete + 1, forecast_electronic_users, ytd_requests,"
            " profile_scope, projected_requests, projected_requests_p10, projected_requests_p90,"
            " naive_projected_requests, case when service_key = 'VDI-07' then"
            " 'projected_to_miss' else outlook_status end, is_synthetic"
            " from marts.fct_service_year_outlook where as_of_date = '2019-06-30'"
        )

    def mail_server_down(row) -> None:
        raise ConnectionRefusedError("smtp")

    try:
        # the mail server is down: nothing recorded, so the next run sends it
        assert provisional.alert_turned_to_miss(url, date(2019, 7, 31), mail_server_down) == []
        turned = provisional.alert_turned_to_miss(
            url, date(2019, 7, 31), lambda row: sent.append(row["service_key"])
        )
        assert turned == sent == ["VDI-07"]
    finally:
        with psycopg.connect(url) as conn:
            conn.execute(
                "delete from marts.fct_service_year_outlook where as_of_date > '2019-06-30'"
            )
            conn.execute("delete from audit.outlook_alerts where as_of_date > '2019-06-30'")


def test_hostile_corpus_in_one_pass_of_the_dags(e2e: tuple[Settings, str]) -> None:
    """Every hostile file in one run of each load DAG: each gets the outcome and message its
    manifest entry says, nothing is lost or executed, nothing is written outside its folder,
    the valid files beside them load, and the marts' figures do not change."""
    from tests.hostile_corpus import CORPUS_DIR, MANIFEST

    settings, url = e2e
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert len(manifest) >= 60
    before = _mart_figures(url)
    archive = settings.archive_dir
    outside_before = _neighbourhood(archive)
    with psycopg.connect(url) as conn:
        (started,) = conn.execute("select clock_timestamp()").fetchone()
    for case in manifest:
        folder = settings.inbox_dir if case["kind"] == "intake" else settings.portal_files_dir
        shutil.copyfile(CORPUS_DIR / case["kind"] / case["name"], folder / case["name"])

    # Every intake file gets an outcome (none had to be set aside): the run succeeds.
    pipeline.trigger(settings, url, pipeline.DagStep("institution_submissions", {}))
    # Portal files that failed or were held fail the run, in the task after the loads.
    with pytest.raises(pipeline.PipelineError) as failed:
        pipeline.trigger(settings, url, pipeline.DagStep("portal_statistics_nightly", {}))
    log = (settings.logs_dir / "portal_statistics_nightly.log").read_text(errors="replace")
    assert "report_problems" in str(failed.value) + log
    assert "p01_one_row_replaces_month.csv: HELD" in log
    pipeline.trigger(settings, url, pipeline.DagStep("warehouse_transform", {}))

    assert list(settings.inbox_dir.iterdir()) == [], "every intake file has an outcome"
    receipts = _receipts(archive)
    with psycopg.connect(url) as conn:
        batches = {
            Path(uri).name: (status, read, loaded, quarantined, outside, message, batch_id)
            for uri, status, read, loaded, quarantined, outside, message, batch_id in conn.execute(
                "select source_uri, status, rows_read, rows_loaded, rows_quarantined,"
                " rows_outside_range, coalesce(message, ''), batch_id from audit.load_batches"
                " where loader = 'portal.requests' and started_at >= %s",
                (started,),
            )
        }
        reasons = dict(conn.execute(
            "select b.source_uri, string_agg(q.reason, ' | ') from raw.portal_requests_quarantine q"
            " join audit.load_batches b using (batch_id) where b.started_at >= %s group by 1",
            (started,),
        ).fetchall())  # fmt: skip
        intake_rows = conn.execute(
            "select f.original_name, f.rows_total,"
            " (select count(*) from raw.intake_submission_rows r where r.file_id = f.file_id)"
            " + (select count(*) from raw.intake_plan_rows r where r.file_id = f.file_id),"
            " (select count(*) from raw.intake_quarantine q where q.file_id = f.file_id),"
            " f.archived_path, f.receipt_path"
            " from raw.intake_files f where f.received_at >= %s",
            (started,),
        ).fetchall()
        tables = conn.execute("select count(*) from raw.intake_files").fetchone()[0]
        hostile_rows = conn.execute(
            "select count(*) from raw.portal_requests where institution_code = 'HOSTILE'"
        ).fetchone()[0]
    assert tables > 0, "the SQL in the corpus was never executed"

    wrong = []
    for case in manifest:
        if case["kind"] == "intake":
            text = receipts.get(case["name"], "")
            outcome = re.search(r"^Rezultāts / Outcome: +[^/]+/ (.*)$", text, re.M)
            got = outcome.group(1).strip() if outcome else "no receipt"
            want = case["outcome"].replace("_", " ").upper()
            if got != want or not all(w in text for w in case["says"]):
                wrong.append((case["name"], got, want, case["says"]))
        else:
            status, read, loaded, quarantined, outside, message, _ = batches.get(
                case["name"], ("no batch",) + (None,) * 6
            )
            said = (
                message
                + " "
                + (reasons.get(f"file://{settings.portal_files_dir / case['name']}") or "")
            )
            if status == "succeeded":
                status = "loaded"
                assert read == loaded + quarantined + outside, case["name"]  # nothing lost
            expected_rows = (case["rows_loaded"], case["rows_quarantined"])
            if (
                status != case["outcome"]
                or not all(w in said for w in case["says"])
                or (case["rows_loaded"] is not None and (loaded, quarantined) != expected_rows)
            ):
                wrong.append((case["name"], status, case["outcome"], said[:200]))
    assert not wrong, wrong
    expected_valid = sum(c["rows_loaded"] or 0 for c in manifest if c["kind"] == "portal")
    assert hostile_rows == expected_valid - (len(_demo_rows(settings)) - 1)  # p02: VDI again

    for name, total, loaded, quarantined, archived, receipt in intake_rows:
        assert total == loaded or total == quarantined, f"{name}: rows lost"
        for written in (archived, receipt):
            assert archive.resolve() in Path(written).resolve().parents, written
    assert _neighbourhood(archive) == outside_before, "a file escaped its folder"
    assert not [p for p in list(archive.parents)[:6] if (p / "X").exists()]
    assert _mart_figures(url) == before, "a hostile file changed the marts' figures"


def test_service_month_rebuilds_only_the_reloaded_month(
    e2e: tuple[Settings, str], tmp_path: Path
) -> None:
    """A corrected export for one month changes that month in int_portal_requests_monthly and
    fct_service_month; the other months are not rebuilt (their rows keep the watermark of the
    earlier build). Runs last in this module: it changes the data the tests above compare."""
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
                str(month): (requests, through, monthly_through)
                for month, requests, through, monthly_through in conn.execute(
                    "select f.period_month, sum(f.request_count), max(f.portal_batches_through),"
                    " (select max(m.portal_batches_through)"
                    "  from intermediate.int_portal_requests_monthly as m"
                    "  where m.period_month = f.period_month)"
                    " from marts.fct_service_month as f where f.institution_code = 'VDI'"
                    " group by f.period_month"
                )
            }

    before = month_rows()
    assert load_file(url, corrected, default_synthetic=True).status == "loaded"
    transform.run_dbt(
        url,
        settings.dbt_project_dir,
        settings.dbt_target_dir,
        "build --select int_portal_requests_monthly fct_service_month",
    )
    after = month_rows()

    assert after["2016-03-01"][0] == before["2016-03-01"][0] + 1000
    assert after["2016-03-01"][1] > before["2016-03-01"][1]  # rebuilt from the new batch
    assert after["2016-03-01"][2] > before["2016-03-01"][2]  # re-aggregated from raw
    unchanged = {m: v for m, v in after.items() if m != "2016-03-01"}
    assert unchanged == {m: v for m, v in before.items() if m != "2016-03-01"}
    assert len(unchanged) == 59


def test_an_incremental_model_an_upgrade_changed_is_rebuilt_not_stuck(
    e2e: tuple[Settings, str],
) -> None:
    """A warehouse built by an older version of the project, whose fct_service_month had
    another type for request_count: the next build rebuilds that model (and what reads it)
    from scratch once, instead of stopping at dbt's "schemas out of sync" error (its
    on_schema_change='fail'). The figures come out the same. Runs after the month test."""
    from datetime import date

    from ingest import refresh

    settings, url = e2e
    figures = (
        "select count(*), sum(request_count), pg_typeof(min(request_count))::text"
        " from marts.fct_service_month"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        before = conn.execute(figures).fetchone()
        assert before[2] == "bigint"
        conn.execute("alter table marts.fct_service_month alter column request_count type numeric")
    outcome = refresh.build(settings, url, date.today(), force=True)
    assert not outcome.skipped and outcome.summary is not None
    with psycopg.connect(url) as conn:
        assert conn.execute(figures).fetchone() == before


BELOW_PLAN_2016 = ["VDI-03", "VDI-01", "VDI-04", "VDI-05", "VDI-13", "VDI-02", "VDI-08"]


def test_the_2016_report_reads_right_in_a_browser_offline_and_prints(
    e2e: tuple[Settings, str], chromium, tmp_path: Path
) -> None:
    """The real 2016 report in headless Chromium with the network blocked: nothing fetched or
    failed, the charts drawn, exactly the 7 below-plan services in gap order with formatted
    percentages, no horizontal scrolling at 1 280 px, and a PDF whose first page carries the
    headline and the below-plan table."""
    from pypdf import PdfReader

    settings, _url = e2e
    report = settings.extracts_dir / "2016" / "VDI" / "latest" / "report.html"
    chromium.viewport(1280, 900)
    load = chromium.open(report)
    assert load.blocked == [] and load.failed == [] and load.console_errors == []
    assert all(url.startswith("file:") for url in load.requests)
    assert chromium.evaluate("document.documentElement.lang") == "lv"
    headline = chromium.evaluate("document.getElementById('headline').textContent")
    assert headline == "7 no 16 pakalpojumiem zem plāna 2016. gadā"
    keys = chromium.evaluate(
        "[...document.querySelectorAll('table.below-plan tbody tr td:nth-child(2) b')]"
        ".map(b => b.textContent)"
    )
    assert keys == BELOW_PLAN_2016
    attainment = chromium.evaluate(
        "[...document.querySelectorAll('table.below-plan tbody td:nth-child(3)')]"
        ".map(td => td.textContent)"
    )
    assert attainment[:2] == ["12,6 %", "53,3 %"]
    assert all(re.fullmatch(r"\d+,\d %", a) for a in attainment)
    drawn = chromium.evaluate(
        "[...document.querySelectorAll('svg.chart')].map(s => {"
        " const r = s.getBoundingClientRect(); return [s.dataset.chart, Math.round(r.width),"
        " s.querySelectorAll('rect, circle, path, polyline').length]; })"
    )
    assert [d[0] for d in drawn] == ["forecast-vs-actual", "electronic-share", "channel-mix"]
    assert all(width > 400 and marks > 5 for _, width, marks in drawn), drawn
    assert chromium.evaluate("document.querySelectorAll('svg.chart .target').length") >= 16
    assert chromium.evaluate("document.documentElement.scrollWidth") <= 1280
    chromium.viewport(390, 844, mobile=True)
    chromium.open(report)
    assert chromium.evaluate("document.documentElement.scrollWidth") <= 390  # tables scroll
    chromium.viewport(1280, 900)
    chromium.open(report)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(chromium.pdf())
    reader = PdfReader(pdf)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
    first = " ".join(reader.pages[0].extract_text().split())
    assert "7 no 16 pakalpojumiem zem plāna 2016. gadā" in first
    positions = [first.find(key) for key in BELOW_PLAN_2016]
    assert -1 not in positions and positions == sorted(positions), positions


def test_data_docs_open_offline_with_their_icons(e2e: tuple[Settings, str], chromium) -> None:
    settings, _url = e2e
    latest = settings.extracts_dir / "2016" / "VDI" / "latest"
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    index = (latest / manifest["validation"]["data_docs"]).resolve()
    pages = [index, *sorted((index.parent / "validations").rglob("*.html"))]
    for page in pages:
        load = chromium.open(page, settle=0.8)
        assert load.blocked == [] and load.failed == [] and load.console_errors == [], page
    chromium.open(index, settle=0.8)
    assert chromium.evaluate("document.querySelectorAll('table tbody tr').length") >= 1
    loaded = chromium.evaluate(
        "[...document.fonts].filter(f => f.status == 'loaded').map(f => f.family)"
    )
    assert any("Font Awesome" in family for family in loaded)  # the icons are drawn


def test_national_2016_extract_lists_the_passed_and_the_refused_with_its_reason(
    e2e: tuple[Settings, str],
) -> None:
    """make run gates every institution due: VDI (real) and the SYNTHETIC SYNDA pass, SYNDB
    is refused (its 2016 figure for SYNDB-02 is 1.6x the portal's) — an outcome, not a crash:
    the run went on, and the national extract lists all three."""
    settings, _url = e2e
    national = settings.extracts_dir / "2016" / "_national" / "latest"
    assert extract.verify(national) == []
    manifest = json.loads((national / "manifest.json").read_text(encoding="utf-8"))
    institutions = manifest["institutions"]
    assert {k: v["outcome"] for k, v in institutions.items()} == {
        "SYNDA": "passed",
        "SYNDB": "refused",
        "VDI": "passed",
    }
    assert "SYNDB-02" in institutions["SYNDB"]["reasons"]
    assert "of the portal's count" in institutions["SYNDB"]["reasons"]
    vdi = institutions["VDI"]["extract"]
    assert (national / vdi["path"] / "manifest.json").is_file()  # links each version
    assert institutions["VDI"]["is_synthetic"] is False
    assert institutions["SYNDA"]["is_synthetic"] is True
    assert not (settings.extracts_dir / "2016" / "SYNDB" / "latest").exists()
    assert list((settings.extracts_dir / "2016" / "SYNDB" / "failed").iterdir())
    summary = (national / "national_summary.csv").read_bytes()
    rows = extract.read_csv_rows(summary)
    assert [(r["institution_code"], r["extract_outcome"]) for r in rows] == [
        ("SYNDA", "passed"), ("SYNDB", "refused"), ("VDI", "passed"),
    ]  # fmt: skip
    assert rows[2]["services_below_plan"] == "7" and rows[2]["is_synthetic"] == "false"
    indicators = extract.read_csv_rows((national / "indicators.csv").read_bytes())
    assert {r["institution_code"] for r in indicators} == {"SYNDA", "VDI"}  # never the refused
    assert len(indicators) == 16 + 3
    xlsx = (national / "national.xlsx").read_bytes()
    assert assert_sheets_equal_csv(xlsx, ["Kopsavilkums"], summary, "institution_code") > 0
    assert assert_workbook_prints_and_works(xlsx)["Kopsavilkums"] == 3
    sheets = [workbook.INDICATORS_SHEET, workbook.CHECKS_SHEET]
    assert assert_sheets_equal_csv(xlsx, sheets, (national / "indicators.csv").read_bytes(),
                                   "service_key") > 0  # fmt: skip


def test_the_national_report_reads_right_offline(e2e: tuple[Settings, str], chromium) -> None:
    settings, _url = e2e
    national = settings.extracts_dir / "2016" / "_national" / "latest"
    load = chromium.open(national / "report.html")
    assert load.blocked == [] and load.failed == []
    assert chromium.evaluate("document.getElementById('headline').textContent") == (
        "2016. gads: 3 iestādes, atteiktas: 1; 8 no 19 pakalpojumiem zem plāna"
    )
    refused = chromium.evaluate("document.querySelector('table.refused tbody').textContent")
    assert "SYNDB" in refused and "SYNDB-02" in refused


def test_the_real_submission_receipt_says_where_results_are_and_that_the_portal_is_demo(
    e2e: tuple[Settings, str],
) -> None:
    settings, _url = e2e
    receipt = min(settings.archive_dir.rglob("*_VDI_submission_2016.csv.receipt.txt"))  # first
    text = receipt.read_text(encoding="utf-8")
    where = f"{settings.extracts_dir}/2016/VDI"
    check = "on 2 March 2017, or when a data engineer runs it"
    assert f"Results: after the annual check ({check}) — {where}/latest/" in text
    assert f"{where}/failed/" in text
    assert "this year's portal data is SYNTHETIC (demo)" in text
    assert "pārbaudīts pret demonstrācijas datiem, tas nav pierādījums" in text

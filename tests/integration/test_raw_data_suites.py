"""Each raw-data rule fails on a broken copy of its table (GX runs inside PostgreSQL).

The raw tables' own constraints already refuse most of these rows, which is why the suites
are tested on constraint-free copies: they guard against whatever gets past a loader.
"""

from __future__ import annotations

import psycopg
import pytest

from expectations import raw_data

pytestmark = pytest.mark.integration

PORTAL_COLUMNS = (
    "institution_code, portal_service_code, service_name, period_grain, period_start, channel,"
    " request_count, batch_id, source_line, is_synthetic"
)
GOOD_PORTAL = (
    "('VDI', 'EP72', 'x', 'month', '2016-01-01', 'portal', 5, gen_random_uuid(), 1, false)"
)
SUBMISSION_COLUMNS = (
    "file_id, row_no, institution_code, reporting_year, service_key, total_users,"
    " total_users_state, electronic_requests, electronic_requests_state, assisted_vpvkac,"
    " assisted_vpvkac_state, in_person, in_person_state, paper_post, paper_post_state, phone,"
    " phone_state, other_channels, other_channels_state"
)
GOOD_SUBMISSION = (
    "('00000000-0000-0000-0000-000000000001', 1, 'VDI', 2016, 'VDI-01', 100, 'value', 10,"
    " 'value', null, 'not_provided', null, 'not_provided', null, 'not_provided', null,"
    " 'not_applicable', null, 'not_provided')"
)


def _copies(db_url: str, portal_rows: list[str], submission_rows: list[str]) -> dict[str, str]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create schema if not exists broken")
        for table in ("portal_requests", "intake_submission_rows"):
            conn.execute(f"drop table if exists broken.{table}")
            conn.execute(f"create table broken.{table} as table raw.{table} with no data")
        if portal_rows:
            conn.execute(
                f"insert into broken.portal_requests ({PORTAL_COLUMNS}) values "
                + ", ".join(portal_rows)
            )
        if submission_rows:
            conn.execute(
                f"insert into broken.intake_submission_rows ({SUBMISSION_COLUMNS}) values "
                + ", ".join(submission_rows)
            )
    return {
        raw_data.PORTAL_SUITE: "broken.portal_requests",
        raw_data.SUBMISSIONS_SUITE: "broken.intake_submission_rows",
    }


def _failed(db_url: str, portal: list[str], submissions: list[str]) -> dict[str, set[str]]:
    results = raw_data.validate_all(db_url, _copies(db_url, portal, submissions))
    return {
        name: {o.rule for o in result.outcomes if not o.success and o.severity == "error"}
        for name, result in results.items()
    }


def test_clean_copies_pass(db_url: str) -> None:
    results = raw_data.validate_all(db_url, _copies(db_url, [GOOD_PORTAL], [GOOD_SUBMISSION]))
    for name, result in results.items():
        assert result.passed, (name, [o.describe() for o in result.errors])
        assert not result.warnings


def test_the_real_raw_tables_are_validated(db_url: str) -> None:
    results = raw_data.validate_all(db_url)  # empty tables: no errors, one warning
    assert all(r.passed for r in results.values())
    assert [o.rule for o in results[raw_data.PORTAL_SUITE].warnings] == [
        raw_data.PORTAL_ROWS_LOADED
    ]


def _portal(**change: str) -> str:
    values = {
        "institution_code": "'VDI'", "portal_service_code": "'EP72'", "period_grain": "'month'",
        "period_start": "'2016-01-01'", "channel": "'portal'", "request_count": "5",
        "batch_id": "gen_random_uuid()",
    }  # fmt: skip
    values.update(change)
    return (
        f"({values['institution_code']}, {values['portal_service_code']}, 'x',"
        f" {values['period_grain']}, {values['period_start']}, {values['channel']},"
        f" {values['request_count']}, {values['batch_id']}, 1, false)"
    )


@pytest.mark.parametrize(
    ("rows", "rule"),
    [
        ([GOOD_PORTAL, GOOD_PORTAL], "one row per institution, period, portal code and "
                                     "sub-channel"),
        ([_portal(channel="'fax'")], "the sub-channel is portal, institution_website or "
                                     "api_e_address"),
        ([_portal(period_grain="'week'")], "the period is a day or a month"),
        ([_portal(request_count="-1")], "request counts are not negative"),
        ([_portal(period_start="'2999-01-01'")],
         "periods are not after today in Riga (nor before 2000)"),
        ([_portal(institution_code="'vdi'")], "institution codes match the code pattern"),
        ([_portal(institution_code="'VDI''; drop table x;--'")],
         "institution codes match the code pattern"),
        ([_portal(portal_service_code="'EP 72'")], "portal service codes match the code pattern"),
        ([_portal(portal_service_code="null")], "portal_service_code is present"),
        ([_portal(request_count="null")], "request_count is present"),
        ([_portal(batch_id="null")], "batch_id is present"),
    ],
)  # fmt: skip
def test_each_portal_rule_fails_on_a_broken_row(db_url: str, rows: list[str], rule: str) -> None:
    assert rule in _failed(db_url, rows, [GOOD_SUBMISSION])[raw_data.PORTAL_SUITE]


def test_sql_rules_name_what_they_found(db_url: str) -> None:
    """The rules written as SQL (expectations/sql/) say how many keys or values offend and
    show them, as GX's own expectations did."""
    rows = [GOOD_PORTAL, GOOD_PORTAL, GOOD_PORTAL, _portal(institution_code="'vdi'")]
    results = raw_data.validate_all(db_url, _copies(db_url, rows, [GOOD_SUBMISSION]))
    failed = {o.rule: o for o in results[raw_data.PORTAL_SUITE].errors}
    duplicates = failed["one row per institution, period, portal code and sub-channel"]
    assert duplicates.unexpected_count == 1 and "copies=3" in duplicates.examples[0]
    pattern = failed["institution codes match the code pattern"]
    assert pattern.unexpected_count == 1
    assert pattern.examples == ["offending_value=vdi, rows_with_it=1"]
    assert "portal service codes match the code pattern" not in failed


def _submission(**change: str) -> str:
    values = {"row_no": "1", "reporting_year": "2016", "service_key": "'VDI-01'",
              "total_users": "100", "electronic_requests": "10", "phone": "null",
              "phone_state": "'not_applicable'"}  # fmt: skip
    values.update(change)
    return (
        f"('00000000-0000-0000-0000-000000000001', {values['row_no']}, 'VDI',"
        f" {values['reporting_year']}, {values['service_key']}, {values['total_users']}, 'value',"
        f" {values['electronic_requests']}, 'value', null, 'not_provided', null, 'not_provided',"
        f" null, 'not_provided', {values['phone']}, {values['phone_state']}, null, 'not_provided')"
    )


@pytest.mark.parametrize(
    ("rows", "rule"),
    [
        ([GOOD_SUBMISSION, GOOD_SUBMISSION], "one row per file and row number"),
        ([_submission(reporting_year="1999")], "reporting years are 2000 to this year"),
        ([_submission(service_key="'vdi_1'")], "service keys look like <institution>-<nn>"),
        ([_submission(electronic_requests="101")], "electronic requests do not exceed the total"),
        ([_submission(total_users="-5")], "total_users is not negative"),
        ([_submission(phone="-1", phone_state="'value'")], "phone is not negative"),
        ([_submission(phone_state="'zero'")], "phone_state is value, not_provided or "
                                              "not_applicable"),
        ([_submission(service_key="null")], "service_key is present"),
    ],
)  # fmt: skip
def test_each_submission_rule_fails_on_a_broken_row(
    db_url: str, rows: list[str], rule: str
) -> None:
    assert rule in _failed(db_url, [GOOD_PORTAL], rows)[raw_data.SUBMISSIONS_SUITE]


def test_the_loader_quarantines_what_the_raw_suite_would_refuse(db_url: str, tmp_path) -> None:
    """One rule set: rows the suites would refuse never reach raw, so they cannot block every
    later build (a period in 2099, SQL text as an institution code, a code with spaces)."""
    from ingest.portal.load import load_file

    export = tmp_path / "hostile.csv"
    export.write_text(
        "service_code,institution_code,period,channel,requests\n"
        "EP72,VDI,2016-01,portal,5\n"
        "EP72,VDI,2099-01,portal,5\n"
        'EP72,"VDI\'; drop table raw.portal_requests;--",2016-02,portal,5\n'
        "EP 72,VDI,2016-03,portal,5\n"
        "EP72,VDI,2016-04,portal,1 234\n",
        encoding="utf-8",
    )
    result = load_file(db_url, export)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 2, 3)
    assert set(result.quarantine_reasons) == {
        "period after today (Europe/Riga): no statistics can exist for it yet",
        'not a valid institution code "VDI\'; drop table raw.portal_requests;--": '
        "2–10 capital letters or digits, starting with a letter (e.g. VDI)",
        "not a valid portal service code 'EP 72': letters, digits and '-' (e.g. EP72), at most 40",
    }
    results = raw_data.validate_all(db_url)
    assert not results[raw_data.PORTAL_SUITE].errors, results[raw_data.PORTAL_SUITE].errors
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select sum(request_count) from raw.portal_requests").fetchone() == (
            1239,
        )


def test_the_portal_suite_checks_what_came_since_the_last_build(db_url: str, tmp_path) -> None:
    """A night checks the periods its batches loaded, not the whole history: a bad row in an
    older period (already checked by an earlier build) is not read again; one in a period the
    night reloaded is."""
    from ingest.portal.load import load_file

    def export(name: str, month: str) -> None:
        path = tmp_path / name
        path.write_text(
            "service_code,institution_code,period,channel,requests\n"
            f"EP72,VDI,{month},portal,5\nEP73,VDI,{month},portal,7\n",
            encoding="utf-8",
        )
        assert load_file(db_url, path).rows_loaded == 2

    def errors() -> list[str]:
        return [o.rule for o in raw_data.validate_all(db_url)[raw_data.PORTAL_SUITE].errors]

    def break_month(month: str) -> None:
        with psycopg.connect(db_url) as conn:  # what a loader bug or a manual edit could do
            conn.execute(
                "update raw.portal_requests set portal_service_code = 'ep 72' "
                "where period_start = %s and portal_service_code = 'EP72'",
                (f"{month}-01",),
            )

    export("january.csv", "2016-01")
    with psycopg.connect(db_url) as conn:  # a successful build saw everything so far
        conn.execute(
            "insert into audit.dbt_builds (invocation_id, project_sha256, raw_watermark, "
            "started_at) values ('earlier-build', 'x', now(), now())"
        )
    break_month("2016-01")
    results = raw_data.validate_all(db_url)[raw_data.PORTAL_SUITE]
    assert results.passed  # January was checked by the earlier build's refresh
    assert [o.rule for o in results.warnings] == [raw_data.PORTAL_ROWS_LOADED]

    export("february.csv", "2016-02")
    assert errors() == []  # February is read, January still not
    break_month("2016-02")
    assert errors() == ["portal service codes match the code pattern"]
    with psycopg.connect(db_url) as conn:
        changed = conn.execute(
            "select period_start::text from audit.portal_periods_since_last_build"
        ).fetchall()
    assert changed == [("2016-02-01",)]

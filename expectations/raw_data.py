"""Suites on the raw data, after load and before transformation.

They run inside PostgreSQL (a GX SQL data source on the raw tables), so national-scale portal
tables are checked without pulling rows into Python. The portal suite checks the rows of the
periods loaded since the last successful build (the view
``audit.portal_requests_since_last_build``, migration 0010), not ten years of history every
night; every row before the first build. The loaders already refuse malformed rows
(quarantine); these suites guard what reaches the marts as a whole — a loader bug, a manual
insert or a schema change — and name the rule that broke. ``error`` stops the transformation,
``warning`` is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from expectations.outcomes import GateResult, outcome_of
from ingest import rules

PORTAL_SUITE = "raw_portal_requests"
PORTAL_ROWS_LOADED = "portal rows were loaded since the last build"
SUBMISSIONS_SUITE = "raw_intake_submission_rows"
COUNT_STATES = ["value", "not_provided", "not_applicable"]
CHANNEL_COLUMNS = ("assisted_vpvkac", "in_person", "paper_post", "phone", "other_channels")


SQL_DIR = Path(__file__).resolve().parent / "sql"


def _meta(rule: str, severity: str = "error") -> dict[str, str]:
    return {"rule": rule, "severity": severity}


def _sql_rule(name: str, rule: str, **subs: str) -> Any:
    """A rule written as SQL returning the offending rows (at most 20, each with
    ``offending_total``): ``expectations/sql/<name>.sql`` with ``__key__`` placeholders
    filled. A pattern's quotes are doubled for SQL and its braces for GX's ``{batch}``
    formatting."""
    import great_expectations as gx

    query = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    for key, value in subs.items():
        if key == "pattern":
            value = value.replace("'", "''").replace("{", "{{").replace("}", "}}")
        query = query.replace(f"__{key}__", value)
    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=query, description=rule, meta=_meta(rule)
    )


def is_sql_rule(rule: Any) -> bool:
    """SQL rules return at most 20 rows: their results are asked for in full (COMPLETE)."""
    return type(rule).__name__ == "UnexpectedRowsExpectation"


def portal_rules() -> list[Any]:
    """raw.portal_requests (the periods loaded since the last build): one row per
    institution, grain, period, code and sub-channel."""
    import great_expectations as gx

    ex = gx.expectations
    checks: list[Any] = [
        ex.ExpectTableRowCountToBeBetween(min_value=1, meta=_meta(PORTAL_ROWS_LOADED, "warning")),
        # As SQL (expectations/sql/): GX's own expectations for these three took ~85 % of
        # the suite's time on a first build (a join per row, a regex per row).
        _sql_rule(
            "portal_duplicate_keys", "one row per institution, period, portal code and sub-channel"
        ),
        ex.ExpectColumnValuesToBeInSet(
            column="channel",
            value_set=["portal", "institution_website", "api_e_address"],
            meta=_meta("the sub-channel is portal, institution_website or api_e_address"),
        ),
        ex.ExpectColumnValuesToBeInSet(
            column="period_grain",
            value_set=["day", "month"],
            meta=_meta("the period is a day or a month"),
        ),
        ex.ExpectColumnValuesToBeBetween(
            column="request_count", min_value=0, meta=_meta("request counts are not negative")
        ),
        ex.ExpectColumnValuesToBeBetween(
            column="period_start",
            min_value=rules.EARLIEST_PERIOD.isoformat(),
            max_value=rules.today_in_riga().isoformat(),
            meta=_meta("periods are not after today in Riga (nor before 2000)"),
        ),
        # The loader quarantines what breaks these (ingest.rules): the same patterns.
        _sql_rule(
            "values_not_matching",
            "institution codes match the code pattern",
            column="institution_code",
            pattern=rules.INSTITUTION_CODE,
        ),
        _sql_rule(
            "values_not_matching",
            "portal service codes match the code pattern",
            column="portal_service_code",
            pattern=rules.PORTAL_CODE,
        ),
    ]
    for column in ("institution_code", "portal_service_code", "request_count", "batch_id"):
        checks.append(
            ex.ExpectColumnValuesToNotBeNull(column=column, meta=_meta(f"{column} is present"))
        )
    return checks


def submission_rules() -> list[Any]:
    """raw.intake_submission_rows: the accepted rows of institutions' yearly submissions."""
    import great_expectations as gx

    ex = gx.expectations
    checks: list[Any] = [
        ex.ExpectCompoundColumnsToBeUnique(
            column_list=["file_id", "row_no"], meta=_meta("one row per file and row number")
        ),
        ex.ExpectColumnValuesToBeBetween(
            column="reporting_year",
            min_value=2000,
            max_value=rules.today_in_riga().year,
            meta=_meta("reporting years are 2000 to this year"),
        ),
        ex.ExpectColumnValuesToMatchRegex(
            column="service_key",
            regex=rules.SERVICE_KEY,
            meta=_meta("service keys look like <institution>-<nn>"),
        ),
        ex.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="total_users",
            column_B="electronic_requests",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=_meta("electronic requests do not exceed the total"),
        ),
    ]
    for column in ("total_users", "electronic_requests", *CHANNEL_COLUMNS):
        checks.append(
            ex.ExpectColumnValuesToBeBetween(
                column=column, min_value=0, meta=_meta(f"{column} is not negative")
            )
        )
        checks.append(
            ex.ExpectColumnValuesToBeInSet(
                column=f"{column}_state",
                value_set=COUNT_STATES,
                meta=_meta(f"{column}_state is value, not_provided or not_applicable"),
            )
        )
    for column in ("institution_code", "service_key", "reporting_year", "file_id"):
        checks.append(
            ex.ExpectColumnValuesToNotBeNull(column=column, meta=_meta(f"{column} is present"))
        )
    return checks


FIRST_BUILD_PORTAL_TABLE = "raw.portal_requests"
SUITES: dict[str, tuple[str, Callable[[], list[Any]]]] = {
    PORTAL_SUITE: ("audit.portal_requests_since_last_build", portal_rules),
    SUBMISSIONS_SUITE: ("raw.intake_submission_rows", submission_rules),
}


def sqlalchemy_url(conninfo: str) -> str:
    """GX's SQL data sources take SQLAlchemy URLs; psycopg 3 is the installed driver."""
    for prefix in ("postgresql://", "postgres://"):
        if conninfo.startswith(prefix):
            return "postgresql+psycopg://" + conninfo.removeprefix(prefix)
    return conninfo


def validate_table(conninfo: str, table: str, rules: list[Any], suite_name: str) -> GateResult:
    """Run ``rules`` on ``schema.table`` inside PostgreSQL."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    schema, name = table.split(".", 1)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_postgres(
        "warehouse", connection_string=sqlalchemy_url(conninfo)
    )
    asset = source.add_table_asset(name, table_name=name, schema_name=schema)
    batch_definition = asset.add_batch_definition_whole_table("whole_table")
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    sql_suite = context.suites.add(gx.ExpectationSuite(name=f"{suite_name}_sql"))
    for rule in rules:
        (sql_suite if is_sql_rule(rule) else suite).add_expectation(rule)
    outcomes = []
    # Built-in expectations summarised (their full unexpected lists could be millions of
    # values); SQL rules in full (at most 20 rows each, by construction).
    for part, result_format in ((suite, "SUMMARY"), (sql_suite, "COMPLETE")):
        if not part.expectations:
            continue
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{part.name}_run", data=batch_definition, suite=part)
        )
        result = definition.run(result_format={"result_format": result_format})
        outcomes += [outcome_of(r) for r in result.results]
    order = {rule.meta["rule"]: i for i, rule in enumerate(rules)}
    return GateResult(suite_name, sorted(outcomes, key=lambda o: order.get(o.rule, 0)))


def validate_all(conninfo: str, tables: dict[str, str] | None = None) -> dict[str, GateResult]:
    """Every raw suite; ``tables`` maps a suite to another table (tests use broken copies).

    Before the first successful build every portal row is new: the suite then reads the table
    itself rather than the since-last-build view (the same rows, without the view's per-row
    period lookup, which costs ~30 % on a ten-year first build)."""
    import psycopg

    from ingest import sqlfiles

    with psycopg.connect(conninfo) as conn:
        (built,) = conn.execute(sqlfiles.load("refresh/any_build")).fetchone()
    defaults = {} if built else {PORTAL_SUITE: FIRST_BUILD_PORTAL_TABLE}
    results = {}
    for suite_name, (table, suite_rules) in SUITES.items():
        target = {**defaults, **(tables or {})}.get(suite_name, table)
        results[suite_name] = validate_table(conninfo, target, suite_rules(), suite_name)
    return results

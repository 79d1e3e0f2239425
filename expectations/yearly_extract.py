"""The gate on a yearly extract candidate: the exact rows that would leave the warehouse.

Each expectation carries ``meta.severity``: ``error`` blocks the extract, ``warning`` is
reported and shipped with it. GX marks a run failed on any failed expectation, so the
decision is taken here from the per-expectation results, not from GX's overall flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

SUITE_NAME = "yearly_extract_candidate"
COUNT_COLUMNS = (
    "forecast_total_users",
    "forecast_electronic_users",
    "actual_total_users",
    "actual_electronic_requests",
)
ACTUAL_COLUMNS = ("actual_total_users", "actual_electronic_requests")


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result in plain terms."""

    rule: str
    severity: str
    success: bool
    expectation: str
    column: str | None
    unexpected_count: int | None
    examples: list[Any] = field(default_factory=list)

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        extra = ""
        if self.unexpected_count:
            shown = ", ".join(map(str, self.examples[:10]))
            more = " …" if len(self.examples) > 10 else ""
            extra = f": {self.unexpected_count} offending row(s): {shown}{more}"
        return f"[{self.severity}] {self.rule} ({self.expectation}{where}){extra}"


@dataclass(frozen=True)
class GateResult:
    """All outcomes of one validation run and the decision taken from them."""

    suite: str
    outcomes: list[ExpectationOutcome]

    @property
    def errors(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "error"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "passed": self.passed,
            "expectations_evaluated": len(self.outcomes),
            "expectations_succeeded": sum(o.success for o in self.outcomes),
            "errors": [o.describe() for o in self.errors],
            "warnings": [o.describe() for o in self.warnings],
        }


def _rules(year: int, planned_service_keys: Sequence[str]) -> list[Any]:
    import great_expectations as gx

    ex = gx.expectations

    def meta(rule: str, severity: str = "error") -> dict[str, str]:
        return {"rule": rule, "severity": severity}

    rules: list[Any] = [
        ex.ExpectTableRowCountToBeBetween(min_value=1, meta=meta("the year has at least one row")),
        ex.ExpectTableRowCountToEqual(
            value=len(planned_service_keys), meta=meta("one row per planned service")
        ),
        ex.ExpectColumnDistinctValuesToEqualSet(
            column="service_key",
            value_set=list(planned_service_keys),
            meta=meta("exactly the planned services"),
        ),
        ex.ExpectColumnValuesToBeUnique(
            column="service_key", meta=meta("no duplicate service keys")
        ),
        ex.ExpectColumnValuesToBeInSet(
            column="reporting_year", value_set=[year], meta=meta("every row is for the year")
        ),
        ex.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="actual_total_users",
            column_B="actual_electronic_requests",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=meta("electronic requests do not exceed the total"),
        ),
    ]
    for column in ACTUAL_COLUMNS:
        rules.append(
            ex.ExpectColumnValuesToNotBeNull(
                column=column, meta=meta(f"{column} is reported for every planned service")
            )
        )
    for column in COUNT_COLUMNS:
        rules.append(
            ex.ExpectColumnValuesToBeBetween(
                column=column, min_value=0, meta=meta(f"{column} is not negative")
            )
        )
    return rules


def _examples(details: dict[str, Any]) -> list[Any]:
    """Offending service keys where GX can name them, else the offending values."""
    indexed = details.get("unexpected_index_list") or []
    keys = [row["service_key"] for row in indexed if isinstance(row, dict) and "service_key" in row]
    if keys:
        return keys
    return [str(v) for v in details.get("partial_unexpected_list") or []]


def _outcome(result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    meta = config.meta or {}
    details = result.result or {}
    return ExpectationOutcome(
        rule=meta.get("rule", config.type),
        severity=meta.get("severity", "error"),
        success=bool(result.success),
        expectation=config.type,
        column=config.kwargs.get("column") or config.kwargs.get("column_A"),
        unexpected_count=details.get("unexpected_count"),
        examples=_examples(details),
    )


def validate(frame: pd.DataFrame, year: int, planned_service_keys: Sequence[str]) -> GateResult:
    """Run the suite on ``frame`` (the candidate rows) with an ephemeral GX context."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("extract_candidate")
    asset = source.add_dataframe_asset("yearly_indicators")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_year")
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME))
    for rule in _rules(year, planned_service_keys):
        suite.add_expectation(rule)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{SUITE_NAME}_run", data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"{SUITE_NAME}_checkpoint",
            validation_definitions=[definition],
            # Name offending rows by their service key, not by a row index.
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": ["service_key"],
            },
        )
    )
    run = checkpoint.run(batch_parameters={"dataframe": frame})
    outcomes = [_outcome(r) for validation in run.run_results.values() for r in validation.results]
    return GateResult(SUITE_NAME, outcomes)

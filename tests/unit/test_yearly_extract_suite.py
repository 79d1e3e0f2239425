"""Each rule of the extract gate fails on data that breaks it (GX runs for real)."""

import pandas as pd
import pytest

from expectations import yearly_extract

PLANNED = ["VDI-01", "VDI-02", "VDI-03"]


def _frame(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "reporting_year": [2016, 2016, 2016],
            "service_key": list(PLANNED),
            "forecast_total_users": [6206, 508, 2],
            "forecast_electronic_users": [621, 51, 0],
            "actual_total_users": [4441, 221, 207],
            "actual_electronic_requests": [331, 20, 206],
        }
    )
    for column, (row, value) in changes.items():
        frame.loc[row, column] = value
    for column in frame.columns:
        if column != "service_key":
            frame[column] = pd.array(frame[column], dtype="Int64")
    return frame


def _failed_rules(frame: pd.DataFrame, planned=PLANNED) -> set[str]:
    result = yearly_extract.validate(frame, 2016, planned)
    return {o.rule for o in result.errors}


def test_good_candidate_passes() -> None:
    result = yearly_extract.validate(_frame(), 2016, PLANNED)
    assert result.passed
    assert result.summary()["expectations_evaluated"] == len(result.outcomes) > 10


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"actual_electronic_requests": (1, 500)}, "electronic requests do not exceed the total"),
        ({"actual_total_users": (0, -1)}, "actual_total_users is not negative"),
        ({"forecast_electronic_users": (2, -3)}, "forecast_electronic_users is not negative"),
        (
            {"actual_total_users": (2, None)},
            "actual_total_users is reported for every planned service",
        ),
        ({"reporting_year": (0, 2017)}, "every row is for the year"),
        ({"service_key": (2, "VDI-01")}, "no duplicate service keys"),
    ],
)
def test_each_rule_fails_on_data_that_breaks_it(changes: dict, rule: str) -> None:
    assert rule in _failed_rules(_frame(**changes))


def test_missing_planned_service_fails_two_rules() -> None:
    failed = _failed_rules(_frame().iloc[:2])
    assert {"one row per planned service", "exactly the planned services"} <= failed


def test_empty_year_fails() -> None:
    assert "the year has at least one row" in _failed_rules(_frame().iloc[:0])


def test_failures_name_the_offending_service() -> None:
    result = yearly_extract.validate(_frame(actual_electronic_requests=(1, 500)), 2016, PLANNED)
    (error,) = result.errors
    assert error.examples == ["VDI-02"]
    assert "VDI-02" in error.describe()

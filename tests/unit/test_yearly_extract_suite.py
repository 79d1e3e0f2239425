"""Each rule of the extract gate fails on data that breaks it (GX runs for real)."""

import pandas as pd
import pytest

from expectations import yearly_extract

PLANNED = ["VDI-01", "VDI-02", "VDI-03"]
LIMITS = yearly_extract.GateThresholds(portal_tolerance=0.10, yoy_factor=3.0)


def _frame(**changes) -> pd.DataFrame:
    """Three real VDI 2016 rows with the figures the gate compares them to."""
    columns = {
        "reporting_year": [2016, 2016, 2016],
        "service_key": list(PLANNED),
        "base_year": [2015, 2015, 2015],
        "window_last_year": [2019, 2019, 2019],
        "forecast_total_users": [6206, 508, 2],
        "forecast_electronic_users": [621, 51, 0],
        "actual_total_users": [4441, 221, 207],
        "actual_electronic_requests": [331, 20, 206],
        "portal_electronic_requests": [331, 19, 206],
        "electronic_deviation_from_portal": [0.0, 1 / 19, 0.0],
        "channel_parts_sum": [None, 221, None],
        "previous_year_total_users": [4000, 200, 190],
        "previous_year_electronic_requests": [300, 18, 200],
        "total_users_yoy_factor": [4441 / 4000, 221 / 200, 207 / 190],
        "electronic_yoy_factor": [331 / 300, 20 / 18, 206 / 200],
    }
    rows = [{name: values[i] for name, values in columns.items()} for i in range(len(PLANNED))]
    for column, (row, value) in changes.items():
        rows[row][column] = value
    return yearly_extract.to_frame(list(columns), [list(r.values()) for r in rows])


def _result(frame: pd.DataFrame, planned=PLANNED) -> yearly_extract.GateResult:
    return yearly_extract.validate(frame, 2016, planned, LIMITS)


def _failed_rules(frame: pd.DataFrame, planned=PLANNED) -> set[str]:
    return {o.rule for o in _result(frame, planned).errors}


def test_good_candidate_passes_without_warnings() -> None:
    result = _result(_frame())
    assert result.passed, result.summary()
    assert result.warnings == []
    assert result.summary()["expectations_evaluated"] == len(result.outcomes) > 20


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"actual_electronic_requests": (1, 500)}, "electronic requests do not exceed the total"),
        ({"actual_total_users": (0, -1)}, "actual_total_users is not negative"),
        ({"forecast_electronic_users": (2, -3)}, "forecast_electronic_users is not negative"),
        ({"actual_total_users": (1, 220.5)}, "actual_total_users is a whole number"),
        ({"forecast_total_users": (0, "6206")}, "forecast_total_users is a whole number"),
        (
            {"actual_total_users": (2, None)},
            "actual_total_users is reported for every planned service",
        ),
        ({"reporting_year": (0, 2017)}, "every row is for the year"),
        ({"service_key": (2, "VDI-01")}, "no duplicate service keys"),
        (
            {"base_year": (0, 2017)},
            "the year is inside the monitoring window (not before the base year)",
        ),
        (
            {"window_last_year": (1, 2015)},
            "the year is inside the monitoring window (not after its last year)",
        ),
        (
            {"channel_parts_sum": (1, 220)},
            "channel parts sum to the total where every part is provided",
        ),
        (
            {"electronic_deviation_from_portal": (0, 0.5)},
            "reported electronic requests are within 10% of the portal's count",
        ),
    ],
)
def test_each_error_rule_fails_on_data_that_breaks_it(changes: dict, rule: str) -> None:
    assert rule in _failed_rules(_frame(**changes))


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"portal_electronic_requests": (2, None)}, "the portal has a count for the service"),
        (
            {"electronic_yoy_factor": (0, 3.5)},
            "electronic requests changed less than 3x from the previous year",
        ),
        (
            {"total_users_yoy_factor": (1, 10.0)},
            "total users changed less than 3x from the previous year",
        ),
    ],
)
def test_each_warning_rule_warns_but_does_not_block(changes: dict, rule: str) -> None:
    result = _result(_frame(**changes))
    assert result.passed
    assert rule in {o.rule for o in result.warnings}


def test_a_missing_portal_figure_is_a_warning_not_a_deviation() -> None:
    frame = _frame(portal_electronic_requests=(2, None), electronic_deviation_from_portal=(2, None))
    result = _result(frame)
    assert result.passed
    assert [o.rule for o in result.warnings] == ["the portal has a count for the service"]


def test_tolerance_is_configurable() -> None:
    frame = _frame(electronic_deviation_from_portal=(0, 0.15))
    assert not yearly_extract.validate(frame, 2016, PLANNED, LIMITS).passed
    loose = yearly_extract.GateThresholds(portal_tolerance=0.2, yoy_factor=3.0)
    assert yearly_extract.validate(frame, 2016, PLANNED, loose).passed


def test_missing_planned_service_fails() -> None:
    result = _result(_frame().iloc[:2])
    assert {o.rule for o in result.errors} == {"every planned service has a row"}
    assert result.errors[0].examples == ["VDI-03"]


def test_unplanned_service_fails() -> None:
    failed = _failed_rules(_frame(service_key=(2, "VDI-09")))
    assert "only planned services have rows" in failed


def test_a_year_wide_run_decides_per_institution() -> None:
    """One GX run over two institutions: each is refused only for its own rows."""
    other = _frame()
    other["service_key"] = ["ABC-01", "ABC-02", "ABC-03"]
    frame = pd.concat([_frame(), other], ignore_index=True)
    frame.insert(0, "institution_code", ["VDI"] * 3 + ["ABC"] * 3)
    frame.loc[4, "electronic_deviation_from_portal"] = 0.5  # ABC-02 far from the portal
    frame = frame.drop(index=0)  # VDI-01 missing
    result = _result(frame, planned=[*PLANNED, "ABC-01", "ABC-02", "ABC-03"])
    vdi, abc = result.for_institution("VDI"), result.for_institution("ABC")
    assert [(o.rule, o.examples) for o in vdi.errors] == [
        ("every planned service has a row", ["VDI-01"])
    ]
    assert [(o.rule, o.examples) for o in abc.errors] == [
        ("reported electronic requests are within 10% of the portal's count", ["ABC-02"])
    ]
    clean = result.for_institution("XYZ")
    assert clean.passed and len(clean.outcomes) == len(result.outcomes)


def test_empty_year_fails() -> None:
    assert "the year has at least one row" in _failed_rules(_frame().iloc[:0])


def test_failures_name_the_offending_service() -> None:
    result = _result(_frame(actual_electronic_requests=(1, 500)))
    errors = {o.rule: o for o in result.errors}
    error = errors["electronic requests do not exceed the total"]
    assert error.examples == ["VDI-02"]
    assert "VDI-02" in error.describe()


def _with_flags(frame: pd.DataFrame, synthetic: bool, demo_evidence: bool) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(0, "institution_code", ["VDI"] * len(frame))
    frame["is_synthetic"] = synthetic
    frame["portal_is_synthetic"] = demo_evidence
    frame["previous_year_is_synthetic"] = demo_evidence
    return frame


def _judged(frame: pd.DataFrame) -> yearly_extract.GateResult:
    return _result(frame).for_institution("VDI", frame)


def _outcome(result: yearly_extract.GateResult, rule_start: str):
    return next(o for o in result.outcomes if o.rule.startswith(rule_start))


def test_a_rule_with_nothing_to_check_is_not_applicable_never_passed() -> None:
    frame = _with_flags(_frame(channel_parts_sum=(1, None)), False, False)
    result = _judged(frame)
    rule = _outcome(result, "channel parts sum to the total")
    assert rule.success  # GX skips NULLs: its own verdict would be "passed"
    assert rule.status == "not_applicable"
    assert result.summary()["expectations_not_applicable"] == 1
    assert "not applicable" in rule.describe()
    # with one part list provided it is checked again
    assert _outcome(_judged(_with_flags(_frame(), False, False)), "channel parts").status == (
        "passed"
    )


def test_demo_evidence_warns_but_never_refuses_a_real_year() -> None:
    broken = _frame(electronic_deviation_from_portal=(0, 0.5))
    real_on_demo = _judged(_with_flags(broken, synthetic=False, demo_evidence=True))
    portal = _outcome(real_on_demo, "reported electronic requests are within")
    assert (portal.status, portal.severity, portal.evidence) == ("failed", "warning", "demo")
    assert portal.downgraded and "checked against demo data: not evidence" in portal.describe()
    assert real_on_demo.passed
    # passing on demo evidence is reported as such, not as evidence
    fine = _judged(_with_flags(_frame(), synthetic=False, demo_evidence=True))
    assert _outcome(fine, "reported electronic requests are within").evidence == "demo"
    assert fine.summary()["expectations_on_demo_evidence"] == 4  # portal x2, YoY x2
    # real evidence refuses a real year; demo evidence still refuses demo figures
    assert not _judged(_with_flags(broken, synthetic=False, demo_evidence=False)).passed
    assert not _judged(_with_flags(broken, synthetic=True, demo_evidence=True)).passed

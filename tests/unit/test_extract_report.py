"""The extract report and the failure report: well-formed SVG charts, escaped text."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from publish import extract_report

INDICATORS = [
    {"service_key": "VDI-07", "service_name_lv": "Izziņa <par> & pārkāpumiem",
     "forecast_electronic_users": 237, "actual_electronic_requests": 2189,
     "electronic_attainment": Decimal("9.2362869198312236"), "electronic_share": Decimal("0.58"),
     "portal_electronic_requests": 2189, "electronic_status": "met"},
    {"service_key": "VDI-16", "service_name_lv": "Atzinums", "forecast_electronic_users": 0,
     "actual_electronic_requests": 206, "electronic_attainment": None,
     "electronic_share": Decimal("0.995"), "portal_electronic_requests": None,
     "electronic_status": "no_forecast"},
]  # fmt: skip
CHANNEL_MIX = [
    {"service_key": "VDI-07", "channel_group": "electronic", "channel": "electronic",
     "count_state": "value", "share_of_total": Decimal("0.58")},
    {"service_key": "VDI-07", "channel_group": "paper_post", "channel": "paper_post",
     "count_state": "not_provided", "share_of_total": None},
    {"service_key": "VDI-07", "channel_group": "not_split", "channel": "not_split",
     "count_state": "derived", "share_of_total": Decimal("0.42")},
]  # fmt: skip
TREND = [
    {"reporting_year": 2015, "electronic_share": Decimal("0.25"),
     "forecast_electronic_share": Decimal("0.11")},
    {"reporting_year": 2016, "electronic_share": Decimal("0.27"),
     "forecast_electronic_share": Decimal("0.11")},
]  # fmt: skip
SUMMARY = {
    "suite": "s",
    "expectations_evaluated": 3,
    "expectations_succeeded": 2,
    "errors": [],
    "warnings": ["[warning] the portal has a count for the service: VDI-16"],
}


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S)]


def test_report_has_three_well_formed_charts_and_escapes_text() -> None:
    html = extract_report.extract_report(
        "VDI", 2016, INDICATORS, CHANNEL_MIX, TREND, SUMMARY, is_synthetic=True
    ).decode("utf-8")
    charts = _svgs(html)
    assert len(charts) == 3
    bars = [r for r in charts[0].iter("rect")]
    assert len(bars) == 4  # forecast and actual per service
    assert "Izziņa &lt;par&gt; &amp; pārkāpumiem" in html
    assert "SYNTHETIC" in html
    assert "the portal has a count for the service" in html  # warnings are shown
    assert "not provided" in html and "VDI-07" in html


def test_report_is_deterministic() -> None:
    args = ("VDI", 2016, INDICATORS, CHANNEL_MIX, TREND, SUMMARY, False)
    assert extract_report.extract_report(*args) == extract_report.extract_report(*args)


def test_failure_report_names_rule_and_offending_rows() -> None:
    report = {
        "institution_code": "VDI", "reporting_year": 2016,
        "errors": [{"rule": "within 10% of the portal", "severity": "error",
                    "expectation": "expect_column_values_to_be_between",
                    "column": "electronic_deviation_from_portal", "unexpected_count": 1,
                    "offending_rows": [{"service_key": "VDI-07",
                                        "electronic_deviation_from_portal": 0.37}]}],
        "warnings": [],
    }  # fmt: skip
    html = extract_report.failure_html(report).decode("utf-8")
    assert "NOT written" in html and "within 10% of the portal" in html
    assert "<td>VDI-07</td>" in html
    assert b'"VDI-07"' in extract_report.failure_json(report)

"""The extract report and the failure report: the decision first, well-formed SVG charts with
axes, targets and legends, percentages as percentages, provenance marked, escaped text.
(tests/integration/test_report_in_browser.py looks at the real one in Chromium.)"""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from publish import extract_report, labels


def _row(key, no, forecast, actual, status, rank, **extra):
    row = {
        "service_key": key, "service_no": no, "service_name_lv": f"Pakalpojums {no}",
        "reporting_year": 2016, "forecast_total_users": forecast * 10,
        "actual_total_users": actual * 4, "forecast_electronic_users": forecast,
        "actual_electronic_requests": actual,
        "electronic_attainment": Decimal(actual) / Decimal(forecast) if forecast else None,
        "electronic_share": Decimal("0.25"), "forecast_electronic_share": Decimal("0.1"),
        "electronic_gap": max(forecast - actual, 0), "below_plan_rank": rank,
        "electronic_status": status, "electronic_growth_vs_base": Decimal("0.174"),
        "portal_electronic_requests": actual, "planned_activities_lv": None,
        "activities_done_lv": None, "is_synthetic": False, "portal_is_synthetic": True,
        "previous_year_is_synthetic": True, "growth_vs_base_is_synthetic": True,
    }  # fmt: skip
    return {**row, **extra}


INDICATORS = [
    _row("VDI-01", 1, 621, 331, "below_plan", 2, planned_activities_lv="Sabiedrības " * 30),
    _row("VDI-03", 3, 486, 61, "below_plan", 1, service_name_lv="Izziņa <par> & pārkāpumiem"),
    _row("VDI-07", 7, 237, 2189, "met", None),
    _row("VDI-16", 16, 0, 206, "no_forecast", None),
]
CHANNEL_MIX = [
    {"service_key": "VDI-07", "channel": "electronic", "count_state": "value",
     "requests": 2189, "share_of_total": Decimal("0.58")},
    {"service_key": "VDI-07", "channel": "paper_post", "count_state": "not_provided",
     "requests": None, "share_of_total": None},
    {"service_key": "VDI-07", "channel": "not_split", "count_state": "derived",
     "requests": 1566, "share_of_total": Decimal("0.42")},
]  # fmt: skip
TREND = [
    {"reporting_year": 2015, "electronic_share": Decimal("0.25"),
     "forecast_electronic_share": Decimal("0.11"), "actual_electronic_requests": 6347,
     "is_synthetic": True},
    {"reporting_year": 2016, "electronic_share": Decimal("0.27"),
     "forecast_electronic_share": Decimal("0.11"), "actual_electronic_requests": 7350,
     "is_synthetic": False, "institution_name_lv": "Valsts darba inspekcija",
     "planned_services": 4, "reported_services": 4, "services_met": 1,
     "services_below_plan": 2, "forecast_total_users": 13440, "actual_total_users": 11148,
     "forecast_electronic_users": 1344, "electronic_attainment": Decimal("2.07"),
     "submission_status": "late"},
]  # fmt: skip
SUMMARY = {
    "suite": "s",
    "errors": [],
    "warnings": ["[warning] the portal has a count for the service: VDI-16"],
    "results": [
        {"rule": "every planned service has a row", "severity": "error", "status": "passed",
         "evidence": "real", "evidence_note": None},
        {"rule": "channel parts sum to the total", "severity": "error",
         "status": "not_applicable", "evidence": "none",
         "evidence_note": "not applicable: nothing to check"},
        {"rule": "within 10 % of the portal's count", "severity": "error", "status": "passed",
         "evidence": "demo", "evidence_note": "checked against demo data: not evidence"},
    ],
}  # fmt: skip
META = {
    "version": 3,
    "generated_at": "2026-11-30T10:00:00+00:00",
    "sources": [{"source": "portal", "source_uri": "p.csv", "is_synthetic": True}],
    "contact": "datu komanda",
    "links": [("indicators.csv", "indicators.csv")],
}


def _html(indicators=INDICATORS) -> str:
    return extract_report.extract_report(
        "VDI", 2016, indicators, CHANNEL_MIX, TREND, SUMMARY, META
    ).decode("utf-8")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S)]


def test_headline_in_latvian_and_english() -> None:
    assert extract_report.headline(2016, 7, 16) == (
        "7 no 16 pakalpojumiem zem plāna 2016. gadā",
        "7 of 16 services below plan in 2016",
    )


def test_report_leads_with_the_below_plan_services_ranked_by_gap() -> None:
    html = _html()
    assert '<html lang="lv">' in html
    headline = re.search(r'<p class="headline bad" id="headline">([^<]*)</p>', html)
    assert headline is not None
    assert headline.group(1) == "2 no 4 pakalpojumiem zem plāna 2016. gadā"
    assert "2 of 4 services below plan in 2016" in html
    table = re.search(r'<table class="below-plan">.*?</table>', html, flags=re.S)
    assert table is not None
    assert headline.start() < html.index(table.group(0)) < html.index("<svg")
    keys = re.findall(r"<b>(VDI-\d\d)</b>", table.group(0))
    assert keys == ["VDI-03", "VDI-01"]  # exactly the below-plan ones, largest gap first
    text = _text(table.group(0))
    assert "12,6 %" in text and "53,3 %" in text  # percentages, Latvian format
    assert "425" in text and "290" in text  # the gap in requests
    assert "Zem plāna" in text and "below_plan" not in text  # status in words
    assert "+17,4 %†" in text  # growth on a demo base year is marked
    assert "Sabiedrības Sabiedrības" in text and "pilns teksts" in text  # excerpt + full text
    assert html.count(("Sabiedrības " * 30).strip()) == 1  # the full text, once, below


def test_a_real_year_is_not_called_synthetic_but_its_demo_derived_figures_are_marked() -> None:
    html = _html()
    assert "SYNTHETIC" not in html and 'class="banner real"' in html
    assert "† atzīmētie" in html and "not evidence" in html
    synthetic = [dict(r, is_synthetic=True) for r in INDICATORS]
    assert "SYNTHETIC demo data" in _html(synthetic)


def test_gate_findings_say_not_applicable_and_demo_evidence_never_passed() -> None:
    text = _text(_html())
    assert (
        "No 3 noteikumiem: 1 izpildīti, 0 nav izpildīti, 1 pārbaudīti pret demonstrācijas "
        "datiem (nav pierādījums), 1 nav piemērojami"
    ) in text
    assert "Nav piemērojams" in text and labels.DEMO_NOTE_LV in text
    assert "the portal has a count for the service" in text  # warnings are shown


def test_charts_have_axes_targets_legends_and_printed_values() -> None:
    html = _html()
    bars, share, mix = _svgs(html)
    ns = "{http://www.w3.org/2000/svg}"
    for chart in (bars, share, mix):
        assert chart.find(f"{ns}title") is not None or chart.find("title") is not None

    def texts(svg: ET.Element) -> list[str]:
        return ["".join(t.itertext()) for t in svg.iter() if t.tag.endswith("text")]

    bar_texts = texts(bars)
    assert "0" in bar_texts and any("e-pieprasījumi gadā" in t for t in bar_texts)  # x axis
    assert any("prognoze" in t for t in bar_texts)  # the legend names the target mark
    targets = [e for e in bars.iter() if e.get("class") == "target"]
    assert len(targets) == 4  # a forecast mark per service (0 for VDI-16)
    below = [e for e in bars.iter() if (e.get("class") or "").startswith("bar below")]
    assert len(below) == 2
    assert "331 / 621 (53 %)" in bar_texts  # values printed, not only on hover
    share_texts = texts(share)
    assert "0 %" in share_texts and "27,0 %" in share_texts and "25,0 %†" in share_texts
    assert any(e.get("class") == "point demo" for e in share.iter())  # hollow demo points
    # every chart's values are also in a table right after it
    assert html.count('class="chart-data"') == 3
    assert "nav norādīts" in _text(html)


def test_report_is_deterministic_offline_and_escapes_text() -> None:
    html = _html()
    assert html == _html()
    assert "Izziņa &lt;par&gt; &amp; pārkāpumiem" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "<script" not in html
    assert "v0003" in html and "datu komanda" in html


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

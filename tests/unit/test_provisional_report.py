"""The provisional report of an open year: marked provisional, worst first, the action plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from publish import provisional


def _outlook(key: str, status: str, projected: int, synthetic: bool = False) -> dict:
    return {
        "institution_code": "A", "institution_name_lv": "Iestāde A", "service_key": key,
        "service_name_lv": f"Pakalpojums {key}", "reporting_year": 2019,
        "as_of_date": date(2019, 6, 30), "months_complete": 6, "forecast_electronic_users": 1000,
        "ytd_requests": projected // 2, "projected_requests": projected,
        "projected_requests_p10": projected - 100, "projected_requests_p90": projected + 100,
        "profile_scope": "service", "outlook_status": status,
        "reforecast_electronic_requests": None, "reforecast_electronic_low": None,
        "reforecast_electronic_high": None, "is_synthetic": synthetic,
    }  # fmt: skip


ACTION = {
    "institution_code": "A", "activity_id": "A-RP-01", "service_key": "A-01",
    "activity_lv": "Vēstules partneriem", "activity_type": "cooperation",
    "start_date": date(2019, 3, 1), "start_date_is_approximate": True, "end_date": None,
    "activity_status": "started", "months_after": 4, "actual_after": Decimal(520),
    "expected_after": Decimal(400), "expected_after_p10": Decimal(350),
    "expected_after_p90": Decimal(450), "effect_ratio": Decimal("0.3"),
    "peer_effect_ratio": None, "effect_verdict": "above_expected", "start_year": 2019,
    "is_synthetic": False,
}  # fmt: skip


def test_headline_counts_the_services_projected_to_miss() -> None:
    lv, en = provisional.headline(2019, 6, 16, date(2019, 6, 30))
    assert lv == "6 no 16 pakalpojumiem prognozēti zem plāna 2019. gadā (uz 30.06.2019)"
    assert en == "6 of 16 services projected to miss their plan in 2019 (as of 2019-06-30)"


def test_report_is_marked_provisional_and_shows_the_action_plan() -> None:
    rows = [_outlook("A-01", "projected_to_miss", 700, synthetic=True),
            _outlook("A-02", "on_track", 1200)]  # fmt: skip
    html = provisional.render("A", "Iestāde A", 2019, date(2019, 6, 30), rows, [ACTION]).decode()
    assert "<title>PROVIZORISKI A 2019" in html and "PROVISIONAL" in html
    assert 'id="headline" class="headline bad">1 no 2 pakalpojumiem' in html
    assert "▼ Prognozēts zem plāna" in html  # never colour alone
    assert "700†" in html and "1 200" in html  # demo figures marked; Latvian grouping
    assert "600–800" in html  # the interval
    assert "Sadarbība ar citām iestādēm" in html and "+30,0 %" in html
    assert "Virs gaidītā" in html and "Vēstules partneriem" in html
    assert "http" not in html  # nothing from the network


def test_report_without_an_action_plan_says_so() -> None:
    html = provisional.render("A", "Iestāde A", 2019, date(2019, 6, 30),
                              [_outlook("A-01", "on_track", 1200)], []).decode()  # fmt: skip
    assert "Rīcības plāns nav iesniegts" in html
    assert 'class="headline good">0 no 1' in html

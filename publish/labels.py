"""Words and number formats for people: Latvian labels of the extract's codes and columns,
their English glosses, and the definitions the files and the report share.

The CSV keeps the warehouse's codes and column names (machines read it); the XLSX and the
report show these labels, and the XLSX's "Definīcijas" sheet maps each label to its code, so
one list serves every reader.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# code → (Latvian, English)
ELECTRONIC_STATUS = {
    "met": ("Plāns izpildīts", "met the plan"),
    "below_plan": ("Zem plāna", "below plan"),
    "no_forecast": ("Nav prognozes", "no forecast"),
    "no_data": ("Nav datu", "no data"),
    "not_due": ("Vēl nav jāiesniedz", "not yet due"),
}
SUBMISSION_STATUS = {
    "on_time": ("Iesniegts laikā", "submitted on time"),
    "late": ("Iesniegts novēloti", "submitted late"),
    "rejected": ("Iesniegums noraidīts", "submission rejected"),
    "not_due": ("Vēl nav jāiesniedz", "not yet due"),
    "missing": ("Nav iesniegts", "missing"),
}
CHANNEL = {
    "electronic": ("Elektroniski (e-pakalpojums)", "electronic (e-service)"),
    "assisted_vpvkac": ("Ar palīdzību VPVKAC", "assisted at a VPVKAC centre"),
    "in_person": ("Klātienē", "in person"),
    "paper_post": ("Papīrā / pa pastu", "paper / post"),
    "phone": ("Pa tālruni", "by phone"),
    "other_channels": ("Citi kanāli", "other channels"),
    "not_split": ("Nav sadalīts pa kanāliem", "not split by channel"),
}
CHANNEL_GROUP = {
    "electronic": ("Elektroniski", "electronic"),
    "other": ("Citi kanāli", "other channels"),
}
COUNT_STATE = {
    "value": ("Skaitlis", "a number"),
    "not_provided": ("nav norādīts", "not provided"),
    "not_applicable": ("nav piemērojams", "not applicable (no such channel)"),
    "derived": ("atvasināts", "derived (the rest of the total)"),
}
GROWTH_SOURCE = {
    "reported": ("Iesniegtie skaiti", "reported figures"),
    "portal": ("Portāla statistika", "portal statistics"),
}
GATE_STATUS = {
    "passed": ("Izpildīts", "passed"),
    "failed": ("Nav izpildīts", "failed"),
    "not_applicable": ("Nav piemērojams", "not applicable"),
}
EXTRACT_OUTCOME = {
    "passed": ("Izturēja pārbaudi", "passed"),
    "refused": ("Atteikts", "refused"),
}
OUTLOOK_STATUS = {
    "projected_to_miss": ("Prognozēts zem plāna", "projected to miss the plan"),
    "at_risk": ("Risks nesasniegt plānu", "at risk"),
    "on_track": ("Plāna robežās", "on track"),
    "too_early": ("Par agru spriest", "too early to tell"),
    "no_forecast": ("Nav prognozes", "no forecast"),
}
ACTIVITY_TYPE = {
    "communication": ("Sabiedrības informēšana", "public communication"),
    "training": ("Darbinieku apmācība", "staff training"),
    "regulation": ("Regulējums (obligāta, lētāka vai ātrāka e-lietošana)",
                   "regulation (e-use mandatory, cheaper or faster)"),
    "cooperation": ("Sadarbība ar citām iestādēm", "cooperation with other institutions"),
    "manuals": ("Lietošanas pamācības", "manuals"),
    "data_exchange": ("Starpiestāžu datu apmaiņa", "inter-institution data exchange"),
    "other": ("Cits", "other"),
}  # fmt: skip
ACTIVITY_STATUS = {
    "planned": ("Plānota", "planned"),
    "started": ("Uzsākta", "started"),
    "done": ("Paveikta", "done"),
    "overdue": ("Nokavēta", "overdue"),
}
EFFECT_VERDICT = {
    "above_expected": ("Virs gaidītā", "above what was expected"),
    "below_expected": ("Zem gaidītā", "below what was expected"),
    "within_expected": ("Gaidītā robežās", "within what was expected"),
    "not_started": ("Vēl nav sākusies", "not started yet"),
    "months_missing": ("Trūkst mēnešu datu", "months missing"),
    "no_counterfactual": ("Nav salīdzinājuma bāzes", "no counterfactual"),
    "no_interval": ("Nav intervāla", "no interval"),
}
CODE_LISTS = {
    "electronic_status": ELECTRONIC_STATUS,
    "submission_status": SUBMISSION_STATUS,
    "channel": CHANNEL,
    "channel_group": CHANNEL_GROUP,
    "count_state": COUNT_STATE,
    "growth_source": GROWTH_SOURCE,
    "extract_outcome": EXTRACT_OUTCOME,
}

YES_NO = ("Jā", "Nē")
NOT_PROVIDED_LV = "nav norādīts"
DEMO_NOTE_LV = "pārbaudīts pret demonstrācijas datiem: nav pierādījums"
DEMO_NOTE_EN = "checked against demo data: not evidence"

DEFINITIONS = (
    (
        "Lietotāji un pieprasījumi",
        "Users and requests",
        "Prognoze skaita lietotājus (personas), faktiskie skaiti — pieprasījumus (iesniegumus, "
        "dokumentus). Izpilde salīdzina abus tā, kā to dara projekta plāns.",
    ),
    (
        "E-izpilde",
        "Electronic attainment",
        "Faktiskie elektroniskie pieprasījumi / prognozētie e-pakalpojuma lietotāji. "
        "Zem 100 % — zem plāna.",
    ),
    (
        "Iztrūkums",
        "Gap",
        "Prognozētie e-lietotāji mīnus faktiskie elektroniskie pieprasījumi (0, ja plāns "
        "izpildīts).",
    ),
    (
        "E-daļa",
        "Electronic share",
        "Elektroniskie pieprasījumi / visi pieprasījumi (papīrā un elektroniski).",
    ),
    (
        "Pieaugums pret bāzes gadu",
        "Growth vs base year",
        "Gada elektroniskie pieprasījumi / bāzes gada, mīnus 1; uz iesniegtajiem skaitiem, ja "
        "abi gadi iesniegti, citādi uz portāla statistiku.",
    ),
    (
        "Sintētiski dati",
        "Synthetic data",
        "Ģenerēti demonstrācijas dati, nevis reāli skaitļi. Rādītājs, kas atvasināts no "
        "sintētiska avota (iepriekšējais gads, bāzes gads, portāla skaits), ir atzīmēts ar †.",
    ),
)


def label(codes: dict[str, tuple[str, str]], code: Any, english: bool = False) -> str:
    """The Latvian (or English) label of a code; an unknown code is shown as it is."""
    if code is None:
        return ""
    found = codes.get(str(code))
    return found[1 if english else 0] if found else str(code)


def yes_no(value: Any) -> str | None:
    if value is None:
        return None
    return YES_NO[0] if value else YES_NO[1]


def _number(value: float, digits: int) -> str:
    """Latvian number format: space between thousands, comma for decimals."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ").replace(".", ",")


def count(value: Any) -> str:
    """``27 165``; an em dash for no value."""
    if value is None:
        return "—"
    return _number(float(value), 0)


def percent(value: Any, digits: int = 1, signed: bool = False) -> str:
    """A 0–1 ratio as ``53,3 %`` (``+17,4 %`` when signed); an em dash for no value."""
    if value is None:
        return "—"
    number = float(value) * 100
    text = _number(number, digits)
    if signed and number > 0:
        text = "+" + text
    return f"{text} %".replace("-", "−")


def as_float(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, Decimal | int | float):
        return float(value)
    return None

"""The input rules every loader and every raw suite share: codes, counts and periods.

One definition, three users: the institutional intake (cell by cell, in Python), the portal
loader (each *distinct* value of a file classified here, then joined back to the rows in
PostgreSQL, so a national file costs a few thousand calls, not millions) and the raw GX suites
(the same regular expressions, evaluated by PostgreSQL). A row the raw suites would refuse is
therefore quarantined by the loader instead of blocking every later build.

The patterns use only what Python's ``re`` and PostgreSQL's regular expressions read alike
(anchors, classes, bounded repeats).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

RIGA = ZoneInfo("Europe/Riga")

# -- identifiers ---------------------------------------------------------------------------
# Institution: a short upper-case code (VDI, SYN01); also a folder name in the archive and the
# extracts, so it can never hold a path separator, a dot or anything longer than 10 characters.
INSTITUTION_CODE = r"^[A-Z][A-Z0-9]{1,9}$"
# Service: <institution>-<nn> (VDI-07).
SERVICE_KEY = r"^[A-Z][A-Z0-9]{1,9}-[0-9]{2,3}$"
# Portal service code after normalisation (EP72, or SYN-VDI-02 for an invented one).
PORTAL_CODE = r"^[A-Z0-9][A-Z0-9-]{0,39}$"
# Funded project identifier (VDI-ERDF-2009-2014; programme references use / and .).
PROJECT_ID = r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,63}$"
# Action-plan activity: <institution>-<the institution's own id> (VDI-RP2017-01).
ACTIVITY_ID = r"^[A-Z][A-Z0-9]{1,9}-[A-Z0-9][A-Z0-9._-]{0,39}$"

_PATTERNS = {
    "institution_code": re.compile(INSTITUTION_CODE),
    "service_key": re.compile(SERVICE_KEY),
    "portal_service_code": re.compile(PORTAL_CODE),
    "project_id": re.compile(PROJECT_ID),
    "activity_id": re.compile(ACTIVITY_ID),
}
CODE_HELP = {
    "institution_code": ("2–10 capital letters or digits, starting with a letter (e.g. VDI)",
                         "2–10 lielie burti vai cipari, sākas ar burtu (piem., VDI)"),
    "service_key": ("<institution>-<nn>, e.g. VDI-07", "<iestāde>-<nn>, piem., VDI-07"),
    "portal_service_code": ("letters, digits and '-' (e.g. EP72), at most 40",
                            "burti, cipari un '-' (piem., EP72), ne vairāk kā 40"),
    "project_id": ("letters, digits and . / _ - (at most 64)",
                   "burti, cipari un . / _ - (ne vairāk kā 64)"),
    "activity_id": ("<institution>-<id>: capital letters, digits and . _ - (e.g. VDI-RP2017-01)",
                    "<iestāde>-<ID>: lielie burti, cipari un . _ - (piem., VDI-RP2017-01)"),
}  # fmt: skip


def code_problem(kind: str, value: str, as_received: str | None = None) -> tuple[str, str] | None:
    """(en, lv) when ``value`` is not a valid code of ``kind``, else None; the message shows
    ``as_received`` (the text before normalisation) when given."""
    if _PATTERNS[kind].fullmatch(value):
        return None
    en, lv = CODE_HELP[kind]
    shown = as_received if as_received is not None else value
    shown = shown if len(shown) <= 40 else shown[:40] + "…"
    return (f"not a valid {kind.replace('_', ' ')} {shown!r}: {en}",
            f"nederīgs kods {shown!r}: {lv}")  # fmt: skip


# -- counts --------------------------------------------------------------------------------
INT4_MAX = 2_147_483_647  # intake counts (per service and year)
BIGINT_MAX = 9_223_372_036_854_775_807  # portal counts (national aggregates can be large)

# Digits grouped by a space, a no-break space or a narrow no-break space: "4 441", "1 234 567".
_GROUPED = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+")
_PLAIN = re.compile(r"\d+")
# Spreadsheets write a whole number as "12.0" or "12,00": a whole number, not a fraction.
_WHOLE_DECIMAL = re.compile(r"(\d+)[.,]0{1,2}")
# "3,000" or "1.000": a thousands separator in one locale, a decimal point in another.
_AMBIGUOUS = re.compile(r"\d+(?:[.,]\d{3})+")
_NEGATIVE = re.compile(r"-\s*\d[\d \u00a0\u202f.,]*")
_FRACTION = re.compile(r"\d+[.,]\d+")


@dataclass(frozen=True)
class CountProblem:
    en: str
    lv: str

    @property
    def reason(self) -> str:
        return self.en


def parse_count(text: str, maximum: int = INT4_MAX) -> tuple[int | None, CountProblem | None]:
    """A request or user count typed by a person: (value, None) or (None, problem).

    Accepted: ``4441``, ``4 441`` (space or no-break space between groups of three), ``12.0``.
    Refused with a message saying how to write it: ``3,000`` and ``1.000`` (ambiguous between
    locales), fractions, negatives, anything else, and values beyond ``maximum``.
    """
    t = text.strip()
    if _PLAIN.fullmatch(t):
        digits = t
    elif _GROUPED.fullmatch(t):
        digits = re.sub(r"\D", "", t)
    elif _AMBIGUOUS.fullmatch(t):
        plain = re.sub(r"\D", "", t).lstrip("0") or "0"
        grouped = _group(int(plain))
        return None, CountProblem(
            f"ambiguous number {t!r}: a comma or dot before three digits can be a thousands "
            f"separator or a decimal point; if you mean {grouped}, write {plain} or {grouped}",
            f"neviennozīmīgs skaitlis {t!r}: komats vai punkts pirms trim cipariem var būt "
            f"tūkstošu atdalītājs vai decimālzīme; ja domāts {grouped}, rakstiet {plain} "
            f"vai {grouped}",
        )
    elif m := _WHOLE_DECIMAL.fullmatch(t):
        digits = m.group(1)
    elif _NEGATIVE.fullmatch(t):
        return None, CountProblem("negative number", "negatīvs skaitlis")
    elif _FRACTION.fullmatch(t):
        return None, CountProblem(
            "fractional number: counts are whole numbers", "daļskaitlis: skaitam jābūt veselam"
        )
    else:
        return None, CountProblem("not a number", "nav skaitlis")
    if len(digits) > 19 or int(digits) > maximum:
        return None, CountProblem(
            f"number too large (at most {_group(maximum)})",
            f"pārāk liels skaitlis (ne vairāk kā {_group(maximum)})",
        )
    return int(digits), None


def _group(value: int) -> str:
    """4441 → '4 441' (the Latvian way of grouping digits)."""
    return f"{value:,}".replace(",", " ")


# -- periods -------------------------------------------------------------------------------
EARLIEST_PERIOD = date(2000, 1, 1)


def today_in_riga(now: datetime | None = None) -> date:
    """The wall-clock date in Europe/Riga: no statistics can exist for a later day.

    Loaders quarantine later periods by this date (the load's own clock, not a run's as-of
    date, so a backfill of past years keeps its real data); the raw suite checks the same."""
    return (now or datetime.now(RIGA)).astimezone(RIGA).date()


# -- text that a spreadsheet would execute -------------------------------------------------
# OWASP CSV injection: a cell starting with = + - @ tab or CR may be run as a formula.
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
# On the way in, "-" alone is allowed before a space ("- a list item"), not before a formula.
FORMULA_INPUT = re.compile(r"^\s*(?:[=+@\t\r]|-(?!\s))")


def neutralise_formula(text: str) -> str:
    """A text cell as a spreadsheet opens it safely: a leading ``=``, ``+``, ``-``, ``@``,
    tab or carriage return gets an apostrophe in front (the OWASP recommendation)."""
    return "'" + text if FORMULA_START.match(text) else text

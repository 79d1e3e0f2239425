"""Row-level validation of a filled template, with messages in Latvian and English.

Each problem names the row (as the person sees it in the file), the column (by its header in
the template) and the reason. ``error`` rejects the submission (all its rows go to quarantine);
``warning`` lets it through and is written on the receipt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ingest import rules
from ingest.intake.schema import (
    ACTION_PLAN,
    CHANNEL_COUNTS,
    NOT_APPLICABLE,
    SUBMISSION,
    VALUE,
    Template,
    choice_value,
    count_state,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_YES = {"true", "yes", "jā", "ja", "1", "y"}
_NO = {"false", "no", "nē", "ne", "0", "n", ""}
OTHER_CHANNELS = CHANNEL_COUNTS[1:]


@dataclass(frozen=True)
class Issue:
    severity: str  # "error" or "warning"
    row: int | None
    column: str | None  # column key
    value: str | None
    en: str
    lv: str


@dataclass(frozen=True)
class Registry:
    """What the warehouse already knows: accepted plans and action plans."""

    services: dict[str, str] = field(default_factory=dict)  # service_key -> institution
    windows: dict[str, tuple[int, int]] = field(default_factory=dict)  # institution -> years
    # activity id -> service key, from each institution's latest accepted action plan
    activities: dict[str, str] = field(default_factory=dict)


@dataclass
class Validated:
    template: Template
    rows: list[tuple[int, dict[str, object]]]  # typed values; counts as (value, state)
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def single(self, key: str) -> object:
        values = {row[key] for _, row in self.rows if row.get(key) not in (None, "")}
        return next(iter(values)) if len(values) == 1 else None


def _whole_number(text: str) -> int | None:
    value, problem = rules.parse_count(text)
    return None if problem else value


def _count(text: str) -> tuple[int | None, str, tuple[str, str] | None]:
    """(value, state, problem (en, lv) or None): the number rule shared with the portal."""
    state = count_state(text)
    if state != VALUE:
        return None, state, None
    value, problem = rules.parse_count(text, rules.INT4_MAX)
    return value, VALUE, (problem.en, problem.lv) if problem else None


_ID_SEPARATORS = re.compile(r"[;,\s]+")


def _activity_ids(text: str) -> tuple[object, tuple[str, str] | None]:
    """ "VDI-RP2017-01; VDI-RP2017-02" → "VDI-RP2017-01;VDI-RP2017-02" (each id checked)."""
    ids = [part.upper() for part in _ID_SEPARATORS.split(text.strip()) if part]
    for activity_id in ids:
        if problem := rules.code_problem("activity_id", activity_id):
            return None, problem
    return ";".join(dict.fromkeys(ids)), None


_PORTAL_URN = re.compile(r"(?i)^URN:IVIS:\d+:EP-(EP\d+)(?:-V[0-9-]+)?$")


def _normalise_portal_code(code: str) -> str:
    """URN:IVIS:100001:EP-EP72-V1-0 → EP72 (as raw.normalise_portal_code does for the portal)."""
    match = _PORTAL_URN.match(code)
    return (match.group(1) if match else code).upper()


def _typed_cell(template: Template, key: str, text: str) -> tuple[object, tuple[str, str] | None]:
    column = template.column(key)
    text = text if text is not None else ""
    stripped = text.strip()
    if column.kind == "count":
        value, state, problem = _count(text)
        return (value, state), problem
    if column.required and not stripped:
        return None, ("required value is missing", "trūkst obligātas vērtības")
    if not stripped:
        return None, None
    if column.kind in ("text", "code") and rules.FORMULA_INPUT.match(text):
        return None, (
            "starts like a spreadsheet formula (=, +, -, @): write plain text, e.g. without "
            "the leading sign",
            "sākas kā izklājlapas formula (=, +, -, @): rakstiet vienkāršu tekstu, piem., bez "
            "sākuma zīmes",
        )
    if column.kind == "year":
        year = _whole_number(stripped)
        if year is None or not 1990 <= year <= 2100:
            return None, ("not a year (e.g. 2016)", "nav gads (piem., 2016)")
        return year, None
    if column.kind == "service_key":
        key_text = stripped.upper()
        return (
            (None, problem)
            if (problem := rules.code_problem("service_key", key_text))
            else (key_text, None)
        )
    if column.kind == "email":
        if not _EMAIL.match(stripped):
            return None, ("not an e-mail address", "nav e-pasta adrese")
        return stripped, None
    if column.kind == "date":
        try:
            return date.fromisoformat(stripped), None
        except ValueError:
            return None, ("not a date written YYYY-MM-DD", "nav datums formā GGGG-MM-DD")
    if column.kind == "choice":
        if (value := choice_value(column, stripped)) is None:
            return None, (
                "not one of: " + "; ".join(en for _, en, _ in column.choices),
                "nav viens no: " + "; ".join(lv for _, _, lv in column.choices),
            )
        return value, None
    if column.kind == "ids":
        return _activity_ids(stripped)
    if column.kind == "bool":
        if stripped.lower() in _YES:
            return True, None
        if stripped.lower() in _NO:
            return False, None
        return None, ("answer yes or no", "atbildiet jā vai nē")
    if column.kind == "code":
        code = stripped.upper() if key != "project_id" else stripped
        if key in ("institution_code", "project_id", "portal_service_code", "activity_id"):
            if key == "portal_service_code":
                code = _normalise_portal_code(code)
            if problem := rules.code_problem(key, code):
                return None, problem
        return code, None
    return stripped, None


def validate(
    template: Template, rows: list[tuple[int, dict[str, str]]], registry: Registry
) -> Validated:
    issues: list[Issue] = []
    typed_rows: list[tuple[int, dict[str, object]]] = []

    def error(row: int | None, key: str | None, value: object, en: str, lv: str) -> None:
        issues.append(Issue("error", row, key, None if value is None else str(value), en, lv))

    def warning(row: int | None, key: str | None, value: object, en: str, lv: str) -> None:
        issues.append(Issue("warning", row, key, None if value is None else str(value), en, lv))

    if not rows:
        error(None, None, None, "the file has no data rows", "failā nav datu rindu")
    seen: dict[tuple, int] = {}
    for row_no, raw in rows:
        typed: dict[str, object] = {}
        if "__extra__" in raw:
            error(
                row_no,
                None,
                raw["__extra__"],
                "more cells than header columns",
                "vairāk šūnu nekā galvenē kolonnu",
            )
        for column in template.columns:
            value, problem = _typed_cell(template, column.key, raw.get(column.key, ""))
            typed[column.key] = value
            if problem:
                error(row_no, column.key, raw.get(column.key), *problem)
        key = tuple(typed.get(k) for k in template.row_key)
        if None not in key:
            if key in seen:
                error(
                    row_no,
                    template.row_key[0],
                    key[0],
                    f"duplicate: the same {_ROW_KEY_NAMES[template.row_key[0]][0]} is "
                    f"already on row {seen[key]}",
                    f"dublikāts: {_ROW_KEY_NAMES[template.row_key[0]][1]} jau ir "
                    f"{seen[key]}. rindā",
                )
            else:
                seen[key] = row_no
        typed_rows.append((row_no, typed))

    for key in (
        "institution_code",
        "project_id",
        "reporting_year",
        "base_year",
        "project_end_year",
    ):
        if key in template.keys:
            values = {r[key] for _, r in typed_rows if r.get(key) is not None}
            if len(values) > 1:
                error(
                    None,
                    key,
                    ", ".join(map(str, sorted(values, key=str))),
                    "one file holds one institution, project and year: several values found",
                    "vienā failā var būt viena iestāde, projekts un gads: atrastas vairākas",
                )

    if (
        template is SUBMISSION
        and typed_rows
        and not any(r.get("submitter_email") for _, r in typed_rows)
    ):
        warning(None, "submitter_email", None, "no e-mail address for questions",
                "nav e-pasta adreses jautājumiem")  # fmt: skip
    institution = next(
        (r["institution_code"] for _, r in typed_rows if r.get("institution_code")), None
    )
    if template is SUBMISSION and institution in registry.windows:
        planned = sorted(k for k, inst in registry.services.items() if inst == institution)
        sent = {r.get("service_key") for _, r in typed_rows}
        missing = [k for k in planned if k not in sent]
        if missing:
            warning(None, "service_key", ", ".join(missing),
                    "planned services missing from the file: their indicators cannot be reported",
                    "failā trūkst plānoto pakalpojumu: to rādītājus nevarēs iesniegt")  # fmt: skip
    check = {SUBMISSION.name: _check_submission_row, ACTION_PLAN.name: _check_action_row}.get(
        template.name, _check_plan_row
    )
    for row_no, row in typed_rows:
        check(row_no, row, registry, error, warning)
    return Validated(template, typed_rows, issues)


_ROW_KEY_NAMES = {
    "service_key": ("service", "tas pats pakalpojums"),
    "activity_id": ("activity id", "tas pats aktivitātes ID"),
}


def _check_institution_service(row_no, row, registry, error) -> bool:
    """The row's institution has an accepted plan and the service is in it (False if not)."""
    institution, key = row.get("institution_code"), row.get("service_key")
    if institution and institution not in registry.windows:
        error(row_no, "institution_code", institution,
              "unknown institution: no accepted implementation plan for it",
              "nezināma iestāde: tai nav pieņemta ieviešanas plāna")  # fmt: skip
        return False
    if institution and key and registry.services.get(str(key)) != institution:
        error(row_no, "service_key", key,
              f"unknown service: not in {institution}'s implementation plan",
              f"nezināms pakalpojums: nav iestādes {institution} ieviešanas plānā")  # fmt: skip
        return False
    return True


def _check_action_row(row_no, row, registry, error, warning) -> None:
    _check_institution_service(row_no, row, registry, error)
    institution, activity_id = row.get("institution_code"), row.get("activity_id")
    if institution and activity_id and not str(activity_id).startswith(f"{institution}-"):
        error(row_no, "activity_id", activity_id,
              f"activity id must start with {institution}-",
              f"aktivitātes ID jāsākas ar {institution}-")  # fmt: skip
    start, end = row.get("start_date"), row.get("end_date")
    if start and end and end < start:
        error(row_no, "end_date", end, f"ends before it starts ({start})",
              f"beidzas pirms sākuma ({start})")  # fmt: skip


def _check_plan_row(row_no, row, registry, error, warning) -> None:
    institution, key = row.get("institution_code"), row.get("service_key")
    if institution and key and not str(key).startswith(f"{institution}-"):
        error(
            row_no,
            "service_key",
            key,
            f"service key must start with {institution}-",
            f"pakalpojuma atslēgai jāsākas ar {institution}-",
        )
    end, base = row.get("project_end_year"), row.get("base_year")
    if end and base and base != end + 1:
        error(
            row_no,
            "base_year",
            base,
            f"the base year is the year after the project ends ({end + 1})",
            f"bāzes gads ir gads pēc projekta beigām ({end + 1})",
        )
    total, electronic = row["forecast_total_users"], row["forecast_e_users"]
    for name, (value, state) in (("forecast_total_users", total), ("forecast_e_users", electronic)):
        if state != VALUE and value is None:
            error(
                row_no,
                name,
                None,
                "a plan needs every forecast as a number (0 is allowed)",
                "plānā katrai prognozei jābūt skaitlim (0 ir atļauts)",
            )
    if total[0] is not None and electronic[0] is not None and electronic[0] > total[0]:
        error(
            row_no,
            "forecast_e_users",
            electronic[0],
            "forecast e-service users exceed the forecast total",
            "prognozētie e-pakalpojuma lietotāji pārsniedz kopējo prognozi",
        )


def _check_submission_row(row_no, row, registry, error, warning) -> None:
    institution, key, year = (
        row.get("institution_code"),
        row.get("service_key"),
        row.get("reporting_year"),
    )
    _check_institution_service(row_no, row, registry, error)
    linked = str(row["activity_ids"]).split(";") if row.get("activity_ids") else []
    for activity_id in linked:
        if institution and not activity_id.startswith(f"{institution}-"):
            error(row_no, "activity_ids", activity_id,
                  f"activity id must start with {institution}-",
                  f"aktivitātes ID jāsākas ar {institution}-")  # fmt: skip
        elif activity_id not in registry.activities:
            warning(row_no, "activity_ids", activity_id,
                    "not in the institution's latest action plan: kept, linked to nothing",
                    "nav iestādes jaunākajā rīcības plānā: saglabāts, nav piesaistīts")  # fmt: skip
        elif key and registry.activities[activity_id] != key:
            warning(row_no, "activity_ids", activity_id,
                    f"the action plan has this activity for {registry.activities[activity_id]}",
                    f"rīcības plānā šī aktivitāte ir pakalpojumam "
                    f"{registry.activities[activity_id]}")  # fmt: skip
    if institution in registry.windows and year:
        first, last = registry.windows[institution]
        if not first <= year <= last:
            error(
                row_no,
                "reporting_year",
                year,
                f"outside {institution}'s monitoring window {first}–{last}",
                f"ārpus iestādes {institution} uzraudzības perioda {first}–{last}",
            )
    total = row["total_users"][0]
    electronic = row["electronic_requests"][0]
    for name in ("total_users", "electronic_requests"):
        if row[name][1] != VALUE:
            warning(
                row_no,
                name,
                None,
                "not provided: the indicator cannot be computed",
                "nav norādīts: rādītāju nevar aprēķināt",
            )
    if total is not None and electronic is not None and electronic > total:
        error(
            row_no,
            "electronic_requests",
            electronic,
            f"electronic requests ({electronic}) exceed the total ({total})",
            f"elektroniskie pieprasījumi ({electronic}) pārsniedz kopējo skaitu ({total})",
        )
    parts = [row[c] for c in CHANNEL_COUNTS]
    given = [v for v, state in parts if state == VALUE and v is not None]
    if total is not None and given and sum(given) > total:
        error(
            row_no,
            "total_users",
            total,
            f"the channels add up to {sum(given)}, more than the total {total}",
            f"kanālu summa {sum(given)} pārsniedz kopējo skaitu {total}",
        )
    all_given = all(
        state in (VALUE, NOT_APPLICABLE) and (v is not None or state == NOT_APPLICABLE)
        for v, state in parts
    )
    if total is not None and all_given and sum(given) != total:
        error(
            row_no,
            "total_users",
            total,
            f"every channel is given but they add up to {sum(given)}, not the total {total}",
            f"visi kanāli norādīti, bet to summa ir {sum(given)}, nevis kopējais skaits {total}",
        )

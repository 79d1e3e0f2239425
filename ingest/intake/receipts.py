"""Plain-language receipts (Latvian and English) written next to every archived file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ingest.intake.schema import TEMPLATES
from ingest.intake.validate import Issue

OUTCOMES = {
    "accepted": ("PIEŅEMTS", "ACCEPTED"),
    "accepted_with_warnings": ("PIEŅEMTS AR BRĪDINĀJUMIEM", "ACCEPTED WITH WARNINGS"),
    "rejected": ("NORAIDĪTS", "REJECTED"),
    "duplicate": ("JAU SAŅEMTS", "ALREADY RECEIVED"),
    "failed": ("NEAPSTRĀDĀTS", "NOT PROCESSED"),
}
MAX_LISTED = 200


@dataclass(frozen=True)
class Receipt:
    original_name: str
    sha256: str
    received_at: datetime
    outcome: str
    kind: str | None = None
    institution_code: str | None = None
    reporting_year: int | None = None
    version: int | None = None
    rows_total: int = 0
    issues: list[Issue] = field(default_factory=list)
    note_en: str = ""
    note_lv: str = ""
    sheet: str | None = None  # the XLSX sheet read
    results_dir: str | None = None  # the extracts folder: where the year's results will be
    portal_evidence: str | None = None  # none | synthetic | real: the gate's portal cross-check


def portal_evidence(row: tuple | None) -> str | None:
    """What the annual gate will cross-check a submission against, from
    ``intake/portal_evidence.sql`` (periods loaded, any of them synthetic)."""
    if row is None:
        return None
    periods, any_synthetic = row
    if not periods:
        return "none"
    return "synthetic" if any_synthetic else "real"


_EVIDENCE = {
    "none": (
        "Portāla statistika par šo gadu vēl nav ielādēta: gada pārbaude salīdzinās ar to, kad "
        "tā būs.",
        "The portal statistics of this year are not loaded yet: the annual check compares "
        "against them once they are.",
    ),
    "synthetic": (
        "Salīdzinājums ar portāla statistiku: šī gada portāla dati ir SINTĒTISKI "
        "(demonstrācijai) — pārbaudīts pret demonstrācijas datiem, tas nav pierādījums.",
        "Cross-check against the portal statistics: this year's portal data is SYNTHETIC "
        "(demo) — checked against demo data, it is not evidence.",
    ),
    "real": (
        "Salīdzinājums ar portāla statistiku: ar reāliem latvija.lv datiem.",
        "Cross-check against the portal statistics: with real latvija.lv data.",
    ),
}


def _shown(text: str | None, limit: int = 120) -> str:
    """Received text as a receipt line may show it: control characters made visible, bounded."""
    plain = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text or "")
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


def _where(issue: Issue, kind: str | None) -> tuple[str, str]:
    template = TEMPLATES.get(kind or "")
    column_lv = column_en = issue.column or ""
    if template and issue.column in template.keys:
        column = template.column(issue.column)
        column_lv, column_en = column.header_lv, column.header_en
    row_lv = f"{issue.row}. rinda" if issue.row else "fails"
    row_en = f"row {issue.row}" if issue.row else "file"
    if column_lv:
        row_lv += f', kolonna "{column_lv}"'
        row_en += f', column "{column_en}"'
    return row_lv, row_en


def render(receipt: Receipt) -> str:
    lv, en = OUTCOMES[receipt.outcome]
    kind_lv = {
        "plan": "ieviešanas plāns",
        "submission": "gada rādītāju iesniegums",
        "action_plan": "rīcības plāns",
    }
    kind_en = {
        "plan": "implementation plan",
        "submission": "yearly indicator submission",
        "action_plan": "corrective action plan",
    }
    lines = [
        "Iesnieguma kvīts / Submission receipt",
        "=====================================",
        f"Fails / File:            {_shown(receipt.original_name, 260)}",
        f"SHA-256:                 {receipt.sha256}",
        f"Saņemts / Received:      {receipt.received_at:%Y-%m-%d %H:%M} UTC",
    ]
    if receipt.sheet:
        lines.append(f"Lapa / Sheet:            {receipt.sheet}")
    if receipt.kind:
        lines.append(f"Veids / Type:            {kind_lv[receipt.kind]} / {kind_en[receipt.kind]}")
    if receipt.institution_code:
        lines.append(f"Iestāde / Institution:   {receipt.institution_code}")
    if receipt.reporting_year:
        lines.append(f"Gads / Year:             {receipt.reporting_year}")
    if receipt.version:
        lines.append(f"Versija / Version:       {receipt.version}")
    errors = [i for i in receipt.issues if i.severity == "error"]
    warnings = [i for i in receipt.issues if i.severity == "warning"]
    lines += [
        f"Rezultāts / Outcome:     {lv} / {en}",
        f"Rindas / Rows:           {receipt.rows_total} "
        f"(kļūdas / errors: {len(errors)}, brīdinājumi / warnings: {len(warnings)})",
        "",
    ]
    if receipt.note_lv:
        lines += [receipt.note_lv, receipt.note_en, ""]
    for title, issues in (
        ("Kļūdas, kas jālabo / Errors to correct", errors),
        ("Brīdinājumi / Warnings", warnings),
    ):
        if not issues:
            continue
        lines.append(f"{title}:")
        for issue in issues[:MAX_LISTED]:
            where_lv, where_en = _where(issue, receipt.kind)
            value = f' ("{_shown(issue.value)}")' if issue.value not in (None, "") else ""
            lines.append(f"  - {where_lv}{value}: {issue.lv}")
            lines.append(f"    {where_en}{value}: {issue.en}")
        if len(issues) > MAX_LISTED:
            lines.append(f"  … +{len(issues) - MAX_LISTED}")
        lines.append("")
    if receipt.outcome == "rejected":
        lines += [
            "Ko darīt: izlabojiet norādītās kļūdas un iesniedziet visu failu vēlreiz. Neviens šī "
            "faila dati nav iekļauti rādītājos; tie glabājas karantīnā.",
            "What to do: correct the errors listed above and submit the whole file again. None of "
            "this file's data entered the indicators; it is kept in quarantine.",
        ]
    elif receipt.outcome in ("accepted", "accepted_with_warnings") and receipt.version:
        lines += [
            f"Dati iekļauti rādītājos kā versija {receipt.version}; labojumu iesniedziet kā jaunu "
            "failu — tas kļūs par nākamo versiju.",
            f"The data entered the indicators as version {receipt.version}; send a correction as a "
            "new file and it becomes the next version.",
        ]
        if receipt.kind == "submission" and receipt.reporting_year:
            where = (
                f"{receipt.results_dir}/{receipt.reporting_year}/{receipt.institution_code}"
                if receipt.results_dir
                else f"extracts/{receipt.reporting_year}/{receipt.institution_code}"
            )
            check_lv = f"{receipt.reporting_year + 1}. gada 2. martā vai pēc pieprasījuma"
            check_en = f"on 2 March {receipt.reporting_year + 1}, or when a data engineer runs it"
            lines += [
                "",
                f"Rezultāti: pēc gada pārbaudes ({check_lv}) — {where}/latest/report.html; ja "
                f"pārbaude atteic, iemesli — {where}/failed/.",
                f"Results: after the annual check ({check_en}) — {where}/latest/report.html; if "
                f"the check refuses, the reasons — {where}/failed/.",
            ]
        if receipt.portal_evidence in _EVIDENCE:
            lines += ["", *_EVIDENCE[receipt.portal_evidence]]
    return "\n".join(lines) + "\n"

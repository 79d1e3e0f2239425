"""The provisional report of a year not yet closed, and the early-warning alerts.

The annual extract is written only for closed years, through the quality gate. Within a year
the authority needs something else: which services are heading below their plan while there
is still time to act, and whether the corrective activities work. This module writes, per
institution, ``<EXTRACTS_DIR>/<year>/<institution>/provisional/as-of-<date>/`` with
``report.html`` (marked PROVISIONAL on every page: projections, not reported figures; never
checked by the gate), ``outlook.csv`` and ``action_plan.csv``; ``provisional/latest`` points
to the newest. The same marts and as-of date give the same bytes, so a rerun rewrites nothing.

It also sends one alert per service whose outlook *turns* ``projected_to_miss`` (not every
night it stays so): :func:`alert_turned_to_miss` records each alert in
``audit.outlook_alerts``.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from ingest import sqlfiles
from publish import SQL_DIR, extract_content, labels
from publish.extract_report import _bi, _cell, _h2, _page, _table

log = logging.getLogger(__name__)

PROVISIONAL_DIR = "provisional"
LATEST = "latest"


@dataclass(frozen=True)
class ProvisionalReport:
    institution_code: str
    year: int
    as_of: date
    directory: Path
    changed: bool
    headline_en: str

    def describe(self) -> str:
        state = "written" if self.changed else "unchanged"
        return f"{self.year} {self.institution_code} provisional as of {self.as_of}: {state} " \
               f"({self.headline_en}) → {self.directory}"  # fmt: skip


def headline(year: int, missing: int, services: int, as_of: date) -> tuple[str, str]:
    """("9 no 16 pakalpojumiem prognozēti zem plāna 2019. gadā", English)."""
    return (
        f"{missing} no {services} pakalpojumiem prognozēti zem plāna {year}. gadā "
        f"(uz {as_of:%d.%m.%Y})",
        f"{missing} of {services} services projected to miss their plan in {year} "
        f"(as of {as_of:%Y-%m-%d})",
    )


def _label(codes: Mapping[str, tuple[str, str]], code: Any) -> str:
    lv, en = codes.get(str(code), (str(code), str(code)))
    return f'{escape(lv)} <span class="en" lang="en">/ {escape(en)}</span>'


def _code(value: Any) -> str:
    """A short code (service key, activity id): no minimum width, never wrapped."""
    return f'<td style="white-space:nowrap">{escape(str(value))}</td>'


def _interval(low: Any, high: Any) -> str:
    if low is None or high is None:
        return "—"
    return f"{labels.count(low)}–{labels.count(high)}"


def _outlook_headers(months: int) -> list[str]:
    return [
        _bi("Pakalpojums", "service"),
        _bi("Nosaukums", "name"),
        _bi("Plāns (lietotāji)", "forecast (users)"),
        _bi(f"Pieprasījumi {months} mēn.", f"requests, {months} months"),
        _bi("Prognoze gadam (pieprasījumi)", "projected year (requests)"),
        _bi("80 % intervāls", "80 % interval"),
        _bi("Statuss", "status"),
        _bi("Pārskatīta prognoze", "re-forecast (requests)"),
    ]


_ACTION_HEADERS = (
    ("Aktivitāte", "activity"),
    ("Pakalpojums", "service"),
    ("Veids", "type"),
    ("Sākums", "start"),
    ("Statuss", "status"),
    ("Pieprasījumi pēc sākuma", "requests after the start"),
    ("Gaidīts bez aktivitātes", "expected without it"),
    ("80 % intervāls", "80 % interval"),
    ("Ietekme", "effect"),
    ("Pakalpojumi bez aktivitātēm", "services without activities"),
    ("Vērtējums", "verdict"),
)


def _outlook_rows(outlook: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = []
    for r in outlook:
        demo = bool(r["is_synthetic"])
        marker = "▼ " if r["outlook_status"] == "projected_to_miss" else ""
        rows.append(
            "<tr>"
            + _code(r["service_key"])
            + _cell(r["service_name_lv"])
            + _cell(r["forecast_electronic_users"], "count")
            + _cell(r["ytd_requests"], "count", demo)
            + _cell(r["projected_requests"], "count", demo)
            + f'<td class="n">{_interval(r["projected_requests_p10"], r["projected_requests_p90"])}'
            + "</td>"
            + f'<td class="status-{escape(str(r["outlook_status"]))}">{marker}'
            + _label(labels.OUTLOOK_STATUS, r["outlook_status"])
            + "</td>"
            + _cell(r["reforecast_electronic_requests"], "count", demo)
            + "</tr>"
        )
    return rows


def _action_rows(actions: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = []
    for a in actions:
        demo = bool(a["is_synthetic"])
        start = f"{a['start_date']:%Y-%m-%d}" + (" (aptuveni)" if a["start_date_is_approximate"]
                                                 else "")  # fmt: skip
        rows.append(
            "<tr>"
            + _code(a["activity_id"])
            + _code(a["service_key"])
            + f"<td>{_label(labels.ACTIVITY_TYPE, a['activity_type'])}</td>"
            + _code(start)
            + f"<td>{_label(labels.ACTIVITY_STATUS, a['activity_status'])}</td>"
            + _cell(a["actual_after"], "count", demo)
            + _cell(a["expected_after"], "count", demo)
            + f'<td class="n">{_interval(a["expected_after_p10"], a["expected_after_p90"])}</td>'
            + _cell(a["effect_ratio"], "signed", demo)
            + _cell(a["peer_effect_ratio"], "signed", demo)
            + f"<td>{_label(labels.EFFECT_VERDICT, a['effect_verdict'])}</td>"
            + "</tr>"
        )
    return rows


def render(
    institution: str,
    name: str,
    year: int,
    as_of: date,
    outlook: Sequence[Mapping[str, Any]],
    actions: Sequence[Mapping[str, Any]],
) -> bytes:
    """The provisional report: PROVISIONAL banner, the headline, the outlook table (worst
    first), the action plan with each activity's status and estimated effect, definitions."""
    missing = sum(r["outlook_status"] == "projected_to_miss" for r in outlook)
    lv, en = headline(year, missing, len(outlook), as_of)
    months = outlook[0]["months_complete"] if outlook else 0
    demo = any(r["is_synthetic"] for r in (*outlook, *actions))
    body = [
        '<p class="banner warn"><strong>PROVIZORISKI</strong> — '
        f"{year}. gads nav noslēgts: prognozes no portāla statistikas {months} mēnešiem, nevis "
        "iesniegti rādītāji; kvalitātes pārbaude šim pārskatam netiek veikta. "
        '<span class="en" lang="en">/ <strong>PROVISIONAL</strong> — the year is not closed: '
        f"projections from {months} months of portal statistics, not reported figures; the "
        "quality gate does not run on this report.</span></p>",
        f"<h1>{escape(name)} ({escape(institution)}) — {year}</h1>",
        f'<p id="headline" class="headline {"bad" if missing else "good"}">{escape(lv)}</p>',
        f'<p class="en" lang="en">{escape(en)}</p>',
    ]
    if demo:
        body.append(
            '<p class="banner syn">Skaitļi ar † balstās uz demonstrācijas (sintētiskiem) datiem. '
            '<span class="en" lang="en">/ Figures marked † rest on demo (synthetic) data.</span>'
            "</p>"
        )
    body += [
        _h2("Gada prognoze pa pakalpojumiem", "the year's outlook per service"),
        _table(_outlook_headers(months), _outlook_rows(outlook), "services"),
        _h2("Rīcības plāns un tā ietekme", "action plan and its effect"),
    ]
    if actions:
        body.append(
            _table([_bi(lv, en) for lv, en in _ACTION_HEADERS], _action_rows(actions), "actions")
        )
        body.append(
            '<dl class="activities">'
            + "".join(
                f"<dt>{escape(a['activity_id'])} ({escape(a['service_key'])})</dt>"
                f"<dd>{escape(a['activity_lv'] or '')}</dd>"
                for a in actions
            )
            + "</dl>"
        )
    else:
        body.append(f"<p>{_bi('Rīcības plāns nav iesniegts.', 'no action plan received.')}</p>")
    body.append(
        "<footer><dl>"
        f"<dt>{_bi('Uz datumu', 'as of')}</dt><dd>{as_of:%Y-%m-%d} ({months} mēneši / months)</dd>"
        f"<dt>{_bi('Metode', 'method')}</dt><dd>"
        + _bi(
            "Gada prognoze = pieprasījumi līdz šim / tā pati gada daļa iepriekšējos pilnos gados "
            "(pakalpojuma, iestādes vai valsts sezonalitāte); 80 % intervāls no metodes "
            "pagātnes kļūdām tajā pašā mēnesī. Plāns skaita lietotājus, prognoze — pieprasījumus.",
            "projected year = requests so far / the share of a year the same months held in "
            "earlier complete years (the service's, institution's or national seasonal "
            "profile); the 80 % interval from the method's past errors at the same month. The "
            "plan counts users, the projection requests.",
        )
        + "</dd>"
        f"<dt>{_bi('Ietekme', 'effect')}</dt><dd>"
        + _bi(
            "Pieprasījumi pēc aktivitātes sākuma pret to, ko modelis gaidīja no mēnešiem pirms "
            "tās; salīdzinājums, nevis cēloņa pierādījums.",
            "requests after the activity's start against what the model expected from the "
            "months before it; a comparison, not proof of cause.",
        )
        + "</dd>"
        f"<dt>{_bi('Avoti', 'sources')}</dt><dd>marts.fct_service_year_outlook, "
        "marts.fct_service_reforecast, marts.fct_action_effect</dd>"
        "</dl></footer>"
    )
    return _page(f"PROVIZORISKI {institution} {year} — {lv}", "\n".join(body))


OUTLOOK_TABLE = extract_content.TableSpec("outlook", "Prognoze", "service_key")
ACTIONS_TABLE = extract_content.TableSpec("action_plan", "Rīcības plāns", "activity_id")


def _csv(spec: extract_content.TableSpec, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The rows as the extracts write CSV (extract_content.render_csv: UTF-8 with BOM, exact
    decimals, formula-like text neutralised)."""
    columns = list(rows[0]) if rows else []
    return extract_content.render_csv(
        extract_content.Table(spec, columns, [tuple(r.values()) for r in rows])
    )


def _same(directory: Path, files: Mapping[str, bytes]) -> bool:
    return (
        directory.is_dir()
        and sorted(p.name for p in directory.iterdir()) == sorted(files)
        and all((directory / n).read_bytes() == data for n, data in files.items())
    )


def _replace_dir(target: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` into ``target`` as a whole: a temporary folder renamed into place (a
    reader sees the old report or the new one, never half of one)."""
    token = uuid.uuid4().hex[:8]
    tmp = target.with_name(f".tmp-{target.name}-{token}")
    tmp.mkdir(parents=True)
    for name, data in files.items():
        (tmp / name).write_bytes(data)
    old = target.with_name(f".old-{target.name}-{token}")
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
    latest = target.parent / LATEST
    link = target.parent / f".{LATEST}-{token}"
    link.symlink_to(target.name)
    os.replace(link, latest)


def _query(conn: psycopg.Connection, name: str, params: Mapping[str, Any]) -> list[dict]:
    return conn.execute(sqlfiles.load(name, SQL_DIR), params).fetchall()


def write_reports(conninfo: str, extracts_dir: Path, as_of: date) -> list[ProvisionalReport]:
    """One provisional report per institution with an outlook on ``as_of``."""
    with psycopg.connect(conninfo, row_factory=dict_row) as conn:
        outlook = _query(conn, "provisional_outlook", {"as_of": as_of})
        actions = _query(conn, "provisional_actions", {"as_of": as_of})
    reports = []
    for institution in sorted({r["institution_code"] for r in outlook}):
        rows = [r for r in outlook if r["institution_code"] == institution]
        acts = [a for a in actions if a["institution_code"] == institution]
        year = rows[0]["reporting_year"]
        name = rows[0]["institution_name_lv"]
        files = {
            "report.html": render(institution, name, year, as_of, rows, acts),
            "outlook.csv": _csv(OUTLOOK_TABLE, rows),
            "action_plan.csv": _csv(ACTIONS_TABLE, acts),
        }
        target = (extracts_dir / str(year) / institution / PROVISIONAL_DIR
                  / f"as-of-{as_of:%Y-%m-%d}")  # fmt: skip
        changed = not _same(target, files)
        if changed:
            _replace_dir(target, files)
        missing = sum(r["outlook_status"] == "projected_to_miss" for r in rows)
        report = ProvisionalReport(institution, year, as_of, target, changed,
                                   headline(year, missing, len(rows), as_of)[1])  # fmt: skip
        log.info("%s", report.describe())
        reports.append(report)
    return reports


def alert_turned_to_miss(conninfo: str, as_of: date, send) -> list[str]:
    """Send one alert per service whose outlook turned ``projected_to_miss`` (by ``as_of``:
    no alert recorded since its last other status), ``send(service_row) -> None``, and record
    each in ``audit.outlook_alerts``; returns the service keys alerted. A failed send is logged
    and not recorded, so the next run (a rerun, or the next night) sends it. Without
    ALERT_EMAILS the alert is only logged, and counts as given."""
    with psycopg.connect(conninfo, row_factory=dict_row) as conn:
        turned = _query(conn, "outlook_turned_to_miss", {"as_of": as_of})
        alerted = []
        for row in turned:
            try:
                send(row)
            except Exception:  # a mail server down must not fail the outlook
                log.exception("early-warning alert for %s not sent", row["service_key"])
                continue
            conn.execute(sqlfiles.load("outlook_alert_record", SQL_DIR), row)
            conn.commit()
            alerted.append(row["service_key"])
    return alerted

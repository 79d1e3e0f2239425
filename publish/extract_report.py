"""Human-readable pages of the annual submission: the extract's report, and the failure
report of a refused attempt (HTML beside JSON).

The report leads with the decision its readers take — which services need corrective action:
a headline ("7 no 16 pakalpojumiem zem plāna 2016. gadā"), then exactly the below-plan
services ranked by their gap, with the promotion activities planned and carried out. Then the
institution's totals, the charts, every service, the gate's findings and a footer with the
version, sources, definitions and contact. Latvian first (its readers), English beside it.

Charts are inline SVG written here (no plotting library, no script, nothing from the network):
the page opens offline, prints on A4 and the same data gives the same bytes. Every chart has
axes with units, the forecast drawn as a target mark, a legend, printed values, and its values
in a table; colour is never the only marker (below plan also says "▼", demo data is hatched).
Figures of a real year that rest on demo data carry a dagger (†).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from publish import labels, provenance
from publish.labels import as_float, count, percent

_STYLE = """
:root{--below:#b3261e;--met:#1f5f99;--forecast:#222;--demo:#8a8a8a;--muted:#5f6368}
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:0 auto;padding:1.5rem;
 max-width:78rem;color:#1d1d1d;line-height:1.4}
h1{font-size:1.4rem;margin:.2rem 0} h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
.en{color:var(--muted);font-weight:normal}
p.en,div.en{margin:.1rem 0 .6rem}
.headline{font-size:1.7rem;font-weight:bold;margin:1rem 0 .1rem}
.headline.bad{color:var(--below)} .headline.good{color:#1e6b35}
.banner{padding:.5rem .8rem;border-radius:.3rem;margin:.6rem 0;border-left:.35rem solid}
.real{background:#eef6ee;border-color:#2e7d32} .syn{background:#fff3e0;border-color:#e65100}
.ok{background:#eef4fb;border-color:#1f5f99} .bad{background:#fde8e8;border-color:var(--below)}
.warn{background:#fff8e1;border-color:#f9a825}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.82rem;margin:.3rem 0 1rem;width:100%}
td,th{border:1px solid #c8c8c8;padding:.25rem .4rem;vertical-align:top}
th{background:#eef1f4;text-align:left;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.text{min-width:14rem}
table.chart-data,table.totals,table.gate{width:auto;min-width:50%}
table.below-plan td:nth-child(2),table.services td:nth-child(2){min-width:13rem}
.demo{font-style:italic;color:var(--demo)}
.status-below_plan{color:var(--below);font-weight:600}
figure{margin:.5rem 0 1rem} figcaption{font-size:.85rem;color:var(--muted)}
svg{max-width:100%;height:auto;display:block}
svg text{font-family:"DejaVu Sans",system-ui,sans-serif;font-size:11px;fill:#1d1d1d}
svg .axis{stroke:#555;stroke-width:1} svg .grid{stroke:#ddd;stroke-width:1}
dl.activities dd{margin:0 0 .6rem 1rem;font-size:.9rem}
footer{margin-top:2rem;border-top:1px solid #ccc;font-size:.8rem;color:#333;overflow-wrap:anywhere}
footer dt{font-weight:600} footer dd{margin:0 0 .4rem 1rem}
@media (max-width:40rem){body{padding:.6rem} .headline{font-size:1.3rem}}
@media print{
 @page{size:A4 portrait;margin:12mm}
 body{padding:0;max-width:none;font-size:9pt}
 table{font-size:7.5pt} .headline{font-size:15pt;margin:.3rem 0 0} h1{font-size:12pt}
 .banner{padding:.2rem .5rem;margin:.3rem 0}
 .scroll{overflow:visible}
 h2{break-after:avoid} tr,figure{break-inside:avoid}
 a{color:inherit;text-decoration:none}
}
"""

_BELOW = "#b3261e"
_MET = "#1f5f99"
_FORECAST = "#222222"
_DEMO = "#8a8a8a"
_CHANNEL_COLOURS = {
    "electronic": "#1f5f99",
    "assisted_vpvkac": "#5e8c31",
    "in_person": "#c77700",
    "paper_post": "#8e3b6e",
    "phone": "#2f7f86",
    "other_channels": "#777777",
    "not_split": "#d5d5d5",
}
_HATCH = (
    '<defs><pattern id="demo-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern></defs>'
)


def _bi(lv: str, en: str, tag: str = "span") -> str:
    """Latvian text with its English gloss beside it."""
    return f'{escape(lv)} <{tag} class="en" lang="en">/ {escape(en)}</{tag}>'


def _h2(lv: str, en: str) -> str:
    return f"<h2>{_bi(lv, en)}</h2>"


def _page(title: str, body: str, lang: str = "lv") -> bytes:
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    ).encode()


def _cell(value: Any, kind: str = "text", demo: bool = False) -> str:
    """One table cell: numbers right-aligned, percentages as percentages, a dagger and the
    demo style where the value rests on demo data."""
    if kind == "count":
        text, cls = count(value), "n"
    elif kind == "percent":
        text, cls = percent(value), "n"
    elif kind == "signed":
        text, cls = percent(value, signed=True), "n"
    elif kind == "plain":
        text, cls = ("—" if value is None else escape(str(value))), "n"
    else:
        text, cls = ("" if value is None else escape(str(value))), "text" if value else ""
    if demo and value is not None:
        cls = f"{cls} demo".strip()
        text += "†"
    return f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>"


def _table(headers: Sequence[str], rows: Sequence[str], cls: str = "") -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    attr = f' class="{cls}"' if cls else ""
    return (
        f'<div class="scroll"><table{attr}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def headline(year: int, below: int, planned: int) -> tuple[str, str]:
    """``("7 no 16 pakalpojumiem zem plāna 2016. gadā", "7 of 16 services below plan in 2016")``."""
    return (
        f"{below} no {planned} pakalpojumiem zem plāna {year}. gadā",
        f"{below} of {planned} services below plan in {year}",
    )


def headline_of(year: int, indicators: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """The headline of an institution-year from its indicator rows (one per planned service:
    the gate refuses a year without them), used alike by the report, workbook and manifest."""
    below = sum(r.get("electronic_status") == "below_plan" for r in indicators)
    return headline(year, below, len(indicators))


def _status(code: Any) -> str:
    lv = labels.label(labels.ELECTRONIC_STATUS, code)
    marker = "▼ " if code == "below_plan" else ""
    return f'<td class="status-{escape(str(code))}">{marker}{escape(lv)}</td>'


EXCERPT_CHARS = 150  # the decision table shows the start; the full text follows below it


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> tuple[str, bool]:
    """The start of ``text`` cut at a word boundary, and whether it was cut."""
    if len(text) <= limit:
        return text, False
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + " …", True


def _activity_cell(row: Mapping[str, Any], column: str, empty: str) -> str:
    text = row.get(column)
    if not text:
        return f"<td>{escape(empty)}</td>"
    shown, cut = _excerpt(text)
    more = (
        f' <a href="#activities-{escape(row["service_key"])}">(pilns teksts / full text)</a>'
        if cut
        else ""
    )
    return f'<td class="text">{escape(shown)}{more}</td>'


def _activities(indicators: Sequence[Mapping[str, Any]]) -> str:
    """The full text of the below-plan services' activities (the table shows their start)."""
    below = sorted(
        (r for r in indicators if r.get("below_plan_rank") is not None),
        key=lambda r: r["below_plan_rank"],
    )
    items = []
    for r in below:
        planned = escape(r.get("planned_activities_lv") or "—")
        done = escape(r.get("activities_done_lv") or "nav norādītas")
        items.append(
            f'<dt id="activities-{escape(r["service_key"])}"><b>{escape(r["service_key"])}</b> '
            f"{escape(r.get('service_name_lv') or '')}</dt>"
            f"<dd><b>Plānotās / planned:</b> {planned}<br>"
            f"<b>Veiktās / carried out ({escape(str(r['reporting_year']))}):</b> {done}</dd>"
        )
    return f'<dl class="activities">{"".join(items)}</dl>' if items else ""


def _below_plan_table(indicators: Sequence[Mapping[str, Any]]) -> str:
    below = sorted(
        (r for r in indicators if r.get("below_plan_rank") is not None),
        key=lambda r: r["below_plan_rank"],
    )
    if not below:
        return (
            "<p>Neviens pakalpojums nav zem plāna. " + _bi("", "No service is below plan.") + "</p>"
        )
    headers = [
        "Nr.",
        _bi("Pakalpojums", "service"),
        _bi("E-izpilde", "electronic attainment"),
        _bi("Iztrūkums, pieprasījumi", "gap, requests"),
        _bi("Faktiski / prognoze (e)", "actual / forecast"),
        _bi("Pieaugums pret bāzes gadu", "trend since base year"),
        _bi("Plānotās popularizēšanas aktivitātes", "planned promotion"),
        _bi("Veiktās aktivitātes", "carried out"),
        _bi("Statuss", "status"),
    ]
    rows = []
    for r in below:
        rows.append(
            '<tr class="below-plan">'
            + _cell(r["below_plan_rank"], "plain")
            + f"<td><b>{escape(r['service_key'])}</b> {escape(r.get('service_name_lv') or '')}</td>"
            + _cell(r["electronic_attainment"], "percent")
            + _cell(r["electronic_gap"], "count")
            + f'<td class="n">{count(r["actual_electronic_requests"])} / '
            f"{count(r['forecast_electronic_users'])}</td>"
            + _cell(
                r.get("electronic_growth_vs_base"),
                "signed",
                provenance.derived_from_demo(r, "electronic_growth_vs_base"),
            )
            + _activity_cell(r, "planned_activities_lv", "—")
            + _activity_cell(r, "activities_done_lv", "nav norādītas")
            + _status(r["electronic_status"])
            + "</tr>"
        )
    return _table(headers, rows, "below-plan")


def _totals(year_row: Mapping[str, Any] | None) -> str:
    if not year_row:
        return ""
    pairs = [
        (_bi("Plānotie pakalpojumi", "planned services"), count(year_row["planned_services"])),
        (_bi("Ar iesniegtiem skaitiem", "reported"), count(year_row["reported_services"])),
        (_bi("Plāns izpildīts", "met"), count(year_row["services_met"])),
        (_bi("Zem plāna", "below plan"), count(year_row["services_below_plan"])),
        (
            _bi("Pieprasījumi kopā (prognoze: lietotāji)", "total requests (forecast: users)"),
            f"{count(year_row['actual_total_users'])} ({count(year_row['forecast_total_users'])})",
        ),
        (
            _bi("E-pieprasījumi (prognoze: e-lietotāji)", "electronic requests (forecast)"),
            f"{count(year_row['actual_electronic_requests'])} "
            f"({count(year_row['forecast_electronic_users'])})",
        ),
        (
            _bi("E-izpilde kopā", "electronic attainment"),
            percent(year_row["electronic_attainment"]),
        ),
        (
            _bi("E-daļa (prognoze)", "electronic share (forecast)"),
            f"{percent(year_row['electronic_share'])} "
            f"({percent(year_row['forecast_electronic_share'])})",
        ),
        (
            _bi("Iesniegums", "submission"),
            escape(labels.label(labels.SUBMISSION_STATUS, year_row.get("submission_status"))),
        ),
    ]
    rows = [f'<tr><th scope="row">{k}</th><td class="n">{v}</td></tr>' for k, v in pairs]
    return f'<div class="scroll"><table class="totals"><tbody>{"".join(rows)}</tbody></table></div>'


def _ticks(peak: float, steps: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least ``peak``."""
    if peak <= 0:
        return [0.0, 1.0]
    raw = peak / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    for nice in (1, 2, 2.5, 5, 10):
        step = nice * magnitude
        if step * steps >= peak:
            break
    n = int(-(-peak // step))
    return [round(step * i, 10) for i in range(n + 1)]


def bars_forecast_vs_actual(indicators: Sequence[Mapping[str, Any]]) -> str:
    """Per service: a bar of actual electronic requests (red and ▼ below plan, blue met,
    hatched where demo data) and the forecast e-users as a black target mark; values printed;
    an x axis with units."""
    label_w, plot_w, row_h, top = 84, 560, 24, 34
    peak = max(
        [as_float(r["forecast_electronic_users"]) or 0 for r in indicators]
        + [as_float(r["actual_electronic_requests"]) or 0 for r in indicators]
        + [1]
    )
    ticks = _ticks(peak)
    scale = plot_w / ticks[-1]
    height = top + row_h * len(indicators) + 46
    width = label_w + plot_w + 150
    out = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" role="img" '
        'aria-labelledby="chart-bars-title" class="chart" data-chart="forecast-vs-actual">',
        '<title id="chart-bars-title">E-pieprasījumi pret prognozi / electronic requests vs '
        "forecast</title>",
        _HATCH.format(colour=_DEMO),
    ]
    legend = [
        (f'<rect width="12" height="10" fill="{_MET}"/>', "plāns izpildīts / met"),
        (f'<rect width="12" height="10" fill="{_BELOW}"/>', "▼ zem plāna / below plan"),
        ('<rect width="12" height="10" fill="url(#demo-hatch)" stroke="#555"/>',
         "sintētiski dati / demo data"),
        (f'<line x1="6" y1="-2" x2="6" y2="12" stroke="{_FORECAST}" stroke-width="3"/>',
         "prognoze (e-lietotāji) / forecast"),
    ]  # fmt: skip
    out.append(_legend(legend, label_w, 4, width))
    for tick in ticks:
        tx = label_w + tick * scale
        out.append(
            f'<line class="grid" x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" '
            f'y2="{height - 40}"/><text x="{tx:.1f}" y="{height - 26}" text-anchor="middle">'
            f"{count(tick)}</text>"
        )
    out.append(
        f'<line class="axis" x1="{label_w}" y1="{height - 40}" x2="{label_w + plot_w}" '
        f'y2="{height - 40}"/><text x="{label_w + plot_w / 2}" y="{height - 8}" '
        'text-anchor="middle">e-pieprasījumi gadā (prognoze: e-lietotāji) / electronic '
        "requests a year (forecast: users)</text>"
    )
    for i, r in enumerate(indicators):
        y = top + i * row_h
        actual = as_float(r["actual_electronic_requests"])
        forecast = as_float(r["forecast_electronic_users"])
        below = r.get("electronic_status") == "below_plan"
        demo = bool(r.get("is_synthetic"))
        fill = "url(#demo-hatch)" if demo else (_BELOW if below else _MET)
        stroke = f' stroke="{_BELOW if below else _MET}" stroke-width="1.5"' if demo else ""
        marker = "▼ " if below else ""
        out.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{marker}'
            f"{escape(r['service_key'])}</text>"
        )
        bar = 0.0 if actual is None else actual * scale
        out.append(
            f'<rect class="bar {"below" if below else "met"}" x="{label_w}" y="{y + 4}" '
            f'width="{bar:.1f}" height="14" fill="{fill}"{stroke}/>'
        )
        if forecast is not None:
            fx = label_w + forecast * scale
            out.append(
                f'<line class="target" x1="{fx:.1f}" y1="{y + 1}" x2="{fx:.1f}" y2="{y + 21}" '
                f'stroke="{_FORECAST}" stroke-width="3"/>'
            )
        end = max(bar, (forecast or 0) * scale) + label_w + 6
        value = f"{count(actual)} / {count(forecast)} ({percent(r['electronic_attainment'], 0)})"
        out.append(f'<text class="value" x="{end:.1f}" y="{y + 15}">{value}</text>')
    out.append("</svg>")
    return "".join(out)


def line_electronic_share(trend: Sequence[Mapping[str, Any]], year: int) -> str:
    """Electronic share per window year: actual (solid line; filled dot real, hollow dot
    demo data) and the forecast share as a dashed target line with diamonds; y axis in %."""
    points = [r for r in trend if r.get("reporting_year") is not None]
    if not points:
        return "<p>Nav gadu, ko parādīt.</p>"
    width, height, left, right, top, bottom = 640, 260, 56, 24, 40, 44
    values = [
        as_float(r[k]) for r in points for k in ("electronic_share", "forecast_electronic_share")
    ]
    ticks = _ticks(max([v for v in values if v is not None] + [0.01]), 4)
    years = [r["reporting_year"] for r in points]

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (width - left - right) * (i + 0.5) / len(years)
        return x, height - bottom - (height - top - bottom) * v / ticks[-1]

    out = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" role="img" '
        'aria-labelledby="chart-share-title" class="chart" data-chart="electronic-share">',
        '<title id="chart-share-title">E-daļa pa gadiem / electronic share by year</title>',
    ]
    for tick in ticks:
        _, ty = xy(0, tick)
        out.append(
            f'<line class="grid" x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}"/>'
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end">{percent(tick, 0)}</text>'
        )
    out.append(
        f'<line class="axis" x1="{left}" y1="{top - 6}" x2="{left}" y2="{height - bottom}"/>'
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}"/>'
        f'<text x="12" y="{(top + height - bottom) / 2}" transform="rotate(-90 12 '
        f'{(top + height - bottom) / 2})" text-anchor="middle">e-daļa, % / electronic share</text>'
    )
    for i, y_ in enumerate(years):
        x, _ = xy(i, 0)
        weight = ' font-weight="bold"' if y_ == year else ""
        out.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle"{weight}>{y_}</text>'
        )
    forecast = [(i, as_float(r["forecast_electronic_share"])) for i, r in enumerate(points)]
    drawn = [xy(i, v) for i, v in forecast if v is not None]
    if len(drawn) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in drawn)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{_FORECAST}" stroke-width="1.5" '
            'stroke-dasharray="6,4"/>'
        )
    for (_i, v), (x, y) in zip([f for f in forecast if f[1] is not None], drawn, strict=True):
        out.append(
            f'<path class="target" d="M{x:.1f},{y - 5:.1f} l5,5 l-5,5 l-5,-5 z" '
            f'fill="{_FORECAST}"/><text x="{x + 8:.1f}" y="{y + 14:.1f}" fill="#444">'
            f"{percent(v)}</text>"
        )
    actual = [(i, as_float(r["electronic_share"]), r) for i, r in enumerate(points)]
    shown = [(i, v, r) for i, v, r in actual if v is not None]
    for (i, v, r), (j, w, s) in itertools.pairwise(shown):
        (x1, y1), (x2, y2) = xy(i, v), xy(j, w)
        dash = ' stroke-dasharray="3,3"' if r["is_synthetic"] or s["is_synthetic"] else ""
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{_MET}" '
            f'stroke-width="2"{dash}/>'
        )
    for i, v, r in shown:
        x, y = xy(i, v)
        demo = bool(r["is_synthetic"])
        fill = "#ffffff" if demo else _MET
        out.append(
            f'<circle class="point {"demo" if demo else "real"}" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="4.5" fill="{fill}" stroke="{_MET}" stroke-width="2"/>'
            f'<text x="{x + 7:.1f}" y="{y - 7:.1f}" font-weight="bold">'
            f"{percent(v)}{'†' if demo else ''}</text>"
        )
    legend = [
        (f'<circle cx="6" cy="5" r="4.5" fill="{_MET}" stroke="{_MET}"/>',
         "faktiskā e-daļa, reāli dati / actual, real"),
        (f'<circle cx="6" cy="5" r="4.5" fill="#fff" stroke="{_MET}" stroke-width="2"/>',
         "sintētiski dati (†) / demo data"),
        (f'<path d="M6,0 l5,5 l-5,5 l-5,-5 z" fill="{_FORECAST}"/>',
         "prognozētā e-daļa / forecast share"),
    ]  # fmt: skip
    out.append(_legend(legend, left, 2, width))
    out.append("</svg>")
    return "".join(out)


def stacked_channel_mix(channel_mix: Sequence[Mapping[str, Any]]) -> str:
    """100 % bars per service of the channels with a number; the rest of the total (parts not
    provided) is the grey "not split" part, never 0; an x axis in %."""
    by_service: dict[str, list[Mapping[str, Any]]] = {}
    for row in channel_mix:
        by_service.setdefault(row["service_key"], []).append(row)
    label_w, plot_w, row_h, top = 84, 520, 20, 60
    height = top + row_h * len(by_service) + 40
    width = label_w + plot_w + 30
    out = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" role="img" '
        'aria-labelledby="chart-mix-title" class="chart" data-chart="channel-mix">',
        '<title id="chart-mix-title">Kanālu sadalījums / channel mix</title>',
    ]
    legend = [
        (
            f'<rect width="12" height="10" fill="{colour}" stroke="#555" stroke-width=".5"/>',
            escape(labels.label(labels.CHANNEL, channel)),
        )
        for channel, colour in _CHANNEL_COLOURS.items()
    ]
    out.append(_legend(legend, 8, 2, width))
    for pct in (0, 0.25, 0.5, 0.75, 1):
        tx = label_w + plot_w * pct
        out.append(
            f'<line class="grid" x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{height - 34}"/>'
            f'<text x="{tx:.1f}" y="{height - 20}" text-anchor="middle">{percent(pct, 0)}</text>'
        )
    out.append(
        f'<text x="{label_w + plot_w / 2}" y="{height - 4}" text-anchor="middle">'
        "daļa no pieprasījumiem kopā / share of all requests</text>"
    )
    for i, (service, rows) in enumerate(by_service.items()):
        y = top + i * row_h
        out.append(
            f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{escape(service)}</text>'
        )
        x = float(label_w)
        for row in rows:
            share = as_float(row["share_of_total"])
            if not share:
                continue
            w = plot_w * share
            colour = _CHANNEL_COLOURS.get(row["channel"], "#bbb")
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="14" fill="{colour}"/>')
            if w > 34:
                ink = "#1d1d1d" if row["channel"] == "not_split" else "#ffffff"
                out.append(
                    f'<text x="{x + 3:.1f}" y="{y + 11}" font-size="9" fill="{ink}">'
                    f"{percent(share, 0)}</text>"
                )
            x += w
    out.append("</svg>")
    return "".join(out)


def _legend(items: Sequence[tuple[str, str]], x0: float, y0: float, width: float) -> str:
    """Legend entries (mark, text) left to right, wrapping onto a new row at ``width``."""
    out, x, y = [], x0, y0
    for mark, text in items:
        size = 26 + 6.3 * len(text)
        if x + size > width and x > x0:
            x, y = x0, y + 16
        out.append(
            f'<g transform="translate({x:.0f},{y})">{mark}<text x="18" y="10">{text}</text></g>'
        )
        x += size + 10
    return "".join(out)


def _figure(svg: str, caption_lv: str, caption_en: str, data_table: str) -> str:
    return (
        f"<figure>{svg}<figcaption>{_bi(caption_lv, caption_en)}</figcaption></figure>{data_table}"
    )


def _service_rows(indicators: Sequence[Mapping[str, Any]]) -> str:
    headers = [
        "Nr.",
        _bi("Pakalpojums", "service"),
        _bi("Prognoze: lietotāji kopā", "forecast users"),
        _bi("Faktiski: pieprasījumi kopā", "actual requests"),
        _bi("Prognoze: e-lietotāji", "forecast e-users"),
        _bi("Faktiski: e-pieprasījumi", "actual electronic"),
        _bi("E-izpilde", "attainment"),
        _bi("E-daļa (prognoze)", "share (forecast)"),
        _bi("Pieaugums pret bāzes gadu", "vs base year"),
        _bi("Portāla e-pieprasījumi", "portal count"),
        _bi("Statuss", "status"),
    ]
    rows = []
    for r in indicators:
        rows.append(
            "<tr>"
            + _cell(r.get("service_no"), "plain")
            + f"<td><b>{escape(r['service_key'])}</b> {escape(r.get('service_name_lv') or '')}</td>"
            + _cell(r["forecast_total_users"], "count")
            + _cell(r["actual_total_users"], "count", bool(r.get("is_synthetic")))
            + _cell(r["forecast_electronic_users"], "count")
            + _cell(r["actual_electronic_requests"], "count", bool(r.get("is_synthetic")))
            + _cell(r["electronic_attainment"], "percent", bool(r.get("is_synthetic")))
            + f'<td class="n">{percent(r["electronic_share"])} '
            f"({percent(r['forecast_electronic_share'])})</td>"
            + _cell(
                r.get("electronic_growth_vs_base"),
                "signed",
                provenance.is_synthetic(r, "electronic_growth_vs_base"),
            )
            + _cell(
                r.get("portal_electronic_requests"),
                "count",
                provenance.is_synthetic(r, "portal_electronic_requests"),
            )
            + _status(r["electronic_status"])
            + "</tr>"
        )
    return _table(headers, rows, "services")


def _trend_table(trend: Sequence[Mapping[str, Any]]) -> str:
    headers = [
        _bi("Gads", "year"),
        _bi("E-daļa", "electronic share"),
        _bi("Prognozētā e-daļa", "forecast share"),
        _bi("E-pieprasījumi", "electronic requests"),
        _bi("Dati", "data"),
    ]
    rows = [
        "<tr>"
        + _cell(r["reporting_year"], "plain")
        + _cell(r["electronic_share"], "percent", bool(r["is_synthetic"]))
        + _cell(r["forecast_electronic_share"], "percent")
        + _cell(r["actual_electronic_requests"], "count", bool(r["is_synthetic"]))
        + f"<td>{'sintētiski / demo' if r['is_synthetic'] else 'reāli / real'}</td></tr>"
        for r in trend
    ]
    return _table(headers, rows, "chart-data")


def _bars_table(indicators: Sequence[Mapping[str, Any]]) -> str:
    headers = [
        _bi("Pakalpojums", "service"),
        _bi("Faktiski: e-pieprasījumi", "actual electronic requests"),
        _bi("Prognoze: e-lietotāji", "forecast e-users"),
        _bi("E-izpilde", "attainment"),
        _bi("Statuss", "status"),
    ]
    rows = [
        "<tr>"
        + f"<td>{escape(r['service_key'])}</td>"
        + _cell(r["actual_electronic_requests"], "count", bool(r.get("is_synthetic")))
        + _cell(r["forecast_electronic_users"], "count")
        + _cell(r["electronic_attainment"], "percent", bool(r.get("is_synthetic")))
        + _status(r["electronic_status"])
        + "</tr>"
        for r in indicators
    ]
    return _table(headers, rows, "chart-data")


def _mix_table(channel_mix: Sequence[Mapping[str, Any]]) -> str:
    channels = [c for c in _CHANNEL_COLOURS if any(r["channel"] == c for r in channel_mix)]
    by_service: dict[str, dict[str, Mapping[str, Any]]] = {}
    for row in channel_mix:
        by_service.setdefault(row["service_key"], {})[row["channel"]] = row
    headers = [_bi("Pakalpojums", "service")] + [
        escape(labels.label(labels.CHANNEL, c)) for c in channels
    ]
    rows = []
    for service, by_channel in by_service.items():
        cells = [f"<td>{escape(service)}</td>"]
        for channel in channels:
            row = by_channel.get(channel)
            if row is None:
                cells.append("<td></td>")
            elif row["count_state"] in ("value", "derived"):
                shown = f"{count(row['requests'])} ({percent(row['share_of_total'])})"
                cells.append(f'<td class="n">{shown}</td>')
            else:
                cells.append(
                    f"<td>{escape(labels.label(labels.COUNT_STATE, row['count_state']))}</td>"
                )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return _table(headers, rows, "chart-data")


def _findings(validation: Mapping[str, Any]) -> str:
    results = validation.get("results", [])
    on_demo = [r for r in results if r.get("evidence") in ("demo", "partly_demo")]
    passed = sum(r.get("status") == "passed" and r not in on_demo for r in results)
    not_applicable = [r for r in results if r.get("status") == "not_applicable"]
    failed = [r for r in results if r.get("status") == "failed" and r not in on_demo]
    out = [
        f"<p>No {len(results)} noteikumiem: {passed} izpildīti, {len(failed)} nav izpildīti, "
        f"{len(on_demo)} pārbaudīti pret demonstrācijas datiem (nav pierādījums), "
        f"{len(not_applicable)} nav piemērojami "
        f'<span class="en" lang="en">/ of {len(results)} rules: {passed} passed, '
        f"{len(failed)} failed, {len(on_demo)} checked against demo data (not evidence), "
        f"{len(not_applicable)} not applicable</span> "
        f"(GX suite <code>{escape(str(validation.get('suite', '')))}</code>).</p>"
    ]
    rows = []
    for r in results:
        status = labels.label(labels.GATE_STATUS, r.get("status"))
        note = r.get("evidence_note") or ""
        if r.get("evidence") in ("demo", "partly_demo"):
            note = f"{labels.DEMO_NOTE_LV} / {note}"
        rows.append(
            f"<tr><td>{escape(r['rule'])}</td><td>{escape(r['severity'])}</td>"
            f"<td>{escape(status)}</td><td>{escape(note)}</td></tr>"
        )
    out.append(
        _table(
            [_bi("Noteikums", "rule"), _bi("Nozīme", "severity"), _bi("Rezultāts", "result"),
             _bi("Piezīme", "note")],
            rows,
            "gate",
        )
    )  # fmt: skip
    for key, cls, lv, en in (
        ("errors", "bad", "Kļūdas (aptur izrakstu)", "errors (block the extract)"),
        ("warnings", "warn", "Brīdinājumi (nosūtīti kopā ar izrakstu)", "warnings, shipped"),
    ):
        if validation.get(key):
            items = "".join(f"<li>{escape(e)}</li>" for e in validation[key])
            out.append(f'<div class="banner {cls}"><b>{_bi(lv, en)}</b><ul>{items}</ul></div>')
    return "".join(out)


def _provenance_banner(
    year: int, indicators: Sequence[Mapping[str, Any]], on_demo_rules: int
) -> str:
    own_synthetic = any(r.get("is_synthetic") for r in indicators)
    if own_synthetic:
        return (
            '<div class="banner syn" id="provenance"><b>SINTĒTISKI demonstrācijas dati — nav '
            'reāli skaitļi.</b> <span class="en" lang="en">/ SYNTHETIC demo data — not real '
            "figures.</span></div>"
        )
    derived = sorted(
        {
            column
            for r in indicators
            for column in provenance.DERIVED_FROM
            if r.get(column) is not None and provenance.derived_from_demo(r, column)
        }
    )
    text = (
        f'<div class="banner real" id="provenance"><b>Reāli dati:</b> iestādes iesniegtie '
        f"{year}. gada skaiti un plāna prognozes. "
        f'<span class="en" lang="en">/ Real data: the figures the institution reported for '
        f"{year} and its plan's forecasts.</span>"
    )
    if derived or on_demo_rules:
        text += (
            "<br>Ar † atzīmētie rādītāji atvasināti no demonstrācijas datiem (iepriekšējais "
            "gads, bāzes gads vai portāla statistika) — tie nav pierādījums; "
            f"{on_demo_rules} kvalitātes noteikumi pārbaudīti pret demonstrācijas datiem. "
            '<span class="en" lang="en">/ Figures marked † derive from demo data (previous '
            "year, base year or portal statistics) and are not evidence.</span>"
        )
    return text + "</div>"


def _footer(meta: Mapping[str, Any]) -> str:
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for source in meta.get("sources", []):
        by_kind.setdefault(str(source["source"]), []).append(source)
    items = []
    for kind, batches in by_kind.items():
        names = [
            str(b.get("source_uri") or "").rsplit("/", 1)[-1]
            + (f" (versija {b['version']})" if b.get("version") else "")
            for b in batches
        ]
        shown = ", ".join(names[:3]) + (f" … (+{len(names) - 3})" if len(names) > 3 else "")
        synthetic = sum(bool(b.get("is_synthetic")) for b in batches)
        flag = (
            " — <b>sintētiski / synthetic</b>"
            if synthetic == len(batches)
            else f" — {synthetic} sintētiski / synthetic"
            if synthetic
            else ""
        )
        items.append(
            f"<li>{escape(kind)}: {len(batches)} ielādes partijas / load batches: "
            f"{escape(shown)}{flag}</li>"
        )
    if items:
        items.append("<li>katras partijas sha256 / each batch's sha256: manifest.json</li>")
    else:
        items.append(
            "<li>katras iestādes izraksta manifest.json / each institution's manifest</li>"
        )
    sources = "".join(items)
    definitions = "".join(
        f"<dt>{escape(lv)} <span class='en' lang='en'>/ {escape(en)}</span></dt>"
        f"<dd>{escape(text)}</dd>"
        for lv, en, text in labels.DEFINITIONS
    )
    links = "".join(
        f'<li><a href="{escape(href)}">{escape(text)}</a></li>'
        for text, href in meta.get("links", [])
    )
    return (
        "<footer><dl>"
        f"<dt>Versija / version</dt><dd>v{int(meta['version']):04d}, sagatavots / generated "
        f"{escape(str(meta['generated_at']))}</dd>"
        f"<dt>Avoti / sources</dt><dd><ul>{sources}</ul></dd>"
        f"{definitions}"
        f"<dt>Kontakti / contact</dt><dd>{escape(str(meta.get('contact') or ''))}</dd>"
        f"<dt>Citi faili / other files</dt><dd><ul>{links}</ul></dd>"
        "</dl></footer>"
    )


def extract_report(
    institution: str,
    year: int,
    indicators: Sequence[Mapping[str, Any]],
    channel_mix: Sequence[Mapping[str, Any]],
    trend: Sequence[Mapping[str, Any]],
    validation: Mapping[str, Any],
    meta: Mapping[str, Any],
) -> bytes:
    """The extract's ``report.html``. ``meta``: version, generated_at, sources, contact and
    links (label, relative href) of the footer."""
    year_row = next((r for r in trend if r["reporting_year"] == year), None)
    name = (year_row or {}).get("institution_name_lv") or institution
    below = sum(r.get("electronic_status") == "below_plan" for r in indicators)
    lv, en = headline_of(year, indicators)
    on_demo = sum(
        r.get("evidence") in ("demo", "partly_demo") for r in validation.get("results", [])
    )
    body = [
        f"<header><h1>{escape(name)} ({escape(institution)}): e-pakalpojumu rādītāji "
        f'{year}. gadā <span class="en" lang="en">/ e-service indicators {year}</span></h1>',
        f'<p class="headline {"bad" if below else "good"}" id="headline">{escape(lv)}</p>',
        f'<p class="en" lang="en" id="headline-en">{escape(en)}</p></header>',
        _provenance_banner(year, indicators, on_demo),
        '<div class="banner ok">Kvalitātes pārbaude izturēta: nav kļūdu, kas apturētu izrakstu. '
        '<span class="en" lang="en">/ Passed the quality gate: no error-severity failures '
        "(details below).</span></div>",
        _h2(
            "Pakalpojumi zem plāna, lielākā iztrūkuma secībā",
            "services below plan, largest gap first",
        ),
        _below_plan_table(indicators),
        _h2(
            "Popularizēšanas aktivitātes pakalpojumiem zem plāna",
            "promotion activities of the services below plan",
        ),
        _activities(indicators),
        f"<h2>{_bi('Iestādes kopsavilkums', 'institution totals')} {year}</h2>",
        _totals(year_row),
        f"<h2>{_bi('E-pieprasījumi pret prognozi', 'electronic requests vs forecast')}</h2>",
        _figure(
            bars_forecast_vs_actual(indicators),
            "Stabiņš: faktiskie e-pieprasījumi; melnā atzīme: prognozētie e-lietotāji (plāns "
            "skaita lietotājus, faktiskie skaiti — pieprasījumus).",
            "bar: actual electronic requests; black mark: forecast e-users (the plan counts "
            "users, actual figures count requests).",
            _bars_table(indicators),
        ),
        _h2("E-daļa uzraudzības periodā", "electronic share over the monitoring window"),
        _figure(
            line_electronic_share(trend, year),
            "Visi iestādes pakalpojumi; pildīts punkts — reāli dati, tukšs — sintētiski.",
            "all the institution's services; filled dot real data, hollow demo data.",
            _trend_table(trend),
        ),
        f"<h2>{_bi('Kanālu sadalījums', 'channel mix')}</h2>",
        _figure(
            stacked_channel_mix(channel_mix),
            "Daļas, kas nav norādītas, ir pelēkā daļa “nav sadalīts”, nevis 0.",
            "parts not provided are the grey 'not split' part, never 0.",
            _mix_table(channel_mix),
        ),
        f"<h2>{_bi('Visi pakalpojumi', 'every service')}</h2>",
        _service_rows(indicators),
        f"<h2>{_bi('Kvalitātes pārbaude', 'quality gate')}</h2>",
        _findings(validation),
    ]
    if validation.get("data_docs"):
        body.append(
            f'<p><a href="{escape(validation["data_docs"])}">Great Expectations Data Docs</a></p>'
        )
    body.append(_footer(meta))
    return _page(f"{institution} {year}: {lv}", "\n".join(body))


def national_headline(year: int, records: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """``("2016. gads: 3 iestādes, atteiktas: 1; 8 no 19 pakalpojumiem zem plāna", …)``, the
    services counted over the institutions whose extract passed."""
    passed = [r for r in records if r["extract_outcome"] != "refused"]
    refused = len(records) - len(passed)
    below = sum(r["services_below_plan"] or 0 for r in passed)
    services = sum(r["planned_services"] or 0 for r in passed)
    return (
        f"{year}. gads: {len(records)} iestādes, atteiktas: {refused}; {below} no {services} "
        "pakalpojumiem zem plāna",
        f"{year}: {len(records)} institutions, refused: {refused}; {below} of {services} "
        "services below plan",
    )


def national_report(
    year: int, records: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]
) -> bytes:
    """The national extract's ``report.html``: the refused institutions and their reasons
    first, then every institution ranked by the services below plan."""
    lv, en = national_headline(year, records)
    refused = [r for r in records if r["extract_outcome"] == "refused"]
    body = [
        f"<header><h1>E-pakalpojumu rādītāji {year}. gadā: visas iestādes "
        f'<span class="en" lang="en">/ e-service indicators {year}, all institutions</span>'
        "</h1>",
        f'<p class="headline {"bad" if refused else "good"}" id="headline">{escape(lv)}</p>',
        f'<p class="en" lang="en" id="headline-en">{escape(en)}</p></header>',
    ]
    if any(r.get("is_synthetic") for r in records):
        synthetic = ", ".join(r["institution_code"] for r in records if r.get("is_synthetic"))
        body.append(
            f'<div class="banner syn">SINTĒTISKI demonstrācijas dati: {escape(synthetic)} '
            '<span class="en" lang="en">/ SYNTHETIC demo data, not real figures</span></div>'
        )
    body.append(_h2("Atteiktās iestādes", "refused institutions"))
    if refused:
        rows = [
            f"<tr><td><b>{escape(r['institution_code'])}</b> "
            f"{escape(r.get('institution_name_lv') or '')}</td>"
            f"<td>{escape(r['refusal_reasons'] or '')}</td></tr>"
            for r in refused
        ]
        body.append(_table([_bi("Iestāde", "institution"), _bi("Iemesli", "reasons")], rows,
                           "refused"))  # fmt: skip
    else:
        body.append("<p>Nav. <span class='en' lang='en'>/ None.</span></p>")
    ranked = sorted(
        records, key=lambda r: (-(r.get("services_below_plan") or 0), r["institution_code"])
    )
    headers = [
        _bi("Iestāde", "institution"),
        _bi("Pakalpojumi", "services"),
        _bi("Zem plāna", "below plan"),
        _bi("E-izpilde", "electronic attainment"),
        _bi("E-daļa (prognoze)", "electronic share (forecast)"),
        _bi("Iesniegums", "submission"),
        _bi("Izraksts", "extract"),
    ]
    rows = []
    for r in ranked:
        outcome = labels.label(labels.EXTRACT_OUTCOME, r["extract_outcome"])
        version = f" v{r['extract_version']:04d}" if r.get("extract_version") else ""
        rows.append(
            "<tr>"
            f"<td><b>{escape(r['institution_code'])}</b> "
            f"{escape(r.get('institution_name_lv') or '')}</td>"
            + _cell(r.get("planned_services"), "count")
            + _cell(r.get("services_below_plan"), "count")
            + _cell(r.get("electronic_attainment"), "percent", bool(r.get("is_synthetic")))
            + f'<td class="n">{percent(r.get("electronic_share"))} '
            f"({percent(r.get('forecast_electronic_share'))})</td>"
            + f"<td>{escape(labels.label(labels.SUBMISSION_STATUS, r.get('submission_status')))}"
            "</td>" + f"<td>{escape(outcome)}{version}</td></tr>"
        )
    body.append(
        _h2(
            "Iestādes, vairāk pakalpojumu zem plāna vispirms",
            "institutions, most services below plan first",
        )
    )
    body.append(_table(headers, rows, "institutions"))
    body.append(_footer({**meta, "sources": meta.get("sources", [])}))
    return _page(f"{year}: {lv}", "\n".join(body))


def failure_json(report: dict[str, Any]) -> bytes:
    return (json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def _plain_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    body = [
        "<tr>" + "".join(f"<td>{'' if v is None else escape(str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    ]
    return _table([escape(c) for c in columns], body)


def failure_html(report: dict[str, Any]) -> bytes:
    """Each failed expectation with its offending rows, errors first."""
    body = [
        f"<h1>NORAIDĪTS / REFUSED: {escape(report['institution_code'])} "
        f"{report['reporting_year']}</h1>",
        f'<div class="banner bad">{report["reporting_year"]}. gada izraksts iestādei '
        f"{escape(report['institution_code'])} NAV izveidots: {len(report['errors'])} "
        'noteikumi ar nozīmi “error” nav izpildīti. <span class="en" lang="en">/ The '
        f"{report['reporting_year']} extract for {escape(report['institution_code'])} was NOT "
        f"written: {len(report['errors'])} error-severity expectation(s) failed.</span></div>",
    ]
    for severity in ("errors", "warnings"):
        for failure in report[severity]:
            body.append(f"<h2>[{escape(failure['severity'])}] {escape(failure['rule'])}</h2>")
            body.append(
                f"<p>expectation <code>{escape(failure['expectation'])}</code>"
                + (f" on <code>{escape(failure['column'])}</code>" if failure["column"] else "")
                + (
                    f"; {failure['unexpected_count']} offending row(s)"
                    if failure["unexpected_count"]
                    else ""
                )
                + "</p>"
            )
            rows = failure["offending_rows"]
            if rows:
                columns = list(rows[0])
                body.append(_plain_table(columns, [[r.get(c) for c in columns] for r in rows]))
    return _page(
        f"REFUSED: {report['institution_code']} {report['reporting_year']} indicators",
        "\n".join(body),
    )

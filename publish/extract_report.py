"""Human-readable pages of the annual submission: the extract's report with charts, and the
failure report of a refused attempt (HTML beside JSON).

Charts are inline SVG written here (no plotting library, no scripts, no network): the page
opens anywhere and the same data gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Any

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
h1{font-size:1.5rem} h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem} td,th{border:1px solid #ccc;padding:.2rem .4rem}
th{background:#f3f3f3;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums}
.banner{padding:.6rem 1rem;border-radius:.3rem;margin:1rem 0}
.ok{background:#e6f4ea} .warn{background:#fff4e0} .bad{background:#fde8e8} .syn{background:#eef}
svg text{font-size:11px;font-family:system-ui,sans-serif}
"""
_COLOURS = {
    "forecast": "#9aa5b1",
    "actual": "#1f6fb2",
    "electronic": "#1f6fb2",
    "assisted": "#6aa84f",
    "in_person": "#e69138",
    "paper_post": "#a64d79",
    "phone": "#45818e",
    "other": "#999999",
    "not_split": "#dddddd",
}


def _num(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else None


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal | float):
        return f"{float(value):,.{digits}f}".replace(",", " ")
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return escape(str(value))


def _page(title: str, body: str) -> bytes:
    return (
        '<!doctype html>\n<html lang="lv"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n<h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    ).encode()


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_fmt(v)}</td>'
            if isinstance(v, int | float | Decimal) and not isinstance(v, bool)
            else f"<td>{_fmt(v)}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def bars_forecast_vs_actual(indicators: list[dict[str, Any]]) -> str:
    """Horizontal bars per service: forecast e-users (grey) vs actual e-requests (blue)."""
    label_w, bar_w, row_h = 80, 520, 26
    peak = max(
        [_num(r["forecast_electronic_users"]) or 0 for r in indicators]
        + [_num(r["actual_electronic_requests"]) or 0 for r in indicators]
        + [1]
    )
    height = row_h * len(indicators) + 30
    parts = [f'<svg width="{label_w + bar_w + 90}" height="{height}" role="img">']
    for i, row in enumerate(indicators):
        y = 10 + i * row_h
        parts.append(f'<text x="0" y="{y + 14}">{escape(row["service_key"])}</text>')
        for j, (field, colour) in enumerate(
            (("forecast_electronic_users", "forecast"), ("actual_electronic_requests", "actual"))
        ):
            value = _num(row[field])
            width = 0 if value is None else bar_w * value / peak
            parts.append(
                f'<rect x="{label_w}" y="{y + j * 11}" width="{width:.1f}" height="10" '
                f'fill="{_COLOURS[colour]}"><title>{escape(field)}: {_fmt(row[field])}'
                "</title></rect>"
            )
            parts.append(
                f'<text x="{label_w + width + 4:.1f}" y="{y + j * 11 + 9}">'
                f"{_fmt(row[field])}</text>"
            )
    parts.append(
        f'<text x="{label_w}" y="{height - 4}" fill="{_COLOURS["forecast"]}">■ forecast '
        f'e-users</text><text x="{label_w + 130}" y="{height - 4}" '
        f'fill="{_COLOURS["actual"]}">■ actual electronic requests</text></svg>'
    )
    return "".join(parts)


def line_electronic_share(trend: list[dict[str, Any]]) -> str:
    """Electronic share per window year (actual, solid) against the forecast share (dashed)."""
    points = [r for r in trend if r["reporting_year"] is not None]
    if not points:
        return "<p>No years to show.</p>"
    width, height, pad = 520, 220, 40
    years = [r["reporting_year"] for r in points]
    values = [_num(r[k]) for r in points for k in ("electronic_share", "forecast_electronic_share")]
    peak = max([v for v in values if v is not None] + [0.01])

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * (i / max(len(years) - 1, 1))
        return x, height - pad - (height - 2 * pad) * v / peak

    parts = [f'<svg width="{width}" height="{height}" role="img">']
    parts.append(
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#999"/>'
    )
    for i, year in enumerate(years):
        x, _ = xy(i, 0)
        parts.append(f'<text x="{x - 14:.1f}" y="{height - pad + 16}">{year}</text>')
    for key, colour, dash in (
        ("forecast_electronic_share", _COLOURS["forecast"], ' stroke-dasharray="5,4"'),
        ("electronic_share", _COLOURS["actual"], ""),
    ):
        coords = [(i, _num(r[key])) for i, r in enumerate(points)]
        drawn = [xy(i, v) for i, v in coords if v is not None]
        if len(drawn) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in drawn)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
            )
        for (i, v), (x, y) in zip([c for c in coords if c[1] is not None], drawn, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{years[i]} {key}: {v:.4f}</title></circle>"
            )
            parts.append(f'<text x="{x + 5:.1f}" y="{y - 5:.1f}">{v:.1%}</text>')
    parts.append(
        f'<text x="{pad}" y="14" fill="{_COLOURS["actual"]}">— actual electronic share</text>'
        f'<text x="{pad + 170}" y="14" fill="{_COLOURS["forecast"]}">- - forecast share</text>'
        "</svg>"
    )
    return "".join(parts)


def stacked_channel_mix(channel_mix: list[dict[str, Any]]) -> str:
    """100 % bars per service of the channels with a number; parts not provided are listed."""
    by_service: dict[str, list[dict[str, Any]]] = {}
    for row in channel_mix:
        by_service.setdefault(row["service_key"], []).append(row)
    label_w, bar_w, row_h = 80, 480, 20
    height = row_h * len(by_service) + 40
    parts = [f'<svg width="{label_w + bar_w + 20}" height="{height}" role="img">']
    for i, (service, rows) in enumerate(by_service.items()):
        y = 10 + i * row_h
        parts.append(f'<text x="0" y="{y + 12}">{escape(service)}</text>')
        x = float(label_w)
        for row in rows:
            share = _num(row["share_of_total"])
            if not share:
                continue
            w = bar_w * share
            colour = _COLOURS.get(row["channel_group"], "#bbb")
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="14" fill="{colour}">'
                f"<title>{escape(row['channel'])}: {share:.1%}</title></rect>"
            )
            x += w
    legend_y = height - 8
    for j, group in enumerate(
        ("electronic", "assisted", "in_person", "paper_post", "phone", "other", "not_split")
    ):
        parts.append(
            f'<text x="{label_w + j * 70}" y="{legend_y}" fill="{_COLOURS[group]}">■ {group}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _findings(summary: dict[str, Any]) -> str:
    errors, warnings = summary.get("errors", []), summary.get("warnings", [])
    out = [
        f"<p>{summary['expectations_succeeded']} of {summary['expectations_evaluated']} "
        f"expectations passed (suite <code>{escape(summary['suite'])}</code>).</p>"
    ]
    if errors:
        out.append('<div class="banner bad"><b>Errors (block the extract)</b><ul>')
        out += [f"<li>{escape(e)}</li>" for e in errors]
        out.append("</ul></div>")
    if warnings:
        out.append('<div class="banner warn"><b>Warnings (shipped with the extract)</b><ul>')
        out += [f"<li>{escape(w)}</li>" for w in warnings]
        out.append("</ul></div>")
    return "".join(out)


def extract_report(
    institution: str,
    year: int,
    indicators: list[dict[str, Any]],
    channel_mix: list[dict[str, Any]],
    trend: list[dict[str, Any]],
    validation: dict[str, Any],
    is_synthetic: bool,
) -> bytes:
    """The extract's ``report.html``: gate findings, three charts and the indicator table."""
    body = []
    if is_synthetic:
        body.append(
            '<div class="banner syn">Contains SYNTHETIC (generated demo) data — not real '
            "figures.</div>"
        )
    body.append('<div class="banner ok">Passed the quality gate: no error-severity failures.</div>')
    body.append(_findings(validation))
    body.append("<h2>Forecast vs actual electronic use per service</h2>")
    body.append(bars_forecast_vs_actual(indicators))
    body.append("<h2>Electronic share over the monitoring window</h2>")
    body.append(line_electronic_share(trend))
    body.append("<h2>Channel mix</h2>")
    body.append(stacked_channel_mix(channel_mix))
    not_provided = sorted(
        {r["service_key"] for r in channel_mix if r["count_state"] == "not_provided"}
    )
    if not_provided:
        body.append(
            "<p>Channel parts <b>not provided</b> (shown as not_split, never as 0) for: "
            + escape(", ".join(not_provided))
            + "</p>"
        )
    columns = [
        "service_key",
        "service_name_lv",
        "forecast_electronic_users",
        "actual_electronic_requests",
        "electronic_attainment",
        "electronic_share",
        "portal_electronic_requests",
        "electronic_status",
    ]
    body.append("<h2>Indicators</h2>")
    body.append(_table(columns, [[r.get(c) for c in columns] for r in indicators]))
    return _page(f"{institution} {year}: annual e-service indicators", "\n".join(body))


def failure_json(report: dict[str, Any]) -> bytes:
    return (json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def failure_html(report: dict[str, Any]) -> bytes:
    """Each failed expectation with its offending rows, errors first."""
    body = [
        f'<div class="banner bad">The {report["reporting_year"]} extract for '
        f"{escape(report['institution_code'])} was NOT written: "
        f"{len(report['errors'])} error-severity expectation(s) failed.</div>"
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
                body.append(_table(columns, [[r.get(c) for c in columns] for r in rows]))
    return _page(
        f"REFUSED: {report['institution_code']} {report['reporting_year']} indicators",
        "\n".join(body),
    )

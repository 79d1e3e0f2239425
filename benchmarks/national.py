"""Sections 2–4 of ``make bench``: the SYNTHETIC national dataset through the warehouse.

Two databases on the bench's PostgreSQL get the same plans and submissions; one gets the last
year of daily portal statistics, the other all ten. After each one's first build, the same
nights are measured on both: the next day's portal file loaded, the transformation
(``ingest.refresh.refresh_marts``: raw suites, freshness, ``dbt build``) and the docs site
(``dbt docs generate``), as the nightly DAGs run them. The ratio of the medians is the
"nightly cost independent of history" figure. On the ten-year database the intake of all
plans and submissions and the annual gate of the biggest year (every institution due, one GX
run) are timed too. ``--quick`` (the harness test) skips the separate first builds: each
database's one night then builds from scratch, the same code path.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from ingest.config import Settings


@dataclass
class Warehouse:
    name: str
    settings: Settings
    urls: object  # stack.warehouse.WarehouseUrls
    years: list[int]
    timings: dict[str, float] = field(default_factory=dict)
    nights: list[dict[str, float]] = field(default_factory=list)

    def night_median(self, part: str = "total") -> float:
        return statistics.median(n[part] for n in self.nights)


def _prepare(base: Settings, name: str, root: Path) -> Warehouse:
    from stack import warehouse

    settings = replace(
        base,
        database=name,
        dbt_target_dir=root / f"dbt-{name}",
        extracts_dir=root / f"extracts-{name}",
        intake_inbox_dir=root / f"inbox-{name}",
        intake_archive_dir=root / f"archive-{name}",
        dbt_unit_tests=False,  # as the team deployment's nights (docker-compose.yml)
    )
    return Warehouse(name, settings, warehouse.ensure_ready(settings), [])


def _timed(timings: dict[str, float], key: str, fn, *args, **kwargs):
    started = time.monotonic()
    result = fn(*args, **kwargs)
    timings[key] = time.monotonic() - started
    return result


def _load_history(wh: Warehouse, data, years: list[int], say) -> None:
    import shutil

    from ingest.intake.inbox import process_inbox
    from ingest.portal.load import load_file

    inbox = wh.settings.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    for path in sorted(data.intake_dir.iterdir()):
        shutil.copyfile(path, inbox / path.name)
    files = len(list(inbox.iterdir()))
    results = _timed(wh.timings, "intake", process_inbox, wh.urls.of("loader"), inbox,
                     wh.settings.archive_dir)  # fmt: skip
    assert len(results) == files
    say(f"  {wh.name}: intake of {files} plans and submissions {wh.timings['intake']:.1f} s")
    started = time.monotonic()
    for year in years:
        path = data.portal_dir / f"portal_requests_daily_{year}.csv"
        result = load_file(wh.urls.of("loader"), path, default_synthetic=True)
        assert result.status == "loaded", result
    wh.years = years
    wh.timings["portal history"] = time.monotonic() - started
    say(f"  {wh.name}: {len(years)} year(s) of daily portal statistics "
        f"{wh.timings['portal history']:.1f} s")  # fmt: skip


def _refresh_and_docs(wh: Warehouse, as_of: date) -> dict[str, float]:
    from ingest import refresh, transform

    parts: dict[str, float] = {}
    url = wh.urls.of("transformer")
    _timed(parts, "raw suites", refresh.validate_raw, url)
    _timed(parts, "freshness", refresh.check_freshness, wh.settings, url, as_of=as_of)
    _timed(parts, "dbt build", refresh.build, wh.settings, url, as_of)
    _timed(parts, "docs", transform.generate_docs, url, wh.settings.dbt_project_dir,
           wh.settings.dbt_target_dir, as_of)  # fmt: skip
    return parts


def _night(wh: Warehouse, data, day: date, as_of: date, work: Path) -> dict[str, float]:
    from ingest.national import portal_exports
    from ingest.portal.load import load_file

    path = work / portal_exports.day_file_name(day)
    portal_exports.write_day(data.country, day, path)
    parts: dict[str, float] = {}
    result = _timed(parts, "load", load_file, wh.urls.of("loader"), path, default_synthetic=True)
    assert result.status == "loaded", result
    parts.update(_refresh_and_docs(wh, as_of))
    parts["total"] = sum(parts.values())
    return parts


def run(base: Settings, root: Path, *, quick: bool, runs: int, say) -> dict:
    """Generate the dataset, build both databases, measure; returns the figures."""
    from ingest.national import country, dataset
    from publish.annual_submission import submit_year

    scale = country.SMALL if quick else country.NATIONAL
    say("  generating the SYNTHETIC national dataset …")
    data = dataset.generate(root / "national", scale, say=lambda _: None)
    all_years = list(range(scale.first_year, scale.last_year + 1))
    as_of = date.today()
    one = _prepare(base, "nightly_one_year", root)
    ten = _prepare(base, "nightly_all_years", root)
    for wh, years in ((one, all_years[-1:]), (ten, all_years)):
        _load_history(wh, data, years, say)
        if quick:
            # The harness check: the night below runs the same refresh on the fresh
            # database, so a separate first build would prove nothing new (and double the
            # test's time). The nights' figures are then first builds, not nights.
            continue
        first = _refresh_and_docs(wh, as_of)
        wh.timings["first build"] = sum(first.values())
        say(f"  {wh.name}: first build {wh.timings['first build']:.1f} s "
            + ", ".join(f"{k} {v:.1f}" for k, v in first.items()))  # fmt: skip
    first_night = date(scale.last_year + 1, 1, 1)
    for n in range(runs):
        for wh in (one, ten):  # alternate, so both see the same machine state
            night = _night(wh, data, first_night + timedelta(days=n), as_of, root)
            wh.nights.append(night)
            say(
                f"  {wh.name}: night {n + 1}: {night['total']:.1f} s ("
                + ", ".join(f"{k} {v:.1f}" for k, v in night.items() if k != "total")
                + ")"
            )
    year = max(data.years_due(), key=lambda y: sum(e.year == y for e in data.expected))
    gate_runs = []
    for _ in range(runs):
        result = submit_year(ten.urls.of("publisher"), ten.settings.extracts_dir, year,
                             say=lambda _: None)  # fmt: skip
        gate_runs.append(result)
        say(f"  annual gate {result.describe()}")
    return {
        "scale": scale,
        "portal_rows": data.portal_rows,
        "intake_files": len(list(data.intake_dir.iterdir())),
        "one": one,
        "ten": ten,
        "gate_year": year,
        "gate_runs": gate_runs,
    }


def _first_build_line(figures: dict) -> str:
    one, ten, scale = figures["one"], figures["ten"], figures["scale"]
    history = (
        f"loading the portal history {one.timings['portal history']:.0f} s (1 year) and "
        f"{ten.timings['portal history']:.0f} s ({scale.years} years)"
    )
    if "first build" not in one.timings:
        return (
            f"QUICK: no separate first build (each database's night is its first build, so "
            f"the ratio above is not a nightly figure); {history}."
        )
    return (
        f"For scale, once: the first build after loading the history took "
        f"{one.timings['first build']:.0f} s (1 year) and {ten.timings['first build']:.0f} s "
        f"({scale.years} years; every raw row is checked once), {history}."
    )


def report_lines(figures: dict, runs: int) -> list[str]:
    one, ten = figures["one"], figures["ten"]
    scale = figures["scale"]
    parts = [k for k in ten.nights[0] if k != "total"]
    gate = figures["gate_runs"]
    gate_seconds = statistics.median(r.seconds for r in gate)
    lines = [
        "## 2. Nightly cost with ten years of history vs one",
        "",
        f"The SYNTHETIC national dataset (`ingest.national`): {scale.institutions} institutions,"
        f" {scale.services:,} services, {scale.projects} projects, {figures['portal_rows']:,} "
        f"daily portal rows {scale.first_year}–{scale.last_year}. Both databases hold the same "
        "plans and submissions; one has the last year of portal statistics, the other all "
        f"{scale.years}. A night: the next day's file loaded, the raw suites, `dbt source "
        "freshness`, `dbt build` and `dbt docs generate`. Medians of "
        f"{runs} nights, alternating between the two databases.",
        "",
        f"| part of a night | 1 year loaded (s) | {scale.years} years loaded (s) | ratio |",
        "|---|---:|---:|---:|",
    ]
    for part in [*parts, "total"]:
        a, b = one.night_median(part), ten.night_median(part)
        label = f"**{part}**" if part == "total" else part
        ratio = f"{b / a:.2f}×" if a else "-"
        lines.append(f"| {label} | {a:.1f} | {b:.1f} | {ratio} |")
    lines += [
        "",
        f"Target: ≤ 1.2×. Measured: **{ten.night_median() / one.night_median():.2f}×**.",
        _first_build_line(figures),
        "",
        "## 3. The annual gate and extracts for every institution of a year",
        "",
        f"{figures['gate_year']} (the year with the most institutions due): "
        f"{len(gate[0].outcomes)} institutions validated in one GX run, Data Docs built once; "
        f"first run {gate[0].describe()}. Median of {runs} runs (later runs find the extracts "
        f"unchanged): **{gate_seconds:.1f} s** (target < 120 s).",
        "",
        "## 4. Intake of the national dataset's plans and submissions",
        "",
        f"{figures['intake_files']} files (CSV and XLSX; plans, submissions, and rejected and "
        f"corrected versions) into an empty warehouse, once: **{ten.timings['intake']:.1f} s**"
        f" ({figures['intake_files'] / ten.timings['intake']:.1f} files/s; target ≈150 files "
        "in < 60 s).",
        "",
    ]
    return lines

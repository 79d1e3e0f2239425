"""The SYNTHETIC national dataset: deterministic, valid codes, submissions consistent with the
portal statistics, and the manifest's intake outcomes what the intake's own rules decide."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from ingest import rules
from ingest.intake import reader
from ingest.intake.validate import Registry, validate
from ingest.national import country, dataset, portal_exports


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dataset.Dataset:
    return dataset.generate(tmp_path_factory.mktemp("national"), country.SMALL, say=lambda _: None)


def _digests(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_and_nothing_rewritten(small, tmp_path):
    before = _digests(small.root)
    dataset.generate(small.root, country.SMALL, say=lambda _: None)
    assert _digests(small.root) == before  # same bytes, and not even rewritten
    other = dataset.generate(tmp_path, country.SMALL, say=lambda _: None)
    assert {k: v[0] for k, v in _digests(other.root).items()} == {
        k: v[0] for k, v in before.items()
    }
    different = dataset.generate(tmp_path / "seed2", country.SMALL, seed=7, say=lambda _: None)
    assert (different.portal_dir / "portal_requests_daily_2015.csv").read_bytes() != (
        small.portal_dir / "portal_requests_daily_2015.csv"
    ).read_bytes()


def test_national_scale_is_what_the_issue_asks():
    nation = country.build()
    assert len(nation.institutions) == 150
    assert len(nation.services) == 4000
    assert len(nation.projects) == 60
    for project in nation.projects:
        assert 10 <= len(project.service_indexes) <= 40
        assert 2015 <= project.window[0] and project.window[-1] <= 2024
        assert {nation.services[i].institution for i in project.service_indexes} == {
            project.institution
        }


def _portal_rows(small: dataset.Dataset):
    for path in sorted(small.portal_dir.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            yield from csv.DictReader(fh)


def test_portal_rows_are_valid_synthetic_and_seasonal(small):
    per_service_year: dict[tuple[str, int], int] = defaultdict(int)
    weekday_sum = [0] * 7
    for row in _portal_rows(small):
        assert rules.code_problem("portal_service_code", row["service_code"]) is None
        assert rules.code_problem("institution_code", row["institution_code"]) is None
        assert row["service_code"].startswith("SYN-") and row["is_synthetic"] == "true"
        day = date.fromisoformat(row["period"])
        count = int(row["requests"])
        assert count > 0  # days without requests have no row
        per_service_year[(row["service_code"], day.year)] += count
        weekday_sum[day.weekday()] += count
    # the stated weekly pattern: weekends well below weekdays over the whole country
    assert max(weekday_sum[5:]) < 0.6 * min(weekday_sum[:5])
    # the stated level and growth: a large service's yearly total near its expectation
    big = max(small.country.services, key=lambda s: s.level)
    for year in (2015, 2019):
        years_in = year - small.country.scale.first_year + 0.5
        expected = big.level * (1 + big.growth) ** years_in * 365
        assert per_service_year[(big.code, year)] == pytest.approx(expected, rel=0.1)


def _read(path: Path):
    result = reader.read(path)
    assert isinstance(result, reader.ReadFile), path
    return result


def test_intake_outcomes_and_figures_match_the_manifest(small):
    registry = Registry()
    portal: dict[tuple[str, int], int] = defaultdict(int)
    for row in _portal_rows(small):
        portal[(row["service_code"], int(row["period"][:4]))] += int(row["requests"])
    codes: dict[str, str] = {}
    for plan in sorted(small.intake_dir.glob("*_plan_*")):
        read = _read(plan)
        checked = validate(read.template, read.rows, registry)
        assert not checked.errors, (plan.name, checked.errors)
        for _, row in checked.rows:
            registry.services[row["service_key"]] = row["institution_code"]
            registry.windows[row["institution_code"]] = (row["base_year"], row["base_year"] + 4)
            codes[row["service_key"]] = row["portal_service_code"]
    listed = set()
    scenarios = set()
    for expected in small.expected:
        scenarios.add(expected.scenario)
        for name, outcome in zip(expected.files, expected.intake, strict=True):
            listed.add(name)
            read = _read(small.intake_dir / name)
            checked = validate(read.template, read.rows, registry)
            assert ("rejected" if checked.errors else "accepted") == outcome, name
            if outcome == "rejected" or expected.scenario == "portal_mismatch":
                continue
            for _, row in checked.rows:
                code = codes[row["service_key"]]
                reported = row["electronic_requests"][0]
                if code:  # the reported figure is the portal's, or within 3 % of it
                    assert reported == pytest.approx(portal[(code, expected.year)], rel=0.031)
    on_disk = {p.name for p in small.intake_dir.iterdir() if "_submission_" in p.name}
    assert listed == on_disk  # every file is in the manifest, every listed file exists
    assert {"on_time", "missing"} <= scenarios


def test_a_day_file_agrees_with_the_year_file(small, tmp_path):
    day = date(2017, 3, 14)
    portal_exports.write_day(small.country, day, tmp_path / "day.csv")
    with (tmp_path / "day.csv").open(encoding="utf-8") as fh:
        day_rows = sorted(tuple(r.values()) for r in csv.DictReader(fh))
    year_rows = sorted(
        tuple(r.values()) for r in _portal_rows(small) if r["period"] == day.isoformat()
    )
    assert day_rows == year_rows and day_rows


def test_a_transaction_year_counts_to_the_daily_year(tmp_path: Path) -> None:
    """The transaction-level file of a year, each line put on its Europe/Riga day and counted,
    gives exactly the daily file of the same year (times are written in UTC, so lines after
    Riga's midnight carry the previous UTC date)."""
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from ingest.portal.transactions import riga_days

    small = country.build(country.SMALL)
    lines, _ = portal_exports.write_transactions(small, 2016, tmp_path / "t.csv")
    portal_exports.write_year(small, 2016, tmp_path / "d.csv")
    tx = pacsv.read_csv(tmp_path / "t.csv")
    days, readable = riga_days(tx.column("timestamp").cast("string").combine_chunks())
    assert readable.all() and lines == tx.num_rows
    stamps = tx.column("timestamp").cast("string").to_pylist()
    assert any(s.startswith("2015-12-31 22") for s in stamps)  # Riga's 1 January, in UTC
    counted = Counter(
        zip(tx.column("service_code").to_pylist(), days.tolist(),
            tx.column("channel").to_pylist(), strict=True)
    )  # fmt: skip
    daily = pacsv.read_csv(tmp_path / "d.csv")
    epoch_days = pc.cast(daily.column("period"), "int32").to_pylist()
    expected = dict(
        zip(zip(daily.column("service_code").to_pylist(), epoch_days,
                daily.column("channel").to_pylist(), strict=True),
            daily.column("requests").to_pylist(), strict=True)
    )  # fmt: skip
    assert dict(counted) == expected

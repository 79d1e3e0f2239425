"""Deterministic SYNTHETIC portal exports, for the demo run and for benchmarks.

The real portal is unreachable from our machines, so the embedded run loads generated monthly
exports instead. They are built to be checkable against the real data: for every VDI service
the 2016 monthly, per-channel counts add up exactly to the real 2016 electronic requests of
the reference table. Other years follow a seeded trend. Every row says ``is_synthetic=true``;
services whose real portal code is unknown get a visibly invented code (``SYN-VDI-02``), and one
unplanned code (``SYN-UNPLANNED-01``) shows how statistics for no planned service are reported.

``--scale national`` writes daily data for thousands of services instead (benchmarks only).

    python -m ingest.portal.synthetic --out DIR                      # VDI demo, 2015–2019
    python -m ingest.portal.synthetic --out DIR --scale national --services 2000 --years 2
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ingest.config import SYNTHETIC_CODE_PREFIX
from ingest.portal.schema import CHANNELS

SEED = 20170601
HEADER = ["service_code", "service_name", "institution_code", "period", "channel", "requests",
          "is_synthetic"]  # fmt: skip
REAL_YEAR = 2016
YEARS = range(2015, 2020)
# Year-on-year multipliers around the real 2016 figure (seeded noise is added per service).
TREND = {2015: 0.86, 2016: 1.0, 2017: 1.12, 2018: 1.25, 2019: 1.36}
MONTH_WEIGHTS = [0.9, 0.95, 1.05, 1.0, 1.0, 0.95, 0.8, 0.8, 1.05, 1.15, 1.15, 1.2]
UNPLANNED_CODE = f"{SYNTHETIC_CODE_PREFIX}UNPLANNED-01"
# Invented institutions: visibly synthetic, and still valid institution codes (no hyphen).
SYNTHETIC_INSTITUTION_PREFIX = "SYNI"


def split_exactly(total: int, weights: Sequence[float]) -> list[int]:
    """Integers proportional to ``weights`` that add up to ``total`` (largest remainder)."""
    if total < 0:
        raise ValueError("total must not be negative")
    weight_sum = sum(weights)
    raw = [total * w / weight_sum for w in weights]
    parts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    institution: str
    real_2016: int


def vdi_services(reference_dir: Path) -> list[Service]:
    """The 16 VDI services with their real (or invented, SYN-) portal codes."""
    with (reference_dir / "vdi_portal_service_codes.csv").open(encoding="utf-8") as fh:
        codes = {int(r["service_no"]): r for r in csv.DictReader(fh)}
    services = []
    with (reference_dir / "vdi_eservices_2012_forecast_2016_actual.csv").open(
        encoding="utf-8"
    ) as fh:
        for row in csv.DictReader(fh):
            no = int(row["service_no"])
            known = codes.get(no)
            code = known["portal_service_code"] if known else f"{SYNTHETIC_CODE_PREFIX}VDI-{no:02d}"
            name = known["portal_service_name_lv"] if known else row["service_name_lv"]
            services.append(Service(code, name, "VDI", int(row["actual_2016_e_requests"])))
    services.append(Service(UNPLANNED_CODE, "Sintētisks e-pakalpojums ārpus plāna", "VDI", 120))
    return services


def _yearly_totals(service: Service, rng: random.Random) -> dict[int, int]:
    totals = {}
    for year in YEARS:
        if year == REAL_YEAR:
            totals[year] = service.real_2016
        else:
            totals[year] = round(service.real_2016 * TREND[year] * rng.uniform(0.9, 1.1))
    return totals


def vdi_monthly_rows(reference_dir: Path, seed: int = SEED) -> Iterator[tuple[date, list[str]]]:
    """(month, row) for every service, month of 2015–2019 and channel."""
    for service in vdi_services(reference_dir):
        rng = random.Random(f"{seed}:{service.code}")
        channel_weights = [rng.uniform(0.6, 0.8), rng.uniform(0.1, 0.3), rng.uniform(0.02, 0.1)]
        for year, total in _yearly_totals(service, rng).items():
            months = split_exactly(total, [w * rng.uniform(0.9, 1.1) for w in MONTH_WEIGHTS])
            for month, month_total in enumerate(months, start=1):
                for channel, count in zip(
                    CHANNELS, split_exactly(month_total, channel_weights), strict=True
                ):
                    row = [service.code, service.name, service.institution,
                           f"{year}-{month:02d}", channel, str(count), "true"]  # fmt: skip
                    yield date(year, month, 1), row


def write_vdi_demo(
    reference_dir: Path,
    out_dir: Path,
    seed: int = SEED,
    extra_rows: Iterable[tuple[date, list[str]]] = (),
) -> list[Path]:
    """One export file per month (``portal_requests_2016-03.csv``); same inputs, same bytes.
    ``extra_rows``: (month, row) of other SYNTHETIC institutions (ingest.demo_institutions)."""
    by_month: dict[date, list[list[str]]] = {}
    for month, row in itertools.chain(vdi_monthly_rows(reference_dir, seed), extra_rows):
        by_month.setdefault(month, []).append(row)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for month in sorted(by_month):
        path = out_dir / f"portal_requests_{month:%Y-%m}.csv"
        _write_if_changed(path, [HEADER, *by_month[month]])
        paths.append(path)
    return paths


def _write_if_changed(path: Path, rows: list[list[str]]) -> None:
    """Rewrite only when the bytes differ, so an unchanged demo keeps its file times too."""
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    if not path.exists() or path.read_bytes() != data:
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)


def write_national(
    out_dir: Path,
    services: int = 2000,
    institutions: int = 300,
    years: int = 3,
    first_year: int = 2015,
    seed: int = SEED,
) -> list[Path]:
    """Daily exports for many institutions: one file per month, rows streamed to disk."""
    rng = random.Random(seed)
    catalogue = [
        (f"{SYNTHETIC_CODE_PREFIX}EP{n:05d}", f"Sintētisks pakalpojums {n}",
         f"{SYNTHETIC_INSTITUTION_PREFIX}{n % institutions:03d}", rng.randint(0, 40))
        for n in range(1, services + 1)
    ]  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    day = date(first_year, 1, 1)
    end = date(first_year + years, 1, 1)
    while day < end:
        month_start = day
        path = out_dir / f"portal_requests_daily_{month_start:%Y-%m}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(HEADER)
            while day < end and day.month == month_start.month:
                for code, name, institution, mean in catalogue:
                    for channel in CHANNELS:
                        writer.writerow([code, name, institution, day.isoformat(), channel,
                                         rng.randint(0, mean), "true"])  # fmt: skip
                day += timedelta(days=1)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the exports to")
    parser.add_argument("--scale", choices=["vdi", "national"], default="vdi")
    parser.add_argument("--reference-dir", type=Path, default=None)
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--institutions", type=int, default=300)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.scale == "vdi":
        from ingest.config import load_settings

        reference_dir = args.reference_dir or load_settings().reference_dir
        paths = write_vdi_demo(reference_dir, args.out, args.seed)
    else:
        paths = write_national(
            args.out, args.services, args.institutions, args.years, seed=args.seed
        )
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} SYNTHETIC export file(s), {size / 1e6:.1f} MB, to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

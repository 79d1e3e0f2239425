"""A SYNTHETIC country: institutions, their services, funded projects and each service's
stated demand parameters. Everything is drawn from one seeded generator, so the same
:class:`Scale` and seed always give the same country (and, downstream, the same bytes).

The parameters are what the daily portal statistics follow (``portal_exports``) and are
written to the dataset's ``services.csv`` so an analyst can check a figure by hand:

    expected requests on day d = level
        · (1 + growth) ^ (years since 1 January of the first year)
        · weekday_factor[weekday(d)]
        · (1 + amplitude · cos(2π (month(d) − peak_month) / 12))

then split over the sub-channels by ``channel_shares`` and drawn as Poisson counts (the noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ingest.portal.schema import CHANNELS

SEED = 20261130
INSTITUTION_PREFIX = "SYNI"  # SYNI001: visibly synthetic, still a valid institution code
PORTAL_CODE_PREFIX = "SYN-EP"  # SYN-EP0001: visibly synthetic, still a valid portal code
PROJECT_PREFIX = "SYN-PRJ"
MONITORING_YEARS = 5


@dataclass(frozen=True)
class Scale:
    """How big the country is; the default is the national one of issue 13."""

    institutions: int = 150
    services: int = 4000
    projects: int = 60
    first_year: int = 2015
    years: int = 10
    min_plan_services: int = 10
    max_plan_services: int = 40

    @property
    def last_year(self) -> int:
        return self.first_year + self.years - 1

    def __post_init__(self) -> None:
        if self.projects > self.institutions:
            raise ValueError("at most one project per institution: projects ≤ institutions")
        if self.years < MONITORING_YEARS:
            raise ValueError(f"the data must cover a {MONITORING_YEARS}-year monitoring window")
        if self.services < self.institutions * 2:
            raise ValueError("give every institution at least two services")


NATIONAL = Scale()
SMALL = Scale(institutions=12, services=160, projects=5, years=5, min_plan_services=3,
              max_plan_services=8)  # fmt: skip


@dataclass(frozen=True)
class Service:
    """One e-service with its demand parameters (see the module docstring)."""

    index: int
    code: str
    name: str
    institution: str
    level: float  # expected requests per day in the first year, all sub-channels
    growth: float  # yearly growth rate
    weekday_factors: tuple[float, ...]  # Monday … Sunday, mean 1
    amplitude: float  # monthly seasonality
    peak_month: int
    channel_shares: tuple[float, ...]  # over CHANNELS, sum 1


@dataclass(frozen=True)
class Project:
    """A funded project: its institution, end year and the services its plan forecasts."""

    project_id: str
    institution: str
    end_year: int
    service_indexes: tuple[int, ...]
    # per planned service: forecast e-users = base-year actual / attainment, and the forecast
    # electronic share of all users
    attainment: tuple[float, ...]
    forecast_share: tuple[float, ...]
    actual_share: tuple[float, ...]  # electronic share of total users the institution reports

    @property
    def base_year(self) -> int:
        return self.end_year + 1

    @property
    def window(self) -> range:
        return range(self.base_year, self.base_year + MONITORING_YEARS)

    @property
    def forecast_year(self) -> int:
        return self.end_year - 2

    def service_key(self, position: int) -> str:
        return f"{self.institution}-{position + 1:02d}"


@dataclass(frozen=True)
class Country:
    scale: Scale
    seed: int
    institutions: tuple[str, ...]
    services: tuple[Service, ...]
    projects: tuple[Project, ...]
    institution_names: dict[str, str] = field(default_factory=dict)

    def services_of(self, project: Project) -> list[Service]:
        return [self.services[i] for i in project.service_indexes]


def institution_code(n: int) -> str:
    return f"{INSTITUTION_PREFIX}{n:03d}"


def build(scale: Scale = NATIONAL, seed: int = SEED) -> Country:
    """The country of ``scale`` and ``seed`` (pure: no files, no clock)."""
    rng = np.random.default_rng(seed)
    institutions = tuple(institution_code(n) for n in range(1, scale.institutions + 1))
    names = {code: f"Sintētiska iestāde {code[len(INSTITUTION_PREFIX) :]}" for code in institutions}

    # Services per institution: a floor (2, or a plan's minimum where a project is), the rest
    # shared by heavy-tailed weights: a few large agencies, many small ones.
    with_project = np.sort(rng.choice(scale.institutions, scale.projects, replace=False))
    counts = np.full(scale.institutions, 2)
    counts[with_project] = scale.min_plan_services
    spare = scale.services - int(counts.sum())
    if spare < 0:
        raise ValueError("too few services for the institutions and plans asked for")
    weights = rng.pareto(1.2, scale.institutions) + 0.2
    extra = np.floor(weights / weights.sum() * spare).astype(int)
    extra[np.argsort(-(weights / weights.sum() * spare - extra))[: spare - extra.sum()]] += 1
    counts += extra

    services = []
    for inst_i, n_services in enumerate(counts):
        for _ in range(n_services):
            i = len(services)
            weekend = rng.uniform(0.1, 0.5, 2)
            weekdays = rng.uniform(0.9, 1.15, 5)
            week = np.concatenate([weekdays, weekend])
            shares = rng.dirichlet([6.0, 2.0, 1.0])
            services.append(
                Service(
                    index=i,
                    code=f"{PORTAL_CODE_PREFIX}{i + 1:04d}",
                    name=f"Sintētisks e-pakalpojums {i + 1:04d}",
                    institution=institutions[inst_i],
                    level=float(rng.lognormal(np.log(3.0), 1.3)),
                    growth=float(rng.normal(0.07, 0.08)),
                    weekday_factors=tuple(float(x) for x in week / week.mean()),
                    amplitude=float(rng.uniform(0.0, 0.4)),
                    peak_month=int(rng.integers(1, 13)),
                    channel_shares=tuple(float(x) for x in shares),
                )
            )
    assert len(services) == scale.services and len(CHANNELS) == 3

    by_institution: dict[str, list[int]] = {}
    for s in services:
        by_institution.setdefault(s.institution, []).append(s.index)
    projects = []
    last_end = scale.last_year - MONITORING_YEARS  # the window must end inside the data
    for inst_i in with_project:
        code = institutions[inst_i]
        own = by_institution[code]
        k = int(rng.integers(scale.min_plan_services, min(scale.max_plan_services, len(own)) + 1))
        chosen = tuple(sorted(int(x) for x in rng.choice(own, k, replace=False)))
        end_year = int(rng.integers(scale.first_year - 1, last_end + 1))
        projects.append(
            Project(
                project_id=f"{PROJECT_PREFIX}-{code}-{end_year}",
                institution=code,
                end_year=end_year,
                service_indexes=chosen,
                # attainment: most near plan, some far below, a few far above (as at VDI)
                attainment=tuple(float(x) for x in rng.lognormal(-0.2, 0.7, k)),
                forecast_share=tuple(float(x) for x in rng.uniform(0.05, 0.6, k)),
                actual_share=tuple(float(x) for x in rng.uniform(0.1, 0.8, k)),
            )
        )
    return Country(scale, seed, institutions, tuple(services), tuple(projects), names)

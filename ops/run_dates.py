"""Dates a task needs, from what every kind of DAG run has.

Asset-triggered runs, and runs started from the UI, the CLI or the REST API without a date,
have no ``logical_date`` in Airflow 3 (``context["logical_date"]`` raises ``KeyError``). Every
run has ``dag_run.run_after`` (when it was due or requested): the as-of date and the default
reporting year come from it, read in Europe/Riga time, or from explicit params.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

RIGA = ZoneInfo("Europe/Riga")


def run_after(context: Mapping[str, Any]) -> datetime:
    """When the run was due or requested (timezone-aware)."""
    value = context["dag_run"].run_after
    if value is None or value.tzinfo is None:
        raise ValueError(f"dag_run.run_after must be a timezone-aware datetime, got {value!r}")
    return value


def as_of_date(context: Mapping[str, Any]) -> date:
    """The run's date in Latvia: statuses (due, late, missing) are computed as of it."""
    return run_after(context).astimezone(RIGA).date()


def outlook_as_of_date(context: Mapping[str, Any]) -> date:
    """The early-warning outlook's as-of date: OUTLOOK_AS_OF_DATE (the demo's mid-2019 date)
    when set, else the run's date (what dbt uses: ingest.transform.outlook_env)."""
    from ingest.config import load_settings

    configured = load_settings().effective_outlook_as_of
    return date.fromisoformat(configured) if configured else as_of_date(context)


def reporting_years(context: Mapping[str, Any]) -> list[int]:
    """Params ``years`` (a list) or ``year``; else the year before the run's date in Latvia
    (the yearly run on 2 March reports the year that ended; so does a backfilled one)."""
    params = context.get("params") or {}
    years = params.get("years") or ([params["year"]] if params.get("year") else [])
    if not years:
        years = [as_of_date(context).year - 1]
    return sorted({int(y) for y in years})

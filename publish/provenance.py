"""Which inputs each figure of the extract rests on, and whether they are real.

dbt's export model flags every row: ``is_synthetic`` (the row's own plan and submission
figures), ``portal_is_synthetic`` (the portal's count), ``previous_year_is_synthetic`` (the
previous year's figures) and ``growth_vs_base_is_synthetic`` (the base year's figures the
growth used). A column derived from another input carries that input's flag as well, so a
real year stays real while what it derives from demo data is marked. This module maps the
columns to their flags: the report marks such figures (†), the XLSX styles them, and the
manifest records the provenance of each column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

OWN = "is_synthetic"
PORTAL = "portal_is_synthetic"
PREVIOUS_YEAR = "previous_year_is_synthetic"
GROWTH = "growth_vs_base_is_synthetic"
FLAGS = (OWN, PORTAL, PREVIOUS_YEAR, GROWTH)

# Columns resting on more than the row's own figures; every other column rests on OWN.
DERIVED_FROM: Mapping[str, tuple[str, ...]] = {
    "portal_electronic_requests": (PORTAL,),
    "electronic_reported_minus_portal": (OWN, PORTAL),
    "electronic_deviation_from_portal": (OWN, PORTAL),
    "previous_year_total_users": (PREVIOUS_YEAR,),
    "previous_year_electronic_requests": (PREVIOUS_YEAR,),
    "total_users_yoy_factor": (OWN, PREVIOUS_YEAR),
    "electronic_yoy_factor": (OWN, PREVIOUS_YEAR),
    "electronic_growth_vs_base": (GROWTH,),
    "growth_source": (GROWTH,),
}


def flags_of(column: str) -> tuple[str, ...]:
    if column in FLAGS:
        return ()
    return DERIVED_FROM.get(column, (OWN,))


def is_synthetic(row: Mapping[str, Any], column: str) -> bool:
    """True when the row's value in ``column`` rests on generated demo data."""
    return any(bool(row.get(flag)) for flag in flags_of(column))


def derived_from_demo(row: Mapping[str, Any], column: str) -> bool:
    """True when a value of a real row rests on demo data through another input (the
    figures the report marks with †): the row's own figures are real, this one is not."""
    return not row.get(OWN) and is_synthetic(row, column)


def column_provenance(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict:
    """Per column: ``real``, ``synthetic``, ``mixed`` (some rows each) or ``no values``, over
    the rows that have a value; the flag columns themselves are ``provenance flag``."""
    found: dict[str, str] = {}
    for column in columns:
        if column in FLAGS:
            found[column] = "provenance flag"
            continue
        states = {is_synthetic(row, column) for row in rows if row.get(column) is not None}
        if not states:
            found[column] = "no values"
        elif states == {True}:
            found[column] = "synthetic"
        elif states == {False}:
            found[column] = "real"
        else:
            found[column] = "mixed"
    return found

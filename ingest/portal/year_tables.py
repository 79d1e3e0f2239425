"""A load's rows, one new table per year, applied to ``raw.portal_requests`` at the end.

Why: ``raw.portal_requests`` is partitioned by year (migration 0009). A load writes its rows
into a table of its own per year, created in the loading transaction (no WAL on the embedded
server: ``wal_level = minimal``), then for each year:

* **swap** when the year has no partition yet, or the load brings at least half as many rows
  as the year has (a national year, a backfill): the rows of the year it does not replace
  are copied into the new table, which then takes the old partition's place (detach, drop,
  attach: the CHECK constraint on the year spares the attach a scan);
* **in place** otherwise (a night's day): delete the periods it replaces from the year's
  partition and insert the new rows.

Either way the work is bounded by one year, whatever the history, and readers see the old
year or the new one, never a mix (one transaction). ``ANALYZE`` follows a swap.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg import sql

from ingest import sqlfiles

log = logging.getLogger(__name__)

SWAP_SHARE = 0.5  # swap when the load brings >= this share of the year's current rows


def partition_name(year: int) -> str:
    return f"portal_requests_y{year}"


@dataclass
class YearOutcome:
    year: int
    how: str  # "new", "swap" or "in place"
    rows_kept: int = 0  # rows of the year the load did not replace (copied on a swap)


class YearTables:
    """The batch's table per year, created on first use (between COPY statements)."""

    def __init__(self, conn: psycopg.Connection, batch_id: object) -> None:
        self.conn = conn
        self.batch_hex = str(batch_id).replace("-", "")[:12]
        self.batch_id = batch_id
        self.tables: dict[int, str] = {}

    def name(self, year: int) -> str:
        return f"portal_load_{self.batch_hex}_{year}"

    def __call__(self, year: int) -> sql.Composable:
        """The year's table (``raw.<name>``), created the first time it is asked for."""
        if year not in self.tables:
            name = self.name(year)
            self.conn.execute(
                sql.SQL(sqlfiles.load("portal/year_table_create")).format(
                    table=sql.Identifier("raw", name),
                    first=sql.Literal(date(year, 1, 1)),
                    next=sql.Literal(date(year + 1, 1, 1)),
                    batch_id=sql.Literal(str(self.batch_id)),
                )
            )
            self.tables[year] = name
        return sql.Identifier("raw", self.tables[year])

    def identifiers(self) -> list[sql.Composable]:
        return [sql.Identifier("raw", name) for _, name in sorted(self.tables.items())]

    def fill_from_checked(self, years: list[int]) -> None:
        """Loadable rows the exact validation passed (tmp_portal_checked) into their years."""
        for year in years:
            self.conn.execute(
                sql.SQL(sqlfiles.load("portal/year_table_from_checked")).format(table=self(year)),
                {"first": date(year, 1, 1), "next": date(year + 1, 1, 1)},
            )

    def union(self) -> sql.Composable:
        """``select * from`` every year table, as one relation (for the batch's summaries)."""
        if not self.tables:
            return sql.SQL(sqlfiles.load("portal/year_tables_empty"))
        return sql.SQL(" union all ").join(
            sql.SQL("select * from {}").format(t) for t in self.identifiers()
        )

    def remove_duplicates(self, batch_id: object, source_uri: str, in_sql: bool) -> Counter:
        """Keep the first line of each key in ``tmp_portal_dup_keys`` (or, ``in_sql``, of every
        key seen twice) and quarantine the others; returns their reasons, counted."""
        reasons: Counter = Counter()
        for table in self.identifiers():
            if in_sql:
                self.conn.execute(
                    sql.SQL(sqlfiles.load("portal/dup_keys_of_table")).format(table=table)
                )
            cur = self.conn.execute(
                sql.SQL(sqlfiles.load("portal/dedup_year_table")).format(table=table),
                {"batch_id": batch_id, "source_uri": source_uri},
            )
            reasons.update(r[0] for r in cur.fetchall())
        return reasons

    def _run(self, name: str, **parts: sql.Composable) -> psycopg.Cursor:
        return self.conn.execute(sql.SQL(sqlfiles.load(name)).format(**parts))

    def apply(self) -> list[YearOutcome]:
        """Put each year's rows into ``raw.portal_requests`` (swap or in place)."""
        outcomes = []
        for year, name in sorted(self.tables.items()):
            fresh = sql.Identifier("raw", name)
            part = sql.Identifier("raw", partition_name(year))
            names = {
                "fresh": fresh, "part": part, "part_name": sql.Identifier(partition_name(year)),
            }  # fmt: skip
            bounds = {
                "first": sql.Literal(date(year, 1, 1)), "next": sql.Literal(date(year + 1, 1, 1))
            }  # fmt: skip
            exists = self.conn.execute(
                "select to_regclass(%s) is not null", (f"raw.{partition_name(year)}",)
            ).fetchone()[0]
            if not exists:
                self._run("portal/year_attach", **names, **bounds)
                self.conn.execute(sql.SQL("analyze {}").format(part))
                outcomes.append(YearOutcome(year, "new"))
                continue
            incoming, current = self._run("portal/year_sizes", **names, **bounds).fetchone()
            if incoming >= SWAP_SHARE * current:
                whole = self.conn.execute(
                    sqlfiles.load("portal/year_fully_replaced"),
                    {"first": date(year, 1, 1), "next": date(year + 1, 1, 1)},
                ).fetchone()[0]
                kept = 0 if whole else self._run("portal/year_keep_unreplaced", **names).rowcount
                self._run("portal/year_swap", **names, **bounds)
                self.conn.execute(sql.SQL("analyze {}").format(part))
                outcomes.append(YearOutcome(year, "swap", kept))
            else:
                self.conn.execute(sql.SQL(sqlfiles.load("portal/year_in_place")).format(**names))
                outcomes.append(YearOutcome(year, "in place"))
        return outcomes

"""Period ranges for portal loads: whole months, as people ask for them ("2015-01".."2019-12")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def _month_start(text: str, *, end: bool) -> date:
    text = text.strip()
    if m := _YEAR.match(text):
        return date(int(m[1]), 12 if end else 1, 1)
    if m := _MONTH.match(text):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r}: month must be 01–12")
        return date(int(m[1]), month, 1)
    raise ValueError(f"{text!r}: expected a year (2016) or a month (2016-03)")


@dataclass(frozen=True)
class PeriodRange:
    """Inclusive range of months; ``first``/``last`` are first days of months."""

    first: date
    last: date

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> PeriodRange | None:
        """``("2015", "2019")`` → Jan 2015..Dec 2019; ``(None, None)`` → no restriction."""
        if not start and not end:
            return None
        if not start or not end:
            raise ValueError("give both ends of the period range, or neither")
        first, last = _month_start(start, end=False), _month_start(end, end=True)
        if last < first:
            raise ValueError(f"period range ends ({end}) before it starts ({start})")
        return cls(first, last)

    @property
    def end_date(self) -> date:
        """Last day covered (daily rows up to the end of the last month)."""
        next_month = (self.last + timedelta(days=32)).replace(day=1)
        return next_month - timedelta(days=1)

    def as_params(self) -> dict[str, str]:
        return {
            "period_from": self.first.strftime("%Y-%m"),
            "period_to": self.last.strftime("%Y-%m"),
        }

    def __str__(self) -> str:
        return f"{self.first:%Y-%m}..{self.last:%Y-%m}"

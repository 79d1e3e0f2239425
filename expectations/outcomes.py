"""Great Expectations results in plain terms, with the severity decision taken here.

Each expectation carries ``meta.rule`` (a sentence a person understands) and
``meta.severity``: ``error`` blocks, ``warning`` is reported and shipped. GX marks a run failed
on any failed expectation, so :class:`GateResult` decides from the per-expectation results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result in plain terms."""

    rule: str
    severity: str
    success: bool
    expectation: str
    column: str | None
    unexpected_count: int | None
    examples: list[Any] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # every column the expectation reads
    examples_are_keys: bool = False  # examples name service keys (else offending values)
    observed: Any = None  # GX's observed value of table-level expectations

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        extra = ""
        if self.unexpected_count:
            shown = ", ".join(map(str, self.examples[:10]))
            more = " …" if len(self.examples) > 10 else ""
            extra = f": {self.unexpected_count} offending row(s): {shown}{more}"
        return f"[{self.severity}] {self.rule} ({self.expectation}{where}){extra}"


@dataclass(frozen=True)
class GateResult:
    """All outcomes of one validation run and the decision taken from them."""

    suite: str
    outcomes: list[ExpectationOutcome]

    @property
    def errors(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "error"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "passed": self.passed,
            "expectations_evaluated": len(self.outcomes),
            "expectations_succeeded": sum(o.success for o in self.outcomes),
            "errors": [o.describe() for o in self.errors],
            "warnings": [o.describe() for o in self.warnings],
            "results": [
                {
                    "rule": o.rule,
                    "severity": o.severity,
                    "success": o.success,
                    "expectation": o.expectation,
                    "unexpected_count": o.unexpected_count,
                }
                for o in self.outcomes
            ],
        }


def _examples(details: dict[str, Any]) -> tuple[list[Any], bool]:
    """Offending service keys where GX can name them, else the offending values."""
    indexed = details.get("unexpected_index_list") or []
    keys = [row["service_key"] for row in indexed if isinstance(row, dict) and "service_key" in row]
    if keys:
        return keys, True
    return [str(v) for v in details.get("partial_unexpected_list") or []], False


def outcome_of(result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    meta = config.meta or {}
    details = result.result or {}
    examples, are_keys = _examples(details)
    kwargs = config.kwargs
    columns = tuple(kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k))
    return ExpectationOutcome(
        rule=meta.get("rule", config.type),
        severity=meta.get("severity", "error"),
        success=bool(result.success),
        expectation=config.type,
        column=config.kwargs.get("column") or config.kwargs.get("column_A"),
        unexpected_count=details.get("unexpected_count"),
        examples=examples,
        columns=columns,
        examples_are_keys=are_keys,
        observed=details.get("observed_value"),
    )

"""Great Expectations results in plain terms, with the severity decision taken here.

Each expectation carries ``meta.rule`` (a sentence a person understands) and
``meta.severity``: ``error`` blocks, ``warning`` is reported and shipped. GX marks a run failed
on any failed expectation, so :class:`GateResult` decides from the per-expectation results.

What a rule was checked against matters as much as whether it passed. ``meta.needs`` names
the columns a row must have for the rule to say anything about it (GX skips NULLs, so a rule
on an empty column "passes"): with no such row the rule is *not applicable*, never *passed*.
``meta.evidence`` names the flag column that is true where the rule's evidence (the portal's
count, the previous year) is generated demo data: such a check is reported as "checked
against demo data: not evidence", and its failure can warn but never refuse a real row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    # (institution, service key) of every offending row where the result names rows; None for
    # a rule about the whole table or a column's type, which holds for every institution
    offenders: tuple[tuple[str, str], ...] | None = None
    needs: tuple[str, ...] = ()  # columns a row needs for the rule to apply (meta.needs)
    evidence_flag: str | None = None  # true where the evidence is demo data (meta.evidence)
    evidence: str = "real"  # real | demo | partly_demo | none (nothing to check)
    downgraded: bool = False  # an error on a real row with demo evidence, shipped as warning

    @property
    def status(self) -> str:
        """passed | failed | not_applicable (the rule had nothing to check)."""
        if self.evidence == "none":
            return "not_applicable"
        return "passed" if self.success else "failed"

    @property
    def evidence_note(self) -> str | None:
        if self.evidence == "demo":
            return "checked against demo data: not evidence"
        if self.evidence == "partly_demo":
            return "partly checked against demo data: not evidence for those rows"
        if self.evidence == "none":
            return "not applicable: nothing to check"
        return None

    def with_evidence(self, frame: Any) -> ExpectationOutcome:
        """This outcome judged on what it checked in ``frame`` (one institution's rows)."""
        rows = frame
        for column in self.needs:
            if column in rows.columns:
                rows = rows[rows[column].notna()]
        if self.needs and len(rows) == 0:
            return replace(self, evidence="none")
        if not self.evidence_flag or self.evidence_flag not in rows.columns or len(rows) == 0:
            return self
        demo = rows[self.evidence_flag].fillna(False).astype(bool)
        evidence = "demo" if demo.all() else "partly_demo" if demo.any() else "real"
        outcome = replace(self, evidence=evidence)
        if self.success or self.severity != "error" or evidence == "real":
            return outcome
        # A failure whose every offending row is real but was checked against demo evidence
        # warns: demo data cannot refuse real figures.
        keys = set(self.examples) if self.examples_are_keys else None
        if keys is None or "service_key" not in rows.columns or "is_synthetic" not in rows:
            return outcome
        offending = rows[rows["service_key"].isin(keys)]
        real_on_demo = (~offending["is_synthetic"].fillna(False).astype(bool)) & demo[
            offending.index
        ]
        if len(offending) and real_on_demo.all():
            return replace(outcome, severity="warning", downgraded=True)
        return outcome

    def for_institution(self, institution: str) -> ExpectationOutcome:
        """This outcome as it concerns one institution of a year-wide run: a row-level rule
        fails only for the institutions whose rows offend."""
        if self.success or self.offenders is None:
            return self
        mine = tuple(o for o in self.offenders if o[0] == institution)
        return replace(
            self,
            success=not mine,
            unexpected_count=len(mine),
            examples=[key for _, key in mine],
            examples_are_keys=True,
            offenders=mine,
        )

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        extra = ""
        if self.unexpected_count:
            shown = ", ".join(map(str, self.examples[:10]))
            more = " …" if len(self.examples) > 10 else ""
            extra = f": {self.unexpected_count} offending row(s): {shown}{more}"
        note = f" [{self.evidence_note}]" if self.evidence_note else ""
        if self.downgraded:
            note += " (an error on real figures, shipped as a warning: the evidence is demo data)"
        return f"[{self.severity}] {self.rule} ({self.expectation}{where}){extra}{note}"


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

    def for_institution(self, institution: str, frame: Any = None) -> GateResult:
        """The decision for one institution of a year-wide run; with ``frame`` (that
        institution's candidate rows) each rule is judged on what it actually checked."""
        mine = [o.for_institution(institution) for o in self.outcomes]
        if frame is not None:
            mine = [o.with_evidence(frame) for o in mine]
        return GateResult(self.suite, mine)

    @property
    def not_applicable(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.status == "not_applicable"]

    @property
    def on_demo_evidence(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.evidence in ("demo", "partly_demo")]

    def summary(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "passed": self.passed,
            "expectations_evaluated": len(self.outcomes),
            "expectations_succeeded": sum(o.status == "passed" for o in self.outcomes),
            "expectations_not_applicable": len(self.not_applicable),
            "expectations_on_demo_evidence": len(self.on_demo_evidence),
            "errors": [o.describe() for o in self.errors],
            "warnings": [o.describe() for o in self.warnings],
            "results": [
                {
                    "rule": o.rule,
                    "severity": o.severity,
                    "success": o.success,
                    "status": o.status,
                    "evidence": o.evidence,
                    "evidence_note": o.evidence_note,
                    "expectation": o.expectation,
                    "unexpected_count": o.unexpected_count,
                }
                for o in self.outcomes
            ],
        }


def _offenders(details: dict[str, Any]) -> tuple[tuple[str, str], ...] | None:
    """(institution, service key) of the rows GX names, or None when it names none."""
    named = tuple(
        (str(row.get("institution_code", "")), str(row["service_key"]))
        for row in details.get("unexpected_index_list") or []
        if isinstance(row, dict) and "service_key" in row
    )
    return named or None


def institution_of(service_key: str) -> str:
    """``SYNI001-07`` → ``SYNI001``: a service key starts with its institution's code."""
    return service_key.rsplit("-", 1)[0]


def _missing_members(
    kwargs: dict[str, Any], details: dict[str, Any]
) -> tuple[tuple[str, str], ...] | None:
    """For "contains the set" rules: the expected values that are absent, as offenders."""
    missing = details.get("missing_list") or details.get("partial_missing_list")
    if missing is None and isinstance(details.get("observed_value"), list):
        missing = sorted(set(kwargs.get("value_set") or []) - set(details["observed_value"]))
    if not missing:
        return None  # nothing named: the failure concerns every institution
    if details.get("missing_count", len(missing)) > len(missing):
        return None  # GX listed only some: do not let the unlisted pass
    return tuple((institution_of(str(key)), str(key)) for key in sorted(missing))


def outcome_of(result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    meta = config.meta or {}
    details = result.result or {}
    kwargs = config.kwargs
    unexpected_count = details.get("unexpected_count")
    if config.type == "expect_column_distinct_values_to_contain_set":
        offenders = None if result.success else _missing_members(kwargs, details)
    else:
        offenders = _offenders(details)
    if offenders:
        examples, are_keys = [key for _, key in offenders], True
    elif config.type == "unexpected_rows_expectation":  # a SQL rule (expectations/sql/)
        rows = [dict(r) for r in (details.get("details") or {}).get("unexpected_rows") or []]
        unexpected_count = rows[0]["offending_total"] if rows else details.get("observed_value")
        examples = [
            ", ".join(f"{k}={v}" for k, v in row.items() if k != "offending_total") for row in rows
        ]
        are_keys = False
    else:
        examples = [str(v) for v in details.get("partial_unexpected_list") or []]
        are_keys = False
    columns = tuple(kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k))
    return ExpectationOutcome(
        rule=meta.get("rule", config.type),
        severity=meta.get("severity", "error"),
        success=bool(result.success),
        expectation=config.type,
        column=config.kwargs.get("column") or config.kwargs.get("column_A"),
        unexpected_count=unexpected_count,
        examples=examples,
        columns=columns,
        examples_are_keys=are_keys,
        observed=details.get("observed_value"),
        offenders=offenders,
        needs=tuple(meta.get("needs") or ()),
        evidence_flag=meta.get("evidence"),
    )

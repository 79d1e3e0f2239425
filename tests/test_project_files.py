"""Project files that are not code: the lock covers requirements.in.

The team deployment (docker-compose.yml, Dockerfile) is tested in tests/deploy/test_compose.py.
"""

from __future__ import annotations

import re

from tests.conftest import ROOT


def _names(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", line)
        assert match, line
        pins[match[1].lower().replace("_", "-")] = match[3]
    return pins


def test_every_direct_requirement_is_pinned_exactly() -> None:
    wanted = _names((ROOT / "requirements.in").read_text())
    locked = _names((ROOT / "requirements.txt").read_text())
    for name in wanted:
        assert name in locked, f"{name} is in requirements.in but not in requirements.txt"
        assert locked[name].startswith("=="), f"{name} is not pinned: {locked[name]!r}"
    assert locked["dbt-core"].startswith("==1.11."), "dbt-core must stay below 1.12"


def test_the_slow_first_order_names_existing_modules() -> None:
    """A renamed module would silently fall back to xdist's worst order (see conftest)."""
    from tests.conftest import _SLOW_FIRST

    assert [m for m in _SLOW_FIRST if not (ROOT / m).is_file()] == []

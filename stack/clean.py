"""The guard of ``make clean``: received submissions are never deleted unless a backup holds
them or the user confirms it (``CONFIRM=delete-submissions``).

Standard library only, so ``make clean`` works even without the virtual environment.

    python -m stack.clean check     # exit 1 (and say why) when cleaning would lose submissions
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path

from ingest.config import Settings, load_settings

CONFIRMATION = "delete-submissions"


def backups_dir(settings: Settings) -> Path:
    return Path(os.environ.get("BACKUP_DIR") or settings.project_root / "backups")


def received_files(settings: Settings) -> list[Path]:
    """Submissions (and set-aside files) in the intake archive and the inbox, not receipts."""
    found = []
    for folder in (settings.archive_dir, settings.inbox_dir):
        if folder.exists():
            found += [p for p in folder.rglob("*") if p.is_file()
                      and not p.name.endswith(".receipt.txt")
                      and not p.name.startswith(".partial-")]  # fmt: skip
    return found


def newest_backup_time(settings: Settings) -> float | None:
    """When the newest complete backup was made (epoch seconds), or None."""
    root = backups_dir(settings)
    manifests = sorted(root.glob("2*/manifest.json")) if root.exists() else []
    if not manifests:
        return None
    created = json.loads(manifests[-1].read_text(encoding="utf-8"))["created_at"]
    return datetime.fromisoformat(created).timestamp()


def unprotected(settings: Settings) -> list[Path]:
    """Received files no backup holds: changed after the newest backup, or all without one."""
    newest = newest_backup_time(settings)
    return [p for p in received_files(settings) if newest is None or p.stat().st_mtime > newest]


def check(settings: Settings, confirmation: str | None) -> int:
    at_risk = unprotected(settings)
    if not at_risk or confirmation == CONFIRMATION:
        return 0
    shown = "\n".join(f"    {p}" for p in at_risk[:10])
    more = f"\n    … and {len(at_risk) - 10} more" if len(at_risk) > 10 else ""
    print(
        f"make clean would delete {len(at_risk)} received submission file(s) that no backup "
        f"holds:\n{shown}{more}\n"
        "  Keep them:   make backup   (then make clean)\n"
        f"  Delete them: make clean CONFIRM={CONFIRMATION}",
        file=sys.stderr,
    )
    return 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["check"]:
        print(__doc__, file=sys.stderr)
        return 2
    return check(load_settings(), os.environ.get("CONFIRM"))


if __name__ == "__main__":
    raise SystemExit(main())

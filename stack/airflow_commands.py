"""Several ``airflow`` CLI commands in one process.

Every ``airflow`` process spends ~10 s (more on a busy 2-core machine) importing Airflow before
it does anything; the metadata set-up needs two commands (``db migrate``, ``pools set``), so
they run here one after the other through Airflow's own CLI entry point, with one import.

Usage: ``python -m stack.airflow_commands db migrate -- pools set dbt 1 "description"``
(commands separated by ``--``; the first failing command stops the rest with its exit code).
"""

from __future__ import annotations

import sys


def split(argv: list[str]) -> list[list[str]]:
    """``["a", "b", "--", "c"]`` → ``[["a", "b"], ["c"]]`` (empty commands dropped)."""
    commands: list[list[str]] = [[]]
    for arg in argv:
        if arg == "--":
            commands.append([])
        else:
            commands[-1].append(arg)
    return [c for c in commands if c]


def main(argv: list[str] | None = None) -> int:
    from airflow.__main__ import main as airflow_main

    for command in split(sys.argv[1:] if argv is None else argv):
        print(f"== airflow {' '.join(command)}", flush=True)
        sys.argv = ["airflow", *command]
        try:
            airflow_main()
        except SystemExit as exc:  # a CLI command that exits: stop at the first failure
            if exc.code not in (None, 0):
                return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The one-process runner of several Airflow CLI commands splits its arguments as documented."""

from __future__ import annotations

from stack.airflow_commands import split


def test_commands_are_separated_by_a_double_dash() -> None:
    argv = ["db", "migrate", "--", "pools", "set", "dbt", "1", "one at a time"]
    assert split(argv) == [["db", "migrate"], ["pools", "set", "dbt", "1", "one at a time"]]


def test_empty_commands_are_dropped() -> None:
    assert split(["--", "version", "--", "--"]) == [["version"]]
    assert split([]) == []

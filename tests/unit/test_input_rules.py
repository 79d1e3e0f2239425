"""The shared input rules (ingest.rules), path confinement and the committed hostile corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import rules, safe_paths
from tests import hostile_corpus


@pytest.mark.parametrize(
    ("text", "value"),
    [("4441", 4441), ("4 441", 4441), ("4\u00a0441", 4441), ("1\u202f234\u00a0567", 1234567),
     ("12.0", 12), ("12,00", 12), ("007", 7), ("0", 0)],
)  # fmt: skip
def test_counts_a_person_types_are_read(text: str, value: int) -> None:
    assert rules.parse_count(text) == (value, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("3,000", "ambiguous number '3,000'"), ("1.000", "ambiguous number '1.000'"),
     ("1,234,567", "ambiguous"), ("1234.000", "ambiguous"), ("2.5", "fractional number"),
     ("-3", "negative number"), ("- 3", "negative number"), ("12 34", "not a number"),
     ("abc", "not a number"), ("", "not a number"), ("3000000000", "number too large"),
     ("99999999999999999999", "number too large")],
)  # fmt: skip
def test_counts_that_could_be_misread_are_refused_with_a_reason(text: str, reason: str) -> None:
    value, problem = rules.parse_count(text)
    assert value is None and problem is not None and reason in problem.en
    assert problem.lv  # every reason in Latvian too


def test_portal_counts_may_be_national_sized() -> None:
    assert rules.parse_count("3 000 000 000", rules.BIGINT_MAX) == (3_000_000_000, None)


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [("institution_code", "VDI", True), ("institution_code", "SYN01", True),
     ("institution_code", "../../X", False), ("institution_code", "V" * 11, False),
     ("institution_code", "VDI'; drop table x;--", False), ("institution_code", "vdi", False),
     ("service_key", "VDI-07", True), ("service_key", "VDI-7", False),
     ("portal_service_code", "EP72", True), ("portal_service_code", "SYN-VDI-02", True),
     ("portal_service_code", "EP 72", False), ("portal_service_code", "=cmd|x", False),
     ("project_id", "VDI-ERDF-2009-2014", True), ("project_id", "3.2.2.1.1/09/IPIA", True),
     ("project_id", "../x", False)],
)  # fmt: skip
def test_code_patterns(kind: str, value: str, ok: bool) -> None:
    assert (rules.code_problem(kind, value) is None) is ok


@pytest.mark.parametrize(
    ("text", "neutralised"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1+1", "'-1+1"), ("@SUM(1)", "'@SUM(1)"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("Iesniegums", "Iesniegums"), ("", "")],
)  # fmt: skip
def test_formula_text_is_neutralised_on_the_way_out(text: str, neutralised: str) -> None:
    assert rules.neutralise_formula(text) == neutralised


@pytest.mark.parametrize(
    "name", ["../../../../X", "..", ".", "", "/etc/passwd", "a/../../b", "\x00x", "ā" * 200]
)
def test_names_from_data_stay_inside_their_folder(tmp_path: Path, name: str) -> None:
    component = safe_paths.safe_component(name)
    assert component not in ("", ".", "..") and "/" not in component
    assert len(component.encode()) <= safe_paths.MAX_COMPONENT
    path = safe_paths.confined(tmp_path, component)
    assert tmp_path.resolve() in path.resolve().parents


def test_a_path_leaving_its_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(safe_paths.EscapingPath):
        safe_paths.confined(tmp_path, "..", "x")
    (tmp_path / "link").symlink_to("/tmp")
    with pytest.raises(safe_paths.EscapingPath):
        safe_paths.confined(tmp_path, "link", "x")


def test_long_names_keep_their_suffix() -> None:
    name = safe_paths.safe_component("garš_" * 60 + ".csv")
    assert name.endswith("~.csv") and len(name.encode()) <= safe_paths.MAX_COMPONENT


def test_committed_corpus_is_what_the_generator_writes() -> None:
    """`python -m tests.hostile_corpus` regenerates the corpus; the committed files match."""
    built = hostile_corpus.build()
    committed = {
        str(p.relative_to(hostile_corpus.CORPUS_DIR)): p.read_bytes()
        for p in hostile_corpus.CORPUS_DIR.rglob("*")
        if p.is_file()
    }
    assert sorted(committed) == sorted(built)
    assert [name for name, data in built.items() if committed[name] != data] == []
    assert len(built) - 1 >= 60  # at least 60 hostile files besides the manifest

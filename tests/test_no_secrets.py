"""No secret in the repository, and every local service binds 127.0.0.1.

Generated secrets live in git-ignored state (``.warehouse/credentials.json``,
``.airflow/credentials.json``, both 0600) and the team deployment's in ``.env`` (ignored;
``.env.example`` is an empty template). This scan reads every tracked file."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import ROOT

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Fernet key": re.compile(r"FERNET_KEY\s*[=:]\s*['\"]?[A-Za-z0-9_-]{43}="),
    # user:password@ in a URL, unless the password is a visible placeholder or a variable
    # (8+ characters without % or \\: shorter ones and percent-encoding tests are examples)
    "password in a URL": re.compile(
        r"\b[a-z+]+://[^\s:/@'\"]+:(?!password@|secret@|local-test-pw@|\$|\{|<|\*)"
        r"[^\s@/'\"%\\]{8,}@"
    ),
    "assigned password": re.compile(
        r"(?i)(?:password|passwd|secret|token)(?!_encryption)\w*\s*[=:]\s*['\"]"
        r"(?![{<$]|change|example)[^'\"\s]{8,}['\"]"
    ),
}
# Files whose job is to hold fake secrets (the scanner's own patterns, test fixtures).
ALLOWED = {"tests/test_no_secrets.py"}


def _tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.split(b"\0")  # fmt: skip
    return [name.decode() for name in listed if name]


def test_no_secret_in_any_committed_file() -> None:
    found = []
    for name in _tracked_files():
        path = ROOT / name
        if name in ALLOWED or not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        for what, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: {what}: {match.group(0)[:60]}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("sample", [
    "postgresql://warehouse:Zq8pL2vX9@localhost/db",
    'AIRFLOW_ADMIN_PASSWORD = "Sup3rS3cretValue"',
    "-----BEGIN RSA PRIVATE KEY-----",
    "AKIAABCDEFGHIJKLMNOP",
])  # fmt: skip
def test_the_scan_would_find_a_planted_secret(sample: str) -> None:
    assert any(p.search(sample) for p in SECRET_PATTERNS.values())


def test_state_holding_secrets_is_ignored_by_git() -> None:
    for path in (".warehouse/credentials.json", ".airflow/credentials.json", ".env"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        assert ignored.returncode == 0, f"{path} is not git-ignored"


def test_local_services_bind_127_0_0_1_only() -> None:
    """The embedded PostgreSQL, the local Airflow API server and the test Redis/SMTP sinks
    listen on 127.0.0.1; 0.0.0.0 appears only where the team deployment's compose file maps
    ports (and there the tests refuse it, tests/deploy)."""
    sources = {
        "stack/embedded_pg.py": "listen_addresses = '127.0.0.1'",
        "stack/airflow_local.py": '"--host", "127.0.0.1"',
    }
    for name, needle in sources.items():
        assert needle in (ROOT / name).read_text(encoding="utf-8"), name
    offenders = [
        name for name in _tracked_files()
        if name.endswith((".py", ".sh", ".cfg", ".toml", "Makefile"))
        and name != "tests/deploy/test_compose.py"
        and "0.0.0.0" in (ROOT / name).read_text(encoding="utf-8", errors="replace")
        and name != "tests/test_no_secrets.py"
    ]  # fmt: skip
    assert offenders == []

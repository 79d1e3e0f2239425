"""Faults against the real PostgreSQL: a loader killed mid-load, a full disk, a denied folder.

Each proves the same promise: the previous data stays complete, nothing half-written is
visible, the attempt is recorded (a batch row committed before the load), and the error says
what to fix.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from ingest.intake import inbox
from ingest.intake.templates import EXAMPLES_DIR
from publish import extract
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

# A loader that stops (sleeps) right after it wrote its rows, inside its transaction: the test
# kills it there with SIGKILL, by PID.
KILLABLE = """
import sys, time
from pathlib import Path
marker = Path(sys.argv[2])
if sys.argv[1] == "intake":
    from ingest.intake import inbox
    original = inbox._copy_rows
    def stalled(*args):
        original(*args)
        marker.write_text("rows written")
        time.sleep(600)
    inbox._copy_rows = stalled
    inbox.process_inbox(sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5]))
else:
    from ingest.portal import load
    original = load.Replacement.measure
    def stalled(*args):
        result = original(*args)
        marker.write_text("staged and validated")
        time.sleep(600)
    load.Replacement.measure = staticmethod(stalled)
    load.load_file(sys.argv[3], Path(sys.argv[4]))
"""


def _kill_mid_load(args: list[str], marker: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the loader never reached the load"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def _batches(url: str, loader: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select status, coalesce(message, '') from audit.load_batches"
            " where loader = %s order by started_at",
            (loader,),
        ).fetchall()


def _wait_backend_gone(url: str) -> None:
    """PostgreSQL notices the killed client's closed socket within moments."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with psycopg.connect(url) as conn:
            running = conn.execute(
                "select count(*) from audit.load_batches b join pg_stat_activity a"
                " on a.pid = b.backend_pid where b.status = 'running'"
            ).fetchone()[0]
        if not running:
            return
        time.sleep(0.2)
    raise AssertionError("the killed loader's backend is still there")


def test_intake_killed_mid_load_leaves_a_visible_attempt_and_loses_nothing(
    db_url: str, tmp_path: Path
) -> None:
    box, archive = tmp_path / "inbox", tmp_path / "archive"
    box.mkdir()
    shutil.copyfile(EXAMPLES_DIR / "VDI_plan_2012.csv", box / "VDI_plan_2012.csv")
    marker = tmp_path / "marker"
    _kill_mid_load(["intake", str(marker), db_url, str(box), str(archive)], marker)
    _wait_backend_gone(db_url)

    assert [p.name for p in box.iterdir()] == ["VDI_plan_2012.csv"], "the file stays"
    assert not list(archive.rglob("*.partial-*")) and not list(archive.rglob("*.receipt.txt"))
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from raw.intake_plan_rows").fetchone() == (0,)
    assert [s for s, _ in _batches(db_url, inbox.LOADER)] == ["running"]  # the attempt shows

    (result,) = inbox.process_inbox(db_url, box, archive)  # the next run
    assert (result.outcome, result.version) == ("accepted", 1)
    statuses = _batches(db_url, inbox.LOADER)
    assert [s for s, _ in statuses] == ["abandoned", "succeeded"]
    assert "rolled back" in statuses[0][1]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from raw.intake_plan_rows").fetchone() == (16,)


def test_portal_loader_killed_mid_load_keeps_the_previous_period(
    db_url: str, tmp_path: Path
) -> None:
    from ingest.portal import nightly
    from ingest.portal.load import LOADER, load_file

    header = "service_code,institution_code,period,channel,requests\n"
    good = tmp_path / "good.csv"
    good.write_text(header + "EP72,VDI,2016-01,portal,30\nEP88,VDI,2016-01,portal,5\n")
    assert load_file(db_url, good).status == "loaded"
    correction = tmp_path / "correction.csv"
    correction.write_text(header + "EP72,VDI,2016-01,portal,31\nEP88,VDI,2016-01,portal,6\n")
    marker = tmp_path / "marker"
    _kill_mid_load(["portal", str(marker), db_url, str(correction)], marker)
    _wait_backend_gone(db_url)

    with psycopg.connect(db_url) as conn:
        assert conn.execute("select sum(request_count) from raw.portal_requests").fetchone() == (
            35,
        )
    assert [s for s, _ in _batches(db_url, LOADER)] == ["succeeded", "running"]
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(correction, drop / "correction.csv")
    from dataclasses import replace

    from ingest.config import Settings

    summary = nightly.run(db_url, replace(Settings(), portal_drop_dir=drop))  # the next night
    assert summary.loaded == 1 and not summary.problems
    assert [s for s, _ in _batches(db_url, LOADER)] == ["succeeded", "abandoned", "succeeded"]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select sum(request_count) from raw.portal_requests").fetchone() == (
            37,
        )


def _full_disk(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_archive_disk_leaves_the_submission_in_the_inbox(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box, archive = tmp_path / "inbox", tmp_path / "archive"
    box.mkdir()
    shutil.copyfile(EXAMPLES_DIR / "VDI_plan_2012.csv", box / "VDI_plan_2012.csv")
    monkeypatch.setattr(inbox.shutil, "copyfile", _full_disk)
    with pytest.raises(inbox.IntakeStorageError) as error:
        inbox.process_inbox(db_url, box, archive)
    message = str(error.value)
    assert "cannot write to the intake archive" in message
    assert "No space left on device" in message and "free space" in message
    assert "VDI_plan_2012.csv stays in the inbox" in message
    assert [p.name for p in box.iterdir()] == ["VDI_plan_2012.csv"]
    assert [p for p in archive.rglob("*") if p.is_file()] == [], "nothing half-written"
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from raw.intake_files").fetchone() == (0,)
    assert [s for s, _ in _batches(db_url, inbox.LOADER)] == ["failed"]

    monkeypatch.undo()  # space freed: the next run takes it in
    (result,) = inbox.process_inbox(db_url, box, archive)
    assert result.outcome == "accepted" and not list(box.iterdir())


def test_a_denied_extracts_folder_says_what_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "2016" / "VDI"
    first = extract.write(folder, {"a.csv": b"1\n"}, {}, {"institution_code": "VDI"})
    assert first.version == 1

    def denied(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(extract, "_write_durably", denied)
    with pytest.raises(extract.ExtractStorageError, match="Permission denied — free space or"):
        extract.write(folder, {"a.csv": b"2\n"}, {}, {"institution_code": "VDI"})
    assert sorted(p.name for p in folder.iterdir()) == ["latest", "v0001"], "nothing half-written"
    assert extract.verify(folder / "latest") == []


def test_postgres_restarted_mid_dag_run_retries_and_ends_without_duplicates(
    pg_settings, tmp_path: Path
) -> None:
    """The warehouse on a server of its own (Airflow's metadata stays on the session server) is
    restarted while the portal DAG loads a file: the task fails, Airflow retries it, and the run
    ends with the file loaded once and the interrupted attempt marked abandoned."""
    import threading
    from dataclasses import replace

    from ingest.config import Settings
    from ingest.portal.load import LOADER
    from stack import embedded_pg, pipeline, warehouse
    from tests.conftest import free_port, pipeline_settings

    tmp_path.chmod(0o755)  # the server's OS user must reach its data folder
    own = Settings(port=free_port(), state_dir=tmp_path / "own-warehouse")
    wh = warehouse.ensure_ready(own)
    drop = tmp_path / "drop"
    drop.mkdir()
    rows = 0
    with (drop / "national.csv").open("w", encoding="utf-8") as fh:
        fh.write("service_code,institution_code,period,channel,requests\n")
        for day in range(1, 29):
            for n in range(6000):
                fh.write(f"SYN-EP{n:05d},SYNI{n % 40:02d},2016-02-{day:02d},portal,{n % 97}\n")
                rows += 1
    settings = replace(
        pipeline_settings(pg_settings, "restart_meta", tmp_path / "airflow-side"),
        portal_drop_dir=drop,
    )
    extra = {
        "TASK_RETRIES": "1",
        "TASK_RETRY_DELAY_SECONDS": "2",
        **{f"AIRFLOW_CONN_WAREHOUSE_{role.upper()}": url for role, url in wh.role_urls.items()},
    }
    restarted = threading.Event()

    def restart_when_loading() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(wh.url, connect_timeout=2) as conn:
                    running = conn.execute(
                        "select count(*) from audit.load_batches where status = 'running'"
                    ).fetchone()[0]
            except psycopg.OperationalError:
                running = 0
            if running:
                time.sleep(0.5)  # well inside the load's transaction
                embedded_pg.stop(own)
                embedded_pg.start(own)
                restarted.set()
                return
            time.sleep(0.1)

    pipeline.init_airflow(settings, wh.url)
    watcher = threading.Thread(target=restart_when_loading, daemon=True)
    watcher.start()
    try:
        pipeline.trigger(
            settings, wh.url, pipeline.DagStep("portal_statistics_nightly", {}), extra_env=extra
        )
        watcher.join(timeout=60)
        assert restarted.is_set(), "the server was never restarted mid-load"
        log = (settings.logs_dir / "portal_statistics_nightly.log").read_text(errors="replace")
        assert "up_for_retry" in log.lower() or "UP_FOR_RETRY" in log, log[-3000:]
        with psycopg.connect(wh.url) as conn:
            loaded = conn.execute(
                "select count(*), count(distinct (institution_code, period_start,"
                " portal_service_code, channel)) from raw.portal_requests"
            ).fetchone()
        assert loaded == (rows, rows), "loaded once, no duplicates"
        # The interrupted batch is `failed` when the loader could still record it (the server
        # was back before the error surfaced), else `abandoned` by the retry; never `running`.
        first, *rest = [s for s, _ in _batches(wh.url, LOADER)]
        assert first in ("abandoned", "failed") and rest == ["succeeded"], (first, rest)
    finally:
        embedded_pg.stop(own)


def test_an_inbox_that_cannot_be_emptied_says_so_and_nothing_is_loaded_twice(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permission denied on the inbox: the file was loaded and archived, but cannot be removed
    from the inbox. The error says so; the next run recognises the same bytes and does not load
    them again."""
    box, archive = tmp_path / "inbox", tmp_path / "archive"
    box.mkdir()
    shutil.copyfile(EXAMPLES_DIR / "VDI_plan_2012.csv", box / "VDI_plan_2012.csv")
    real_unlink = Path.unlink

    def denied(self: Path, missing_ok: bool = False) -> None:
        if self.parent == box:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", denied)
    with pytest.raises(inbox.IntakeStorageError, match="cannot be removed from the inbox"):
        inbox.process_inbox(db_url, box, archive)
    monkeypatch.undo()
    (again,) = inbox.process_inbox(db_url, box, archive)
    assert again.outcome == "duplicate" and not list(box.iterdir())
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from raw.intake_plan_rows").fetchone() == (16,)

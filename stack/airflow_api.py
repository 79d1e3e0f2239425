"""A small client of the local Airflow's REST API (``/api/v2``): trigger, wait, backfill.

``make run``, ``make dag`` and the backfill targets use it while ``make airflow`` runs, so
there is one scheduler and one metadata history instead of ``airflow dags test`` beside it.
Runs are triggered without a logical date, as a person does from the UI.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

TERMINAL = {"success", "failed"}


class AirflowApiError(RuntimeError):
    """The API refused a request or a run did not succeed; the message says which and why."""


@dataclass(frozen=True)
class RunOutcome:
    dag_id: str
    run_id: str
    state: str
    seconds: float
    failed_tasks: tuple[str, ...] = ()
    error: str = ""

    def describe(self) -> str:
        text = f"{self.dag_id} {self.run_id}: {self.state} in {self.seconds:.1f} s"
        if self.failed_tasks:
            text += f" (failed: {', '.join(self.failed_tasks)})"
        return text


class AirflowApi:
    def __init__(self, base_url: str, username: str, password: str, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self._credentials = {"username": username, "password": password}
        self._token: str | None = None

    # -- plumbing -------------------------------------------------------------------------
    def _login(self) -> None:
        response = self._session.post(
            f"{self.base_url}/auth/token", json=self._credentials, timeout=self.timeout
        )
        if response.status_code >= 400:
            raise AirflowApiError(f"login to {self.base_url} refused: {response.text[:300]}")
        self._token = response.json()["access_token"]
        self._session.headers["Authorization"] = f"Bearer {self._token}"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._token is None:
            self._login()
        url = f"{self.base_url}/api/v2{path}"
        response = self._session.request(method, url, timeout=self.timeout, **kwargs)
        if response.status_code == 401:  # token expired: log in again once
            self._login()
            response = self._session.request(method, url, timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise AirflowApiError(
                f"{method} {path} → {response.status_code}: {response.text[:500]}"
            )
        return response.json() if response.content else None

    # -- what the CLI needs ---------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self.request("GET", "/monitor/health")

    def dag_ids(self) -> set[str]:
        data = self.request("GET", "/dags", params={"limit": 100})
        return {d["dag_id"] for d in data["dags"]}

    def ensure_unpaused(self, dag_id: str) -> None:
        """Runs of a paused DAG never start: say so instead of waiting for them."""
        if self.request("GET", f"/dags/{dag_id}")["is_paused"]:
            raise AirflowApiError(
                f"{dag_id} is paused (AIRFLOW_DAGS_PAUSED=true?), so its runs would never start: "
                "unpause it in the UI, or restart with `make airflow-stop airflow`"
            )

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": paused})

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """A manual run without a logical date; returns its run id."""
        body = {"logical_date": None, "conf": conf or {}}
        return self.request("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self.request("GET", f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}")

    def runs(self, dag_id: str, **params: Any) -> list[dict[str, Any]]:
        params = {"limit": 100, "order_by": "-run_after", **params}
        return self.request("GET", f"/dags/{dag_id}/dagRuns", params=params)["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances"
        return self.request("GET", path, params={"limit": 100})["task_instances"]

    def task_log(self, dag_id: str, run_id: str, task: dict[str, Any]) -> str:
        path = (
            f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/"
            f"{task['task_id']}/logs/{max(task.get('try_number') or 1, 1)}"
        )
        params = {"full_content": "true", "map_index": task.get("map_index", -1)}
        data = self.request("GET", path, params=params, headers={"Accept": "application/json"})
        content = data.get("content") if isinstance(data, dict) else data
        if not isinstance(content, list):
            return str(content)
        lines = []  # structured log lines: the event, and an exception as "Type: message"
        for line in content:
            if not isinstance(line, dict):
                lines.append(str(line))
                continue
            lines.append(str(line.get("event", "")))
            for detail in line.get("error_detail") or []:
                lines.append(f"{detail.get('exc_type')}: {detail.get('exc_value')}")
                lines.append("")
        return "\n".join(lines)

    def wait(
        self,
        dag_id: str,
        run_id: str,
        timeout: float = 1800,
        say: Callable[[str], None] | None = None,
        poll: float = 2.0,
    ) -> RunOutcome:
        """Poll until the run ends; on failure the outcome names the failed tasks and carries
        the first useful lines of their logs."""
        started = time.monotonic()
        last_progress = ""
        while True:
            run = self.run(dag_id, run_id)
            state = run["state"]
            if state in TERMINAL:
                break
            if time.monotonic() - started > timeout:
                raise AirflowApiError(f"{dag_id} {run_id} still {state} after {timeout:.0f} s")
            if say is not None:
                tasks = self.task_instances(dag_id, run_id)
                done = sum(t["state"] in ("success", "skipped") for t in tasks)
                progress = f"{done}/{len(tasks)} tasks done" if tasks else state
                if progress != last_progress:
                    say(f"        {dag_id}: {progress}")
                    last_progress = progress
            time.sleep(poll)
        seconds = run_seconds(run, default=time.monotonic() - started)
        if state == "success":
            return RunOutcome(dag_id, run_id, state, seconds)
        failed = [
            t
            for t in self.task_instances(dag_id, run_id)
            if t["state"] in ("failed", "upstream_failed")
        ]
        error = ""
        for task in failed:
            if task["state"] == "failed":
                from stack.pipeline import failure_excerpt

                error = failure_excerpt(self.task_log(dag_id, run_id, task))
                break
        names = tuple(
            t["task_id"] + (f"[{t['map_index']}]" if t.get("map_index", -1) >= 0 else "")
            for t in failed
        )
        return RunOutcome(dag_id, run_id, state, seconds, names, error)

    def wait_for_new_run(
        self,
        dag_id: str,
        after: datetime,
        run_type: str | None = None,
        timeout: float = 300,
        poll: float = 2.0,
    ) -> str:
        """The id of the first run of ``dag_id`` queued after ``after`` (e.g. asset-triggered)."""
        deadline = time.monotonic() + timeout
        params: dict[str, Any] = {"run_after_gte": after.isoformat(), "order_by": "run_after"}
        if run_type:
            params["run_type"] = run_type
        while time.monotonic() < deadline:
            runs = self.runs(dag_id, **params)
            if runs:
                return runs[0]["dag_run_id"]
            time.sleep(poll)
        raise AirflowApiError(f"no new {run_type or ''} run of {dag_id} within {timeout:.0f} s")

    def finished_at(self, dag_id: str, run_id: str, task_id: str | None = None) -> datetime:
        """When the run's last task (or ``task_id``) ended: its data was committed by then."""
        ends = [
            t["end_date"]
            for t in self.task_instances(dag_id, run_id)
            if t.get("end_date") and task_id in (None, t.get("task_id"))
        ]
        if not ends:
            raise AirflowApiError(f"{dag_id} {run_id} has no finished task")
        return max(_instant(e) for e in ends)

    def run_started_after(
        self,
        dag_id: str,
        moment: datetime,
        run_type: str = "asset_triggered",
        timeout: float = 300,
        poll: float = 2.0,
    ) -> str:
        """The first ``run_type`` run of ``dag_id`` that started after ``moment``.

        Why not match the asset events a run consumed: Airflow attributes events to runs by
        time window, and an event that arrives while a run waits in the queue is read by that
        run's data (it starts later) yet attributed to none. What matters for the marts is a
        transformation that started after the loads' data was committed."""
        deadline = time.monotonic() + timeout
        while True:
            params = {
                "run_after_gte": (moment - timedelta(hours=1)).isoformat(),
                "run_type": run_type,
                "order_by": "run_after",
            }
            started = [
                r
                for r in self.runs(dag_id, **params)
                if r.get("start_date") and _instant(r["start_date"]) >= moment
            ]
            if started:
                return min(started, key=lambda r: r["start_date"])["dag_run_id"]
            if time.monotonic() > deadline:
                raise AirflowApiError(
                    f"no {run_type} run of {dag_id} started after {moment.isoformat()} "
                    f"within {timeout:.0f} s"
                )
            time.sleep(poll)

    # -- backfills ------------------------------------------------------------------------
    def backfill(
        self,
        dag_id: str,
        from_date: datetime,
        to_date: datetime,
        reprocess: str = "none",
        max_active_runs: int = 1,
    ) -> tuple[int, list[str]]:
        """Airflow's own backfill over the DAG's schedule; returns its id and the logical dates
        of its runs (from the dry run, in order)."""
        body = {
            "dag_id": dag_id,
            "from_date": from_date.isoformat(),
            "to_date": to_date.isoformat(),
            "run_backwards": False,
            "dag_run_conf": {},
            "reprocess_behavior": reprocess,
            "max_active_runs": max_active_runs,
        }
        self.ensure_unpaused(dag_id)
        dry = self.request("POST", "/backfills/dry_run", json=body)
        dates = [b["logical_date"] for b in dry["backfills"]]
        if not dates:
            raise AirflowApiError(
                f"no run of {dag_id} between {from_date} and {to_date} to (re)run: are these "
                "years done already? REPROCESS=completed re-runs them"
            )
        created = self.request("POST", "/backfills", json=body)
        return created["id"], dates

    def wait_backfill(
        self,
        dag_id: str,
        backfill_id: int,
        timeout: float = 3600,
        say: Callable[[str], None] | None = None,
        poll: float = 3.0,
    ) -> list[dict[str, Any]]:
        """Wait until the backfill completed and its runs ended; returns those runs."""
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            backfill = self.request("GET", f"/backfills/{backfill_id}")
            runs = [r for r in self.runs(dag_id, run_type="backfill") if _of_backfill(r, backfill)]
            states = sorted(r["state"] for r in runs)
            if backfill["completed_at"] and all(s in TERMINAL for s in states):
                return sorted(runs, key=lambda r: r["run_after"])
            if time.monotonic() > deadline:
                raise AirflowApiError(f"backfill {backfill_id} of {dag_id} not done: {states}")
            progress = f"{states.count('success')} of {len(runs)} runs succeeded"
            if say is not None and progress != last:
                say(f"        backfill {backfill_id}: {progress}")
                last = progress
            time.sleep(poll)


def _of_backfill(run: dict[str, Any], backfill: dict[str, Any]) -> bool:
    """A backfill run whose date lies in the backfill's range."""
    when = _instant(run.get("logical_date") or run["run_after"])
    return _instant(backfill["from_date"]) <= when <= _instant(backfill["to_date"])


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def failed_runs(outcomes: Iterable[RunOutcome]) -> list[RunOutcome]:
    return [o for o in outcomes if o.state != "success"]


def run_seconds(run: dict[str, Any], default: float) -> float:
    """How long the run itself took (its start to its end in Airflow's metadata): runs waited
    for one after another may have run at the same time. ``default`` when the API gives no
    dates."""
    if run.get("start_date") and run.get("end_date"):
        return (_instant(run["end_date"]) - _instant(run["start_date"])).total_seconds()
    return default

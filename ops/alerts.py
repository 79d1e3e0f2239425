"""Alerts to the data team: a failed task, annual extracts the gate refused, or a service whose
early-warning outlook turned projected_to_miss.

One notifier (:class:`DataTeamNotifier`) is every DAG's ``on_failure_callback`` (it fires once a
task has no retries left). It mails the recipients of ``ALERT_EMAILS`` through the Airflow SMTP
connection ``ALERT_SMTP_CONN_ID`` (default ``smtp_default``, e.g. from
``AIRFLOW_CONN_SMTP_DEFAULT``). With no recipients configured nothing is sent, and the log
says so. The message names the DAG, the task, the run and the first useful lines of the error
(for a refused extract: the failed rules and their services), with a link to the task in the UI.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow.sdk import BaseNotifier

log = logging.getLogger(__name__)

MAX_ERROR_LINES = 15
REFUSED = "SubmissionRefused"


@dataclass(frozen=True)
class Alert:
    subject: str
    text: str

    def html(self) -> str:
        return "<pre>" + html.escape(self.text) + "</pre>"


def useful_error_lines(exception: BaseException | str | None) -> list[str]:
    """The error's first non-empty lines (a refusal lists its failed rules and services)."""
    if exception is None:
        return ["(no exception recorded: the task was failed from outside, e.g. a timeout)"]
    text = str(exception).strip() or type(exception).__name__
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_ERROR_LINES:
        lines = [*lines[:MAX_ERROR_LINES], f"… ({len(lines) - MAX_ERROR_LINES} more lines)"]
    return lines


def compose(context: Mapping[str, Any]) -> Alert:
    """The alert for a failed task instance (pure: testable without Airflow running)."""
    ti = context["ti"]
    dag_id, task_id, run_id = ti.dag_id, ti.task_id, ti.run_id
    map_index = getattr(ti, "map_index", -1)
    task = f"{task_id}[{map_index}]" if map_index is not None and map_index >= 0 else task_id
    exception = context.get("exception")
    refused = type(exception).__name__ == REFUSED
    what = "annual extract REFUSED by the quality gate" if refused else "task failed"
    subject = f"[e-services warehouse] {dag_id}: {what} ({task})"
    lines = [
        f"DAG:  {dag_id}",
        f"Task: {task} (try {getattr(ti, 'try_number', '?')})",
        f"Run:  {run_id}",
        f"Link: {getattr(ti, 'log_url', '')}",
        "",
        "Refused: no extract was written; the failure report names the offending rows."
        if refused
        else "Error:",
        *useful_error_lines(exception),
    ]
    return Alert(subject, "\n".join(lines))


def compose_refusals(context: Mapping[str, Any], refusals: list[str]) -> Alert:
    """The alert for institution-years the annual gate refused in a run that went on with
    the others (the task itself succeeds: a refusal is an outcome, not a crash)."""
    ti = context["ti"]
    subject = (
        f"[e-services warehouse] {ti.dag_id}: {len(refusals)} annual extract(s) REFUSED by the "
        "quality gate"
    )
    lines = [
        f"DAG:  {ti.dag_id}",
        f"Run:  {ti.run_id}",
        f"Link: {getattr(ti, 'log_url', '')}",
        "",
        "Refused: no extract was written for these; each has a failure report, and the year's",
        "national extract lists them with their reasons.",
        *[line for refusal in refusals for line in useful_error_lines(refusal)],
    ]
    return Alert(subject, "\n".join(lines))


def compose_outlook(context: Mapping[str, Any], row: Mapping[str, Any]) -> Alert:
    """The early-warning alert for one service whose outlook turned projected_to_miss: even
    the upper end of the projection's 80 % interval is below the forecast."""
    ti = context["ti"]
    demo = " [demo data]" if row.get("is_synthetic") else ""
    subject = (
        f"[e-services warehouse] {row['service_key']} projected to miss its "
        f"{row['reporting_year']} plan (as of {row['as_of_date']}){demo}"
    )
    lines = [
        f"Service:   {row['service_key']} ({row['institution_code']})",
        f"Year:      {row['reporting_year']}, as of {row['as_of_date']} "
        f"({row['months_complete']} months of portal statistics)",
        f"Forecast:  {row['forecast_electronic_users']} e-service users",
        f"Projected: {row['projected_requests']} electronic requests "
        f"(80 % interval {row['projected_requests_p10']}–{row['projected_requests_p90']})",
        f"Before:    {row.get('previous_status') or 'no earlier outlook this year'}",
        "",
        "Even the interval's upper end is below the plan: time to act (action plan) while the",
        "year is open. The provisional report of the year has every service and activity.",
        f"DAG: {ti.dag_id}  Run: {ti.run_id}",
    ]
    return Alert(subject, "\n".join(lines))


def send(alert: Alert) -> None:
    """Mail ``alert`` to ``ALERT_EMAILS`` (nothing is sent, and the log says so, without)."""
    from ingest.config import load_settings

    settings = load_settings()
    if not settings.alert_emails:
        log.warning("alert not sent (ALERT_EMAILS is empty): %s", alert.subject)
        return
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    with SmtpHook(smtp_conn_id=settings.alert_smtp_conn_id) as smtp:
        smtp.send_email_smtp(
            to=list(settings.alert_emails),
            subject=alert.subject,
            html_content=alert.html(),
            from_email=settings.alert_from,
        )
    log.info("alert sent to %s: %s", ", ".join(settings.alert_emails), alert.subject)


class DataTeamNotifier(BaseNotifier):
    """``on_failure_callback`` that mails :func:`compose`'s alert to ``ALERT_EMAILS``."""

    template_fields = ()

    def notify(self, context: Any) -> None:
        send(compose(context))

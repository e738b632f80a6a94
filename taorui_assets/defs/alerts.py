"""Chat alert on every failed run of this code location.

Configured by settings (``taorui_assets.settings``, read at each tick):
``TAORUI_ALERT_WEBHOOK_URL`` (holds the robot's access token; never logged),
``TAORUI_ALERT_KIND`` = dingtalk | wecom | feishu (guessed from the host when unset),
``TAORUI_UI_URL`` (optional, prefixes the ``/runs/<run_id>`` link).
"""
from __future__ import annotations

import logging
from typing import Mapping, Optional

import dagster as dg

from taorui_assets import settings
from taorui_assets.lib import alerts

_warned_unconfigured = False


def webhook_kind(url: str, configured: Optional[str]) -> str:
    """The chat of ``url`` (``TAORUI_ALERT_KIND``, else from the host); ConfigError when unknown."""
    kind = settings.alert_kind(url, configured)
    if kind is None:
        raise settings.ConfigError("TAORUI_ALERT_WEBHOOK_URL is not set: there is no webhook; set it")
    return kind


def send_alert(failure: alerts.Failure, log: logging.Logger, env: Optional[Mapping[str, str]] = None) -> bool:
    """Posts ``failure`` to the configured webhook (settings from ``env``, default the process's).
    Returns whether it was delivered; a webhook that fails is logged as a warning, never
    raised, so one bad robot cannot wedge the sensor."""
    global _warned_unconfigured
    s = settings.load(env)
    url = s.alert_webhook_url
    if not url:
        if not _warned_unconfigured:
            log.info("run-failure alerts are off: TAORUI_ALERT_WEBHOOK_URL is not set")
            _warned_unconfigured = True
        return False
    kind = s.alert_kind
    text = alerts.message(failure, s.ui_url)
    try:
        alerts.post(url, alerts.body(kind, text))
    except alerts.AlertError as err:
        log.warning(f"{kind} alert for run {failure.run_id} not delivered: {err}")
        return False
    log.info(f"{kind} alert for run {failure.run_id} sent to {alerts.safe_target(url)}")
    return True


def _partition(run: dg.DagsterRun) -> Optional[str]:
    tags = run.tags
    if tags.get("dagster/partition"):
        return tags["dagster/partition"]
    start, end = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    return f"{start}...{end}" if start and end else None


def describe(context: dg.RunFailureSensorContext) -> alerts.Failure:
    lines = [context.failure_event.message or ""]
    for event in context.get_step_failure_events():
        data = event.step_failure_data
        user = data.user_failure_data
        reason = (user.description if user and user.description else None) or (
            data.error.message if data.error else "")
        lines.append(f"{event.step_key}: {reason.strip()}")
    run = context.dagster_run
    return alerts.Failure(job=run.job_name, run_id=run.run_id, partition=_partition(run),
                          message="\n".join(ln for ln in lines if ln))


@dg.run_failure_sensor(
    description="Posts each failed run (job, partition, first lines of the failure, link) to the "
    "DingTalk / WeCom / Feishu webhook in TAORUI_ALERT_WEBHOOK_URL; does nothing when unset.",
    # Running by default, the one exception to "schedules and sensors start stopped" (README,
    # Automation): without a webhook it is inert, and with one an operator should not also have
    # to remember to switch it on. test_automation_defaults.py keeps the README and this in step.
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    send_alert(describe(context), context.log)

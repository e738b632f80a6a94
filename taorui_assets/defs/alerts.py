"""Chat alert on every failed run of this code location.

Configured by environment, read at each tick so a redeploy is not needed to change it:
``TAORUI_ALERT_WEBHOOK_URL`` (holds the robot's access token; never logged),
``TAORUI_ALERT_KIND`` = dingtalk | wecom | feishu (guessed from the host when unset),
``TAORUI_UI_URL`` (optional, prefixes the ``/runs/<run_id>`` link).
"""
from __future__ import annotations

import logging
import os
import urllib.parse
from typing import Mapping, Optional

import dagster as dg

from taorui_assets.lib import alerts

_HOST_KINDS = {"dingtalk.com": "dingtalk", "qyapi.weixin.qq.com": "wecom", "feishu.cn": "feishu",
               "larksuite.com": "feishu"}
_warned_unconfigured = False


def webhook_kind(url: str, configured: Optional[str]) -> str:
    if configured:
        kind = configured.strip().lower()
        if kind not in alerts.KINDS:
            raise ValueError(f"TAORUI_ALERT_KIND must be one of {', '.join(alerts.KINDS)}; got {configured!r}")
        return kind
    host = urllib.parse.urlsplit(url).hostname or ""
    for suffix, kind in _HOST_KINDS.items():
        if host == suffix or host.endswith("." + suffix):
            return kind
    raise ValueError(f"set TAORUI_ALERT_KIND ({', '.join(alerts.KINDS)}): cannot tell it from the webhook host")


def send_alert(failure: alerts.Failure, log: logging.Logger, env: Mapping[str, str] = os.environ) -> bool:
    """Posts ``failure`` to the configured webhook. Returns whether it was delivered; a webhook
    that fails is logged as a warning, never raised, so one bad robot cannot wedge the sensor."""
    global _warned_unconfigured
    url = env.get("TAORUI_ALERT_WEBHOOK_URL", "").strip()
    if not url:
        if not _warned_unconfigured:
            log.info("run-failure alerts are off: TAORUI_ALERT_WEBHOOK_URL is not set")
            _warned_unconfigured = True
        return False
    kind = webhook_kind(url, env.get("TAORUI_ALERT_KIND"))
    text = alerts.message(failure, env.get("TAORUI_UI_URL", ""))
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

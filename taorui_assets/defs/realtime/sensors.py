"""Alerts when the tick capture is stale or lagging during trading hours.

Reads the capture's heartbeat every 30 s and posts to the same chat webhook as the
run-failure alerts (``TAORUI_ALERT_WEBHOOK_URL`` / ``TAORUI_ALERT_KIND``, defs/alerts.py),
once per incident: the cursor remembers the problem already reported, and a recovery is
reported too.
"""
import datetime as dt

import dagster as dg

from taorui_assets import settings
from taorui_assets.defs.realtime.resources import RealtimeResource
from taorui_assets.lib import alerts
from taorui_assets.lib.realtime import heartbeat
from taorui_assets.lib.realtime.storage import HEARTBEAT, SH
from taorui_assets.resources.mongo import MongoResource


def now_utc() -> dt.datetime:  # one place, so tests can move the clock
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _post(text: str, log) -> bool:
    try:
        s = settings.load()
    except settings.ConfigError as e:
        log.warning(f"capture alert not sent: {e}")
        return False
    if not s.alert_webhook_url:
        log.warning(f"capture alert not sent (TAORUI_ALERT_WEBHOOK_URL is not set): {text}")
        return False
    try:
        alerts.post(s.alert_webhook_url, alerts.body(s.alert_kind, alerts.redact(text)))
    except (alerts.AlertError, ValueError) as e:
        log.warning(f"capture alert not delivered: {e}")
        return False
    return True


@dg.sensor(
    name="capture_heartbeat", minimum_interval_seconds=30,
    description="During trading hours, alerts through the chat webhook when the tick capture's "
    "heartbeat is stale or its MongoDB lag is too high (thresholds: the realtime resource).",
)
def capture_heartbeat(context: dg.SensorEvaluationContext, mongo: MongoResource, realtime: RealtimeResource):
    now = now_utc()
    local = now.replace(tzinfo=dt.timezone.utc).astimezone(SH).replace(tzinfo=None)
    if not heartbeat.trading_hours(local):
        return dg.SkipReason(f"outside trading hours ({local:%Y-%m-%d %H:%M} Asia/Shanghai)")
    doc = mongo.client[mongo.database][HEARTBEAT].find_one({"_id": "capture"})
    issue = heartbeat.problem(doc, now, realtime.heartbeat_stale_s, realtime.max_lag_s)
    previous = context.cursor or ""
    if issue and not previous:
        _post(f"[taorui] {issue}", context.log)
        context.update_cursor(issue)
        return dg.SkipReason(f"alerted: {issue}")
    if not issue and previous:
        _post("[taorui] tick capture recovered: heartbeat fresh, lag normal", context.log)
        context.update_cursor("")
        return dg.SkipReason("recovered")
    return dg.SkipReason(issue or "capture healthy")

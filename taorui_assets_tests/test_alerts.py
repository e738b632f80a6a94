"""Run-failure alerts: bodies per webhook kind, redaction, failing webhooks, one real failed run."""
from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from taorui_assets import settings
from taorui_assets.defs import alerts as alert_defs
from taorui_assets.lib import alerts

TOKEN = "TOKEN0123456789abcdef"
SECRETS = ["hunter2", "s3cr3t", TOKEN]
FAILURE = alerts.Failure(
    job="market_close_datasets", run_id="0b1af949-5ffe-4f20-8c26-d2b11cdc81c4", partition="2026-11-24",
    message="daily_bars: cannot reach mongodb://taorui:s3cr3t@db.internal:27017/taorui\n"
    "JQDATA_PASSWORD=hunter2 rejected\n" + "\n".join(f"frame {i}" for i in range(40)),
)


class Webhook:
    """A local webhook that records what it is sent and answers ``status`` / ``answer``."""

    def __init__(self):
        self.received: list[dict] = []
        self.status, self.answer = 200, {"errcode": 0, "errmsg": "ok"}
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                hook.received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
                data = json.dumps(hook.answer).encode()
                self.send_response(hook.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?access_token={TOKEN}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def log():
    logger = logging.getLogger("taorui_assets_tests.alerts")
    logger.setLevel(logging.DEBUG)
    return logger


def text_of(kind: str, body: dict) -> str:
    return body["content"]["text"] if kind == "feishu" else body["text"]["content"]


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu"])
def test_posts_the_body_of_each_kind_without_secrets(webhook, log, kind, caplog):
    env = {"TAORUI_ALERT_WEBHOOK_URL": webhook.url, "TAORUI_ALERT_KIND": kind, "TAORUI_UI_URL": "http://dagster:3000/"}
    with caplog.at_level(logging.INFO):
        assert alert_defs.send_alert(FAILURE, log, env) is True
    [got] = webhook.received
    body = got["body"]
    if kind == "feishu":
        assert body["msg_type"] == "text" and set(body["content"]) == {"text"}
    else:
        assert body["msgtype"] == "text" and set(body["text"]) == {"content"}
    text = text_of(kind, body)
    for expected in [FAILURE.job, FAILURE.run_id, FAILURE.partition, f"http://dagster:3000/runs/{FAILURE.run_id}",
                     "cannot reach mongodb://***@db.internal"]:
        assert expected in text
    assert "frame 39" not in text  # only the first lines
    assert not any(s in json.dumps(body, ensure_ascii=False) for s in SECRETS)
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("status, answer", [(500, {"error": "boom"}), (200, {"errcode": 310000, "errmsg": "keywords not in content"})])
def test_a_refusing_webhook_logs_a_warning_and_does_not_raise(webhook, log, caplog, status, answer):
    webhook.status, webhook.answer = status, answer
    env = {"TAORUI_ALERT_WEBHOOK_URL": webhook.url, "TAORUI_ALERT_KIND": "dingtalk"}
    with caplog.at_level(logging.WARNING):
        assert alert_defs.send_alert(FAILURE, log, env) is False
    assert "not delivered" in caplog.text
    assert TOKEN not in caplog.text and "/robot/send" not in caplog.text


def test_an_unreachable_webhook_logs_a_warning_and_does_not_raise(log, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"TAORUI_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook/{TOKEN}", "TAORUI_ALERT_KIND": "feishu"}
    with caplog.at_level(logging.WARNING):
        assert alert_defs.send_alert(FAILURE, log, env) is False
    assert "unreachable" in caplog.text and TOKEN not in caplog.text


def test_without_a_webhook_it_logs_once_and_does_nothing(log, caplog, monkeypatch):
    monkeypatch.setattr(alert_defs, "_warned_unconfigured", False)
    with caplog.at_level(logging.INFO):
        assert alert_defs.send_alert(FAILURE, log, {}) is False
        assert alert_defs.send_alert(FAILURE, log, {}) is False
    assert caplog.text.count("alerts are off") == 1


def test_kind_is_taken_from_the_host_or_must_be_valid():
    assert settings.alert_kind("https://oapi.dingtalk.com/robot/send?access_token=x", None) == "dingtalk"
    assert settings.alert_kind("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", None) == "wecom"
    assert settings.alert_kind("https://open.feishu.cn/open-apis/bot/v2/hook/x", None) == "feishu"
    assert settings.alert_kind("http://127.0.0.1/x", "WeCom") == "wecom"
    with pytest.raises(settings.ConfigError, match="TAORUI_ALERT_KIND"):
        settings.alert_kind("http://127.0.0.1/x", None)
    with pytest.raises(settings.ConfigError, match="TAORUI_ALERT_KIND=slack"):
        settings.alert_kind("http://127.0.0.1/x", "slack")


def test_redact_masks_credentials_tokens_and_hook_paths_only():
    assert alerts.redact("mongodb://u:pw@h:27017/db") == "mongodb://***@h:27017/db"
    assert alerts.redact("https://oapi.dingtalk.com/robot/send?access_token=abc&x=1") == \
        "https://oapi.dingtalk.com/robot/send?access_token=***&x=1"
    assert alerts.redact("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc") == \
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
    assert alerts.redact("https://open.feishu.cn/open-apis/bot/v2/hook/abc-123") == \
        "https://open.feishu.cn/open-apis/bot/v2/hook/***"
    assert alerts.redact('password="two words" token: t0k') == 'password=*** token: ***'
    assert alerts.redact("partition_key=2026-11-24 for 000001.SZ") == "partition_key=2026-11-24 for 000001.SZ"


def test_the_sensor_alerts_on_a_real_failed_run(webhook, monkeypatch):
    monkeypatch.setenv("TAORUI_ALERT_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("TAORUI_ALERT_KIND", "wecom")

    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["2026-11-24"]))
    def broken_bars() -> None:
        raise dg.Failure(description="QMT returned no rows; password=hunter2")

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([broken_bars], partition_key="2026-11-24", instance=instance, raise_on_error=False)
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert", dagster_instance=instance,
        dagster_run=result.dagster_run, dagster_event=result.get_run_failure_event(),
    )
    alert_defs.run_failure_alert(context)

    [got] = webhook.received
    text = got["body"]["text"]["content"]
    assert result.dagster_run.job_name in text and result.run_id in text
    assert "partition: 2026-11-24" in text and f"/runs/{result.run_id}" in text
    assert "broken_bars: QMT returned no rows; password=***" in text and "hunter2" not in text

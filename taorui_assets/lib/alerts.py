"""Run-failure alerts for chat webhooks (DingTalk, WeCom, Feishu): message text, redaction,
request bodies and the POST itself. Pure functions plus one ``urllib`` call; the Dagster
sensor lives in ``taorui_assets.defs.alerts``.
"""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Optional

KINDS = ("dingtalk", "wecom", "feishu")
MAX_LINES = 8
MAX_CHARS = 1500

# user:password@ in any URL (mongodb://, https://, ...).
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@:]+(?::[^\s/@]*)?@")
# key=value / key: value where the key names a secret; covers query strings (access_token=,
# key= in a WeCom URL) and connection-string or log fragments (password=..., token: ...).
_SECRET_VALUE = re.compile(
    r"(?i)\b([\w.-]*(?:password|passwd|secret|token)|pwd|api[_-]?key|access[_-]?key|signature|sign|key)"
    r"(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s&\"',;)]+)"
)
# Feishu and Slack-style hooks carry the token in the path rather than the query.
_HOOK_PATH = re.compile(r"(?i)(/hook/)[^\s/?#]+")


@dataclass(frozen=True)
class Failure:
    job: str
    run_id: str
    partition: Optional[str]
    message: str


def redact(text: str) -> str:
    """``text`` with URL credentials, secret-looking ``key=value`` values and hook tokens masked."""
    text = _URL_CREDENTIALS.sub(r"\1***@", text)
    text = _SECRET_VALUE.sub(r"\1\2***", text)
    return _HOOK_PATH.sub(r"\1***", text)


def first_lines(text: str, lines: int = MAX_LINES, chars: int = MAX_CHARS) -> str:
    kept = [ln for ln in (text or "").strip().splitlines() if ln.strip()][:lines]
    out = "\n".join(kept)
    return out if len(out) <= chars else out[: chars - 1] + "…"


def message(failure: Failure, ui_url: str = "") -> str:
    """The alert text. Starts with ``[taorui]`` so a DingTalk robot's keyword rule can match it."""
    link = f"{ui_url.rstrip('/')}/runs/{failure.run_id}"
    text = "\n".join([
        f"[taorui] run failed: {failure.job}",
        f"partition: {failure.partition or '-'}",
        f"run: {failure.run_id}",
        f"link: {link}",
        "",
        first_lines(failure.message) or "(no failure message)",
    ])
    return redact(text)


def body(kind: str, text: str) -> dict:
    """The JSON body each webhook kind expects for a plain-text message."""
    if kind in ("dingtalk", "wecom"):
        return {"msgtype": "text", "text": {"content": text}}
    if kind == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    raise ValueError(f"alert kind must be one of {', '.join(KINDS)}; got {kind!r}")


def safe_target(url: str) -> str:
    """What may be logged about a webhook: its scheme and host (the rest holds the token)."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}"


class AlertError(RuntimeError):
    """The webhook refused or could not be reached; the message never holds the URL."""


def _refusal(answer: bytes) -> Optional[str]:
    # DingTalk and WeCom answer 200 with errcode != 0 (bad keyword, rate limit); Feishu
    # uses code / StatusCode.
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for field in ("errcode", "code", "StatusCode"):
        if data.get(field) not in (None, 0):
            return f"{field}={data.get(field)} {data.get('errmsg') or data.get('msg') or data.get('StatusMessage') or ''}"
    return None


def post(url: str, payload: dict, timeout: float = 10.0) -> None:
    """POST ``payload`` as JSON; raises ``AlertError`` (without the URL) on any failure."""
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            refusal = _refusal(response.read())
    except urllib.error.HTTPError as err:
        raise AlertError(f"{safe_target(url)} answered HTTP {err.code}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise AlertError(f"{safe_target(url)} unreachable: {redact(str(reason)).replace(url, '<webhook>')}") from None
    if refusal:
        raise AlertError(f"{safe_target(url)} refused the message: {redact(refusal)}")

"""Every setting of the platform, read in this one module.

Settings are read when the definitions load (or when a command starts), never at import
time, and nothing writes ``os.environ`` except ``child_environment`` (one known exception, for
the code server ``scripts/run backfill`` starts; restored after the block). A wrong value raises ``ConfigError``,
whose message names the setting and the fix in one short line; the CLI prints it without
a traceback (unless ``TAORUI_DEBUG=1``).

- ``SETTINGS`` is the table of every variable (name, default, meaning); the README's
  configuration table is generated from it (``python -m taorui_assets.settings``) and a
  test checks the two agree.
- ``load(environ=None) -> Settings`` reads and validates all of them at once. Code that
  needs a value calls ``load()`` when it runs (definitions load, a command, a sensor
  tick), never at import.
- Secrets (``QMT_TOKEN``, ``JQDATA_PASSWORD``, credentials in ``TAORUI_MONGO_URI``,
  the webhook's token) are validated here but never printed: messages show ``***``.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Iterator, Mapping, Optional

SOURCES = ("sim", "qmt", "jqdata", "router")
QMT_MODES = ("token", "local")
ALERT_KINDS = ("dingtalk", "wecom", "feishu")  # lib/alerts.py builds one body per kind
_ALERT_HOSTS = {"dingtalk.com": "dingtalk", "qyapi.weixin.qq.com": "wecom", "feishu.cn": "feishu",
                "larksuite.com": "feishu"}

# The market closes at 15:00 and the call auction opens at 09:15 (Asia/Shanghai).
CLOSE = dt.time(15, 0)
CALL_AUCTION = dt.time(9, 15)


class ConfigError(ValueError):
    """A user's configuration mistake: the message names the setting and how to fix it."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # as it would be written in the environment; "" = unset
    meaning: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    # storage
    Setting("TAORUI_MONGO_URI", "", "MongoDB to use (production: a replica set with auth and TLS). Unset: "
            "`scripts/run` starts the embedded SecantusDB under `.taorui/mongo`. Credentials in it are never printed.",
            secret=True),
    Setting("TAORUI_MONGO_DB", "taorui", "database name, for the assets, `scripts/run`'s summary and the read API"),
    Setting("TAORUI_EMBEDDED_CACHE", "2G", "WiredTiger cache of the embedded server"),
    Setting("TAORUI_MONGO_PORT", "0", "port of `python -m taorui_assets.lib.storage.embedded` (0 = a free port)"),
    Setting("DAGSTER_HOME", ".taorui/dagster", "Dagster instance directory used by `scripts/run` (run history, UI)"),
    # source
    Setting("TAORUI_SOURCE", "sim", "`sim`, `qmt`, `jqdata` or `router`: the market-data source. `sim` is the "
            "default only without TAORUI_MONGO_URI (the embedded demo); with it, naming a source is required"),
    Setting("TAORUI_SIM_STOCKS", "300", "securities in SimMarket (`TAORUI_SOURCE=sim`)"),
    Setting("TAORUI_SIM_CACHE", ".taorui/sim-cache", "directory where SimMarket keeps its generated histories, "
            "mapped by every process instead of rebuilt (`off`: no cache)"),
    Setting("TAORUI_SOURCE_PRIORITY", "qmt,jqdata", "`router`: the order sources are tried in"),
    Setting("TAORUI_PRIMARY_TIMEOUT_S", "120", "`router`: seconds the primary gets before the backup is tried"),
    Setting("TAORUI_QMT_MODE", "token", "`token` (xtquant's built-in data center, needs QMT_TOKEN) or `local` "
            "(a running MiniQMT)"),
    Setting("QMT_TOKEN", "", "xtquant data token (token mode); never printed", secret=True),
    Setting("TAORUI_QMT_VIP_SERVERS", "", "comma-separated preferred quote servers `host:port` (token mode)"),
    Setting("TAORUI_QMT_DATA_DIR", ".taorui/qmt", "xtquant data directory (token mode)"),
    Setting("TAORUI_QMT_PORT", "58610", "port of the local MiniQMT (`TAORUI_QMT_MODE=local`)"),
    Setting("JQDATA_USERNAME", "", "JQData account"),
    Setting("JQDATA_PASSWORD", "", "JQData password; never printed", secret=True),
    Setting("JQDATA_HOST", "", "JQData server host (empty: jqdatasdk's default)"),
    Setting("JQDATA_PORT", "", "JQData server port (empty: jqdatasdk's default)"),
    # automation
    Setting("TAORUI_CLOSE_RUN_TIMES", "15:30,18:30", "run times of `market_close_schedule` (after 15:00, the first "
            "before TAORUI_FRESH_BY)"),
    Setting("TAORUI_REFERENCE_RUN_TIME", "08:45", "run time of `reference_daily_schedule` (before the 09:15 call "
            "auction)"),
    Setting("TAORUI_FRESH_BY", "19:00", "the day's market and flow data must be in by then (freshness policies)"),
    Setting("TAORUI_REPORT_LOOKBACK_DAYS", "30", "`financial_reports_sensor`: days polled by its first tick"),
    Setting("TAORUI_REPORT_OVERLAP_DAYS", "7", "`financial_reports_sensor`: days re-polled before the latest "
            "announcement seen"),
    Setting("TAORUI_RECONCILE_SAMPLE", "50", "codes sampled per partition by the reconciliation assets"),
    # alerts
    Setting("TAORUI_ALERT_WEBHOOK_URL", "", "chat webhook for `run_failure_alert` (unset: alerts off); holds the "
            "robot's token, never printed", secret=True),
    Setting("TAORUI_ALERT_KIND", "", "`dingtalk`, `wecom` or `feishu` (empty: guessed from the webhook's host)"),
    Setting("TAORUI_UI_URL", "", "Dagster UI address that prefixes the run link in alerts"),
    # time and commands
    Setting("TAORUI_AS_OF", "", "`YYYY-MM-DD`: the \"today\" for point-in-time questions (empty: Shanghai's date)"),
    Setting("TAORUI_DAYS", "5", "`scripts/run`: trading days materialized when `--days` is not given"),
    Setting("TAORUI_DEBUG", "", "`1`: commands print full tracebacks instead of one-line errors"),
)
NAMES = tuple(s.name for s in SETTINGS)
_DEFAULTS = {s.name: s.default for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """The validated settings. Secret fields are left out of ``repr``."""

    mongo_uri: Optional[str] = field(default=None, repr=False)  # None: the embedded server
    mongo_db: str = "taorui"
    embedded: bool = False  # mongo_uri is the embedded server the CLI started (no credentials)
    embedded_cache: str = "2G"
    embedded_port: int = 0
    dagster_home: Optional[str] = None  # None: the command's default (.taorui/dagster)
    source: Optional[str] = "sim"  # None: not named while TAORUI_MONGO_URI is set (see require_source)
    sim_stocks: int = 300
    sim_cache: Optional[str] = ".taorui/sim-cache"  # None: off
    source_priority: tuple[str, ...] = ("qmt", "jqdata")
    primary_timeout_s: float = 120.0
    qmt_mode: str = "token"
    qmt_token: str = field(default="", repr=False)
    qmt_vip_servers: tuple[str, ...] = ()
    qmt_data_dir: str = ".taorui/qmt"
    qmt_port: int = 58610
    jqdata_username: str = ""
    jqdata_password: str = field(default="", repr=False)
    jqdata_host: str = ""
    jqdata_port: int = 0
    close_run_times: tuple[dt.time, ...] = (dt.time(15, 30), dt.time(18, 30))
    reference_run_time: dt.time = dt.time(8, 45)
    fresh_by: dt.time = dt.time(19, 0)
    report_lookback_days: int = 30
    report_overlap_days: int = 7
    reconcile_sample: int = 50
    alert_webhook_url: str = field(default="", repr=False)
    alert_kind: Optional[str] = None  # resolved from the host when the webhook is set
    ui_url: str = ""
    as_of: Optional[dt.date] = None
    days: int = 5
    debug: bool = False

    def require_source(self) -> str:
        """The source to build, or a ConfigError when a real database has no source named:
        SimMarket is only the embedded demo's source, never a production default."""
        if self.source is None:
            raise ConfigError("TAORUI_SOURCE is not set while TAORUI_MONGO_URI is: refusing to write simulated "
                              "prices into a real database; set TAORUI_SOURCE=qmt, jqdata or router (or sim)")
        return self.source

    def with_embedded(self, uri: str) -> "Settings":
        """These settings on the embedded server the CLI started: SimMarket unless a source is named."""
        return replace(self, mongo_uri=uri, embedded=True, source=self.source or "sim")

    def child_environ(self, base: Optional[Mapping[str, str]] = None) -> dict[str, str]:
        """``base`` (default: this process's environment) plus what a child process
        (``dagster dev``) needs to see these settings."""
        env = dict(os.environ if base is None else base)
        if self.mongo_uri:
            env["TAORUI_MONGO_URI"] = self.mongo_uri
        if self.source:
            env["TAORUI_SOURCE"] = self.source
        if self.dagster_home:
            env["DAGSTER_HOME"] = self.dagster_home
        return env


# ------------------------------------------------------------------ loading
_pinned: Optional[Settings] = None


def load(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Reads and validates every setting from ``environ`` (default: the process environment,
    or the settings a command pinned with :func:`pinned`)."""
    if environ is None:
        if _pinned is not None:
            return _pinned
        environ = os.environ
    env = _Env(environ)
    uri = _mongo_uri(env.raw("TAORUI_MONGO_URI"))
    source = env.choice("TAORUI_SOURCE", SOURCES, unset=None if uri else "sim")
    qmt_mode = env.choice("TAORUI_QMT_MODE", QMT_MODES)
    fresh_by = env.time("TAORUI_FRESH_BY")
    s = Settings(
        mongo_uri=uri,
        mongo_db=_database(env.text("TAORUI_MONGO_DB")),
        embedded_cache=_cache_size(env.text("TAORUI_EMBEDDED_CACHE")),
        embedded_port=env.integer("TAORUI_MONGO_PORT", low=0, high=65535),
        dagster_home=env.optional("DAGSTER_HOME"),
        source=source,
        sim_stocks=env.integer("TAORUI_SIM_STOCKS", low=1),
        sim_cache=None if env.text("TAORUI_SIM_CACHE").lower() == "off" else env.text("TAORUI_SIM_CACHE"),
        source_priority=_priority(env.text("TAORUI_SOURCE_PRIORITY")),
        primary_timeout_s=env.number("TAORUI_PRIMARY_TIMEOUT_S", low=0.0),
        qmt_mode=qmt_mode,
        qmt_token=env.raw("QMT_TOKEN"),
        qmt_vip_servers=_vip_servers(env.text("TAORUI_QMT_VIP_SERVERS")),
        qmt_data_dir=env.text("TAORUI_QMT_DATA_DIR"),
        qmt_port=env.integer("TAORUI_QMT_PORT", low=1, high=65535),
        jqdata_username=env.text("JQDATA_USERNAME"),
        jqdata_password=env.raw("JQDATA_PASSWORD"),
        jqdata_host=env.text("JQDATA_HOST"),
        jqdata_port=env.integer("JQDATA_PORT", low=1, high=65535) if env.text("JQDATA_PORT") else 0,
        close_run_times=_close_run_times(env.text("TAORUI_CLOSE_RUN_TIMES"), fresh_by),
        reference_run_time=_reference_run_time(env.time("TAORUI_REFERENCE_RUN_TIME")),
        fresh_by=fresh_by,
        report_lookback_days=env.integer("TAORUI_REPORT_LOOKBACK_DAYS", low=0),
        report_overlap_days=env.integer("TAORUI_REPORT_OVERLAP_DAYS", low=0),
        reconcile_sample=env.integer("TAORUI_RECONCILE_SAMPLE", low=1),
        alert_webhook_url=env.raw("TAORUI_ALERT_WEBHOOK_URL").strip(),
        alert_kind=None,
        ui_url=env.text("TAORUI_UI_URL"),
        as_of=_as_of(env.date("TAORUI_AS_OF")),
        days=env.integer("TAORUI_DAYS", low=1),
        debug=debug_enabled(environ),
    )
    s = replace(s, alert_kind=alert_kind(s.alert_webhook_url, env.text("TAORUI_ALERT_KIND")))
    _sources_have_credentials(s)
    return s


def default(name: str) -> str:
    """The table's default of ``name`` ("" = unset)."""
    return _DEFAULTS[name]


def debug_enabled(environ: Optional[Mapping[str, str]] = None) -> bool:
    """``TAORUI_DEBUG``, read leniently: the CLI needs it even when other settings are wrong."""
    env = os.environ if environ is None else environ
    return env.get("TAORUI_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


@contextmanager
def child_environment(env: Mapping[str, str]) -> Iterator[None]:
    """``env`` as this process's environment for the block, restored after it.

    The one place the environment is written, and only by ``scripts/run backfill``: Dagster
    starts the code server (and it the runs) with this process's environment and offers no
    other way to hand it settings. Known debt: start the code server ourselves with
    ``env=settings.child_environ()`` and point the workspace at it instead."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def pinned(settings: Settings) -> Iterator[Settings]:
    """Makes ``load()`` return ``settings`` in this process for the block: how a command hands
    the embedded server's URI to the definitions it loads, without writing ``os.environ``."""
    global _pinned
    previous, _pinned = _pinned, settings
    try:
        yield settings
    finally:
        _pinned = previous


# ------------------------------------------------------------------ secrets in messages
def redact_uri(uri: str) -> str:
    """``mongodb://user:secret@host/db`` → ``mongodb://***@host/db``; a password holding ``@``
    or ``/`` is masked whole (the last ``@`` before the query ends the credentials)."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return "***" if "@" in uri else uri
    head = rest.split("?", 1)[0]
    at = head.rfind("@")
    return f"{scheme}://***@{rest[at + 1:]}" if at >= 0 else uri


def _credentials(uri: str) -> list[str]:
    """The user-info of ``uri`` and its parts, to scrub from a third party's message."""
    _scheme, _sep, rest = uri.partition("://")
    head = rest.split("?", 1)[0]
    at = head.rfind("@")
    if at < 0:
        return []
    info = head[:at]
    _user, _colon, password = info.partition(":")
    return [p for p in (info, password) if p]


def scrub(text: str, uri: str) -> str:
    """``text`` (a third party's message about ``uri``), or ``"***"`` if it quotes the credentials."""
    return "***" if any(secret in text for secret in _credentials(uri)) else text


# ------------------------------------------------------------------ parsing
_TABLE = object()  # "the table's default"


class _Env:
    """Reads one variable at a time, with the table's default and a ConfigError naming it."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def raw(self, name: str) -> str:
        assert name in _DEFAULTS, name  # every variable is in SETTINGS, hence in the README
        value = self.environ.get(name)
        return _DEFAULTS[name] if value is None or value.strip() == "" else value

    def optional(self, name: str) -> Optional[str]:
        """The value, or None when unset (the table's default then means "the command picks")."""
        self.raw(name)
        value = (self.environ.get(name) or "").strip()
        return value or None

    def text(self, name: str) -> str:
        return self.raw(name).strip()

    def shown(self, name: str) -> str:
        return f"{name}=***" if _secret(name) else f"{name}={self.text(name)}"

    def choice(self, name: str, choices: tuple[str, ...], unset: object = _TABLE) -> Optional[str]:
        """One of ``choices``; ``unset`` (when given) is the value of an unset variable."""
        if unset is not _TABLE and not self.environ.get(name, "").strip():
            return unset  # type: ignore[return-value]
        value = self.text(name).lower()
        if value not in choices:
            raise ConfigError(f"{self.shown(name)} is not one of {', '.join(choices)}; set one of them")
        return value

    def integer(self, name: str, low: Optional[int] = None, high: Optional[int] = None) -> int:
        text = self.text(name)
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or (low is not None and value < low) or (high is not None and value > high):
            bounds = (f"≥ {low}" if high is None else f"in {low}..{high}") if low is not None else ""
            raise ConfigError(f"{self.shown(name)} is not a whole number {bounds}".rstrip()
                              + f"; set one{_or_default(name)}")
        return value

    def number(self, name: str, low: float = 0.0) -> float:
        try:
            value = float(self.text(name))
        except ValueError:
            value = None
        if value is None or not value >= low or value == float("inf"):
            raise ConfigError(f"{self.shown(name)} is not a number ≥ {low:g}; set one{_or_default(name)}")
        return value

    def time(self, name: str) -> dt.time:
        return parse_time(self.text(name), name)

    def date(self, name: str) -> Optional[dt.date]:
        text = self.text(name)
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ConfigError(f"{self.shown(name)} is not a date; write YYYY-MM-DD, or unset it for today") from None


def _or_default(name: str) -> str:
    return f", or unset it for the default {_DEFAULTS[name]}" if _DEFAULTS[name] else ", or unset it"


def _secret(name: str) -> bool:
    return any(s.secret for s in SETTINGS if s.name == name)


_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time(text: str, name: str) -> dt.time:
    m = _HHMM.match(text.strip())
    if not m:
        raise ConfigError(f"{name}={text} is not a time of day; write it like 15:30")
    return dt.time(int(m.group(1)), int(m.group(2)))


def _close_run_times(text: str, fresh_by: dt.time) -> tuple[dt.time, ...]:
    name = "TAORUI_CLOSE_RUN_TIMES"
    parts = [t for t in text.split(",") if t.strip()]
    times = sorted({parse_time(t, name) for t in parts})
    if not times:
        raise ConfigError(f"{name}={text} names no time; unset it for the defaults 15:30,18:30")
    if times[0] < CLOSE:
        raise ConfigError(f"{name}={text}: {times[0]:%H:%M} is before the 15:00 close, the day's data would "
                          "be partial; use times after 15:00")
    if times[0] >= fresh_by:
        raise ConfigError(f"{name}={text}: the first run {times[0]:%H:%M} is not before TAORUI_FRESH_BY "
                          f"{fresh_by:%H:%M}; run earlier or move TAORUI_FRESH_BY")
    return tuple(times)


def _reference_run_time(t: dt.time) -> dt.time:
    if t >= CALL_AUCTION:
        raise ConfigError(f"TAORUI_REFERENCE_RUN_TIME={t:%H:%M} is not before the 09:15 call auction, when the "
                          "day's universe is needed; use an earlier time")
    return t


def _as_of(day: Optional[dt.date]) -> Optional[dt.date]:
    from taorui_assets.lib.calendar import FIRST_YEAR, LAST_KNOWN_YEAR

    if day is not None and not FIRST_YEAR <= day.year <= LAST_KNOWN_YEAR:
        raise ConfigError(f"TAORUI_AS_OF={day} is outside the SSE calendar this version knows "
                          f"({FIRST_YEAR}-{LAST_KNOWN_YEAR}); use a day inside it, or unset it for today")
    return day


def _mongo_uri(raw: str) -> Optional[str]:
    uri = raw.strip()
    if not uri:
        return None
    fix = "write mongodb://[user:password@]host:27017/?replicaSet=rs0, or unset it for the embedded server"
    if not uri.startswith(("mongodb://", "mongodb+srv://")):
        raise ConfigError(f"TAORUI_MONGO_URI={redact_uri(uri)} is not a MongoDB URI; {fix}")
    if uri.startswith("mongodb://"):  # +srv would need DNS here; the command's ping checks it
        from pymongo.uri_parser import parse_uri

        try:
            parse_uri(uri)
        except Exception as exc:  # InvalidURI, ValueError, ConfigurationError: all mean a bad URI
            reason = scrub(str(exc).split("\n")[0][:200], uri)
            raise ConfigError(f"TAORUI_MONGO_URI={redact_uri(uri)} is malformed ({reason}); {fix}") from None
    return uri


def _database(name: str) -> str:
    if not name or any(c in name for c in '/\\. "$') or len(name) > 63:
        raise ConfigError(f"TAORUI_MONGO_DB={name or '(empty)'} is not a MongoDB database name; use letters, digits, _ or -")
    return name


def _cache_size(text: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+)?[KMGT]?B?", text, flags=re.IGNORECASE):
        raise ConfigError(f"TAORUI_EMBEDDED_CACHE={text} is not a size; write it like 2G or 512M")
    return text


def _priority(text: str) -> tuple[str, ...]:
    names = tuple(p.strip().lower() for p in text.split(",") if p.strip())
    bad = [n for n in names if n not in ("qmt", "jqdata")]
    if not names or bad or len(set(names)) != len(names):
        raise ConfigError(f"TAORUI_SOURCE_PRIORITY={text} must list qmt and/or jqdata once each; write qmt,jqdata")
    return names


def _vip_servers(text: str) -> tuple[str, ...]:
    servers = tuple(s.strip() for s in text.split(",") if s.strip())
    for s in servers:
        host, _sep, port = s.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"TAORUI_QMT_VIP_SERVERS={text}: {s!r} is not host:port; write host:port,host:port")
    return servers


def alert_kind(url: str, configured: Optional[str]) -> Optional[str]:
    """The webhook's chat: ``TAORUI_ALERT_KIND``, else guessed from the URL's host."""
    if configured and configured.strip():
        kind = configured.strip().lower()
        if kind not in ALERT_KINDS:
            raise ConfigError(f"TAORUI_ALERT_KIND={configured} is not one of {', '.join(ALERT_KINDS)}; "
                              "set one of them")
        return kind
    if not url:
        return None
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    for suffix, kind in _ALERT_HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return kind
    raise ConfigError("TAORUI_ALERT_WEBHOOK_URL=***: cannot tell the chat from its host; set TAORUI_ALERT_KIND "
                      f"({', '.join(ALERT_KINDS)})")


def _sources_have_credentials(s: Settings) -> None:
    """A source named alone must be usable; the router may run on either source alone."""
    if s.source == "qmt" and s.qmt_mode == "token" and not s.qmt_token:
        raise ConfigError("QMT_TOKEN is not set: TAORUI_SOURCE=qmt in token mode needs it; set it, or "
                          "TAORUI_QMT_MODE=local for a running MiniQMT")
    if s.source == "jqdata" and not (s.jqdata_username and s.jqdata_password):
        missing = "JQDATA_USERNAME" if not s.jqdata_username else "JQDATA_PASSWORD"
        raise ConfigError(f"{missing} is not set: TAORUI_SOURCE=jqdata needs JQDATA_USERNAME and JQDATA_PASSWORD; "
                          "set both")


# ------------------------------------------------------------------ the README table
def markdown_table() -> str:
    rows = ["| variable 变量 | default 默认 | meaning 含义 |", "|---|---|---|"]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default else "unset"
        rows.append(f"| `{s.name}` | {default} | {s.meaning} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m taorui_assets.settings > the README's table
    sys.stdout.write(markdown_table() + "\n")

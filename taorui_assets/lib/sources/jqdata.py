"""JQDataSource: canonical frames from JoinQuant's JQData (jqdatasdk), the backup source.

How jqdatasdk 1.9.8 reaches the service (see ``taorui_assets_tests/doubles/jqdata_server.py`` for the wire format): one
thrift connection per thread (``JQDataClient`` lives in a ``threading.local``), created on
``jqdatasdk.auth(username, password, host, port)``. Host/port are always passed to ``auth``
explicitly (None = the client's default server), so the client never reads JQDATA_HOST /
JQDATA_PORT from the environment (it does only when ``auth`` is never called). A refused
login is the server answering ``status=False`` (the client raises a bare ``Exception``
with the server's text): :class:`JQDataAuthError`. Anything else while logging in — a
refused or timed-out connection, or a host that answers but does not speak JQData's
thrift (``No protocol version header``) — is :class:`JQDataConnectionError`.
``auth_by_token`` is broken in 1.9.8 (it calls
the thrift client before creating it), so only username/password is supported. Every
function we use goes over thrift ``query`` — ``finance.run_query`` too (``db_query`` with
client-compiled SQL); the HTTP API serves only live ticks, which we do not use.

Dataset routes:
* instruments: ``get_all_securities(['stock','index','etf','lof','conbond'], date)`` +
  ``get_extras('is_st')`` + ``get_valuation(capitalization, circulating_cap)`` (万股) for stocks;
  indexes: the tracked ones only; every non-stock: is_st False and share capital 0.
* bars and factors cover every listed type; money flow covers stocks.
* daily bars: ``get_price(fq=None, panel=False, skip_paused=False)`` with factor-free
  unadjusted fields, paused days included; adj factors: ``get_price(['factor'], fq='post')``.
* minute bars: ``get_price(frequency='1m'|'5m', fq=None, skip_paused=True)`` from 09:00 to
  15:00 (a bare date would mean 00:00 and return nothing for that day).
* financial statements: ``finance.STK_BALANCE_SHEET`` / ``STK_INCOME_STATEMENT`` /
  ``STK_CASHFLOW_STATEMENT`` filtered on report_date and ``pub_date <= as_of``, all
  ``report_type`` values, paged by id. Not ``get_fundamentals``: it keeps one version per
  statDate and its income/cash-flow tables are single-quarter, not year to date.
* sectors: ``get_industries(scheme, date)`` + ``get_industry_stocks``; ``get_concepts()``
  (started on or before the date) + ``get_concept_stocks(code, date)``.
* index weights: ``get_index_weights(index, date)`` per tracked index, stamped with the
  requested day (JQData publishes monthly; the latest snapshot in force is used).
* billboard: ``get_billboard_list`` BUY/SELL rows (ALL summary rows dropped); northbound:
  ``finance.STK_ML_QUOTA`` links 310001/310002 (亿元); money flow: ``get_money_flow`` (万元).
* capital and holders (jqdata_holders.py): ``finance.STK_CAPITAL_CHANGE`` (万股),
  ``STK_SHAREHOLDER_TOP10`` / ``STK_SHAREHOLDER_FLOATING_TOP10``, ``STK_HOLDER_NUM``,
  ``STK_HK_HOLD_INFO``, paged by id. The statements carry every JQData column that has a
  QMT counterpart (lib/fields.py); JQData has no PershareIndex table.

Quota: JQData counts rows per day. Before each dataset we estimate its rows and compare
with ``get_query_count()['spare']``; if short we raise :class:`QuotaExceededError` before
any data call. At most ``max_connections`` (JQData allows 3) calls run at once.

Guessed response shapes (no access to the real service; the local stand-in reproduces
these guesses): error texts (auth, quota, connections); get_price(panel=False) row order;
get_index_weights columns (index=code; date, weight, display_name); billboard ALL rows
(rank 0, no seat) and integer abnormal_code; money-flow column order; get_valuation and
money-flow ``day``/``date`` as datetime64; finance tables' subset of columns, ``id`` order
and the mapping of restatements to ``report_type=1``; get_all_securities ``name``.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Callable, Optional, Sequence

import pandas as pd

from taorui_assets.lib import codes as C
from taorui_assets.lib.sources.base import MarketDataSource, Progress, SourceError
from taorui_assets.lib.sources.jqdata_datasets import DatasetsMixin
from taorui_assets.lib.sources.jqdata_holders import HoldersMixin

# get_all_securities types listed besides stocks and the tracked indexes. 'etf' and 'lof' are in
# jqdatasdk's docstring; 'conbond' is a GUESS (the docstring names no bond type; JoinQuant's
# documented bond route is bond.CONBOND_BASIC_INFO, which the stand-in does not serve).
OTHER_TYPES = ("etf", "lof", "conbond")
DEFAULT_UNIVERSE = 6000  # rows assumed for a whole-market listing before the first answer
logger = logging.getLogger(__name__)
_LOGIN = threading.RLock()  # jqdatasdk's credentials are process-global


class QuotaExceededError(SourceError):
    """Today's JQData row quota cannot cover the request; nothing was downloaded."""


class JQDataAuthError(SourceError):
    """JQData answered, and refused the username/password."""


class JQDataConnectionError(SourceError):
    """The JQData server could not be reached, or what answered is not a JQData server."""


class _Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value or ""

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


class JQDataSource(DatasetsMixin, HoldersMixin, MarketDataSource):
    name = "jqdata"

    def __init__(self, username: str, password: str, host: Optional[str] = None,
                 port: Optional[int] = None, max_connections: int = 3,
                 indexes: Sequence[str] = C.TRACKED_INDEXES, industry_scheme: str = "sw_l1",
                 batch_size: int = 1000, universe_hint: int = DEFAULT_UNIVERSE, log=None):
        if not username or not password:
            raise SourceError("JQData needs a username and a password (set JQDATA_USERNAME / JQDATA_PASSWORD)")
        self.username = username
        self._password = _Secret(password)
        self.host = host or None
        self.port = int(port) if port else None
        self.max_connections = max(1, min(int(max_connections), 3))
        self.indexes = tuple(C.to_qmt(c) for c in indexes)
        self.industry_scheme = industry_scheme
        self.batch_size = int(batch_size)
        self.universe_hint = int(universe_hint)
        self.log = log or logger
        self._slots = threading.BoundedSemaphore(self.max_connections)
        self._jq = None
        self._listings: dict[dt.date, pd.DataFrame] = {}

    def __repr__(self) -> str:
        return f"JQDataSource(username={self.username!r}, host={self.host!r}, port={self.port!r})"

    # ----------------------------------------------------------- connection
    def _scrub(self, text: str) -> str:
        pw = self._password.get()
        return text.replace(pw, "***") if pw else text

    def _session_is_ours(self) -> bool:
        """jqdatasdk keeps ONE set of credentials per process; another source may have replaced it."""
        from jqdatasdk.client import JQDataClient

        p = JQDataClient._auth_params
        return (p.get("username") == self.username and p.get("password") == self._password.get()
                and p.get("host") == self.host and p.get("port") == self.port)

    def connect(self):
        """Authenticate (again if another login replaced ours); returns the jqdatasdk module."""
        try:
            import jqdatasdk as jq
        except ImportError:
            raise SourceError("jqdatasdk is not installed: pip install 'taorui_assets[jqdata]'") from None
        with _LOGIN:
            if self._jq is not None and self._session_is_ours():
                return self._jq
            host, port = self.host, self.port
            where = f"{host or 'the default JQData server'}{f':{port}' if port else ''}"
            jq.set_params(enable_auth_prompt=False)
            _clear_client_caches(jq)
            try:
                with self._slots:
                    jq.auth(self.username, self._password.get(), host=host, port=port)
            except Exception as e:  # the client raises bare Exception(server text) or socket errors
                self._jq = None
                msg = self._scrub(str(e)) or type(e).__name__
                if not _is_refusal(e):
                    raise JQDataConnectionError(
                        f"cannot reach JQData at {where}: {type(e).__name__}: {msg}. Check the JQData host "
                        "and port settings and the network; a host that answers but is not a JQData "
                        "server shows as a protocol error here.") from None
                raise JQDataAuthError(
                    f"JQData authentication failed for user {self.username!r} at {where}: {msg}. "
                    "Check JQDATA_USERNAME / JQDATA_PASSWORD (and that the account has not expired)."
                ) from None
            self.log.info("JQData: authenticated as %s at %s", self.username, where)
            self._jq = jq
            return jq

    def call(self, what: str, fn: Callable, *args, **kwargs):
        """Run one jqdatasdk call under the connection limit; errors become SourceError."""
        self.connect()
        clear = getattr(fn, "cache_clear", None)
        if callable(clear):  # jqdatasdk memoizes some calls per process: always ask the service
            clear()
        with self._slots:
            try:
                return fn(*args, **kwargs)
            except SourceError:
                raise
            except Exception as e:
                msg = self._scrub(str(e)) or type(e).__name__
                if "查询条数" in msg or "quota" in msg.lower():
                    raise QuotaExceededError(f"JQData refused {what}: {msg}. {QUOTA_ADVICE}") from None
                raise SourceError(f"JQData {what} failed: {type(e).__name__}: {msg}") from None

    # ---------------------------------------------------------------- quota
    def query_count(self) -> dict:
        jq = self.connect()
        counts = self.call("get_query_count", jq.get_query_count)
        return {"total": int(counts["total"]), "spare": int(counts["spare"])}

    def reserve(self, rows: int, what: str) -> None:
        """Refuse (before downloading anything) if ``rows`` exceeds today's spare quota."""
        counts = self.query_count()
        if rows > counts["spare"]:
            raise QuotaExceededError(
                f"JQData quota too small for {what}: it needs about {rows:,} rows but only "
                f"{counts['spare']:,} of today's {counts['total']:,} remain. {QUOTA_ADVICE}")
        self.log.debug("JQData: %s needs ~%d rows, %d spare", what, rows, counts["spare"])

    # -------------------------------------------------------------- helpers
    def listing(self, date: dt.date) -> pd.DataFrame:
        """get_all_securities(stock + tracked indexes) on ``date`` (cached per day)."""
        if date not in self._listings:
            jq = self.connect()
            self.reserve(self.universe_hint + 100, f"the security listing of {date}")
            sec = self.call("get_all_securities", jq.get_all_securities,
                            types=["stock", "index", *OTHER_TYPES], date=date)
            tracked = {C.to_jq(c) for c in self.indexes}
            sec = sec[(sec["type"] != "index") | sec.index.isin(tracked)].sort_index()
            self.universe_hint = max(int((sec["type"] == "stock").sum()), 1)
            self._listings[date] = sec
        return self._listings[date]

    def listed_codes(self, date: dt.date) -> list[str]:
        """Every listed security of the followed types (stocks, tracked indexes, funds, bonds)."""
        return list(self.listing(date).index)

    def stock_codes(self, date: dt.date) -> list[str]:
        sec = self.listing(date)
        return list(sec.index[sec["type"] == "stock"])

    def index_codes(self, date: dt.date) -> list[str]:
        sec = self.listing(date)
        return list(sec.index[sec["type"] == "index"])

    def batched(self, what: str, codes: list[str], fn: Callable[[list[str]], pd.DataFrame],
                progress: Optional[Progress] = None, size: Optional[int] = None) -> pd.DataFrame:
        size = size or self.batch_size
        parts = []
        for i in range(0, len(codes), size):
            parts.append(fn(codes[i:i + size]))
            if progress:
                progress(min(i + size, len(codes)), len(codes), what)
        parts = [p for p in parts if p is not None and len(p)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


QUOTA_ADVICE = ("Wait for the daily reset (midnight, Beijing time), buy more quota from JoinQuant, "
                "or shrink the request (fewer codes or days) and retry.")


def _is_refusal(e: Exception) -> bool:
    """The server's ``status=False`` answer to ``auth``: jqdatasdk raises exactly ``Exception(text)``
    (``JQDataClient.get_error``); transport and protocol failures are subclasses (thriftpy2's
    TTransportException, ProtocolError, OSError)."""
    return type(e) is Exception


CACHED_CALLS = ("get_all_securities", "get_security_info", "get_trade_days", "get_all_trade_days",
                "get_industries", "get_industry_stocks", "get_concepts", "get_concept_stocks",
                "get_index_weights", "get_index_stocks", "get_billboard_list", "get_money_flow",
                "get_valuation", "exec_fundamentals")


def _clear_client_caches(jq) -> None:
    """jqdatasdk memoizes several calls per process; a new login must not see stale answers."""
    for name in CACHED_CALLS:
        clear = getattr(getattr(jq, name, None), "cache_clear", None)
        if callable(clear):
            clear()
    try:
        from jqdatasdk.calendar_service import CalendarService

        CalendarService.all_trade_days = None
    except ImportError:  # pragma: no cover
        pass


__all__ = ["JQDataSource", "QuotaExceededError", "JQDataAuthError", "JQDataConnectionError"]

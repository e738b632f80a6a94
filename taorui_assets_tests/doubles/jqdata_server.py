"""A local stand-in for the JQData service, for tests: the UNMODIFIED jqdatasdk talks to it.

What the client does (jqdatasdk 1.9.8, ``client.py`` / ``thriftclient.py``):

* Transport: thrift binary protocol over a buffered TCP socket (``thriftpy2.make_client``)
  to ``host:port`` — default 39.107.190.114:7000, overridden by ``auth(host=, port=)`` or,
  only when ``auth()`` is never called, by the env vars JQDATA_HOST / JQDATA_PORT.
* Service ``JqDataService``: ``auth(username, password, compress, mac, version2,
  pyversion)``, ``auth_by_token(token)``, ``query(St_Query_Req)``; each answers
  ``St_Query_Rsp(status, msg, error)``. A failed auth is ``status=False`` and the client
  raises ``Exception(error)``. On success a non-empty ``error`` is kept as the HTTP API
  address, so we answer ``error=""``.
* ``query``: ``method_name`` plus ``params`` = msgpack of the API function's keyword
  arguments (+ ``timeout`` and ``request_id``). The answer ``msg`` is
  ``zlib.compress(pickle.dumps({"request_id": id, "msg": payload}))``; the client checks
  the request id, then ``convert_message`` rebuilds DataFrames sent as
  ``{"data_type": "pandas_dataframe", "data_value": {...}}``.
* Finance tables (``finance.run_query``) use the same ``query`` path: ``get_table_orm``
  (table list, then one table's column definitions as ``Column(...)`` source text that the
  client ``eval``s) and ``db_query(db, sql)`` with MySQL-dialect SQL compiled by the client.
* Only ``get_current_tick`` and token refresh go to the HTTP API
  (https://dataapi.joinquant.com/v2/apis); no method the adapter uses does, so there is
  no HTTP side here.

Failure injection: ``server.fail(method, message, times=None)`` makes ``method`` answer
``status=False`` with ``message``; ``server.tamper(method, fn)`` passes each answer through
``fn(params, answer) -> answer`` (wrong answers); ``server.hooks[method] = fn`` is the raw
hook behind both (``fn`` may raise :class:`Fault` or :class:`DropConnection`).
``server.calls`` records ``(user, method, params)`` of every query.
"""
from __future__ import annotations

import datetime as dt
import logging
import pickle
import threading
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

import numpy as np
import pandas as pd

from taorui_assets.lib.sources.base import MarketDataSource

log = logging.getLogger(__name__)

# Guessed texts of the real service's errors (the client only passes them through).
AUTH_FAILED = "auth failed: 用户名或密码错误 (wrong username or password)"
NOT_AUTHED = "请先调用 auth 进行认证 (not authenticated)"
QUOTA_EXCEEDED = "您当天的查询条数超过了每日最大查询限制：{total}条 (daily quota of {total} rows exceeded)"
TOO_MANY_CONNECTIONS = "账号同时在线连接数超过限制：{limit} (too many connections)"
# Methods that do not count against the daily row quota.
FREE_METHODS = {"ping", "get_query_count", "get_table_orm", "get_server_version", "get_now_time",
                "get_privilege", "get_account_info", "normalize_code"}


class Fault(Exception):
    """Raised by a hook: the query answers status=False with this message."""


class DropConnection(Exception):
    """Raised by a hook: the server closes the connection without answering."""


@dataclass
class Quota:
    total: int = 1_000_000
    spare: Optional[int] = None

    def __post_init__(self):
        if self.spare is None:
            self.spare = self.total


def encode(obj: Any) -> Any:
    """Python answer → what the service pickles (DataFrames in convert_message's form)."""
    if isinstance(obj, pd.DataFrame):
        obj = obj.copy()
        for c in obj.columns:  # the service's pandas stores nanoseconds
            if pd.api.types.is_datetime64_dtype(obj[c].dtype):
                obj[c] = obj[c].astype("datetime64[ns]")
        if isinstance(obj.index, pd.DatetimeIndex):
            obj.index = obj.index.astype("datetime64[ns]")
        value: dict[str, Any] = {
            "data": [(str(c), obj[c].to_numpy()) for c in obj.columns],
            "columns": [str(c) for c in obj.columns],
        }
        if not isinstance(obj.index, pd.RangeIndex):
            value["index"] = list(obj.index)
            value["index_type"] = "Index"
        else:
            value["index"] = None
        value["dtypes"] = {str(c): str(t) for c, t in obj.dtypes.items()}
        return {"data_type": "pandas_dataframe", "data_value": value}
    if isinstance(obj, pd.Series):
        return {"data_type": "pandas_series",
                "data_value": {"data": obj.to_numpy(), "index": list(obj.index),
                               "index_type": "Index", "name": obj.name}}
    return obj


def answer_rows(obj: Any) -> int:
    if isinstance(obj, (pd.DataFrame, pd.Series, list, tuple, np.ndarray)):
        return len(obj)
    if isinstance(obj, dict):
        return sum(answer_rows(v) for v in obj.values()) or 1
    return 1


class JQDataServer:
    """The running stand-in; see the module docstring for the hooks."""

    def __init__(self, source: MarketDataSource, host: str, port: int,
                 users: Mapping[str, str], quota: Quota, today: dt.date,
                 max_connections: int, tokens: Optional[Mapping[str, str]] = None):
        from thriftpy2.transport import TServerSocket

        from taorui_assets_tests.doubles.jqdata_server_api import JQApi

        self.source = source
        self.users = dict(users)
        self.tokens = dict(tokens or {})
        self.quota = quota
        self.today = today
        self.max_connections = max_connections
        self.api = JQApi(source, today)
        self.hooks: dict[str, Callable[[dict, Any], Any]] = {}
        self.calls: list[tuple[str, str, dict]] = []
        self.auth_attempts: list[str] = []  # usernames only
        self._lock = threading.RLock()  # one query at a time against the source
        self._conns: dict[int, Any] = {}  # id → client socket
        self._online: dict[int, str] = {}  # id → authenticated user
        self._closed = False
        self._sock = TServerSocket(host=host, port=port, client_timeout=None)
        self._sock.listen()
        self.host = host
        self.port = self._sock.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name=f"jqdata-server-{self.port}",
                                        daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ hooks
    def fail(self, method: str, message: str = "服务器内部错误 (injected failure)",
             times: Optional[int] = None) -> None:
        left = [times]

        def hook(params, answer):
            if left[0] is None or left[0] > 0:
                if left[0] is not None:
                    left[0] -= 1
                raise Fault(message)
            return answer

        self.hooks[method] = hook

    def tamper(self, method: str, fn: Callable[[dict, Any], Any]) -> None:
        self.hooks[method] = fn

    def clear_hooks(self) -> None:
        self.hooks.clear()

    def set_quota(self, total: Optional[int] = None, spare: Optional[int] = None) -> None:
        with self._lock:
            if total is not None:
                self.quota.total = total
            if spare is not None:
                self.quota.spare = spare

    def query_count(self, method: Optional[str] = None) -> int:
        return sum(1 for _u, m, _p in self.calls if method is None or m == method)

    @property
    def online(self) -> int:
        return len(self._online)

    # ---------------------------------------------------------------- serving
    def _serve(self) -> None:
        while not self._closed:
            try:
                client = self._sock.accept()
            except Exception:
                if self._closed:
                    return
                log.exception("jqdata test server: accept failed")
                continue
            t = threading.Thread(target=self._handle, args=(client,), daemon=True)
            t.start()

    def _handle(self, client) -> None:
        from thriftpy2.protocol import TBinaryProtocolFactory
        from thriftpy2.thrift import TProcessor
        from thriftpy2.transport import TBufferedTransportFactory, TTransportException

        from jqdatasdk.thriftclient import thrift

        key = id(client)
        self._conns[key] = client
        handler = _Connection(self, key)
        processor = TProcessor(thrift.JqDataService, handler)
        trans = TBufferedTransportFactory().get_transport(client)
        prot = TBinaryProtocolFactory().get_protocol(trans)
        try:
            while not self._closed and not handler.dropped:
                processor.process(prot, prot)
        except (TTransportException, OSError, EOFError):
            pass
        except Exception:  # pragma: no cover - diagnostic
            log.exception("jqdata test server: connection failed")
        finally:
            self._online.pop(key, None)
            self._conns.pop(key, None)
            try:
                trans.close()
            except Exception:
                pass

    def stop(self) -> None:
        self._closed = True
        self._sock.close()
        for client in list(self._conns.values()):
            try:
                client.close()
            except Exception:
                pass
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@dataclass
class _Connection:
    server: JQDataServer
    key: int
    user: Optional[str] = None
    dropped: bool = False

    def _answer(self, status: bool, msg: Any = None, error: str = ""):
        from jqdatasdk.thriftclient import thrift

        return thrift.St_Query_Rsp(status=status, msg=msg, error=error)

    def _login(self, user: Optional[str]):
        s = self.server
        if user is None:
            return self._answer(False, error=AUTH_FAILED)
        with s._lock:
            others = sum(1 for k, u in s._online.items() if u == user and k != self.key)
            if others >= s.max_connections:
                return self._answer(False, error=TOO_MANY_CONNECTIONS.format(limit=s.max_connections))
            s._online[self.key] = user
        self.user = user
        return self._answer(True, msg="auth success", error="")

    def auth(self, username, password, compress, mac, version2, pyversion):
        s = self.server
        s.auth_attempts.append(username)
        ok = username in s.users and s.users[username] == password
        return self._login(username if ok else None)

    def auth_by_token(self, token):
        return self._login(self.server.tokens.get(token))

    def query(self, request):
        import msgpack

        s = self.server
        method = request.method_name
        params = msgpack.unpackb(request.params, raw=False) if request.params else {}
        request_id = params.pop("request_id", None)
        params.pop("timeout", None)
        if self.user is None:
            return self._answer(False, error=NOT_AUTHED)
        with s._lock:
            s.calls.append((self.user, method, dict(params)))
            try:
                if method == "ping":
                    payload: Any = "pong"
                elif method == "get_query_count":
                    counts = {"total": s.quota.total, "spare": s.quota.spare}
                    payload = counts[params["field"]] if params.get("field") else counts
                else:
                    payload = s.api.call(method, params)
                hook = s.hooks.get(method)
                if hook is not None:
                    payload = hook(params, payload)
                if method not in FREE_METHODS:
                    rows = answer_rows(payload)
                    if rows > s.quota.spare:
                        return self._answer(False, error=QUOTA_EXCEEDED.format(total=s.quota.total))
                    s.quota.spare -= rows
            except DropConnection:
                self.dropped = True
                s._conns.get(self.key) and s._conns[self.key].close()
                raise
            except Fault as e:
                return self._answer(False, error=str(e))
            except Exception as e:
                log.info("jqdata test server: %s failed: %s", method, e)
                return self._answer(False, error=f"{type(e).__name__}: {e}")
        body = pickle.dumps({"request_id": request_id, "msg": encode(payload)}, protocol=4)
        return self._answer(True, msg=zlib.compress(body), error="")


def start_server(source: MarketDataSource, host: str = "127.0.0.1", port: int = 0,
                 users: Optional[Mapping[str, str]] = None, quota: Any = 1_000_000,
                 today: Optional[dt.date] = None, max_connections: int = 3,
                 tokens: Optional[Mapping[str, str]] = None) -> JQDataServer:
    """Serve ``source`` the way JQData would, in a background thread.

    ``quota``: total daily rows (int), ``(total, spare)`` or a :class:`Quota`.
    ``today``: the service's current date (default: today) — the "now" for defaults such as
    ``get_trade_days(end_date=None)`` and the finance tables' visible publications.
    """
    if isinstance(quota, Quota):
        q = quota
    elif isinstance(quota, tuple):
        q = Quota(total=int(quota[0]), spare=int(quota[1]))
    else:
        q = Quota(total=int(quota))
    return JQDataServer(source, host, port, users if users is not None else {"user": "pass"}, q,
                        today or dt.date.today(), max_connections, tokens)

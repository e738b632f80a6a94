"""Connecting to xtquant, calling it safely, keeping the token secret.

Two documented modes:

* ``token`` — start xtquant's built-in data center in this process
  (``xtdatacenter.set_token``, ``set_allow_optmize_address`` — sic, the real function
  is spelt "optmize" — ``set_data_home_dir``, ``init(start_local_service=False)``), then
  ``listen(port=(start, end))`` over a port RANGE so several processes can run side by
  side (``init``'s own local service listens on a fixed 58609, hence ``False``), then
  ``xtdata.connect(port=<port listen returned>)``. The data center is process-global:
  it is initialised once per process and its port reused by later sources.
* ``local`` — ``xtdata.connect(port=local_port)`` to a MiniQMT already running.

Every API call goes through :meth:`QmtConnection.call`. A failing call is followed by a
liveness check (``xtdata.get_client().is_connected()``); a dead connection is
reconnected once (``xtdata.reconnect``) and the call retried once; otherwise a
``SourceError`` is raised. A call that hangs is bounded by the router's attempt timeout
(``lib/sources/failover.py``), the one timeout layer, not here. Messages and logs pass
through :meth:`mask`, and errors are raised outside ``except`` blocks so no exception
carrying the token is chained.
"""
from __future__ import annotations

import importlib
import logging
import threading
import weakref
from typing import Any, Optional, Sequence

from taorui_assets.lib.sources.base import SourceError

# xtdatacenter module → the port its (process-global) listener took
_LISTENING: "weakref.WeakKeyDictionary[Any, int]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def load_xtquant() -> Any:
    """The real client: a namespace with ``xtdata`` and ``xtdatacenter`` from ``xtquant``.

    Imported on each call, not at module import, so the code location loads without it.
    The wheel's native parts (``datacenter``, ``xtpythonclient``) exist only for Windows;
    elsewhere the import fails, and that is reported as this source's failure.
    """
    try:
        xtdata = importlib.import_module("xtquant.xtdata")
        xtdatacenter = importlib.import_module("xtquant.xtdatacenter")
    except Exception as e:  # noqa: BLE001 - ImportError, or the wheel's own init failing
        error = f"{type(e).__name__}: {e}"
    else:
        ns = type("XtApi", (), {})()
        ns.xtdata, ns.xtdatacenter = xtdata, xtdatacenter
        return ns
    raise SourceError("the QMT client cannot be imported here: xtquant's native parts exist only for "
                      f"Windows, so run the QMT source there ({error})")


class QmtConnection:
    def __init__(self, api: Any, *, mode: str = "token", token: str = "",
                 vip_servers: Sequence[str] = (), data_home_dir: str = ".taorui/qmt",
                 listen_ports: tuple[int, int] = (58610, 58650), local_port: int = 58610,
                 log: Any = None):
        if mode not in ("token", "local"):
            raise ValueError(f"QMT mode must be 'token' or 'local', not {mode!r}")
        if mode == "token" and not token:
            raise SourceError("QMT token mode needs a token (set QMT_TOKEN)")
        self.api = api
        self.mode = mode
        self._token = token
        self.vip_servers = list(vip_servers)
        self.data_home_dir = data_home_dir
        self.listen_ports = (int(listen_ports[0]), int(listen_ports[1]))
        self.local_port = int(local_port)
        self._log = log or logging.getLogger(__name__)
        self.port: Optional[int] = None
        self.connected = False

    def __repr__(self) -> str:  # never the token
        return f"QmtConnection(mode={self.mode!r}, port={self.port})"

    # ------------------------------------------------------------ secrets and logs
    def mask(self, text: Any) -> str:
        text = str(text)
        if self._token:
            text = text.replace(self._token, "***")
        return text

    def log(self, level: str, msg: str) -> None:
        getattr(self._log, level, self._log.info)(self.mask(msg))

    # ------------------------------------------------------------ connecting
    def connect(self) -> None:
        if self.connected:
            return
        error = None
        try:
            if self.mode == "token":
                self._start_datacenter()
                port = self.port
            else:
                port = self.port = self.local_port
            self._xt("xtdata", "connect", port=port)
            self.connected = True
            self.log("info", f"QMT connected ({self.mode} mode, port {port})")
        except SourceError as e:
            error = str(e)
        except Exception as e:  # noqa: BLE001 - any client failure becomes SourceError
            error = f"{type(e).__name__}: {e}"
        if error is not None:
            raise SourceError(self.mask(f"QMT connection failed ({self.mode} mode): {error}"))

    def _start_datacenter(self) -> None:
        xtdc = self.api.xtdatacenter
        with _LOCK:
            if xtdc in _LISTENING:
                self.port = _LISTENING[xtdc]
                return
            try:
                for name in ("enable_hello",):  # silence the banner xtdata prints
                    if hasattr(self.api.xtdata, name):
                        setattr(self.api.xtdata, name, False)
            except Exception:  # noqa: BLE001
                pass
            if not getattr(xtdc, "init_complete", False):
                self._xt("xtdatacenter", "set_token", self._token)
                self._xt("xtdatacenter", "set_allow_optmize_address", list(self.vip_servers))
                self._xt("xtdatacenter", "set_data_home_dir", self.data_home_dir)
                self._xt("xtdatacenter", "init", start_local_service=False)
            _ip, port = self._xt("xtdatacenter", "listen", ip="127.0.0.1", port=self.listen_ports)
            _LISTENING[xtdc] = self.port = int(port)
            self.log("info", f"QMT data center listening on port {port}")

    def _xt(self, module: str, name: str, *args, **kwargs):
        fn = getattr(getattr(self.api, module), name)
        return fn(*args, **kwargs)

    def alive(self) -> bool:
        try:
            client = self._xt("xtdata", "get_client")
            return bool(client is not None and client.is_connected())
        except Exception:  # noqa: BLE001
            return False

    def reconnect(self) -> None:
        error = None
        try:
            self._xt("xtdata", "reconnect", port=self.port)
            if not self.alive():
                error = "the client is still not connected"
        except Exception as e:  # noqa: BLE001
            error = f"{type(e).__name__}: {e}"
        if error is not None:
            self.connected = False
            raise SourceError(self.mask(
                f"QMT connection lost and one reconnect to port {self.port} failed: {error}. "
                "Check that MiniQMT / the data center is running."))
        self.log("warning", f"QMT connection was lost; reconnected on port {self.port}")

    # ------------------------------------------------------------ calling
    def call(self, module: str, name: str, *args, **kwargs):
        """Call ``api.<module>.<name>``; reconnect once on a dead connection."""
        self.connect()
        fn = getattr(getattr(self.api, module), name)
        first = None
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001
            first = f"{type(e).__name__}: {e}"
        if self.alive():
            raise SourceError(self.mask(f"QMT {module}.{name} failed: {first}"))
        self.reconnect()
        second = None
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001
            second = f"{type(e).__name__}: {e}"
        raise SourceError(self.mask(f"QMT {module}.{name} failed after reconnecting: {second}"))

"""A fake xtquant (``xtdata`` + ``xtdatacenter``) backed by any ``MarketDataSource``.

It turns canonical frames INTO the documented xtquant shapes (see ``qmt`` for the
assumptions: END-stamped bars plus a 09:30 auction 1m bar, stock volume in lots, epoch-ms
``time``, FFFFFF.SGT northbound table, fractions from ``get_index_weight``…). Every
function the adapter uses has the real module's name and signature (tested against the
real xtquant). Calls are recorded in ``FakeXtquant.calls`` as ``(module, name, args,
kwargs)``.

Failure injection (for adapter and failover tests):
  ``fail_next(name, exc=None, times=1)``  the next ``times`` calls of ``name`` raise
  ``hang(name, seconds)``                  calls of ``name`` sleep first
  ``empty_codes``                          set of codes answered with 0 rows everywhere
  ``drop_connection()``                    the client dies: calls raise until reconnected
  ``refuse_connect``                       connect/reconnect raise
  ``busy_ports``                           ports ``listen`` treats as taken
  ``leak_token_in_errors``                 injected errors quote the token (masking tests)
The clock ``today`` is the day QMT's undated answers (instrument detail, index weights,
sector list, financial data, the latest of ``get_trading_dates``) describe.

``installed(fake)`` puts the fake where the real client lives (``xtquant``,
``xtquant.xtdata``, ``xtquant.xtdatacenter`` in ``sys.modules``), so production code that
imports the real client (``QmtResource``) gets the fake, with no test knob in the product.
"""
from __future__ import annotations

import datetime as dt
import functools
import sys
import time
import types
from contextlib import contextmanager
from typing import Iterator, Optional

import pandas as pd

from taorui_assets.lib import calendar
from taorui_assets.lib.sources import qmt_normalize as N
from taorui_assets.lib.sources.base import MarketDataSource
from taorui_assets.lib.sources.qmt_datasets import NORTH_CODE, NORTH_FIELDS, MONEY_FLOW_FIELDS, sector_name
from taorui_assets_tests.doubles.qmt_fake_data import FakeData


def _recorded(module: str):
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            fake = self._fake
            fake.calls.append((module, fn.__name__, args, kwargs))
            fake._before(fn.__name__)
            return fn(self, *args, **kwargs)
        return wrapper
    return deco


class _Client:
    def __init__(self, fake):
        self._fake = fake

    def is_connected(self) -> bool:
        return self._fake.connected


class FakeXtdata:
    enable_hello = True

    def __init__(self, fake: "FakeXtquant"):
        self._fake = fake
        self._d = fake.data

    # ------------------------------------------------------------ connection
    @_recorded("xtdata")
    def connect(self, ip='', port=None, remember_if_success=True):
        return self._fake._connect(port)

    @_recorded("xtdata")
    def reconnect(self, ip='', port=None, remember_if_success=True):
        return self._fake._connect(port)

    @_recorded("xtdata")
    def disconnect(self):
        self._fake.connected = False

    def get_client(self):  # not recorded: a liveness probe (the real one also reconnects)
        if not self._fake.connected:
            raise Exception("无法连接xtquant服务，请检查QMT-投研版或QMT-极简版是否开启")
        return _Client(self._fake)

    # ------------------------------------------------------------ downloads
    @_recorded("xtdata")
    def download_history_data(self, stock_code, period, start_time='', end_time='', incrementally=None):
        self._fake.downloads.append((period, [stock_code], start_time, end_time))

    @_recorded("xtdata")
    def download_history_data2(self, stock_list, period, start_time='', end_time='', callback=None, incrementally=None):
        stock_list = [stock_list] if isinstance(stock_list, str) else list(stock_list)
        self._fake.downloads.append((period, stock_list, start_time, end_time))
        for k, code in enumerate(stock_list):
            if callback:
                callback({"finished": k + 1, "total": len(stock_list), "stockcode": code, "message": ""})
        return {}

    @_recorded("xtdata")
    def download_financial_data(self, stock_list, table_list=[], start_time='', end_time='', incrementally=None):
        self._fake.downloads.append(("financial", list(stock_list), start_time, end_time))

    @_recorded("xtdata")
    def download_financial_data2(self, stock_list, table_list=[], start_time='', end_time='', callback=None):
        self._fake.downloads.append(("financial", list(stock_list), start_time, end_time))
        total = len(stock_list) * len(table_list or [1])
        for k in range(total):
            if callback:
                callback({"finished": k + 1, "total": total})

    @_recorded("xtdata")
    def download_sector_data(self):
        self._fake.downloads.append(("sector", [], "", ""))

    @_recorded("xtdata")
    def download_index_weight(self):
        self._fake.downloads.append(("index_weight", [], "", ""))

    # ------------------------------------------------------------ market data
    @_recorded("xtdata")
    def get_market_data_ex(self, field_list=[], stock_list=[], period='1d', start_time='', end_time='',
                           count=-1, dividend_type='none', fill_data=True):
        if dividend_type not in ("none", None):
            raise NotImplementedError("the fake serves unadjusted data only")
        codes = [c for c in stock_list if c not in self._fake.empty_codes]
        return self._d.market(list(field_list), codes, period, start_time, end_time)

    @_recorded("xtdata")
    def get_local_data(self, field_list=[], stock_list=[], period='1d', start_time='', end_time='', count=-1,
                       dividend_type='none', fill_data=True, data_dir=None):
        codes = [c for c in stock_list if c not in self._fake.empty_codes]
        return self._d.market(list(field_list), codes, period, start_time, end_time)

    @_recorded("xtdata")
    def get_market_data(self, field_list=[], stock_list=[], period='1d', start_time='', end_time='',
                        count=-1, dividend_type='none', fill_data=True):
        ex = self._d.market(list(field_list), [c for c in stock_list if c not in self._fake.empty_codes],
                            period, start_time, end_time)
        fields = list(field_list) or sorted({f for df in ex.values() for f in df.columns})
        return {f: pd.DataFrame({c: df[f] for c, df in ex.items()}).T for f in fields}

    @_recorded("xtdata")
    def get_divid_factors(self, stock_code, start_time='', end_time=''):
        if stock_code in self._fake.empty_codes:
            return pd.DataFrame()
        return self._d.divid(stock_code, start_time, end_time)

    @_recorded("xtdata")
    def get_financial_data(self, stock_list, table_list=[], start_time='', end_time='', report_type='report_time'):
        codes = [c for c in stock_list if c not in self._fake.empty_codes]
        return self._d.financial(codes, list(table_list), start_time, end_time, report_type)

    # ------------------------------------------------------------ reference data
    @_recorded("xtdata")
    def get_instrument_detail(self, stock_code, iscomplete=False):
        return self._d.detail(stock_code)

    @_recorded("xtdata")
    def get_trading_dates(self, market, start_time='', end_time='', count=-1):
        days = self._d.trading_days(start_time, end_time)
        days = days if count is None or count < 0 else days[-count:]
        return [int(x) for x in N.local_to_ms(pd.to_datetime(days))]

    @_recorded("xtdata")
    def get_trading_calendar(self, market, start_time='', end_time=''):
        return [N.ymd(d) for d in self._d.trading_days(start_time, end_time)]

    @_recorded("xtdata")
    def get_holidays(self):
        return sorted(N.ymd(d) for d in calendar.HOLIDAYS)

    @_recorded("xtdata")
    def get_sector_list(self):
        return self._d.sector_list()

    @_recorded("xtdata")
    def get_stock_list_in_sector(self, sector_name, real_timetag=-1):
        return self._d.sector_members(sector_name, real_timetag)

    @_recorded("xtdata")
    def get_index_weight(self, index_code):
        return self._d.index_weight(index_code)

    # ------------------------------------------------------------ subscriptions
    @_recorded("xtdata")
    def subscribe_quote(self, stock_code, period='1d', start_time='', end_time='', count=0, callback=None):
        self._fake._seq += 1
        return self._fake._seq

    @_recorded("xtdata")
    def unsubscribe_quote(self, seq):
        return None


class FakeXtdatacenter:
    def __init__(self, fake: "FakeXtquant"):
        self._fake = fake
        self.init_complete = False

    @_recorded("xtdatacenter")
    def set_token(self, token=''):
        self._fake._token = token

    @_recorded("xtdatacenter")
    def set_allow_optmize_address(self, allow_list=[]):
        self._fake.vip_servers = list(allow_list)

    @_recorded("xtdatacenter")
    def set_data_home_dir(self, data_home_dir):
        self._fake.data_home_dir = data_home_dir

    @_recorded("xtdatacenter")
    def init(self, start_local_service=True):
        if start_local_service:
            self._fake.ports_taken.add(58609)
        self.init_complete = True

    @_recorded("xtdatacenter")
    def listen(self, ip='0.0.0.0', port=58610):
        if not self.init_complete:
            raise Exception("尚未初始化, 请优先调用init进行初始化")
        lo, hi = port if isinstance(port, tuple) else (port, port)
        for p in range(lo, hi + 1):
            if p not in self._fake.busy_ports and p not in self._fake.ports_taken:
                self._fake.ports_taken.add(p)
                self._fake.listening = p
                return (ip, p)
        raise OSError(f'监听端口失败: {port}, 请检查端口是否被占用')

    @_recorded("xtdatacenter")
    def shutdown(self):
        self.init_complete = False
        self._fake.listening = None


class FakeXtquant:
    """``FakeXtquant(source, today=...)`` exposes ``.xtdata`` and ``.xtdatacenter``."""

    def __init__(self, source: MarketDataSource, *, today: Optional[dt.date] = None):
        self.source = source
        self.today = today or dt.date.today()
        self.calls: list[tuple[str, str, tuple, dict]] = []
        self.downloads: list[tuple[str, list, str, str]] = []
        self.empty_codes: set[str] = set()
        self.busy_ports: set[int] = set()
        self.ports_taken: set[int] = set()
        self.refuse_connect = False
        self.leak_token_in_errors = False
        self.connected = False
        self.listening: Optional[int] = None
        self.vip_servers: list[str] = []
        self.data_home_dir = ""
        self._token = ""
        self._fail: dict[str, list] = {}
        self._hang: dict[str, float] = {}
        self._seq = 0
        self.data = FakeData(self)
        self.xtdata = FakeXtdata(self)
        self.xtdatacenter = FakeXtdatacenter(self)

    # ------------------------------------------------------------ hooks
    def fail_next(self, name: str, exc: Optional[BaseException] = None, times: int = 1) -> None:
        self._fail[name] = [exc, times]

    def set_source(self, source: MarketDataSource) -> None:
        """Serve another source's data from now on (the fake caches answers per source)."""
        self.source = source
        self.data._cache.clear()

    def hang(self, name: str, seconds: float) -> None:
        self._hang[name] = seconds

    def drop_connection(self) -> None:
        self.connected = False

    def called(self, name: str) -> list[tuple[tuple, dict]]:
        return [(a, k) for _m, n, a, k in self.calls if n == name]

    def _error(self, text: str) -> Exception:
        if self.leak_token_in_errors and self._token:
            text += f" (token {self._token} rejected)"
        return Exception(text)

    def _before(self, name: str) -> None:
        if name in self._hang:
            time.sleep(self._hang[name])
        spec = self._fail.get(name)
        if spec and spec[1] > 0:
            spec[1] -= 1
            raise spec[0] or self._error(f"fake failure injected into {name}")
        if name not in ("connect", "reconnect", "disconnect") and not self.connected \
                and name in FakeXtdata.__dict__:
            raise self._error("行情服务连接断开")

    def _connect(self, port):
        if self.refuse_connect:
            raise self._error(f"无法连接xtquant服务 port {port}")
        self.connected = True
        return _Client(self)


def sim_concept_codes() -> dict[str, str]:
    """SimMarket's concept name → code, for ``QmtResource(concept_codes=...)`` / ``QmtSource``:
    QMT names concepts without codes (see qmt_datasets.parse_sector)."""
    from taorui_assets.lib.sim.sectors import CONCEPTS

    return {name: code for code, name, _start in CONCEPTS}


def _xtquant_modules() -> dict:
    return {k: v for k, v in sys.modules.items() if k == "xtquant" or k.startswith("xtquant.")}


@contextmanager
def installed(fake: FakeXtquant) -> Iterator[FakeXtquant]:
    """``import xtquant.xtdata`` (and ``xtdatacenter``) give the fake's modules inside the block;
    whatever ``xtquant`` modules were loaded before (the real ones, say) are restored after."""
    saved = _xtquant_modules()
    package = types.ModuleType("xtquant", "the fake xtquant of taorui_assets_tests.doubles.qmt_fake")
    package.__path__ = []  # a package, so ``import xtquant.xtdata`` resolves via sys.modules
    package.xtdata, package.xtdatacenter = fake.xtdata, fake.xtdatacenter
    for k in saved:
        del sys.modules[k]
    sys.modules.update({"xtquant": package, "xtquant.xtdata": fake.xtdata,
                        "xtquant.xtdatacenter": fake.xtdatacenter})
    try:
        yield fake
    finally:
        for k in _xtquant_modules():
            del sys.modules[k]
        sys.modules.update(saved)


__all__ = ["FakeXtquant", "installed", "sim_concept_codes", "FakeXtdata", "FakeXtdatacenter", "NORTH_CODE", "NORTH_FIELDS",
           "MONEY_FLOW_FIELDS", "sector_name"]

"""The fake xtquant, extended to PUSH SimMarket's ticks (lib/sim/ticks.py) at a speed-up factor.

``subscribe_whole_quote(code_list, callback)`` (markets like ``['SH','SZ']`` or codes) and
``subscribe_quote(code, period='tick', callback=...)`` start a pusher thread that calls
``callback`` as xtquant does — ``{code: tick}`` for the whole-market push, ``{code: [tick]}``
per code — with xtquant's field names and units (stock volume in lots, epoch-ms ``time``,
5-level ``askPrice``/``bidPrice``/``askVol``/``bidVol`` lists). Right after subscribing it
pushes the latest snapshot already past, as the real one does (xtdata.md, 订阅全推行情).

The session clock is ``Replay`` (lib/realtime/feeds.py): ``t0`` is the wall-clock moment of
09:30:00, so a restarted process continues the same session where the market now is.

``push_log``: a file that gets ``S <ms> <n>`` before and ``C <ms> <n>`` after each push's
callback — what a test compares MongoDB against.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Optional, Sequence

import numpy as np

from taorui_assets.lib.realtime.codec import VALUE_FIELDS
from taorui_assets.lib.realtime.feeds import Replay
from taorui_assets.lib.sim.ticks import day_ticks
from taorui_assets.lib.sources.qmt_normalize import lot_factor

from taorui_assets_tests.doubles.qmt_fake import FakeXtdata, FakeXtquant, _recorded

_XT = {"last_price": "lastPrice", "open": "open", "high": "high", "low": "low", "pre_close": "lastClose",
       "volume": "volume", "amount": "amount", "status": "stockStatus", "trade_count": "transactionNum"}


def to_xt(code: str, ms: int, row: np.ndarray) -> dict:
    v = dict(zip(VALUE_FIELDS, row.tolist()))
    lot = lot_factor(code)
    d = {x: v[c] for c, x in _XT.items()}
    d["volume"] = int(round(d["volume"] / lot))
    d["stockStatus"], d["transactionNum"] = int(d["stockStatus"]), int(d["transactionNum"])
    d["time"] = int(ms)
    d["pvolume"] = int(v["volume"])
    d["openInt"], d["lastSettlementPrice"] = 0, 0.0
    for side, p, q in (("ask", "askPrice", "askVol"), ("bid", "bidPrice", "bidVol")):
        d[p] = [v[f"{side}_price{k}"] for k in range(1, 6)]
        d[q] = [int(round(v[f"{side}_volume{k}"] / lot)) for k in range(1, 6)]
    return d


class TickXtdata(FakeXtdata):
    @_recorded("xtdata")
    def subscribe_whole_quote(self, code_list, callback=None):
        return self._fake._subscribe(list(code_list), callback, per_code=False)

    @_recorded("xtdata")
    def subscribe_quote(self, stock_code, period='1d', start_time='', end_time='', count=0, callback=None):
        if period != "tick":
            return super().subscribe_quote.__wrapped__(self, stock_code, period, start_time, end_time, count, callback)
        return self._fake._subscribe([stock_code], callback, per_code=True)

    @_recorded("xtdata")
    def unsubscribe_quote(self, seq):
        self._fake._unsubscribe(seq)

    def run(self):
        while self._fake._pushers:
            time.sleep(0.2)


class TickXtquant(FakeXtquant):
    """``TickXtquant(source, market=SimMarket, day=..., speed=..., t0=..., push_log=...)``."""

    def __init__(self, source, *, market, day, speed: float = 600.0, t0: Optional[float] = None,
                 universe: Optional[Sequence[str]] = None, push_log: Optional[str] = None, today=None):
        super().__init__(source, today=today)
        self.xtdata = TickXtdata(self)
        self.market, self.day, self.speed = market, day, float(speed)
        self.t0 = None if t0 is None else float(t0)  # None: the session opens when subscribed
        self.universe = list(universe) if universe is not None else list(market.codes)
        self.push_log = push_log
        self._pushers: dict[int, threading.Event] = {}
        self._log_fd = os.open(push_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if push_log else None
        self.pushed = 0

    def _codes(self, targets: list[str]) -> list[str]:
        markets = {t for t in targets if "." not in t}
        return [c for c in self.universe if c in targets or c[-2:] in markets]

    def _subscribe(self, targets, callback, per_code: bool) -> int:
        codes = self._codes(targets)
        if not codes or callback is None:
            return -1
        self._seq += 1
        seq, stop = self._seq, threading.Event()
        self._pushers[seq] = stop
        replay = Replay(day_ticks(self.market, self.day, codes), self.speed, self.t0)

        def push():
            while not stop.is_set():
                for _sec, b in replay.due(time.time()):
                    if stop.is_set():
                        return
                    datas = {c: to_xt(c, int(b.times[i]), b.values[i]) for i, c in enumerate(b.codes)}
                    if per_code:
                        datas = {c: [d] for c, d in datas.items()}
                    self._log("S", int(b.times[0]), len(b))
                    callback(datas)
                    self.pushed += len(b)
                    self._log("C", int(b.times[0]), len(b))
                if replay.done:
                    break
                stop.wait(replay.wait_s(time.time()))
            self._pushers.pop(seq, None)

        threading.Thread(target=push, daemon=True, name=f"xt-push-{seq}").start()
        return seq

    def _log(self, kind: str, ms: int, n: int) -> None:
        if self._log_fd is not None:
            os.write(self._log_fd, f"{kind} {ms} {n}\n".encode())

    def _unsubscribe(self, seq: int) -> None:
        stop = self._pushers.pop(seq, None)
        if stop is not None:
            stop.set()

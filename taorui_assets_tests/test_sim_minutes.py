"""SimMarket minute bars: a bar without trades is flat, and the minutes still aggregate
exactly to the daily bar (issue 10 part 7)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from taorui_assets.lib import bar_rules, quality
from taorui_assets.lib.sim import minutes
from taorui_assets.lib.sim.market import SimMarket
from taorui_assets.lib.sim.securities import ALL_INDEXES
from taorui_assets.lib.sim.util import day_index

INDEX_CODES = {c for c, _n, _d in ALL_INDEXES}
DAYS = [dt.date(2026, 11, 20), dt.date(2026, 11, 24), dt.date(2025, 7, 10), dt.date(2020, 10, 30)]


@pytest.fixture(scope="module")
def mkt():
    return SimMarket(seed=7, n_stocks=300)


def _check(daily: pd.DataFrame, m: pd.DataFrame) -> None:
    flat = bar_rules.no_trade_is_flat(m)
    assert flat.all(), m.loc[~flat].head()
    assert quality.minute_mismatches(daily, m).empty
    # an index's amount is its constituents' CNY turnover, not volume × points (issue 13)
    traded = m[(m["volume"] > 0) & ~m["code"].isin(INDEX_CODES)]
    vwap = traded["amount"] / traded["volume"]
    assert (vwap <= traded["high"] + 1e-9).all() and (vwap >= traded["low"] - 1e-9).all()


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_bars_without_trades_are_flat(mkt, day):
    daily = mkt.daily_bars(day)
    m1, m5 = mkt.minute_bars(day, "1m"), mkt.minute_bars(day, "5m")
    _check(daily, m1)
    _check(daily, m5)
    # a day's high and low come from bars that traded
    traded = m1[m1["volume"] > 0].groupby("code").agg(high=("high", "max"), low=("low", "min"))
    d = daily.set_index("code").loc[traded.index]
    assert (traded["high"] == d["high"]).all() and (traded["low"] == d["low"]).all()


def test_the_issue_day_has_bars_without_trades(mkt):
    m1 = mkt.minute_bars(dt.date(2026, 11, 20), "1m")
    assert (m1["volume"] == 0).any()  # the flat rule above is not vacuous


@pytest.mark.parametrize("lots", [1, 2, 3, 7, 40])
def test_thin_days_still_aggregate(mkt, lots):
    """Days with a handful of lots: most bars trade nothing, the rest carry the whole range."""
    day = dt.date(2026, 11, 20)
    i = day_index(day)
    for code in mkt.codes[:40]:
        h = mkt.history(code)
        j = h.local(i)
        if not (h.stock.start <= i < h.stock.end) or h.paused[j]:
            continue
        vol, amount = h.volume.copy(), h.amount.copy()
        vol[j] = lots * 100
        amount[j] = int(vol[j] * (h.low[j] + 0.6 * (h.high[j] - h.low[j])))
        thin = dataclasses.replace(h, volume=vol, amount=amount)
        a = minutes.minute_arrays(mkt.seed, thin, i)
        m = pd.DataFrame(a).assign(code=code, time=np.arange(240))
        daily = pd.DataFrame({"code": [code], "open": h.open[j] / 100, "high": h.high[j] / 100,
                              "low": h.low[j] / 100, "close": h.close[j] / 100, "volume": float(vol[j]),
                              "amount": amount[j] / 100, "paused": False})
        assert (m["volume"] > 0).sum() <= lots
        _check(daily, m)


def test_deterministic(mkt):
    other = SimMarket(seed=7, n_stocks=300)
    day = dt.date(2026, 11, 20)
    pd.testing.assert_frame_equal(mkt.minute_bars(day, "1m"), other.minute_bars(day, "1m"))

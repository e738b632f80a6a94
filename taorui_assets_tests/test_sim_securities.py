"""Issue 13 part 1: indexes, ETFs, LOFs and convertible bonds — their rules (codes.limit_prices)
and SimMarket's histories of them (pure functions, no server)."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from taorui_assets.lib import codes, quality
from taorui_assets.lib.sim import SimMarket
from taorui_assets.lib.sim.securities import ALL_INDEXES, DEMO_CONBOND_LISTING, counts

D = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def mkt():
    return SimMarket()


@pytest.mark.parametrize("code,board", [
    ("510300.SH", "etf"), ("159915.SZ", "etf"), ("501050.SH", "lof"), ("161725.SZ", "lof"),
    ("113050.SH", "conbond"), ("118003.SH", "conbond"), ("123100.SZ", "conbond"), ("128136.SZ", "conbond"),
    ("000852.SH", "index"), ("399006.SZ", "index"), ("600000.SH", "main"), ("000001.SZ", "main")])
def test_board_and_type_from_the_code(code, board):
    assert codes.board(code) == board
    assert codes.security_type(board) == (board if board in ("etf", "lof", "conbond", "index") else "stock")


def test_limit_rules_per_type():
    assert all(math.isnan(x) for x in codes.limit_prices(3500.12, "index", False))
    # funds: ±10% to 0.001 yuan
    assert codes.limit_prices(1.234, "etf", False) == (1.357, 1.111)
    assert codes.limit_prices(0.987, "lof", False) == (1.086, 0.888)
    # convertible bonds: ±20% since 2022-08-01, to 0.001 yuan; the listing day +57.3% / -43.3%
    assert codes.limit_prices(123.456, "conbond", False, day=dt.date(2024, 5, 6)) == (148.147, 98.765)
    assert codes.limit_prices(100.0, "conbond", False, day=dt.date(2024, 5, 6), first_day=True) == (157.3, 56.7)
    assert all(math.isnan(x) for x in codes.limit_prices(123.4, "conbond", False, day=dt.date(2022, 7, 29)))
    assert codes.price_decimals("510300.SH") == 3 and codes.price_decimals("600000.SH") == 2


def test_counts_scale_with_the_universe(mkt):
    assert counts(300) == {"etf": 25, "lof": 10, "conbond": 25}
    assert counts(5000)["etf"] == 416
    big = SimMarket(n_stocks=1200)
    kinds = pd.Series([s.board for s in big.securities]).value_counts()
    assert kinds["etf"] == 100 and kinds["index"] == len(ALL_INDEXES)


def test_instruments_hold_every_type(mkt):
    inst = mkt.instruments(D)
    kinds = inst["type"].value_counts()
    assert set(kinds.index) == {"stock", "index", "etf", "lof", "conbond"}
    other = inst[inst["type"] != "stock"]
    assert (other["board"] == other["type"]).all() and not other["is_st"].any()
    assert all(codes.board(c) == b for c, b in zip(inst["code"], inst["board"]))


def test_whole_history_obeys_the_rules_of_each_type(mkt):
    split_seen = 0
    for s in mkt.securities:
        h = mkt.history(s.code)
        for col in (h.open, h.high, h.low, h.close):
            assert (col > 0).all()
        assert (h.high >= np.maximum(h.open, h.close)).all() and (h.low <= np.minimum(h.open, h.close)).all()
        limited = h.high_limit > 0
        if s.board == "index":
            assert not limited.any()
        elif s.board in ("etf", "lof"):
            assert limited.all()
        assert (h.high[limited] <= h.high_limit[limited]).all() and (h.low[limited] >= h.low_limit[limited]).all()
        same = ~h.ex[1:]
        assert np.array_equal(h.pre_close[1:][same], h.close[:-1][same])
        split_seen += int((h.ex_bonus > 0).sum())
        if s.board in ("index", "conbond"):
            assert len(h.ex_pos) == 0
    assert split_seen > 0  # some ETF split its units: factors move


def test_daily_limits_match_the_rules_and_the_check_passes(mkt):
    for day in (D, DEMO_CONBOND_LISTING, dt.date(2021, 3, 3)):
        inst, bars = mkt.instruments(day), mkt.daily_bars(day)
        assert set(bars["code"]) == set(inst["code"])  # every type has a bar
        assert quality.bar_violations(bars, inst).empty
        assert quality.missing_daily_bars(inst, bars).empty
    bars = mkt.daily_bars(DEMO_CONBOND_LISTING).merge(mkt.instruments(DEMO_CONBOND_LISTING), on="code")
    new = bars[(bars["type"] == "conbond") & (bars["list_date"] == pd.Timestamp(DEMO_CONBOND_LISTING))].iloc[0]
    assert (new["pre_close"], new["high_limit"], new["low_limit"]) == (100.0, 157.3, 56.7)
    old = mkt.daily_bars(dt.date(2021, 3, 3)).merge(mkt.instruments(dt.date(2021, 3, 3)), on="code")
    assert old.loc[old["type"] == "conbond", "high_limit"].isna().all()  # before 2022-08-01


def test_the_check_catches_a_limit_on_an_index_and_a_wrong_bond_limit(mkt):
    inst, bars = mkt.instruments(D), mkt.daily_bars(D).copy()
    idx = bars.index[bars["code"] == "000300.SH"][0]
    bars.loc[idx, "high_limit"] = bars.loc[idx, "pre_close"] * 1.1
    bond = bars.index[bars["code"].map(codes.board) == "conbond"][0]
    bars.loc[bond, "high_limit"] = round(bars.loc[bond, "pre_close"] * 1.1, 3)
    bad = quality.bar_violations(bars, inst)
    assert set(bad["code"]) == {"000300.SH", bars.loc[bond, "code"]}


def test_etf_factor_follows_its_split(mkt):
    etf = next(s for s in mkt.securities if s.board == "etf" and len(mkt.history(s.code).ex_pos))
    ev = mkt.dividends(etf.code)
    assert len(ev) and (ev["ratio"] > 1).all()
    d = ev["ex_date"].iloc[-1].date()
    before = mkt.adj_factors(d - dt.timedelta(days=7), [etf.code])["factor"]
    after = mkt.adj_factors(d, [etf.code])["factor"]
    if len(before):
        assert after.iloc[0] == pytest.approx(before.iloc[0] * ev["ratio"].iloc[-1])

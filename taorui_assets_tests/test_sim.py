"""SimMarket / SimSource: schemas, determinism, and the market rules the simulation follows."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from taorui_assets.lib import calendar, codes, datasets, schemas
from taorui_assets.lib.sim import SimMarket
from taorui_assets.lib.sim.util import DAYS
from taorui_assets.lib.sources.sim import SimSource

D = dt.date(2026, 11, 24)
WINDOW = calendar.last_trading_days(D, 5)
SAMPLE_DAYS = [dt.date(2010, 1, 4), dt.date(2015, 7, 8), dt.date(2021, 6, 30), D]


@pytest.fixture(scope="module")
def src() -> SimSource:
    return SimSource()


@pytest.fixture(scope="module")
def mkt(src) -> SimMarket:
    src.market.warm_up()
    return src.market


@pytest.fixture(scope="module")
def div_day(mkt) -> dt.date:
    ev = mkt.dividends(year=2026)
    ev = ev[ev["ex_date"].dt.date.isin(WINDOW)]
    assert len(ev) >= 3, "some ex-dividend dates must fall in the week ending 2026-11-24"
    return ev["ex_date"].iloc[0].date()


def _daily_calls(src, day):
    return {
        "instruments": lambda: src.instruments(day),
        "daily_bars": lambda: src.daily_bars(day),
        "minute_bars": lambda: src.minute_bars(day, "5m"),
        "adj_factors": lambda: src.adj_factors(day),
        "sector_membership": lambda: src.sector_membership(day),
        "index_weights": lambda: src.index_weights(day),
        "billboard": lambda: src.billboard(day),
        "northbound_flow": lambda: src.northbound_flow(day),
        "money_flow": lambda: src.money_flow(day),
    }


def _check_frame(dataset, df):
    assert list(df.columns) == schemas.columns(dataset)
    assert isinstance(df.index, pd.RangeIndex) and df.index.start == 0
    schemas.validate(dataset, df)
    keys = list(datasets.get(dataset).key)
    assert df[keys].equals(df.sort_values(keys, kind="stable")[keys].reset_index(drop=True))


@pytest.mark.parametrize("day", SAMPLE_DAYS)
def test_every_dataset_passes_its_schema(src, day):
    for dataset, call in _daily_calls(src, day).items():
        df = call()
        _check_frame(dataset, df)
        if dataset not in ("billboard", "northbound_flow") or day.year > 2016:
            assert len(df) > 0, dataset


def test_schemas_on_a_dividend_day_and_other_datasets(src, div_day):
    for dataset, call in _daily_calls(src, div_day).items():
        _check_frame(dataset, call())
    _check_frame("minute_bars", src.minute_bars(div_day, "1m"))
    cal = src.trading_calendar(2026)
    _check_frame("trading_calendar", cal)
    assert list(cal["date"].dt.date) == calendar.trading_days(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    for q in ("2015Q2", "2026Q2", "2026Q3"):
        _check_frame("financial_statements", src.financial_statements(q, D))
    assert src.financial_statements("2026Q4", D).empty
    _check_frame("financial_statements", src.financial_statements("2026Q4", D))


def test_non_trading_day_gives_empty_frames(src):
    sunday = dt.date(2026, 11, 22)
    assert src.daily_bars(sunday).empty and src.money_flow(sunday).empty
    assert src.minute_bars(sunday, "1m").empty


def test_universe(mkt):
    assert len(mkt.stocks) == 300 and len(set(mkt.codes)) == 300
    assert len({s.name for s in mkt.stocks}) == 300
    boards = pd.Series([codes.board(s.code) for s in mkt.stocks]).value_counts()
    assert set(boards.index) == {"main", "star", "chinext", "bse"} and boards.min() >= 4
    assert all(codes.board(s.code) == s.board for s in mkt.stocks)
    sh_main = {s.code[:3] for s in mkt.stocks if s.board == "main" and s.exchange == "SH"}
    assert sh_main <= {"600", "601", "603", "605"}
    assert any(s.list_date.year == 2026 and s.list_date.month in (10, 11) for s in mkt.stocks)
    nov_delist = [s for s in mkt.stocks if s.delist_date and s.delist_date.strftime("%Y-%m") == "2026-11"]
    assert 1 <= len(nov_delist) <= 2
    assert any(s.delist_date and s.delist_date < dt.date(2026, 1, 1) for s in mkt.stocks)
    inst = mkt.instruments(D)
    stocks = inst[inst["type"] == "stock"]
    assert set(stocks["code"]) == {s.code for s in mkt.listed(D)}
    # issue 13: the eight benchmark indexes named there, plus every weighted one (899050.BJ)
    assert set(inst.loc[inst["type"] == "index", "code"]) == {
        "000001.SH", "000300.SH", "000905.SH", "000852.SH", "000016.SH", "000688.SH",
        "399001.SZ", "399006.SZ", "899050.BJ"}
    # a stock delisted on 2026-11-12 has bars up to the day before and none after
    gone = [s for s in nov_delist if s.delist_date <= D][0]
    last = calendar.previous_trading_day(gone.delist_date)
    assert gone.code in set(mkt.daily_bars(last)["code"])
    assert gone.code not in set(mkt.daily_bars(gone.delist_date)["code"])


def test_big_universe_builds(tmp_path):
    m = SimMarket(seed=3, n_stocks=5000)
    assert len(set(m.codes)) == 5000
    share = pd.Series([s.board for s in m.stocks]).value_counts(normalize=True)
    assert 0.5 < share["main"] < 0.65 and 0.03 < share["bse"] < 0.08


def test_same_value_alone_full_and_after_other_calls(mkt):
    code = mkt.listed(D)[17].code
    fresh = SimMarket()
    alone = fresh.daily_bars(D, codes=[code])
    alone_min = fresh.minute_bars(D, "1m", codes=[code])
    alone_mf = fresh.money_flow(D, codes=[code])
    other = SimMarket()
    other.financial_statements("2020Q1", D)
    other.minute_bars(dt.date(2018, 3, 5), "1m")
    other.billboard(dt.date(2016, 1, 4))
    full = other.daily_bars(D)
    pd.testing.assert_frame_equal(alone.reset_index(drop=True),
                                  full[full["code"] == code].reset_index(drop=True))
    full_min = other.minute_bars(D, "1m")
    pd.testing.assert_frame_equal(alone_min.reset_index(drop=True),
                                  full_min[full_min["code"] == code].reset_index(drop=True))
    full_mf = mkt.money_flow(D)
    pd.testing.assert_frame_equal(alone_mf.reset_index(drop=True),
                                  full_mf[full_mf["code"] == code].reset_index(drop=True))


def test_deterministic_across_instances():
    a, b = SimMarket(seed=11, n_stocks=60), SimMarket(seed=11, n_stocks=60)
    assert a.codes == b.codes
    day = dt.date(2024, 9, 30)
    for name in ("daily_bars", "billboard", "index_weights", "northbound_flow", "sector_membership"):
        pd.testing.assert_frame_equal(getattr(a, name)(day), getattr(b, name)(day))
    pd.testing.assert_frame_equal(a.financial_statements("2024Q2", D), b.financial_statements("2024Q2", D))
    assert SimMarket(seed=12, n_stocks=60).codes != a.codes
    assert SimSource() is not SimSource() and SimSource().market is SimSource().market


@pytest.mark.parametrize("which", ["latest", "dividend"])
def test_minute_bars_aggregate_exactly(src, div_day, which):
    day = D if which == "latest" else div_day
    daily = src.daily_bars(day).set_index("code")
    m1 = src.minute_bars(day, "1m")
    m5 = src.minute_bars(day, "5m")
    traded = daily[~daily["paused"]]
    assert set(m1["code"]) == set(traded.index) == set(m5["code"])
    assert (m1.groupby("code").size() == 240).all() and (m5.groupby("code").size() == 48).all()
    times = m1.loc[m1["code"] == m1["code"].iloc[0], "time"].dt.strftime("%H:%M").tolist()
    assert times[0] == "09:31" and times[119] == "11:30" and times[120] == "13:01" and times[-1] == "15:00"
    assert (m1["date"] == pd.Timestamp(day)).all() and (m1["period"] == "1m").all()
    for m in (m1, m5):
        g = m.groupby("code")
        agg = pd.DataFrame({"open": g["open"].first(), "close": g["close"].last(), "high": g["high"].max(),
                            "low": g["low"].min(), "volume": g["volume"].sum(), "amount": g["amount"].sum()})
        t = traded.loc[agg.index]
        for col in ("open", "close", "high", "low", "volume"):
            assert (agg[col] == t[col]).all(), col
        assert np.allclose(agg["amount"], t["amount"], rtol=1e-6, atol=0)
        assert (m["volume"] % 100 == 0).all()
        p = m[["open", "high", "low", "close"]]
        stock = m["code"].map(codes.board).isin(["main", "chinext", "star", "bse", "index"])
        assert (p[stock].round(2) == p[stock]).all().all()  # funds and bonds: 0.001 yuan
        assert (p.round(3) == p).all().all()
        lim = m[["code"]].join(t[["high_limit", "low_limit"]], on="code")  # NaN: no limit
        assert (m["high"] <= lim["high_limit"].fillna(np.inf)).all()
        assert (m["low"] >= lim["low_limit"].fillna(0)).all()
        # an index's amount is its constituents' CNY turnover, not volume × points
        traded_bars = m[(m["volume"] > 0) & (m["code"].map(codes.board) != "index")]
        vwap = traded_bars["amount"] / traded_bars["volume"]
        assert (vwap <= traded_bars["high"] + 1e-9).all() and (vwap >= traded_bars["low"] - 1e-9).all()
    # 5m is the exact aggregation of 1m
    m1 = m1.assign(bucket=np.tile(np.repeat(np.arange(48), 5), len(m1) // 240))
    g = m1.groupby(["code", "bucket"])
    assert np.array_equal(g["open"].first().values, m5["open"].values)
    assert np.array_equal(g["close"].last().values, m5["close"].values)
    assert np.array_equal(g["high"].max().values, m5["high"].values)
    assert np.array_equal(g["low"].min().values, m5["low"].values)
    assert np.array_equal(g["volume"].sum().values, m5["volume"].values)
    assert np.array_equal(g["time"].last().values, m5["time"].values)


def _all_histories(mkt):
    return [mkt.history(c) for c in mkt.codes]


def test_price_limits_and_bar_shape_over_whole_history(mkt):
    limit_days = {"up": 0, "down": 0}
    for h in _all_histories(mkt):
        s = h.stock
        pct = np.where(h.is_st, 5, {"main": 10, "chinext": 20, "star": 20, "bse": 30}[s.board])
        assert np.array_equal(h.high_limit, (h.pre_close * (100 + pct) + 50) // 100)
        assert np.array_equal(np.maximum(h.low_limit, 1), h.low_limit)
        for col in (h.open, h.high, h.low, h.close):
            assert (col <= h.high_limit).all() and (col >= h.low_limit).all() and (col > 0).all()
        assert (h.high >= np.maximum(h.open, h.close)).all() and (h.low <= np.minimum(h.open, h.close)).all()
        trading = ~h.paused
        assert (h.volume[trading] > 0).all() and (h.volume % 100 == 0).all()
        vol = h.volume[trading]
        assert (h.amount[trading] >= vol * h.low[trading]).all()
        assert (h.amount[trading] <= vol * h.high[trading]).all()
        # pre_close is the previous close except on ex-dividend days
        same = ~h.ex[1:]
        assert np.array_equal(h.pre_close[1:][same], h.close[:-1][same])
        limit_days["up"] += int((h.close[trading] == h.high_limit[trading]).sum())
        limit_days["down"] += int((h.close[trading] == h.low_limit[trading]).sum())
    assert limit_days["up"] > 100 and limit_days["down"] > 100
    # cross-check the exchange rounding against codes.limit_prices on one day's frame
    bars = mkt.daily_bars(D).merge(mkt.instruments(D)[["code", "board", "is_st", "type"]], on="code")
    for row in bars[bars["type"] == "stock"].itertuples():  # other types: test_sim_securities.py
        assert (row.high_limit, row.low_limit) == codes.limit_prices(row.pre_close, row.board, row.is_st)


def test_st_stocks(mkt):
    spells = [(h, np.flatnonzero(h.is_st)) for h in _all_histories(mkt) if h.is_st.any()]
    assert len(spells) >= 3
    for h, days in spells:
        assert h.stock.board == "main"
        j = days[len(days) // 2]
        assert (h.high_limit[j] - h.pre_close[j]) <= h.pre_close[j] * 0.05 + 1
        d = DAYS[h.stock.start + j]
        assert mkt.stock_name(h.stock.code, d).startswith(("ST", "*ST"))
        inst = mkt.instruments(d).set_index("code")
        assert bool(inst.loc[h.stock.code, "is_st"])
        assert inst.loc[h.stock.code, "name"].startswith(("ST", "*ST"))


def test_suspensions_follow_the_jqdata_convention(mkt):
    rate = np.mean(np.concatenate([h.paused for h in _all_histories(mkt)]))
    assert 0.003 < rate < 0.03
    days = [DAYS[h.stock.start + int(np.flatnonzero(h.paused)[-1])] for h in _all_histories(mkt)
            if h.paused.any()][:5]
    for day in days:
        bars = mkt.daily_bars(day)
        paused = bars[bars["paused"]]
        assert len(paused) >= 1
        for col in ("open", "high", "low", "close"):
            assert (paused[col] == paused["pre_close"]).all()
        assert (paused["volume"] == 0).all() and (paused["amount"] == 0).all()
        gone = set(paused["code"])
        assert not gone & set(mkt.money_flow(day)["code"])
        assert not gone & set(mkt.minute_bars(day, "5m")["code"])
        assert not gone & set(mkt.billboard(day)["code"])


def test_factors_change_exactly_on_ex_dates(mkt, div_day):
    n_ex = 0
    for h in _all_histories(mkt):
        ratio = h.factor[1:] / h.factor[:-1]
        ex = h.ex[1:]
        assert np.allclose(ratio[~ex], 1.0, rtol=0, atol=0)
        assert (ratio[ex] > 1.0).all()
        prev, pre = h.close[:-1][ex], h.pre_close[1:][ex]
        assert np.allclose(ratio[ex], prev / pre, rtol=1e-12)
        expect = np.floor((prev - h.cash[1:][ex]) / (1 + h.bonus[1:][ex]) + 0.5)
        assert np.array_equal(pre, expect)
        growth = h.total_shares[1:] / h.total_shares[:-1]
        assert np.allclose(growth, np.where(ex, 1 + h.bonus[1:], 1.0), rtol=1e-6)
        assert len(h.factor) == 0 or h.factor[0] == 1.0
        n_ex += int(ex.sum())
    assert n_ex > 300 * 5
    ev = mkt.dividends()
    assert set(ev["ex_date"].dt.year) >= set(range(2011, 2027))
    assert (ev["bonus"] > 0).any() and (ev["cash"] > 0).all()
    # in the frames: the factor moves between the day before and the ex date, by prev/pre
    code = ev.loc[ev["ex_date"] == pd.Timestamp(div_day), "code"].iloc[0]
    before = mkt.adj_factors(calendar.previous_trading_day(div_day), [code])["factor"].iloc[0]
    on = mkt.adj_factors(div_day, [code])["factor"].iloc[0]
    bar = mkt.daily_bars(div_day, [code]).iloc[0]
    prev_close = mkt.daily_bars(calendar.previous_trading_day(div_day), [code])["close"].iloc[0]
    assert on / before == pytest.approx(prev_close / bar["pre_close"], rel=1e-12)
    assert bar["pre_close"] < prev_close


def test_money_flow_nets(mkt):
    for day in (D, dt.date(2019, 2, 25)):
        mf = mkt.money_flow(day).merge(mkt.daily_bars(day)[["code", "amount"]], on="code")
        nets = mf[["net_amount_xl", "net_amount_l", "net_amount_m", "net_amount_s"]]
        assert np.allclose(nets.sum(axis=1), 0.0, atol=1e-6 * mf["amount"].max())
        assert (nets.abs().le(mf["amount"], axis=0)).all().all()
        assert np.allclose(mf["net_amount_main"], mf["net_amount_xl"] + mf["net_amount_l"])


def test_index_weights(mkt):
    for day in (D, dt.date(2012, 5, 2)):
        w = mkt.index_weights(day)
        sums = w.groupby("index_code")["weight"].sum()
        assert np.allclose(sums, 100.0, atol=1e-6) and (w["weight"] > 0).all()
        listed = {s.code for s in mkt.listed(day)}
        assert set(w["code"]) <= listed
        bars = mkt.daily_bars(day).set_index("code")
        inst = mkt.instruments(day).set_index("code")
        hs300 = w[w["index_code"] == "000300.SH"].set_index("code")
        cap = bars.loc[hs300.index, "close"] * inst.loc[hs300.index, "float_shares"]
        assert np.allclose(hs300["weight"], cap / cap.sum() * 100, atol=2e-3)
        assert not inst.loc[hs300.index, "is_st"].any()
        assert set(w[w["index_code"] == "000001.SH"]["code"]) == {c for c in listed if c.endswith(".SH")}
        assert "899050.BJ" not in set(w["index_code"]) or day >= dt.date(2022, 11, 21)
    w = mkt.index_weights(D)
    assert w.groupby("index_code").size().to_dict()["000300.SH"] == 60


def test_billboard_rows_meet_their_rule(mkt):
    seen = 0
    for day in calendar.last_trading_days(D, 15):
        bb = mkt.billboard(day)
        cand = mkt.billboard_candidates(day).set_index("code")
        amount = mkt.daily_bars(day).set_index("code")["amount"]
        for (code, reason), rows in bb.groupby(["code", "reason_code"]):
            seen += 1
            c = cand.loc[code]
            rule = {"106001": c["deviation"] >= 0.07, "106002": c["deviation"] <= -0.07,
                    "106003": c["amplitude"] >= 0.15}[reason]
            assert rule, (day, code, reason)
            assert sorted(rows["direction"].value_counts().to_dict().items()) == [("buy", 5), ("sell", 5)]
            assert np.allclose(rows["net_amount"], rows["buy_amount"] - rows["sell_amount"], atol=0.011)
        per_code = bb.groupby("code")[["buy_amount", "sell_amount"]].sum()
        assert (per_code["buy_amount"] <= amount.loc[per_code.index]).all()
        assert (per_code["sell_amount"] <= amount.loc[per_code.index]).all()
        buys = bb[bb["direction"] == "buy"].sort_values(["code", "reason_code", "rank"])
        assert (buys.groupby(["code", "reason_code"])["buy_amount"].diff().dropna() <= 0).all()
    assert seen >= 10


def test_northbound_flow(mkt):
    for day in (D, dt.date(2017, 3, 1)):
        nb = mkt.northbound_flow(day).set_index("channel")
        bars = mkt.daily_bars(day, codes=[s.code for s in mkt.listed(day)])  # stocks only
        for channel, suffix in (("sh_connect", ".SH"), ("sz_connect", ".SZ")):
            total = bars.loc[bars["code"].str.endswith(suffix), "amount"].sum()
            for col in ("buy_amount", "sell_amount"):
                assert 0.029 * total <= nb.loc[channel, col] <= 0.101 * total
            assert nb.loc[channel, "net_amount"] == pytest.approx(
                nb.loc[channel, "buy_amount"] - nb.loc[channel, "sell_amount"], abs=0.01)
    assert mkt.northbound_flow(dt.date(2013, 5, 6)).empty


def test_sector_membership(mkt):
    sm = mkt.sector_membership(D)
    ind = sm[sm["sector_type"] == "industry"]
    listed = {s.code for s in mkt.listed(D)}
    assert set(sm["code"]) <= listed
    assert ind.groupby("code").size().eq(1).all() and set(ind["code"]) == listed
    assert ind["sector_code"].nunique() >= 15
    assert sm[sm["sector_type"] == "concept"]["sector_code"].nunique() >= 8
    # some reclassification and some concept churn over time
    old = mkt.sector_membership(dt.date(2012, 1, 4))
    both = old[old["sector_type"] == "industry"].merge(ind, on="code")
    assert (both["sector_code_x"] != both["sector_code_y"]).any()


def test_balance_sheets_balance(mkt):
    for q in ("2012Q4", "2020Q2", "2026Q3"):
        fs = mkt.financial_statements(q, D)
        bal = fs[fs["statement"] == "balance"]
        assert len(bal) > 100
        assert (bal["total_assets"] == bal["total_liabilities"] + bal["total_equity"]).all()
        assert (bal["equity_parent"] <= bal["total_equity"]).all()
        assert (bal["total_current_assets"] <= bal["total_assets"]).all()
        assert (bal["total_current_liabilities"] <= bal["total_liabilities"]).all()
        assert (bal["cash"] <= bal["total_current_assets"]).all()
        cf = fs[fs["statement"] == "cash_flow"]
        assert (cf["net_cash_increase"] == cf[["net_operating_cash_flow", "net_investing_cash_flow",
                                               "net_financing_cash_flow"]].sum(axis=1)).all()
        inc = fs[fs["statement"] == "income"]
        assert (inc["operating_revenue"] <= inc["total_revenue"]).all()
        assert inc["eps_basic"].abs().median() < 5
        listed_by_end = {s.code for s in mkt.stocks if s.list_date <= inc["report_date"].iloc[0].date()}
        assert set(fs["code"]) <= listed_by_end


def test_publication_calendar(mkt):
    fs = mkt.financial_statements("2026Q3", D)
    first = fs.groupby("code")["pub_date"].min()
    assert (first.dt.month == 10).all()
    listed = {s.code for s in mkt.stocks if s.list_date <= dt.date(2026, 9, 30)
              and (s.delist_date is None or s.delist_date > D)}
    assert len(set(first.index)) >= 0.9 * len(listed)
    annual = mkt.financial_statements("2025Q4", dt.date(2026, 6, 1))
    assert annual["pub_date"].dt.year.eq(2026).all() and annual["pub_date"].dt.month.le(4).all()
    ytd = mkt.financial_statements("2025Q3", D).set_index(["code", "statement", "pub_date"])
    h1 = mkt.financial_statements("2025Q2", D)
    h1 = h1[h1["statement"] == "income"].groupby("code")["total_revenue"].first()
    q3 = ytd.xs("income", level="statement").groupby(level="code")["total_revenue"].first()
    assert (q3.loc[h1.index.intersection(q3.index)] > h1.loc[h1.index.intersection(q3.index)]).mean() > 0.95


def test_restatement_appears_only_after_its_pub_date(mkt):
    rs = mkt.restatements()
    assert 0.02 < len(rs) / (300 * 60) < 0.06
    row = rs[(rs["report_date"].dt.year >= 2015) & (rs["restated_pub_date"] < pd.Timestamp(D))].iloc[0]
    quarter, code = row["quarter"], row["code"]
    later = row["restated_pub_date"].date()
    before = mkt.financial_statements(quarter, later - dt.timedelta(days=1), codes=[code])
    after = mkt.financial_statements(quarter, later, codes=[code])
    assert len(before) == 4 and before["pub_date"].nunique() == 1
    assert len(after) == 8 and set(after["pub_date"]) == {row["pub_date"], row["restated_pub_date"]}
    bal = after[after["statement"] == "balance"].set_index("pub_date")
    assert (bal["total_assets"] == bal["total_liabilities"] + bal["total_equity"]).all()
    assert bal["total_assets"].nunique() == 2
    _check_frame("financial_statements", SimSource().financial_statements(quarter, later, codes=[code]))

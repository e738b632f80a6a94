"""Our read API against the UNMODIFIED jqdatasdk talking to the local JQData stand-in, over a
window loaded into MongoDB through the JQData path: frames must be equal (index, columns,
order, dtypes, values) with ``pandas.testing.assert_frame_equal``'s default strictness."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("jqdatasdk")
pytest.importorskip("thriftpy2")

from taorui_assets_tests.test_query_window import (  # noqa: E402
    DAYS, DIVIDEND, END, ST, SUSPENDED, login, window)

FIRST, LAST = DAYS[0], DAYS[-1]
MIXED = [*DIVIDEND, *SUSPENDED, ST]
ALL_FIELDS = ["open", "close", "high", "low", "volume", "money", "factor", "high_limit", "low_limit",
              "avg", "pre_close", "paused"]


@pytest.fixture(scope="module")
def apis(mongo_server_uri):
    return login(window(mongo_server_uri))


@pytest.fixture(autouse=True)
def _fresh_client_caches(apis):
    from taorui_assets.lib.sources.jqdata import _clear_client_caches

    _clear_client_caches(apis[0])


def both(apis, name, *args, **kwargs):
    theirs, ours = apis
    return getattr(ours, name)(*args, **kwargs), getattr(theirs, name)(*args, **kwargs)


def same(apis, name, *args, **kwargs):
    a, b = both(apis, name, *args, **kwargs)
    assert len(b) > 0, f"{name}: the reference answer is empty, the case proves nothing"
    pd.testing.assert_frame_equal(a, b)
    return a


def qmt_form(codes):
    return [c.replace(".XSHE", ".SZ").replace(".XSHG", ".SH") for c in codes]


# -------------------------------------------------------------------------- get_price
@pytest.mark.parametrize("fq", [None, "pre", "post"])
@pytest.mark.parametrize("security", [MIXED, DIVIDEND[0]], ids=["list", "str"])
def test_get_price_daily(apis, fq, security):
    same(apis, "get_price", security, start_date=FIRST, end_date=LAST, fq=fq, panel=False,
         fields=ALL_FIELDS)


def test_dividend_inside_window_moves_pre_and_post(apis):
    ours, _ = apis[1], apis[0]
    raw = ours.get_price(DIVIDEND[0], start_date=FIRST, end_date=LAST, fq=None, fields=["close", "factor"])
    pre = ours.get_price(DIVIDEND[0], start_date=FIRST, end_date=LAST, fq="pre", fields=["close", "factor"])
    post = ours.get_price(DIVIDEND[0], start_date=FIRST, end_date=LAST, fq="post", fields=["close", "factor"])
    assert (raw["factor"] == 1.0).all()
    assert pre["factor"].iloc[-1] == 1.0 and pre["factor"].iloc[0] < 1.0  # adjusted before the ex-date
    assert post["factor"].iloc[-1] > post["factor"].iloc[0]
    assert pre["close"].iloc[0] < raw["close"].iloc[0]


@pytest.mark.parametrize("fq", [None, "pre", "post"])
@pytest.mark.parametrize("frequency", ["1m", "5m"])
def test_get_price_minutes(apis, fq, frequency):
    same(apis, "get_price", MIXED, start_date=f"{FIRST} 09:00:00", end_date=f"{LAST} 15:00:00",
         frequency=frequency, fq=fq, panel=False, fields=ALL_FIELDS)


def test_get_price_minutes_one_security_cut_intraday(apis):
    same(apis, "get_price", DIVIDEND[1], start_date=f"{DAYS[1]} 10:00:00", end_date=f"{DAYS[3]} 14:00:00",
         frequency="5m", fq="pre")


@pytest.mark.parametrize("skip_paused", [False, True])
@pytest.mark.parametrize("frequency", ["daily", "5m"])
def test_get_price_skip_paused(apis, skip_paused, frequency):
    same(apis, "get_price", MIXED, start_date=f"{FIRST} 09:00:00", end_date=f"{LAST} 15:00:00",
         frequency=frequency, skip_paused=skip_paused, panel=False, fields=["open", "close", "paused"])


def test_get_price_count_and_fill_paused(apis):
    same(apis, "get_price", MIXED, end_date=LAST, count=3, panel=False)
    same(apis, "get_price", MIXED, end_date=LAST, count=3, panel=False, fill_paused=False,
         fields=["open", "close", "paused"])
    same(apis, "get_price", SUSPENDED[0], end_date=DAYS[3], count=3, fq="post", skip_paused=True)


def test_get_price_minute_count_counts_bars(apis):
    """JQData documents ``count`` as a number of bars; the stand-in counts days for minute
    frequencies, so ours equals the stand-in's answer cut to the last ``count`` bars."""
    theirs, ours = apis
    a = ours.get_price(DIVIDEND, end_date=f"{LAST} 10:00:00", count=40, frequency="1m", panel=False)
    b = theirs.get_price(DIVIDEND, end_date=f"{LAST} 10:00:00", count=2, frequency="1m", panel=False)
    b = b.groupby("code").tail(40).sort_values(["time", "code"], kind="stable").reset_index(drop=True)
    assert len(a) == 80
    pd.testing.assert_frame_equal(a, b)


def test_get_price_accepts_qmt_codes(apis):
    a = apis[1].get_price(qmt_form(MIXED), start_date=FIRST, end_date=LAST, panel=False, fq="pre")
    b = apis[0].get_price(MIXED, start_date=FIRST, end_date=LAST, panel=False, fq="pre")
    pd.testing.assert_frame_equal(a, b)


def test_get_price_empty_answer_has_jqdata_shape(apis):
    a, b = both(apis, "get_price", DIVIDEND[0], start_date=LAST, end_date=LAST, frequency="1m")
    assert b.empty
    pd.testing.assert_frame_equal(a, b)


def test_get_price_errors(apis):
    theirs, ours = apis
    with pytest.raises(ours.UnknownSecurityError, match="999999.XSHE"):
        ours.get_price("999999.XSHE", start_date=FIRST, end_date=LAST)  # the stand-in answers NaN rows
    with pytest.raises(ours.UnknownSecurityError):
        ours.get_price("bogus", start_date=FIRST, end_date=LAST)
    with pytest.raises(Exception, match="not a security code"):
        theirs.get_price("bogus", start_date=FIRST, end_date=LAST)
    for start, end in [("2026-11-10", LAST), (FIRST, "2026-11-25"), ("2001-01-04", LAST)]:
        with pytest.raises(ours.OutOfRangeError, match="outside the stored"):
            ours.get_price(DIVIDEND[0], start_date=start, end_date=end)
    with pytest.raises(ours.OutOfRangeError):
        ours.get_price(DIVIDEND[0], end_date=LAST)  # jqdatasdk's default start 2015-01-01
    with pytest.raises(ours.ParamsError, match="only one"):
        ours.get_price(DIVIDEND[0], start_date=FIRST, end_date=LAST, count=2)


# ------------------------------------------------------------------------ reference
def test_trade_days(apis):
    for kwargs in ({"start_date": "2026-01-01", "end_date": LAST}, {"end_date": LAST, "count": 10}):
        a, b = both(apis, "get_trade_days", **kwargs)
        assert a.dtype == b.dtype == object and list(a) == list(b) and len(b)
    a, b = both(apis, "get_all_trade_days")
    assert a.dtype == b.dtype and list(a) == [d for d in b if d >= a[0]]  # stored history: 2015 on
    with pytest.raises(apis[1].OutOfRangeError):
        apis[1].get_trade_days(start_date="2009-01-01", end_date=LAST)


@pytest.mark.parametrize("date", [None, LAST, DAYS[2], "2026-11-22"])
def test_get_all_securities(apis, date):
    same(apis, "get_all_securities", ["stock", "index"], date)
    same(apis, "get_all_securities", date=date)


def test_get_security_info(apis):
    for code, date in [(DIVIDEND[0], None), (ST, DAYS[1]), ("000300.XSHG", LAST)]:
        a, b = both(apis, "get_security_info", code, date)
        for attr in ("code", "display_name", "name", "start_date", "end_date", "type", "parent"):
            assert getattr(a, attr) == getattr(b, attr), attr
    # an unknown code is None, as jqdatasdk returns it (it raised before issue 13 part 6; see
    # test_query_semantics.py)
    assert both(apis, "get_security_info", "999999.XSHE") == (None, None)


def test_get_extras_is_st(apis):
    same(apis, "get_extras", "is_st", MIXED, start_date=FIRST, end_date=LAST)
    same(apis, "get_extras", "is_st", MIXED, end_date=LAST, count=2)
    a, b = both(apis, "get_extras", "is_st", MIXED, start_date=FIRST, end_date=LAST, df=False)
    assert list(a) == list(b) and all((a[k] == b[k]).all() and a[k].dtype == b[k].dtype for k in b)
    assert b[ST].any()


def _sectors(w_sim, kind):
    sm = w_sim.sector_membership(END)
    return sorted(sm.loc[sm["sector_type"] == kind, "sector_code"].unique())


def test_industry_and_concept_stocks(apis, mongo_server_uri):
    sim = window(mongo_server_uri).sim
    for kind, fn in (("industry", "get_industry_stocks"), ("concept", "get_concept_stocks")):
        for code in _sectors(sim, kind):
            for date in (LAST, DAYS[1]):
                a, b = both(apis, fn, code, date)
                assert a == b, (fn, code, date)
    with pytest.raises(apis[1].ParamsError, match="unknown industry"):
        apis[1].get_industry_stocks("999999", LAST)


def test_get_industry_matches_the_membership(apis, mongo_server_uri):
    """The stand-in does not serve get_industry; compare with the ground truth instead."""
    sm = window(mongo_server_uri).sim.sector_membership(END)
    ind = sm[sm["sector_type"] == "industry"].set_index("code")
    got = apis[1].get_industry(qmt_form(MIXED), LAST)
    for code in MIXED:
        row = ind.loc[qmt_form([code])[0]]
        assert got[code] == {"sw_l1": {"industry_code": row["sector_code"], "industry_name": row["sector_name"]}}
    frame = apis[1].get_industry(MIXED, LAST, df=True)
    assert list(frame.columns) == ["code", "type", "industry_code", "industry_name"] and len(frame) == len(MIXED)


@pytest.mark.parametrize("index", ["000300.XSHG", "000001.XSHG", "399006.XSHE", "399001.XSHE"])
@pytest.mark.parametrize("date", [LAST, DAYS[1]])
def test_index_weights_and_stocks(apis, index, date):
    same(apis, "get_index_weights", index, date)
    a, b = both(apis, "get_index_stocks", index, date)
    assert a == b and len(b)
    with pytest.raises(apis[1].UnknownSecurityError):
        apis[1].get_index_weights("000905.XSHE", date)


# ---------------------------------------------------------------------------- flows
def test_get_money_flow(apis):
    same(apis, "get_money_flow", MIXED, start_date=FIRST, end_date=LAST)
    same(apis, "get_money_flow", MIXED, end_date=LAST, count=2, fields=["net_amount_main", "change_pct"])
    # only end_date: from the earliest data, as documented (one day before issue 13 part 6); the
    # stand-in's earliest is 2010, ours the first stored day (test_query_semantics.py)
    pd.testing.assert_frame_equal(apis[1].get_money_flow(DIVIDEND[0], end_date=DAYS[2]),
                                  apis[0].get_money_flow(DIVIDEND[0], start_date=FIRST, end_date=DAYS[2]))
    a = apis[1].get_money_flow(qmt_form(MIXED), start_date=FIRST, end_date=LAST)
    pd.testing.assert_frame_equal(a, apis[0].get_money_flow(MIXED, start_date=FIRST, end_date=LAST))
    with pytest.raises(apis[1].OutOfRangeError):
        apis[1].get_money_flow(MIXED, start_date="2026-11-02", end_date=LAST)


def test_get_billboard_list(apis):
    every = same(apis, "get_billboard_list", None, start_date=FIRST, end_date=LAST)
    same(apis, "get_billboard_list", None, end_date=LAST, count=2)
    picked = list(every["code"].unique()[:2])
    same(apis, "get_billboard_list", picked, start_date=FIRST, end_date=LAST)
    assert set(every["direction"]) == {"ALL", "BUY", "SELL"}
    with pytest.raises(apis[1].OutOfRangeError):
        apis[1].get_billboard_list(None, start_date=FIRST, end_date="2026-11-26")
    assert np.isfinite(every["amount"]).all()


def test_wide_requests_filter_the_day_instead_of_a_long_in(apis, monkeypatch):
    """Above bars.WIDE codes the day's cross-section is read and filtered client-side."""
    from taorui_assets.lib.query import bars

    monkeypatch.setattr(bars, "WIDE", 2)
    listed = list(apis[0].get_all_securities(date=LAST).index)
    same(apis, "get_price", listed, start_date=FIRST, end_date=LAST, fq="pre", panel=False,
         fields=ALL_FIELDS)
    same(apis, "get_price", MIXED, start_date=f"{LAST} 09:00:00", end_date=f"{LAST} 15:00:00",
         frequency="5m", fq="post", panel=False)
    same(apis, "get_money_flow", MIXED, start_date=FIRST, end_date=LAST)
    same(apis, "get_extras", "is_st", MIXED, start_date=FIRST, end_date=LAST)
    every = apis[0].get_billboard_list(None, start_date=FIRST, end_date=LAST)
    same(apis, "get_billboard_list", list(every["code"].unique()[:3]), start_date=FIRST, end_date=LAST)


# ----------------------------------------------- issue 13 part 1: indexes, ETFs, LOFs, bonds
def _of_type(apis, kind):
    return list(apis[0].get_all_securities([kind], LAST).index)


@pytest.mark.parametrize("types", [["stock"], ["index"], ["etf"], ["lof"], ["fund"], ["conbond"],
                                   ["stock", "index", "etf", "lof", "conbond"]], ids=str)
@pytest.mark.parametrize("date", [None, FIRST, LAST])
def test_get_all_securities_of_each_type(apis, types, date):
    a = same(apis, "get_all_securities", types, date)
    assert set(a["type"]) <= ({"etf", "lof"} if types == ["fund"] else set(types))


def test_the_benchmark_indexes_are_served(apis):
    indexes = set(_of_type(apis, "index"))
    assert {"000001.XSHG", "000300.XSHG", "000905.XSHG", "000852.XSHG", "000016.XSHG", "000688.XSHG",
            "399001.XSHE", "399006.XSHE"} <= indexes
    assert {"899050.BJSE"} <= indexes  # weights stored


@pytest.mark.parametrize("fq", [None, "pre", "post"])
@pytest.mark.parametrize("frequency", ["daily", "1m", "5m"])
def test_get_price_index_and_etf(apis, fq, frequency):
    etf = _of_type(apis, "etf")[0]
    same(apis, "get_price", ["000300.XSHG", etf], start_date=FIRST, end_date=f"{LAST} 15:00:00",
         frequency=frequency, fq=fq, panel=False, fields=ALL_FIELDS)
    same(apis, "get_price", "000300.XSHG", start_date=FIRST, end_date=LAST, fq=fq)
    same(apis, "get_price", etf, start_date=FIRST, end_date=LAST, fq=fq, fields=ALL_FIELDS)


def test_get_price_lof_and_convertible_bond(apis):
    codes = _of_type(apis, "lof")[:1] + _of_type(apis, "conbond")
    same(apis, "get_price", codes, start_date=FIRST, end_date=LAST, fq=None, panel=False, fields=ALL_FIELDS)


def test_index_has_no_limits_and_bond_first_day(apis):
    ours = apis[1]
    idx = ours.get_price("000300.XSHG", start_date=FIRST, end_date=LAST, fq=None, fields=["high_limit", "low_limit"])
    assert idx.isna().all().all()  # indexes have no price limit
    etf = ours.get_price(_of_type(apis, "etf")[0], start_date=LAST, end_date=LAST, fq=None,
                         fields=["pre_close", "high_limit"])
    assert etf["high_limit"].iloc[0] == pytest.approx(round(etf["pre_close"].iloc[0] * 1.1, 3), abs=1e-9)
    new = ours.get_all_securities(["conbond"], LAST)
    first = new[new["start_date"] == pd.Timestamp("2026-11-20")].index
    assert len(first), "the simulated market lists a convertible bond on 2026-11-20"
    p = ours.get_price(first[0], start_date="2026-11-20", end_date="2026-11-23", fq=None,
                       fields=["pre_close", "high_limit", "low_limit"])
    assert list(p.iloc[0]) == [100.0, 157.3, 56.7]  # listing day: +57.3% / -43.3% of the issue price
    pre = p["pre_close"].iloc[1]
    assert p["high_limit"].iloc[1] == pytest.approx(round(pre * 1.2, 3)) and \
        p["low_limit"].iloc[1] == pytest.approx(round(pre * 0.8, 3))

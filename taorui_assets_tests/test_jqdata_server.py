"""The local JQData stand-in, seen through the unmodified jqdatasdk: answer shapes, fq
handling and hooks; and JQDataResource wiring."""
from __future__ import annotations

import datetime as dt
import os
import sys

import numpy as np
import pandas as pd
import pytest

jqdatasdk = pytest.importorskip("jqdatasdk")

from taorui_assets.lib import codes as C  # noqa: E402
from taorui_assets_tests.doubles.jqdata_server import start_server  # noqa: E402
from taorui_assets.lib.sources.sim import SimSource  # noqa: E402

END = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def sim():
    return SimSource(seed=7, n_stocks=300)


@pytest.fixture(scope="module")
def jq(sim):
    srv = start_server(sim, users={"u": "p"}, quota=10_000_000, today=END)
    jqdatasdk.set_params(enable_auth_prompt=False)
    jqdatasdk.auth("u", "p", host="127.0.0.1", port=srv.port)
    yield jqdatasdk
    srv.stop()


def stocks(sim, n=5):
    return [C.to_jq(c) for c in sim.daily_bars(END)["code"][:n]]


def test_get_price_panel_false_shape(jq, sim):
    secs = stocks(sim)
    df = jq.get_price(secs, start_date="2026-11-18", end_date=END, fq=None, panel=False,
                      fields=["open", "close", "factor", "paused", "high_limit", "low_limit", "pre_close", "money"])
    assert list(df.columns) == ["time", "code", "open", "close", "factor", "paused", "high_limit",
                                "low_limit", "pre_close", "money"]
    assert isinstance(df.index, pd.RangeIndex) and len(df) == 5 * len(secs)
    assert df["time"].dtype == "datetime64[ns]" and set(df["paused"]) <= {0.0, 1.0}
    assert (df["factor"] == 1.0).all()


def test_get_price_fq_pre_and_post(jq, sim):
    code = stocks(sim, 1)[0]
    raw = jq.get_price(code, start_date="2026-11-18", end_date=END, fq=None, fields=["close", "volume"])
    post = jq.get_price(code, start_date="2026-11-18", end_date=END, fq="post",
                        fields=["close", "volume", "factor"])
    pre = jq.get_price(code, start_date="2026-11-18", end_date=END, fq="pre", fields=["close", "factor"])
    assert isinstance(raw.index, pd.DatetimeIndex) and "code" not in raw
    np.testing.assert_allclose(post["close"], (raw["close"] * post["factor"]).round(2))
    np.testing.assert_allclose(post["volume"], raw["volume"] / post["factor"])
    assert pre["factor"].iloc[-1] == pytest.approx(1.0)


def test_minute_price_is_end_stamped(jq, sim):
    code = stocks(sim, 1)[0]
    df = jq.get_price([code], start_date=f"{END} 09:00:00", end_date=f"{END} 15:00:00",
                      frequency="1m", fq=None, panel=False)
    assert len(df) == 240
    assert df["time"].iloc[0] == pd.Timestamp(f"{END} 09:31") and df["time"].iloc[-1] == pd.Timestamp(f"{END} 15:00")
    assert jq.get_price([code], start_date=str(END), end_date=str(END), frequency="1m", fq=None,
                        panel=False).empty  # a bare date means 00:00, as in JQData


def test_reference_shapes(jq, sim):
    sec = jq.get_all_securities(["stock", "index"], date=END)
    assert list(sec.columns) == ["display_name", "name", "start_date", "end_date", "type"]
    assert sec.index[0].endswith((".XSHG", ".XSHE", ".BJSE"))
    info = jq.get_security_info(sec.index[-1], date=END)
    assert info.code == sec.index[-1] and isinstance(info.start_date, dt.date)
    days = jq.get_trade_days(start_date="2026-11-18", end_date=END)
    assert days.dtype == object and days[-1] == END and len(days) == 5
    assert jq.get_all_trade_days()[0] == dt.date(2010, 1, 4)
    st = jq.get_extras("is_st", list(sec.index[:3]), start_date="2026-11-20", end_date=END)
    assert isinstance(st.index, pd.DatetimeIndex) and list(st.columns) == list(sec.index[:3])
    ind = jq.get_industries("sw_l1", date=END)
    assert list(ind.columns) == ["name", "start_date"]
    assert all(s.endswith((".XSHG", ".XSHE", ".BJSE")) for s in jq.get_industry_stocks(ind.index[0], date=END))
    w = jq.get_index_weights("000300.XSHG", date=END)
    assert list(w.columns) == ["date", "weight", "display_name"] and w["weight"].sum() == pytest.approx(100)


def test_flows_shapes_and_units(jq, sim):
    mf = jq.get_money_flow(stocks(sim, 3), start_date=END, end_date=END)
    assert list(mf.columns[:4]) == ["date", "sec_code", "change_pct", "net_amount_main"]
    truth = sim.money_flow(END).set_index("code")
    code = C.to_qmt(mf["sec_code"].iloc[0])
    assert mf["net_amount_xl"].iloc[0] * 1e4 == pytest.approx(truth.loc[code, "net_amount_xl"])
    bb = jq.get_billboard_list(start_date=END, end_date=END)
    assert set(bb["direction"]) == {"ALL", "BUY", "SELL"} and (bb.loc[bb["direction"] == "ALL", "rank"] == 0).all()
    t = jq.finance.STK_ML_QUOTA
    ml = jq.finance.run_query(jq.query(t).filter(t.day == END))
    assert set(ml["link_id"]) == {310001, 310002} and isinstance(ml["day"].iloc[0], dt.date)
    nb = sim.northbound_flow(END).set_index("channel")
    assert ml.set_index("link_id").loc[310001, "buy_amount"] * 1e8 == pytest.approx(nb.loc["sh_connect", "buy_amount"])


def test_query_count_and_hooks(jq, sim):
    srv_counts = jq.get_query_count()
    assert set(srv_counts) == {"total", "spare"} and jq.get_query_count("spare") == srv_counts["spare"]


def test_resource_passes_the_endpoint_without_touching_the_environment(monkeypatch):
    from taorui_assets.resources.jqdata import JQDataResource

    monkeypatch.delenv("JQDATA_HOST", raising=False)
    monkeypatch.delenv("JQDATA_PORT", raising=False)
    before = dict(os.environ)
    res = JQDataResource(username="alice", password="s3cr3t", host="10.1.2.3", port=7001)
    src = res.get_source()
    assert (src.host, src.port, src.max_connections) == ("10.1.2.3", 7001, 3)
    assert dict(os.environ) == before
    assert "s3cr3t" not in repr(src)


def test_resource_module_does_not_import_jqdatasdk():
    import subprocess

    code = ("import sys, taorui_assets.resources.jqdata, taorui_assets.lib.sources.jqdata; "
            "assert 'jqdatasdk' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)

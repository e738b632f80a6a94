"""QmtSource over the fake xtquant (backed by SimSource): equivalence, row counts,
token secrecy, reconnects, ports, batching, and the normalisation details."""
from __future__ import annotations

import datetime as dt
import logging
import traceback

import pandas as pd
import pytest

from taorui_assets.lib import calendar, datasets, schemas, sessions
from taorui_assets.lib.sim.sectors import CONCEPTS
from taorui_assets.lib.sources import qmt_normalize as N
from taorui_assets.lib.sources.base import EmptyAnswerError, SourceError
from taorui_assets.lib.sources.failover import AllSourcesFailed, SourceRouter
from taorui_assets.lib.sources.qmt import QmtSource
from taorui_assets_tests.doubles.qmt_fake import FakeXtquant, sim_concept_codes
from taorui_assets.lib.sources.sim import SimSource

END = dt.date(2026, 11, 24)
WINDOW = calendar.last_trading_days(END, 5)
TOKEN = "tok-9f8e7d6c5b4a-SECRET"
CONCEPT_CODES = {name: code for code, name, _ in CONCEPTS}


@pytest.fixture(scope="module")
def sim():
    return SimSource(seed=7, n_stocks=80)


def make(sim, today=END, **kw):
    fake = FakeXtquant(sim, today=today)
    kw.setdefault("token", TOKEN)
    kw.setdefault("batch_size", 30)
    src = QmtSource(fake, concept_codes=CONCEPT_CODES, clock=lambda: fake.today, **kw)
    return fake, src


def same(dataset, got, want):
    key = ["code", "time"] if dataset == "minute_bars" else list(datasets.get(dataset).key)
    got = schemas.validate(dataset, got).sort_values(key).reset_index(drop=True)
    want = schemas.validate(dataset, want).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)


DATASETS = {
    "instruments": lambda s, d: s.instruments(d),
    "daily_bars": lambda s, d: s.daily_bars(d),
    "adj_factors": lambda s, d: s.adj_factors(d),
    "financial_statements": lambda s, d: s.financial_statements("2026Q3", d),
    "sector_membership": lambda s, d: s.sector_membership(d),
    "index_weights": lambda s, d: s.index_weights(d),
    "northbound_flow": lambda s, d: s.northbound_flow(d),
    "money_flow": lambda s, d: s.money_flow(d),
}


def test_window_has_a_dividend(sim):
    ex = sim.market.dividends()
    assert ex["ex_date"].isin(pd.to_datetime(WINDOW)).any()


@pytest.mark.parametrize("day", WINDOW, ids=str)
@pytest.mark.parametrize("dataset", list(DATASETS))
def test_equivalent_to_sim(sim, dataset, day):
    _fake, src = make(sim, today=day)  # QMT's undated answers describe "today"
    same(dataset, DATASETS[dataset](src, day), DATASETS[dataset](sim, day))


@pytest.mark.parametrize("period", ["1m", "5m"])
@pytest.mark.parametrize("day", [WINDOW[0], WINDOW[-1]], ids=str)
def test_minute_bars_equivalent(sim, period, day):
    _fake, src = make(sim, today=day)
    got = src.minute_bars(day, period)
    same("minute_bars", got, sim.minute_bars(day, period))
    per = got.groupby("code").size()
    assert set(per) == {240 if period == "1m" else 48}
    assert got["time"].min() == pd.Timestamp(day) + pd.Timedelta("09:31:00" if period == "1m" else "09:35:00")


def test_trading_calendar(sim):
    _fake, src = make(sim)
    same("trading_calendar", src.trading_calendar(2026), sim.trading_calendar(2026))


def test_fake_emits_auction_bar_and_lots(sim):
    fake, _src = make(sim)
    stocks = set(sim.instruments(END).query("type == 'stock'")["code"])  # stock volume is in lots
    code = sim.daily_bars(END).query("not paused and code in @stocks")["code"].iloc[0]
    fake.xtdata.connect(port=58610)
    m = fake.xtdata.get_market_data_ex([], [code], period="1m", start_time="20261124000000",
                                       end_time="20261124235959")[code]
    assert len(m) == 241 and m.index[0] == "20261124093000" and m.index[-1] == "20261124150000"
    d = fake.xtdata.get_market_data_ex([], [code], period="1d", start_time="20261124", end_time="20261124")[code]
    assert d["volume"].iloc[0] * 100 == sim.daily_bars(END, [code])["volume"].iloc[0]


def test_non_trading_day_is_empty_without_calls(sim):
    fake, src = make(sim)
    assert src.daily_bars(dt.date(2026, 11, 22)).empty
    assert not fake.calls


# ------------------------------------------------------------------ row counts
def test_zero_rows_for_a_trading_security_raises(sim):
    fake, src = make(sim)
    stocks = set(sim.instruments(END).query("type == 'stock'")["code"])  # money flow: a stock dataset
    code = sim.daily_bars(END).query("not paused and code in @stocks")["code"].iloc[0]
    fake.empty_codes.add(code)
    with pytest.raises(EmptyAnswerError, match=code):
        src.daily_bars(END)
    with pytest.raises(EmptyAnswerError):
        src.money_flow(END)


def test_zero_minute_bars_raises(sim):
    fake, src = make(sim)
    src.daily_bars(END)  # the daily answer is fine…
    code = sim.daily_bars(END).query("not paused")["code"].iloc[1]
    orig = fake.xtdata.get_market_data_ex

    def no_minutes(field_list=[], stock_list=[], period="1d", **kw):
        ans = orig(field_list, stock_list, period=period, **kw)
        return {c: f for c, f in ans.items() if not (period == "1m" and c == code)}

    fake.xtdata.get_market_data_ex = no_minutes
    with pytest.raises(EmptyAnswerError, match="1m"):
        src.minute_bars(END, "1m")


def test_suspended_rows_are_paused_not_missing(sim):
    _fake, src = make(sim)
    for day in WINDOW:
        df = src.daily_bars(day)
        p = df[df["paused"]]
        assert (p["volume"] == 0).all() and (p["open"] == p["pre_close"]).all()


# ------------------------------------------------------------------ connection
def test_token_mode_connect_sequence_and_port_range(sim):
    fake, src = make(sim, listen_ports=(58610, 58620))
    fake.busy_ports |= {58610, 58611}
    src.trading_calendar(2026)
    names = [n for _m, n, _a, _k in fake.calls]
    assert names[:5] == ["set_token", "set_allow_optmize_address", "set_data_home_dir", "init", "listen"]
    assert fake.called("init")[0][1] == {"start_local_service": False}
    assert fake.called("listen")[0][1]["port"] == (58610, 58620)
    assert fake.called("connect")[0][1] == {"port": 58612}


def test_two_sources_in_one_process_share_the_data_center(sim):
    fake, src = make(sim)
    src.trading_calendar(2026)
    src2 = QmtSource(fake, token=TOKEN, clock=lambda: fake.today)
    src2.trading_calendar(2026)
    assert len(fake.called("init")) == 1 and len(fake.called("connect")) == 2


def test_local_mode(sim):
    fake, src = make(sim, mode="local", token="", local_port=58700)
    src.trading_calendar(2026)
    assert fake.called("connect")[0][1] == {"port": 58700}
    assert not [c for c in fake.calls if c[0] == "xtdatacenter"]


def test_dead_connection_reconnects_once(sim):
    fake, src = make(sim)
    src.trading_calendar(2026)
    fake.drop_connection()
    assert len(src.trading_calendar(2025)) > 200
    assert len(fake.called("reconnect")) == 1


def test_dead_connection_that_cannot_reconnect(sim):
    fake, src = make(sim)
    src.trading_calendar(2026)
    fake.drop_connection()
    fake.refuse_connect = True
    with pytest.raises(SourceError, match="reconnect"):
        src.trading_calendar(2025)


def test_failing_call_on_live_connection_is_a_source_error(sim):
    fake, src = make(sim)
    fake.fail_next("get_trading_calendar")
    with pytest.raises(SourceError, match="get_trading_calendar"):
        src.trading_calendar(2026)
    assert not fake.called("reconnect")


def test_hanging_call_times_out_in_the_router(sim):
    """The router's attempt timeout is the one timeout on source calls."""
    fake, src = make(sim)
    fake.hang("get_trading_calendar", 1.0)
    with pytest.raises(AllSourcesFailed, match=r"qmt: timeout in 0\.\ds \(no answer within 0\.2s\)"):
        SourceRouter([src], timeouts_s=[0.2]).fetch("trading_calendar", lambda s: s.trading_calendar(2026))


def _all_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) + repr(exc.__context__)


@pytest.mark.parametrize("where", ["set_token", "init", "listen", "connect"])
def test_token_never_leaks(sim, caplog, where):
    caplog.set_level(logging.DEBUG)
    fake, src = make(sim, log=logging.getLogger("qmt-test"))
    fake.leak_token_in_errors = True
    fake.fail_next(where)
    with pytest.raises(SourceError) as info:
        src.trading_calendar(2026)
    assert TOKEN not in _all_text(info.value)
    if where != "set_token":  # the fake learns the token in set_token, then quotes it
        assert "***" in str(info.value)
    fake.refuse_connect = False
    src.trading_calendar(2026)  # and once connected, logs stay clean too
    fake.drop_connection()
    fake.refuse_connect = True
    with pytest.raises(SourceError) as info2:
        src.trading_calendar(2025)
    assert TOKEN not in _all_text(info2.value)
    assert TOKEN not in caplog.text and TOKEN not in repr(src)


def test_token_mode_needs_a_token(sim):
    with pytest.raises(SourceError, match="QMT_TOKEN"):
        make(sim, token="")


# ------------------------------------------------------------------ behaviour
def test_downloads_are_batched_with_progress(sim):
    fake, src = make(sim, batch_size=20)
    seen = []
    src.daily_bars(END, progress=lambda d, t, m: seen.append((d, t)))
    sizes = [len(a[0]) for a, _k in fake.called("download_history_data2")]
    assert sizes and max(sizes) <= 20 and len(sizes) >= 3
    assert all(k["incrementally"] is False for _a, k in fake.called("download_history_data2"))
    assert seen[-1][0] == seen[-1][1] and all(d <= t for d, t in seen)
    for _a, k in fake.called("get_market_data_ex"):
        assert k["dividend_type"] == "none"


def test_billboard_is_a_clear_error(sim):
    _fake, src = make(sim)
    with pytest.raises(SourceError, match="龙虎榜"):
        src.billboard(END)


def test_index_weights_only_for_the_latest_day(sim):
    _fake, src = make(sim, today=END)
    with pytest.raises(SourceError, match="latest"):
        src.index_weights(WINDOW[0])


def test_today_is_qmts_latest_trading_day_without_a_clock(sim):
    """Undated answers describe QMT's today, whatever this machine's clock says."""
    fake = FakeXtquant(sim, today=END)
    src = QmtSource(fake, token=TOKEN, concept_codes=CONCEPT_CODES)
    same("index_weights", src.index_weights(END), sim.index_weights(END))
    with pytest.raises(SourceError, match="latest"):
        src.index_weights(WINDOW[0])
    assert len(fake.called("get_trading_dates")) == 1  # asked once per source


# ------------------------------------------------------------------ normalisation
def _bars(code, times, rows):
    ms = N.local_to_ms(pd.to_datetime(times))
    df = pd.DataFrame(rows, columns=["open", "high", "low", "close", "volume", "amount"])
    df.insert(0, "time", ms)
    return {code: df}


def test_auction_bar_folds_into_first_bar():
    day = dt.date(2026, 11, 24)
    grid = sessions.session_times(day, "1m")
    times = [pd.Timestamp("2026-11-24 09:30")] + list(grid)
    rows = [(10.0, 10.0, 10.0, 10.0, 5, 5000.0), (10.1, 10.3, 9.9, 10.2, 7, 7100.0)]
    rows += [(10.2, 10.2, 10.2, 10.2, 1, 1020.0)] * (len(grid) - 1)
    out = N.minute_bars(_bars("600000.SH", times, rows), day, "1m")
    first = out.iloc[0]
    assert len(out) == 240 and first["time"] == pd.Timestamp("2026-11-24 09:31")
    assert (first["open"], first["high"], first["low"], first["close"]) == (10.0, 10.3, 9.9, 10.2)
    assert first["volume"] == 1200 and first["amount"] == 12100.0


def test_start_stamped_bars_are_rejected():
    day = dt.date(2026, 11, 24)
    times = [pd.Timestamp("2026-11-24 13:00")]  # a START-stamped afternoon bar
    with pytest.raises(SourceError, match="grid"):
        N.minute_bars(_bars("600000.SH", times, [(1, 1, 1, 1, 1, 1.0)]), day, "1m")


def test_index_weight_units():
    day = dt.date(2026, 11, 24)
    frac = N.index_weights("000300.SH", {"600000.SH": 0.25, "000001.SZ": 0.75}, day)
    pct = N.index_weights("000300.SH", {"600000.SH": 25.0, "000001.SZ": 75.0}, day)
    assert list(frac["weight"]) == list(pct["weight"]) == [25.0, 75.0]


def test_cumulative_factor_from_dr():
    divid = pd.DataFrame({"dr": [1.1, 1.2, 1.5]}, index=["20200701", "20210701", "20261125"])
    assert N.cumulative_factor(divid, dt.date(2026, 11, 24)) == pytest.approx(1.32)
    assert N.cumulative_factor(pd.DataFrame(), dt.date(2026, 11, 24)) == 1.0


def test_time_is_read_in_shanghai_time():
    ms = N.local_to_ms(pd.to_datetime(["2026-11-24 09:31"]))
    assert int(ms[0]) == 1795483860000  # 2026-11-24 01:31 UTC
    assert N.ms_to_local(ms).iloc[0] == pd.Timestamp("2026-11-24 09:31")


# ------------------------------------------------------------------ resource
def test_resource_uses_the_installed_client(install_xtquant):
    from taorui_assets.resources.qmt import QmtResource

    fake = install_xtquant(FakeXtquant(SimSource(seed=7, n_stocks=30), today=END))
    res = QmtResource(token=TOKEN, concept_codes=sim_concept_codes())
    src = res.get_source()
    assert isinstance(src, QmtSource) and src.conn.api.xtdata is fake.xtdata
    assert len(src.daily_bars(END)) == len(SimSource(seed=7, n_stocks=30).daily_bars(END))
    assert TOKEN not in repr(src)


def test_resource_has_no_simulated_client():
    from taorui_assets.resources.qmt import QmtResource

    assert not {"api", "sim_seed", "sim_n_stocks", "sim_today"} & set(QmtResource.model_fields)


def test_resource_module_does_not_import_xtquant():
    import subprocess
    import sys

    code = "import sys, taorui_assets.resources.qmt; print('xtquant' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_resource_without_a_working_client_fails_clearly_in_the_router():
    """With the real wheel (Windows-only native parts) and nothing else configured, the attempt
    fails with a message that says why; building never raises out of get_router."""
    import importlib

    from taorui_assets.resources.qmt import QmtResource

    try:
        importlib.import_module("xtquant.xtdata")
    except ImportError:
        pass
    else:
        pytest.skip("xtquant imports on this machine")
    router = QmtResource(token=TOKEN).get_router()
    with pytest.raises(AllSourcesFailed) as info:
        router.fetch("trading_calendar", lambda s: s.trading_calendar(2026))
    text = str(info.value)
    assert "qmt: error" in text and "could not be built" in text and "native parts exist only for Windows" in text
    assert TOKEN not in text

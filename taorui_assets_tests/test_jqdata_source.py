"""JQDataSource through the UNMODIFIED jqdatasdk against the local JQData stand-in
(``jqdata_server``) backed by SimSource: frame equivalence, quota refusal, auth failure."""
from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import pytest

pytest.importorskip("jqdatasdk")
pytest.importorskip("thriftpy2")

from taorui_assets.lib import calendar, datasets, schemas  # noqa: E402
from taorui_assets.lib.sources.base import SourceError  # noqa: E402
from taorui_assets.lib.sources.jqdata import (JQDataAuthError, JQDataConnectionError, JQDataSource,  # noqa: E402
                                              QuotaExceededError)
from taorui_assets_tests.doubles.jqdata_server import start_server  # noqa: E402
from taorui_assets.lib.sources.sim import SimSource, get_market  # noqa: E402

END = dt.date(2026, 11, 24)
DAYS = calendar.last_trading_days(END, 5)
USER, PASSWORD = "user", "pass-7f3e9"
DAILY = ["instruments", "daily_bars", "adj_factors", "sector_membership", "index_weights",
         "billboard", "northbound_flow", "money_flow"]


@pytest.fixture(scope="module")
def sim():
    return SimSource(seed=7, n_stocks=300)


@pytest.fixture(scope="module")
def server(sim):
    srv = start_server(sim, users={USER: PASSWORD}, quota=50_000_000, today=END)
    yield srv
    srv.stop()


def source(server, user=USER, password=PASSWORD) -> JQDataSource:
    return JQDataSource(user, password, host="127.0.0.1", port=server.port)


@pytest.fixture(scope="module")
def jq_source(server):
    return source(server)


def same(dataset: str, ours: pd.DataFrame, truth: pd.DataFrame) -> None:
    keys = list(datasets.get(dataset).row_key)
    a = ours.sort_values(keys).reset_index(drop=True)
    b = truth.sort_values(keys).reset_index(drop=True)
    assert len(a) > 0, f"{dataset}: empty"
    pd.testing.assert_frame_equal(a, b)
    schemas.validate(dataset, a)


# --------------------------------------------------------------------- equivalence
@pytest.mark.parametrize("day", DAYS, ids=str)
@pytest.mark.parametrize("dataset", DAILY)
def test_daily_datasets_equal_sim(jq_source, sim, dataset, day):
    same(dataset, getattr(jq_source, dataset)(day), getattr(sim, dataset)(day))


def test_window_contains_a_dividend_ex_date(jq_source, sim):
    f0, f1 = jq_source.adj_factors(DAYS[0]), jq_source.adj_factors(DAYS[-1])
    both = f0.merge(f1, on="code", suffixes=("_0", "_1"))
    assert (both["factor_1"] > both["factor_0"] * 1.0001).any()


@pytest.mark.parametrize("period,day", [("5m", d) for d in DAYS] + [("1m", END)], ids=str)
def test_minute_bars_equal_sim(jq_source, sim, period, day):
    same("minute_bars", jq_source.minute_bars(day, period), sim.minute_bars(day, period))


def test_trading_calendar_equal_sim(jq_source, sim):
    same("trading_calendar", jq_source.trading_calendar(2026), sim.trading_calendar(2026))


def test_codes_subset_is_boundary_translated(jq_source, sim):
    codes = list(sim.daily_bars(END)["code"][:7])
    same("daily_bars", jq_source.daily_bars(END, codes), sim.daily_bars(END, codes))
    same("money_flow", jq_source.money_flow(END, codes), sim.money_flow(END, codes))


@pytest.mark.parametrize("quarter,as_of", [("2026Q3", END), ("2026Q1", END), ("2026Q1", dt.date(2026, 8, 1))])
def test_financial_statements_equal_sim(jq_source, sim, quarter, as_of):
    from taorui_assets.lib.sources.jqdata_normalize import statements_coverage

    ours = jq_source.financial_statements(quarter, as_of)
    truth = statements_coverage(sim.financial_statements(quarter, as_of))
    balance = ours[ours["statement"] == "balance"]  # the full tables, not only the core items
    assert len(balance) and balance[["fix_assets", "goodwill", "total_non_current_assets"]].notna().all().all()
    same("financial_statements", ours, truth)


def test_restatement_keeps_every_version(jq_source):
    r = get_market().restatements("2026Q1")
    r = r[r["restated_pub_date"] <= pd.Timestamp(END)]
    assert len(r), "the sim should restate some 2026Q1 report by 2026-11-24"
    code = r["code"].iloc[0]
    fs = jq_source.financial_statements("2026Q1", END, codes=[code])
    versions = sorted(fs.loc[fs["statement"] == "income", "pub_date"])
    assert versions == sorted([r["pub_date"].iloc[0], r["restated_pub_date"].iloc[0]])


def test_non_trading_day_is_empty_without_calls(jq_source, server):
    before = server.query_count()
    assert jq_source.daily_bars(dt.date(2026, 11, 22)).empty  # a Sunday
    assert server.query_count() == before


# ---------------------------------------------------------------------------- quota
def test_quota_nearly_spent_refuses_before_downloading(jq_source, server):
    server.set_quota(spare=50)
    try:
        before = server.query_count("get_price")
        with pytest.raises(QuotaExceededError) as e:
            jq_source.daily_bars(END)
        msg = str(e.value)
        assert "50" in msg and "daily bars" in msg
        assert "reset" in msg and "quota" in msg and "shrink" in msg
        assert server.query_count("get_price") == before  # nothing downloaded
        with pytest.raises(QuotaExceededError):
            jq_source.minute_bars(END, "1m")
        assert server.query_count("get_price") == before
    finally:
        server.set_quota(spare=50_000_000)


def test_quota_counts_rows(jq_source, server):
    spare = jq_source.query_count()["spare"]
    n = len(jq_source.money_flow(END))
    assert jq_source.query_count()["spare"] == spare - n


def test_server_side_quota_error_is_a_quota_error(jq_source, server):
    # the estimate passes, the service still refuses: a QuotaExceededError, not a crash
    server.tamper("get_money_flow", lambda params, answer: server.set_quota(spare=1) or answer)
    try:
        with pytest.raises(QuotaExceededError, match="JoinQuant|reset"):
            jq_source.money_flow(END)
    finally:
        server.clear_hooks()
        server.set_quota(spare=50_000_000)


# ------------------------------------------------------------------ auth and secrets
def test_wrong_password_is_a_clean_auth_error(server, caplog):
    wrong = "Wr0ng-s3cret-Pa55"
    caplog.set_level(logging.DEBUG)
    src = source(server, password=wrong)
    with pytest.raises(JQDataAuthError) as e:
        src.daily_bars(END)
    text = str(e.value)
    assert "authentication failed" in text and USER in text
    assert wrong not in text and wrong not in repr(e.value) and wrong not in repr(src)
    assert e.value.__cause__ is None and e.value.__suppress_context__
    assert wrong not in caplog.text


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def not_jqdata():
    """A host that accepts connections but is not a JQData server (a proxy or web server
    answering HTTP): the client reads "No protocol version header"."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield listener.getsockname()[1]
    stop.set()
    t.join(2)
    listener.close()


@pytest.mark.parametrize("where", ["closed port", "not a JQData server"])
def test_unreachable_host_is_a_connection_error_not_an_auth_error(where, not_jqdata, caplog):
    """Issue 10 fault 5: an unreachable host is not reported as a wrong password."""
    port = free_port() if where == "closed port" else not_jqdata
    src = JQDataSource(USER, PASSWORD, host="127.0.0.1", port=port)
    with pytest.raises(JQDataConnectionError) as e:
        src.connect()
    text = str(e.value)
    assert not isinstance(e.value, JQDataAuthError)
    assert f"cannot reach JQData at 127.0.0.1:{port}" in text and "authentication failed" not in text
    assert PASSWORD not in text and PASSWORD not in caplog.text and e.value.__cause__ is None


def test_wrong_password_is_not_a_connection_error(server):
    with pytest.raises(JQDataAuthError) as e:
        source(server, password="not-it").connect()
    assert not isinstance(e.value, JQDataConnectionError) and "用户名或密码错误" in str(e.value)


def test_good_source_recovers_after_another_login_failed(jq_source, server):
    with pytest.raises(JQDataAuthError):
        source(server, password="nope").connect()
    assert len(jq_source.billboard(END)) > 0  # logs in again with its own credentials


def test_unmodified_client_raises_its_auth_error(server):
    import jqdatasdk

    with pytest.raises(Exception, match="用户名或密码错误"):
        jqdatasdk.auth(USER, "bad", host="127.0.0.1", port=server.port)


# ------------------------------------------------------------------ failure injection
def test_injected_failure_becomes_source_error(jq_source, server):
    server.fail("get_billboard_list", "服务器繁忙")
    try:
        with pytest.raises(SourceError, match="服务器繁忙"):
            jq_source.billboard(END)
    finally:
        server.clear_hooks()


def test_injected_wrong_answer_is_caught(jq_source, server):
    server.tamper("get_price", lambda params, answer: answer.iloc[:-3])
    try:
        with pytest.raises(SourceError, match="no rows for 3 listed"):
            jq_source.daily_bars(END)
    finally:
        server.clear_hooks()


def test_connection_limit(server):
    """The stand-in allows 3 connections per user, like JQData."""
    from jqdatasdk.client import JQDataClient

    free = 3 - server.online  # the module's source holds a connection too
    clients = [JQDataClient(host="127.0.0.1", port=server.port, username=USER, password=PASSWORD)
               for _ in range(free + 1)]
    try:
        for c in clients[:free]:
            c.ensure_auth()
        with pytest.raises(Exception, match="连接数"):
            clients[free].ensure_auth()
    finally:
        for c in clients:
            c._reset()

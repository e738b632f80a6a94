"""Pure parts of the read API: adjustment math, point-in-time statements, sessions, connection."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from taorui_assets.lib.query import adjust, bars, connection, pit


def test_post_and_pre_adjustment_around_an_ex_date():
    close = np.array([10.0, 9.8, 9.9])  # unadjusted; ex-dividend on the second day
    factor = np.array([1.0, 1.02, 1.02])  # backward cumulative: post = price × factor
    post = adjust.adjust("close", close, adjust.applied_factor(factor, None, "post"))
    pre = adjust.adjust("close", close, adjust.applied_factor(factor, np.full(3, 1.02), "pre"))
    assert post.tolist() == [10.0, 10.0, 10.1]
    assert pre.tolist() == [9.8, 9.8, 9.9]  # the reference day is unadjusted, earlier days scaled down
    assert adjust.applied_factor(factor, None, None).tolist() == [1.0, 1.0, 1.0]


def test_volume_is_divided_and_money_untouched():
    fac = np.array([2.0, 1.0])
    assert adjust.adjust("volume", [1000.0, 500.0], fac).tolist() == [500.0, 500.0]
    assert adjust.adjust("money", [1e6, 2e6], fac).tolist() == [1e6, 2e6]
    assert adjust.adjust("open", [10.004, 1.0], np.ones(2), round_=False).tolist() == [10.004, 1.0]
    assert adjust.adjust("open", [10.004, 1.0], np.ones(2)).tolist() == [10.0, 1.0]


def test_average_falls_back_to_close_without_trades():
    assert adjust.average([100.0, 0.0], [1050.0, 0.0], [10.0, 9.0]).tolist() == [10.5, 9.0]
    with pytest.raises(ValueError):
        adjust.check_fq("both")


def test_session_times():
    day = pd.Timestamp("2026-11-24")
    one, five = bars.session_times(day, "1m"), bars.session_times(day, "5m")
    assert len(one) == 240 and len(five) == 48
    assert one[0] == day + pd.Timedelta("09:31:00") and one[119] == day + pd.Timedelta("11:30:00")
    assert one[120] == day + pd.Timedelta("13:01:00") and five[-1] == day + pd.Timedelta("15:00:00")


def _versions():
    """Two quarters of one company; Q2 restated on 2026-10-20 (income +10%)."""
    rows = []
    for statement, items, scale in (("income", {"total_revenue": 100.0, "operating_revenue": 90.0,
                                                "operating_profit": 20.0, "total_profit": 19.0,
                                                "net_profit": 15.0, "net_profit_parent": 12.0,
                                                "eps_basic": 0.1}, 1.0),
                                    ("balance", {"cash": 5.0, "total_current_assets": 50.0,
                                                 "total_assets": 200.0, "total_current_liabilities": 40.0,
                                                 "total_liabilities": 80.0, "equity_parent": 100.0,
                                                 "total_equity": 120.0}, 1.0)):
        for period, pub, mult in (("2026-03-31", "2026-04-25", 1.0), ("2026-06-30", "2026-08-20", 2.0),
                                  ("2026-06-30", "2026-10-20", 2.2 if statement == "income" else 2.0)):
            rows.append({"code": "600000.SH", "statement": statement, "report_date": pd.Timestamp(period),
                         "pub_date": pd.Timestamp(pub), **{k: v * mult * scale for k, v in items.items()}})
    return pd.DataFrame(rows)


def test_stat_date_takes_the_first_publication_single_quarter():
    rows = pit.stat_rows("income", _versions(), pd.Timestamp("2026-06-30"), annual=False)
    assert rows["code"].tolist() == ["600000.XSHG"]
    assert rows["net_profit"].iloc[0] == pytest.approx(15.0)  # 30 year-to-date − 15 in Q1
    assert rows["pubDate"].iloc[0] == "2026-08-20" and rows["statDate"].iloc[0] == "2026-06-30"


def test_date_is_point_in_time_by_publication():
    # JoinQuant counts a report published on D itself ("在这个日期之前(包括此日期)发布的数据"; this
    # test expected the Q2 report of 08-20 to be invisible on 08-20 before issue 13 part 6)
    docs = _versions()
    before = pit.day_rows("income", docs, pd.Timestamp("2026-08-19"), pd.Timestamp("2026-08-19"))
    assert before["statDate"].iloc[0] == "2026-03-31"  # the Q2 report is out the next day
    after = pit.day_rows("income", docs, pd.Timestamp("2026-08-20"), pd.Timestamp("2026-08-20"))
    assert after["statDate"].iloc[0] == "2026-06-30" and after["net_profit"].iloc[0] == pytest.approx(15.0)
    restated = pit.day_rows("income", docs, pd.Timestamp("2026-11-02"), pd.Timestamp("2026-11-02"))
    assert restated["net_profit"].iloc[0] == pytest.approx(33.0 - 15.0)
    ind = pit.day_rows("indicator", docs, pd.Timestamp("2026-08-21"), pd.Timestamp("2026-08-21"))
    # JoinQuant's roe averages opening (Q1: 100) and closing (Q2: 200) parent equity; it was
    # single-quarter np / closing equity before issue 13 part 6
    assert ind["roe"].iloc[0] == pytest.approx(12.0 * 2 / (100.0 + 200.0) * 100)


def test_stat_period_parsing():
    assert pit.stat_period("2026q3") == (pd.Timestamp("2026-09-30"), False)
    assert pit.stat_period("2025") == (pd.Timestamp("2025-12-31"), True)
    assert pit.stat_period(2024) == (pd.Timestamp("2024-12-31"), True)
    assert pit.previous_quarter(pd.Timestamp("2026-03-31")) == pd.Timestamp("2025-12-31")
    with pytest.raises(ValueError):
        pit.stat_period("2026q5")


def test_no_database_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("TAORUI_MONGO_URI", raising=False)
    connection.disconnect()
    with pytest.raises(connection.NotConnectedError, match="TAORUI_MONGO_URI"):
        connection.db()


def test_codes_in_both_forms():
    assert connection.qmt("000001.XSHE") == connection.qmt("000001.sz") == "000001.SZ"
    with pytest.raises(connection.UnknownSecurityError):
        connection.qmt("000001.XXXX")
    when = connection.when
    assert when("2026-11-24") == pd.Timestamp("2026-11-24") and when(None) is None
    with pytest.raises(connection.ParamsError):
        when("not a date")

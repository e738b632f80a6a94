"""Issue 11 goal 4, the read paths' shortcuts: each answers what the plain query answers.

The stored span read in windows of the date index, the connection's calendar and span caches
and their invalidation rules, trading_days by count across years, factor_on's windows, snapshot_day
and the one-element slot read."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pymongo import ASCENDING, DESCENDING, MongoClient

from benchmarks import minute_layout as L
from benchmarks.get_price_latency import _factors, _insert
from taorui_assets.lib import calendar
from taorui_assets.lib.query import bars, connection
from taorui_assets.lib.query.connection import OutOfRangeError

DAY = dt.date(2026, 11, 24)  # the suite's TAORUI_AS_OF


@pytest.fixture
def db(mongo_uri, mongo_db_name):
    with MongoClient(mongo_uri, tz_aware=False) as client:
        connection.connect(client=client, database=mongo_db_name)
        try:
            yield client[mongo_db_name]
        finally:
            connection.disconnect()


def _calendar(db, first_year: int = 2024, last_year: int = 2026) -> None:
    days = calendar.trading_days(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    _insert(db, "trading_calendar", pd.DataFrame({"exchange": "SSE", "date": pd.to_datetime(days)}))


def _plain_span(db, dataset: str, query: dict | None = None) -> tuple:
    coll, query = db[dataset], query or {}
    first = coll.find_one(query, sort=[("date", ASCENDING)])["date"]
    last = coll.find_one(query, sort=[("date", DESCENDING)])["date"]
    return pd.Timestamp(first), pd.Timestamp(last)


@pytest.mark.parametrize("first,last", [(dt.date(2024, 1, 2), DAY),            # up to today
                                        (dt.date(2025, 3, 3), dt.date(2025, 6, 30)),  # long before
                                        (dt.date(2026, 11, 24), DAY)])          # one day
def test_stored_span_read_in_windows_is_the_plain_span(db, first, last):
    _calendar(db)
    days = [d for d in calendar.trading_days(first, last) if d.day % 3 == 0 or d in (first, last)]
    _insert(db, "adj_factors", _factors(L.codes(3), days))
    assert connection.stored_span("adj_factors") == _plain_span(db, "adj_factors") == \
        (pd.Timestamp(first), pd.Timestamp(last))
    assert connection.stored_span("trading_calendar") == _plain_span(db, "trading_calendar")


def test_stored_span_with_a_query_and_without_a_calendar(db):
    """No calendar to anchor the first date: read without windows. A query narrows the span."""
    L.write_bucketed(db, L.minute_frame(dt.date(2026, 11, 20), L.codes(2)))
    L.write_bucketed(db, L.minute_frame(DAY, L.codes(2)))
    assert connection.stored_span("minute_bars", {"period": "1m"}) == \
        (pd.Timestamp("2026-11-20"), pd.Timestamp(DAY))
    with pytest.raises(OutOfRangeError, match="no minute_bars"):
        connection.stored_span("minute_bars", {"period": "5m"})


def test_a_cached_span_proves_but_never_refuses(db):
    """check_span may prove a range with the span read in the last SPAN_TTL seconds; a range
    outside it is checked against a fresh span before it is refused."""
    _calendar(db)
    days = calendar.trading_days(dt.date(2026, 11, 2), DAY)
    _insert(db, "adj_factors", _factors(L.codes(2), days[:-3]))
    assert connection.stored_span("adj_factors", fresh=False)[1] == pd.Timestamp(days[-4])
    _insert(db, "adj_factors", _factors(L.codes(2), days[-3:]))  # written after the span was read
    connection.check_span("adj_factors", pd.Timestamp(days[0]), pd.Timestamp(DAY))  # no refusal
    assert connection.stored_span("adj_factors", fresh=False)[1] == pd.Timestamp(DAY)
    with pytest.raises(OutOfRangeError, match="outside the stored range"):
        connection.check_span("adj_factors", pd.Timestamp("2026-10-30"), pd.Timestamp(DAY))


def test_calendar_cache_keeps_past_years_and_rereads_this_year(db, monkeypatch):
    _calendar(db)
    assert len(connection.calendar_days(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-12-31"))) == \
        len(calendar.trading_days(dt.date(2025, 1, 1), dt.date(2026, 12, 31)))
    db["trading_calendar"].delete_many({"date": {"$in": [dt.datetime(2025, 6, 3), dt.datetime(2026, 6, 3)]}})
    got = connection.calendar_days(pd.Timestamp("2025-06-01"), pd.Timestamp("2026-06-30"))
    assert pd.Timestamp("2025-06-03") in got and pd.Timestamp("2026-06-03") in got  # both cached
    monkeypatch.setattr(connection, "CALENDAR_TTL", 0.0)  # as CALENDAR_TTL seconds later
    got = connection.calendar_days(pd.Timestamp("2025-06-01"), pd.Timestamp("2026-06-30"))
    assert pd.Timestamp("2025-06-03") in got  # a past year never changes: kept
    assert pd.Timestamp("2026-06-03") not in got  # this year is read again


def test_trading_days_by_count_across_years(db):
    _calendar(db, 2024, 2026)
    want = [pd.Timestamp(d) for d in calendar.last_trading_days(DAY, 600)]
    assert connection.trading_days(None, DAY, 600) == want
    assert connection.trading_days(None, "2025-01-03", 3) == [pd.Timestamp(d) for d in
                                                              calendar.last_trading_days(dt.date(2025, 1, 3), 3)]
    n = len(calendar.trading_days(dt.date(2024, 1, 1), DAY))
    assert len(connection.trading_days(None, DAY, n)) == n
    with pytest.raises(OutOfRangeError, match=f"fewer than {n + 1}"):
        connection.trading_days(None, DAY, n + 1)
    assert connection.trading_days("2025-12-25", "2026-01-06") == [
        pd.Timestamp(d) for d in calendar.trading_days(dt.date(2025, 12, 25), dt.date(2026, 1, 6))]


def test_factor_on_reads_the_last_factor_on_or_before_the_day(db):
    """The day's own trading day, a weekend, a code suspended for longer than the window, a code
    listed after the day; more codes than a $in carries."""
    _calendar(db)
    days = calendar.trading_days(dt.date(2026, 6, 1), DAY)
    codes = L.codes(120)
    f = _factors(codes, days)
    f["factor"] = f["factor"] * (1 + np.arange(len(f)) % 7 / 100)
    quiet, late = codes[1], codes[2]
    f = f[~((f["code"] == quiet) & (f["date"] > pd.Timestamp("2026-08-31")))]  # suspended since September
    f = f[~((f["code"] == late) & (f["date"] < pd.Timestamp("2026-11-20")))]  # listed on 11-20
    _insert(db, "adj_factors", f)
    for day in (pd.Timestamp("2026-11-13"), pd.Timestamp("2026-11-15"), pd.Timestamp(DAY)):  # Fri, Sun, Tue
        want = f[f["date"] <= day].sort_values("date").drop_duplicates("code", keep="last")
        want = want.set_index("code")["factor"].sort_index()
        for asked in (codes, codes[:3]):
            got = bars.factor_on(asked, day).sort_index()
            pd.testing.assert_series_equal(got, want.reindex(sorted(set(asked))).dropna(), check_names=False)
    assert late not in bars.factor_on([late], pd.Timestamp("2026-11-19")).index


def test_snapshot_day_is_the_last_snapshot_on_or_before(db):
    _calendar(db)
    weekly = [d for d in calendar.trading_days(dt.date(2026, 9, 1), DAY) if d.weekday() == 0]
    _insert(db, "adj_factors", _factors(L.codes(2), weekly))
    assert connection.snapshot_day("adj_factors", weekly[-1]) == pd.Timestamp(weekly[-1])
    assert connection.snapshot_day("adj_factors", weekly[3] + dt.timedelta(days=4)) == pd.Timestamp(weekly[3])
    for outside in (weekly[0] - dt.timedelta(days=1), weekly[-1] + dt.timedelta(days=1)):  # a stale snapshot too
        with pytest.raises(OutOfRangeError, match="outside the stored range"):
            connection.snapshot_day("adj_factors", outside)


def test_one_slot_read_of_a_bucket_without_that_bar_reads_it_whole(db):
    """A one-element read ($arrayElemAt) past a short bucket's end answers nothing for it: it is
    read whole, and the bar it lacks is not invented."""
    stocks = L.codes(3)
    df = L.minute_frame(DAY, stocks)
    close = pd.Timestamp(f"{DAY} 15:00")
    df = df[~((df["code"] == stocks[1]) & (df["time"] == close))]
    L.write_bucketed(db, df)
    got = bars.minutes(None, [pd.Timestamp(DAY)], "1m", start=close, end=close)
    got = got[got["time"] == close]
    assert sorted(got["code"]) == [stocks[0], stocks[2]]
    want = df[df["time"] == close].sort_values("code")
    assert got.sort_values("code")["close"].tolist() == want["close"].tolist()


def test_get_price_pre_on_one_day_reads_no_factors_and_answers_the_same(db, monkeypatch):
    """fq=pre adjusts to the last requested day: on a one-day request every factor is its own
    reference, so the factors are not read, and the answer is the unadjusted day with factor 1.0
    — the last row of a longer request (which reads them) on the same day."""
    from benchmarks.get_price_latency import load
    from taorui_assets.lib import query as jq

    info = load(db, DAY, 1, 4)  # one security × 1 year (a dividend mid-year) + 4 on the last day
    fields = ["open", "close", "high", "low", "volume", "money", "factor", "pre_close", "avg"]
    longer = jq.get_price(info["one"], start_date=info["start"], end_date=DAY, fq="pre", fields=fields)
    assert (longer["factor"] != 1.0).any()  # the dividend: other days are adjusted
    read = []
    monkeypatch.setattr(bars, "factors", lambda *a: read.append(a) or pytest.fail("factors read"))
    one_day = jq.get_price(info["one"], start_date=DAY, end_date=DAY, fq="pre", fields=fields)
    pd.testing.assert_frame_equal(one_day, longer.iloc[-1:])
    raw = jq.get_price(info["market"], start_date=DAY, end_date=DAY, fq=None, panel=False, fields=fields)
    pre = jq.get_price(info["market"], start_date=DAY, end_date=DAY, fq="pre", panel=False, fields=fields)
    pd.testing.assert_frame_equal(pre, raw)
    assert not read


def test_trading_days_by_count_ending_after_the_stored_calendar(db):
    """As the plain query: the last stored days on or before ``end``, however far ahead it is."""
    _calendar(db, 2025, 2026)
    want = [pd.Timestamp(d) for d in calendar.last_trading_days(dt.date(2026, 12, 31), 5)]
    assert connection.trading_days(None, "2028-06-30", 5) == want
    with pytest.raises(OutOfRangeError, match="fewer than 3"):
        connection.trading_days(None, "2024-12-31", 3)

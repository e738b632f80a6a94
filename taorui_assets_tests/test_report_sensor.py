"""The quarterly-report sensor against SimMarket's announcement dates."""
from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pandas as pd
import pytest

from taorui_assets.defs.fundamentals import sensors
from taorui_assets.definitions import defs
from taorui_assets.lib.sources.base import MarketDataSource
from taorui_assets.lib.sources.sim import SimSource, get_market
from taorui_assets.partitions import report_quarters
from taorui_assets.resources.sources import SimResource

N = 60
TODAY = dt.date(2026, 11, 24)  # conftest's TAORUI_AS_OF


def tick(monkeypatch, today: dt.date, cursor: str | None = None) -> dg.SensorResult:
    monkeypatch.setenv("TAORUI_AS_OF", today.isoformat())
    ctx = dg.build_sensor_context(cursor=cursor, resources={"market_source": SimResource(n_stocks=N)})
    return sensors.financial_reports_sensor(ctx)


def keys(result: dg.SensorResult) -> dict[str, str]:
    return {r.partition_key: r.run_key for r in result.run_requests}


def truth(start: dt.date, end: dt.date) -> dict[str, str]:
    """quarter → quarter:latest announcement in [start, end], straight from SimMarket."""
    market, latest = get_market(7, N), {}
    for year in (start.year - 1, start.year, end.year):
        for q in range(1, 5):
            quarter = f"{year}Q{q}"
            for code in market.codes:
                for pub in market.report_versions(code, quarter):
                    if start <= pub <= end:
                        latest[quarter] = max(latest.get(quarter, pub), pub)
    return {q: f"{q}:{d.isoformat()}" for q, d in latest.items()}


def a_restatement() -> pd.Series:
    r = get_market(7, N).restatements()
    r = r[(r.restated_pub_date <= pd.Timestamp(TODAY)) & r.quarter.isin(report_quarters.get_partition_keys())]
    return r.sort_values("restated_pub_date").iloc[-1]


def test_first_tick_requests_the_quarters_announced_in_the_lookback(monkeypatch):
    result = tick(monkeypatch, TODAY)
    expected = truth(TODAY - dt.timedelta(days=30), TODAY)
    assert expected, "the window should hold announcements"
    assert keys(result) == expected
    cursor = json.loads(result.cursor)
    assert set(cursor) == {"latest", "requested"}
    latest = max(k.split(":")[1] for k in expected.values())
    assert cursor["latest"] == latest
    # Only keys still inside the overlap (7 days before latest) are kept.
    floor = (dt.date.fromisoformat(latest) - dt.timedelta(days=7)).isoformat()
    assert {k for k in expected.values() if k.split(":")[1] >= floor} <= set(cursor["requested"])
    assert all(k.split(":")[1] >= floor for k in cursor["requested"])


def test_a_second_tick_with_the_cursor_requests_nothing(monkeypatch):
    first = tick(monkeypatch, TODAY)
    second = tick(monkeypatch, TODAY, first.cursor)
    assert second.run_requests == [] and second.skip_reason is not None
    assert json.loads(second.cursor) == json.loads(first.cursor)


def test_a_restatement_reruns_its_quarter_with_a_new_run_key(monkeypatch):
    r = a_restatement()
    quarter, restated = r.quarter, r.restated_pub_date.date()
    before = tick(monkeypatch, restated - dt.timedelta(days=1))
    assert f"{quarter}:{restated}" not in keys(before).values()
    after = tick(monkeypatch, restated, before.cursor)
    assert keys(after)[quarter] == f"{quarter}:{restated}"
    # The original announcement is a different key, so both runs exist side by side.
    assert r.pub_date.date() != restated


def test_replaying_a_tick_from_the_same_cursor_gives_the_same_run_keys(monkeypatch):
    r = a_restatement()
    before = tick(monkeypatch, r.restated_pub_date.date() - dt.timedelta(days=1))
    once = tick(monkeypatch, r.restated_pub_date.date(), before.cursor)
    again = tick(monkeypatch, r.restated_pub_date.date(), before.cursor)
    assert [x.run_key for x in once.run_requests] == [x.run_key for x in again.run_requests]
    assert once.cursor == again.cursor


def test_run_requests_resolve_against_the_financial_statements_job(monkeypatch):
    monkeypatch.setenv("TAORUI_AS_OF", TODAY.isoformat())
    d = defs() if callable(defs) else defs
    ctx = dg.build_sensor_context(repository_def=d.get_repository_def(),
                                  resources={"market_source": SimResource(n_stocks=N)})
    data = sensors.financial_reports_sensor.evaluate_tick(ctx)
    assert sensors.financial_reports_sensor.job_name == "financial_statements_job"
    assert {r.tags["dagster/partition"] for r in data.run_requests} == set(truth(TODAY - dt.timedelta(days=30), TODAY))


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [(c, pd.Timestamp(r), pd.Timestamp(p)) for c, r, p in rows], columns=["code", "report_date", "pub_date"]
    )


QUARTERS = {"2026Q3"}


def test_announcements_trickling_in_on_a_requested_day_rerun_with_a_suffix():
    day = dt.date(2026, 10, 30)
    one = sensors.plan(frame(("000001.SZ", "2026-09-30", "2026-10-30")), None, day, 7, QUARTERS)
    assert one.run_keys == {"2026Q3": "2026Q3:2026-10-30"}
    more = frame(("000001.SZ", "2026-09-30", "2026-10-30"), ("600000.SH", "2026-09-30", "2026-10-30"),
                 ("000002.SZ", "2026-09-30", "2026-10-30"))
    two = sensors.plan(more, one.cursor, day, 7, QUARTERS)
    assert two.run_keys == {"2026Q3": "2026Q3:2026-10-30#3"}
    assert sensors.plan(more, two.cursor, day, 7, QUARTERS).run_keys == {}


def test_a_late_entered_announcement_inside_the_overlap_is_requested_and_old_keys_are_pruned():
    first = sensors.plan(frame(("000001.SZ", "2026-09-30", "2026-10-30")), None, dt.date(2026, 10, 1), 7, QUARTERS)
    late = frame(("000001.SZ", "2026-09-30", "2026-10-30"), ("600000.SH", "2026-09-30", "2026-10-27"))
    second = sensors.plan(late, first.cursor, dt.date(2026, 10, 23), 7, QUARTERS)
    assert second.run_keys == {"2026Q3": "2026Q3:2026-10-27"}
    third = sensors.plan(frame(("600001.SH", "2026-09-30", "2026-11-20")), second.cursor, dt.date(2026, 10, 23), 7,
                         QUARTERS)
    assert third.cursor.latest == dt.date(2026, 11, 20)
    assert set(third.cursor.requested) == {"2026Q3:2026-11-20"}


def test_quarters_outside_the_partitions_are_reported_not_requested():
    p = sensors.plan(frame(("000001.SZ", "2030-03-31", "2030-04-20")), None, dt.date(2030, 4, 1), 7, QUARTERS)
    assert p.run_keys == {} and p.unknown == ["2030Q1"]


def test_no_announcements_keep_the_cursor():
    cursor = sensors.Cursor(dt.date(2026, 10, 30), {"2026Q3:2026-10-30": 4})
    p = sensors.plan(frame(), cursor, dt.date(2026, 10, 23), 7, QUARTERS)
    assert p.run_keys == {} and p.cursor == cursor
    first = sensors.plan(frame(), None, dt.date(2026, 10, 23), 7, QUARTERS)
    assert first.cursor == sensors.Cursor(dt.date(2026, 10, 23), {})


def test_a_bad_cursor_is_an_error_not_a_fresh_start():
    with pytest.raises(ValueError, match="reset"):
        sensors.Cursor.parse('{"latest": "yesterday"}')


@pytest.mark.parametrize("start, end", [(dt.date(2026, 10, 25), TODAY), (dt.date(2025, 1, 1), dt.date(2025, 12, 31))])
def test_sim_announcements_equal_the_generic_default(start, end):
    src = SimSource(n_stocks=N)
    fast = src.announcements(start, end)
    assert list(fast.columns) == ["code", "report_date", "pub_date"] and len(fast)
    pd.testing.assert_frame_equal(fast, MarketDataSource.announcements(src, start, end))

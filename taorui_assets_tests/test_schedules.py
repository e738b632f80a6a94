"""Schedules on the trading calendar, their configured times and the freshness policies."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from taorui_assets import automation
from taorui_assets.defs import schedules
from taorui_assets.definitions import defs
from taorui_assets.lib import datasets
from taorui_assets.partitions import trading_days

SH = ZoneInfo("Asia/Shanghai")
FRESH_BY = dt.time(19, 0)
# Built by the factories with the default times, as the definitions build them.
close_schedule, reference_schedule, weekly_schedule = schedules.build_schedules(
    close_run_times=[dt.time(15, 30), dt.time(18, 30)], reference_run_time=dt.time(8, 45))


def at(y, m, d, hh, mm) -> dg.ScheduleEvaluationContext:
    return dg.build_schedule_context(scheduled_execution_time=dt.datetime(y, m, d, hh, mm, tzinfo=SH))


def test_close_schedule_runs_at_the_default_times_on_weekdays():
    s = _repository().get_schedule_def("market_close_schedule")
    assert s.cron_schedule == ["30 15 * * 1-5", "30 18 * * 1-5"]
    assert s.execution_timezone == "Asia/Shanghai"
    assert s.job_name == "market_close_datasets"


@pytest.mark.parametrize("hh, mm", [(15, 30), (18, 30)])
def test_close_schedule_targets_the_days_own_partition(hh, mm):
    req = close_schedule(at(2026, 11, 24, hh, mm))
    assert isinstance(req, dg.RunRequest)
    assert req.partition_key == "2026-11-24"
    assert req.run_key == f"2026-11-24@{hh:02d}:{mm:02d}"


def test_close_schedule_uses_shanghai_time_whatever_the_tick_zone():
    # 07:30 UTC is 15:30 in Shanghai, still 2026-11-24.
    ctx = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 11, 24, 7, 30, tzinfo=dt.timezone.utc))
    assert close_schedule(ctx).partition_key == "2026-11-24"


@pytest.mark.parametrize("day", [dt.date(2026, 11, 28), dt.date(2026, 10, 1), dt.date(2026, 2, 16)])
def test_close_and_reference_schedules_skip_weekends_and_holidays(day):
    for schedule, (hh, mm) in [(close_schedule, (15, 30)), (reference_schedule, (8, 45))]:
        out = schedule(at(day.year, day.month, day.day, hh, mm))
        assert isinstance(out, dg.SkipReason), (schedule.name, day)
        assert "not an SSE trading day" in out.skip_message


def test_reference_schedule_runs_before_the_open_for_that_day():
    s = _repository().get_schedule_def("reference_daily_schedule")
    assert s.cron_schedule == "45 8 * * 1-5" and s.job_name == "reference_daily"
    req = s(at(2026, 11, 24, 8, 45))
    assert req.partition_key == "2026-11-24" and req.run_key == "2026-11-24@08:45"


@pytest.mark.parametrize("saturday, expected", [
    (dt.date(2026, 11, 28), "2026-11-27"),  # an ordinary week
    (dt.date(2026, 10, 3), "2026-09-30"),   # Thursday and Friday are National Day holidays
])
def test_index_weights_run_weekly_for_the_weeks_last_trading_day(saturday, expected):
    s = _repository().get_schedule_def("index_weights_weekly_schedule")
    assert s.cron_schedule == "0 8 * * 6" and s.job_name == "index_weights_weekly"
    req = s(at(saturday.year, saturday.month, saturday.day, 8, 0))
    assert req.partition_key == expected and req.run_key == expected


def test_index_weights_skip_a_week_without_trading():
    out = weekly_schedule(at(2026, 2, 21, 8, 0))  # Spring Festival week
    assert isinstance(out, dg.SkipReason)


def _repository():
    d = defs() if callable(defs) else defs
    return d.get_repository_def()


def test_weekly_run_request_resolves_against_the_code_location():
    ctx = dg.build_schedule_context(repository_def=_repository(),
                                    scheduled_execution_time=dt.datetime(2026, 11, 28, 8, 0, tzinfo=SH))
    data = weekly_schedule.evaluate_tick(ctx)
    [req] = data.run_requests
    assert req.tags["dagster/partition"] == "2026-11-27"


def test_close_run_request_resolves_against_the_code_location():
    ctx = dg.build_schedule_context(repository_def=_repository(),
                                    scheduled_execution_time=dt.datetime(2026, 11, 24, 15, 30, tzinfo=SH))
    data = close_schedule.evaluate_tick(ctx)
    [req] = data.run_requests
    assert req.tags["dagster/partition"] == "2026-11-24"


def test_run_times_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TAORUI_CLOSE_RUN_TIMES", " 18:30,16:05 ,16:05")
    assert automation.close_run_times() == [dt.time(16, 5), dt.time(18, 30)]
    monkeypatch.setenv("TAORUI_REFERENCE_RUN_TIME", "7:50")
    assert automation.weekday_cron(automation.reference_run_time()) == "50 7 * * 1-5"


@pytest.mark.parametrize("var, value", [
    ("TAORUI_CLOSE_RUN_TIMES", "14:30,18:30"),  # before the close
    ("TAORUI_CLOSE_RUN_TIMES", "15:30,25:00"),
    ("TAORUI_CLOSE_RUN_TIMES", "19:30"),        # first run after the freshness deadline
    ("TAORUI_CLOSE_RUN_TIMES", " , "),
    ("TAORUI_REFERENCE_RUN_TIME", "09:30"),     # after the call auction
])
def test_bad_run_times_fail_at_load(monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(ValueError, match=var):
        automation.close_run_times() if var == "TAORUI_CLOSE_RUN_TIMES" else automation.reference_run_time()


def test_the_factories_take_the_run_times():
    close, reference, _ = schedules.build_schedules(close_run_times=[dt.time(16, 5)], reference_run_time=dt.time(7, 50))
    assert close.cron_schedule == ["5 16 * * 1-5"] and reference.cron_schedule == "50 7 * * 1-5"
    assert close.job_name == "market_close_datasets" and reference.job_name == "reference_daily"


DAILY = ["instruments", "daily_bars", "minute_bars_1m", "minute_bars_5m", "adj_factors", "sector_membership",
         "index_weights", "billboard", "northbound_flow", "money_flow", "northbound_holdings", "valuation"]


def _specs():
    d = defs() if callable(defs) else defs
    return {s.key.to_user_string(): s for s in d.resolve_all_asset_specs()}


@pytest.mark.parametrize("asset", DAILY)
def test_every_daily_dataset_has_a_cron_freshness_policy(asset):
    policy = _specs()[asset].freshness_policy
    assert isinstance(policy, dg.FreshnessPolicy)
    assert type(policy).__name__ == "CronFreshnessPolicy"
    assert policy.timezone == "Asia/Shanghai"


def test_close_datasets_are_fresh_by_19_with_a_run_after_the_close():
    specs = _specs()
    policy = specs["daily_bars"].freshness_policy
    assert policy.deadline_cron == "0 19 * * 1-5"
    assert policy.lower_bound_delta == dt.timedelta(hours=4)
    assert specs["instruments"].freshness_policy.deadline_cron == "15 9 * * 1-5"
    assert specs["index_weights"].freshness_policy.deadline_cron == "0 10 * * 6"
    assert automation.freshness_policy(datasets.CLOSE, dt.time(20, 0)).deadline_cron == "0 20 * * 1-5"


def test_non_daily_datasets_have_none_and_unknown_schedules_fail():
    specs = _specs()
    assert {d for d, s in specs.items() if s.freshness_policy is not None} == set(DAILY)
    assert specs["trading_calendar"].freshness_policy is None
    assert specs["financial_statements"].freshness_policy is None
    with pytest.raises(ValueError):
        automation.freshness_policy("hourly", FRESH_BY)


def test_a_policy_is_accepted_by_an_asset():
    policy = automation.freshness_policy(datasets.CLOSE, FRESH_BY)

    @dg.asset(partitions_def=trading_days, freshness_policy=policy)
    def some_bars() -> None: ...

    assert some_bars.specs_by_key[some_bars.key].freshness_policy == policy

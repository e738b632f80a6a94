"""Nothing fetched twice from QMT: a day's daily steps take the listing from the stored
instruments and the traded codes from the stored daily bars (QmtSource.use_stored), so
instrument details are asked once per day and the daily bars downloaded once."""

import datetime as dt

from pymongo import MongoClient

from taorui_assets.lib.sources.sim import SimSource
from taorui_assets.resources.qmt import QmtResource
from taorui_assets_tests import harness
from taorui_assets_tests.conftest import TEST_AS_OF
from taorui_assets_tests.doubles.qmt_fake import FakeXtquant, sim_concept_codes

NAMES = ["instruments", "adj_factors", "daily_bars", "minute_bars_1m", "minute_bars_5m",
         "sector_membership", "money_flow"]


def test_a_day_asks_instrument_details_once_and_downloads_daily_bars_once(install_xtquant, mongo_uri, mongo_db_name):
    fake = install_xtquant(FakeXtquant(SimSource(n_stocks=40), today=dt.date.fromisoformat(TEST_AS_OF)))
    res = harness.resources(mongo_uri, mongo_db_name, QmtResource(token="tok-1", concept_codes=sim_concept_codes()))
    assets, checks = harness.by_name(NAMES)
    result = harness.materialize(assets, checks, TEST_AS_OF, res)
    assert result.success and not harness.failed_checks([result])
    details = fake.called("get_instrument_detail")
    codes = {a[0] for a, _ in details}
    assert len(details) == len(codes), f"{len(details)} detail calls for {len(codes)} codes"
    day = TEST_AS_OF.replace("-", "")
    daily = [a for a, k in fake.called("download_history_data2")
             if a[1] == "1d" and k.get("start_time") == day and k.get("end_time") == day]
    downloaded = sum(len(a[0]) for a in daily)
    with MongoClient(mongo_uri) as c:
        bars = c[mongo_db_name]["daily_bars"].count_documents({})
    assert 0 < downloaded == bars, f"the day's daily bars were downloaded for {downloaded} codes ({bars} bars)"

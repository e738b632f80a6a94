"""Bad data a source may deliver is rejected with a reason (issue 10 part 6): missing
minute bars (every source), a pre_close that disagrees with the stored history and the
factors, and a documented QMT field missing from the answer."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from pymongo import MongoClient

from taorui_assets.lib import calendar, sessions
from taorui_assets.lib.sources.base import SourceError
from taorui_assets.lib.sources.qmt import QmtSource
from taorui_assets_tests.doubles.qmt_fake import FakeXtquant
from taorui_assets.lib.sources.failover import AllSourcesFailed, SourceRouter
from taorui_assets.lib.sources.sim import SimSource
from taorui_assets.lib.storage import reference
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.lib.storage.store import Store
from taorui_assets.lib.validation import Reference, judge

DAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def sim():
    return SimSource(seed=7, n_stocks=80)


def qmt(source, today=DAY):
    fake = FakeXtquant(source, today=today)
    return fake, QmtSource(fake, token="tok", batch_size=40, clock=lambda: fake.today)


def wrap_answers(fake, edit):
    """Pass every get_market_data_ex answer through ``edit(period, {code: frame})``."""
    orig = fake.xtdata.get_market_data_ex

    def patched(field_list=[], stock_list=[], period="1d", **kw):
        return edit(period, orig(field_list, stock_list, period=period, **kw))

    fake.xtdata.get_market_data_ex = patched


def rejected(router_call) -> pd.DataFrame:
    with pytest.raises(AllSourcesFailed) as failed:
        router_call()
    (_source, verdict), = failed.value.result.rejected
    return verdict


# ------------------------------------------------------------------ missing minute bars
@pytest.mark.parametrize("period", ["1m", "5m"])
def test_qmt_minute_partition_with_missing_bars_is_rejected(sim, period):
    fake, src = qmt(sim)
    code = sim.daily_bars(DAY).query("not paused")["code"].iloc[2]

    def drop_three(p, ans):
        if p == period and code in ans:
            ans[code] = ans[code].drop(ans[code].index[40:43])
        return ans

    wrap_answers(fake, drop_three)
    verdict = rejected(lambda: SourceRouter([src]).fetch("minute_bars", lambda s: s.minute_bars(DAY, period)))
    n = sessions.BARS_PER_DAY[period]
    assert set(verdict.bad_rows["code"]) == {code}
    assert len(verdict.bad_rows) == n - 3
    assert verdict.bad_rows["reason"].str.contains(f"missing bars: {n - 3} of {n} {period}").all()


def test_missing_bars_are_rejected_for_every_source(sim):
    full = sim.minute_bars(DAY, "1m")
    assert judge("minute_bars", full).ok
    code = full["code"].iloc[0]
    short = full.drop(full.index[(full["code"] == code)][-1])  # the 15:00 bar
    v = judge("minute_bars", short)
    assert not v.ok and set(v.bad_rows["code"]) == {code}
    # a bar off the grid is not a session bar either
    shifted = full.copy()
    shifted.loc[shifted.index[0], "time"] += pd.Timedelta(seconds=30)
    v = judge("minute_bars", shifted)
    assert not v.ok and v.bad_rows["reason"].str.contains("off the 1m session grid").any()


def test_a_trading_security_without_any_bars_is_rejected(sim):
    full = sim.minute_bars(DAY, "5m")
    traded = set(sim.daily_bars(DAY).query("not paused")["code"])
    gone = sorted(traded)[0]
    assert judge("minute_bars", full, reference=Reference(traded_codes=traded)).ok
    v = judge("minute_bars", full[full["code"] != gone], reference=Reference(traded_codes=traded))
    assert not v.ok and any("missing bars" in p and gone in p for p in v.problems)


# ------------------------------------------------------------------ pre_close vs history
class RawPreCloseOnExDates(SimSource):
    """A source whose pre_close on an ex-date is the previous RAW close (the reported bug);
    its limit prices follow that wrong pre_close."""

    def daily_bars(self, date, codes=None, progress=None):
        df = super().daily_bars(date, codes, progress)
        ex = self.market.dividends()
        ex = ex[ex["ex_date"] == pd.Timestamp(date)].set_index("code")["prev_close"]
        hit = df["code"].isin(ex.index)
        df.loc[hit, "pre_close"] = df.loc[hit, "code"].map(ex)
        return df


@pytest.fixture
def db(mongo_uri, mongo_db_name):
    with MongoClient(mongo_uri) as client:
        yield client[mongo_db_name]


def _ex_day(sim) -> tuple[dt.date, list[str]]:
    ex = sim.market.dividends(year=2026)
    ex = ex[ex["ex_date"] <= pd.Timestamp(DAY)].sort_values("ex_date")
    day = ex["ex_date"].iloc[-1]
    return day.date(), sorted(ex.loc[ex["ex_date"] == day, "code"])


def _store_history(db, sim, day):
    store, prev = Store(db), calendar.previous_trading_day(day)
    for dataset, d, frame in (("daily_bars", prev, sim.daily_bars(prev)),
                              ("adj_factors", prev, sim.adj_factors(prev)),
                              ("adj_factors", day, sim.adj_factors(day))):
        store.replace_partition(dataset, scope(dataset, d.isoformat()), frame, "sim")


def test_qmt_pre_close_equal_to_previous_raw_close_on_an_ex_date_is_rejected(db, sim):
    day, ex_codes = _ex_day(sim)
    _store_history(db, sim, day)
    ref = reference.load(db, "daily_bars", day.isoformat())
    assert not ref.notes
    # the honest answer passes: pre_close = prev_close × prev_factor / factor
    _fake, good = qmt(sim, today=day)
    assert SourceRouter([good]).fetch("daily_bars", lambda s: s.daily_bars(day), reference=ref).frame is not None
    _fake, bad = qmt(RawPreCloseOnExDates(seed=7, n_stocks=80), today=day)
    verdict = rejected(lambda: SourceRouter([bad]).fetch("daily_bars", lambda s: s.daily_bars(day), reference=ref))
    assert sorted(verdict.bad_rows["code"]) == ex_codes
    assert verdict.bad_rows["reason"].str.contains("pre_close .* disagrees with previous close").all()


def test_missing_history_is_said_not_guessed(db, sim):
    ref = reference.load(db, "daily_bars", DAY.isoformat())
    assert len(ref.notes) == 3 and all("not checked" in n for n in ref.notes)
    assert judge("daily_bars", sim.daily_bars(DAY), reference=ref).ok


# ------------------------------------------------------------------ missing documented fields
@pytest.mark.parametrize("period,field", [("1d", "suspendFlag"), ("1d", "preClose"), ("1m", "amount")])
def test_missing_documented_qmt_field_is_a_source_error(sim, period, field):
    fake, src = qmt(sim)

    def drop(p, ans):
        return {c: f.drop(columns=field, errors="ignore") for c, f in ans.items()} if p == period else ans

    wrap_answers(fake, drop)
    with pytest.raises(SourceError, match=field):
        src.daily_bars(DAY) if period == "1d" else src.minute_bars(DAY, period)


# ------------------------------------------------------------------ through the asset
def test_materialized_daily_bars_with_a_wrong_ex_date_pre_close_is_quarantined(
        sim, install_xtquant, mongo_uri, mongo_db_name):
    """dg.materialize through the real QmtResource path: the asset loads the stored history,
    the router rejects QMT's answer, the rows go to quarantine and nothing is written."""
    import dagster as dg

    from taorui_assets.resources.qmt import QmtResource
    from taorui_assets.resources.source_router import SourceRouterResource
    from taorui_assets_tests import harness
    from taorui_assets_tests.doubles.qmt_fake import sim_concept_codes

    day, ex_codes = _ex_day(sim)
    prev = calendar.previous_trading_day(day)
    fake = install_xtquant(FakeXtquant(RawPreCloseOnExDates(seed=7, n_stocks=80), today=day))
    res = harness.resources(mongo_uri, mongo_db_name, SourceRouterResource(
        qmt=QmtResource(token="tok", concept_codes=sim_concept_codes()), priority=["qmt"]))
    assets, checks = harness.by_name(["instruments", "adj_factors", "daily_bars"])
    fake.today = prev
    assert harness.materialize(assets, [], prev.isoformat(), res).success  # no ex-date rows wrong here
    fake.today = day
    fake.data._cache.clear()
    result = harness.materialize(assets, [], day.isoformat(), res, raise_on_error=False)
    assert not result.success
    with MongoClient(mongo_uri) as c:
        db = c[mongo_db_name]
        q = list(db.quarantine.find({"dataset": "daily_bars"}))
        assert sorted(d["row"]["code"] for d in q) == ex_codes
        assert all("pre_close" in d["reason"] for d in q)
        assert db.daily_bars.count_documents({"date": dt.datetime.combine(day, dt.time())}) == 0
        assert db.adj_factors.count_documents({"date": dt.datetime.combine(day, dt.time())}) > 0


def test_streamed_partition_moves_whole_to_the_backup_on_a_bad_chunk(sim):
    """``fetch_chunks``: the primary's third chunk has a bad row, so the backup starts again from
    the first chunk (one source per partition); every chunk the caller keeps is the backup's."""
    codes = sorted(set(sim.minute_bars(DAY, "1m")["code"]))
    chunks = [codes[i:i + 20] for i in range(0, len(codes), 20)]

    class Primary(SimSource):
        name = "primary"

        def minute_bars(self, date, period, codes=None, progress=None):
            df = super().minute_bars(date, period, codes, progress)
            if chunks[2][0] in set(df["code"]):
                df.loc[df.index[0], "high"] = df.loc[df.index[0], "low"] - 1.0
            return df

    class Backup(SimSource):
        name = "backup"

    writes = []
    router = SourceRouter([Primary(seed=7, n_stocks=80), Backup(seed=7, n_stocks=80)])
    result = router.fetch_chunks("minute_bars", chunks, lambda s, c: s.minute_bars(DAY, "1m", codes=c),
                                 lambda k, source, frame: writes.append((k, source, len(frame))),
                                 known_codes=set(codes))
    assert [(k, s) for k, s, _n in writes] == [(0, "primary"), (1, "primary")] + [(k, "backup") for k in range(len(chunks))]
    assert result.source == "backup" and result.fell_back and result.rows == 240 * len(codes)
    (source, verdict), = result.rejected
    assert source == "primary" and "chunk 3/" in result.attempts[0].detail and len(verdict.bad_rows) == 1

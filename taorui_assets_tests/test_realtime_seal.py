"""Sealing rules as pure functions: each check catches its violation; the roll-up of SimMarket's
ticks is its 1m bars; a journal with uncommitted bytes is never removed."""
import numpy as np
import pandas as pd
import pytest

from taorui_assets.lib.realtime import seal
from taorui_assets.lib.realtime.journal import JournalError, remove_sealed_day
from taorui_assets.lib.realtime.rollup import bar_end_ms, rollup
from taorui_assets.lib.sim import ticks as sim_ticks
from taorui_assets.lib.sources.sim import SimSource

DAY = "2026-11-20"


@pytest.fixture(scope="module")
def day():
    m = SimSource().market
    codes = m.codes[:4]
    return m, sim_ticks.day_ticks(m, DAY, codes), m.daily_bars(DAY, codes=codes), m.minute_bars(DAY, "1m", codes=codes)


def test_sim_ticks_are_clean_and_roll_up_to_the_minute_bars(day):
    _m, t, daily, bars = day
    assert all(v.empty for v in seal.check(t, daily).values())
    rolled, diff = seal.reconcile(t, bars)
    assert diff.empty and len(rolled) == len(bars)
    b = bars.sort_values(["code", "time"]).reset_index(drop=True)
    assert (rolled[["open", "high", "low", "close", "volume"]].to_numpy() == b[["open", "high", "low", "close",
                                                                               "volume"]].to_numpy()).all()
    # Snapshots stay inside their bar; 20 per bar, the last at the bar's END.
    assert (t.groupby("code").size() == 4800).all()


def test_each_check_catches_its_violation(day):
    _m, t, daily, bars = day
    bad = t.copy()
    code = bad["code"].iloc[0]
    rows = bad.index[bad["code"] == code]
    bad.loc[rows[100], "volume"] = bad.loc[rows[99], "volume"] - 100     # cumulative volume drops
    bad.loc[rows[200], "last_price"] = 1e6                               # beyond the limit-up price
    bad = bad.drop(rows[1000:1200])                                       # 10 minutes of silence
    found = seal.check(bad, daily)
    assert len(found["cumulative"]) >= 1 and len(found["limits"]) == 1 and len(found["gaps"]) == 1
    assert found["gaps"]["gap_s"].iloc[0] > seal.GAP_S
    _rolled, diff = seal.reconcile(bad, bars)
    assert len(diff) > 0


def test_ticks_belong_to_the_bar_whose_end_is_at_or_after_them():
    base = pd.Timestamp(f"{DAY} 00:00").tz_localize("Asia/Shanghai").value // 1_000_000
    at = lambda hms: base + pd.Timedelta(hms).value // 1_000_000  # noqa: E731
    got = bar_end_ms(np.array([at("09:25:00"), at("09:30:03"), at("09:31:00"), at("09:31:00.5"), at("11:30:00"),
                               at("12:00:00"), at("15:00:00"), at("15:01:00")]))
    want = [at(x + ":00") for x in ("09:31", "09:31", "09:31", "09:32", "11:30", "13:01", "15:00", "15:00")]
    assert got.tolist() == want


def test_a_journal_with_uncommitted_bytes_is_not_removed(tmp_path):
    (tmp_path / f"{DAY}.journal").write_bytes(b"x" * 100)
    (tmp_path / f"{DAY}.committed").write_text("60")
    with pytest.raises(JournalError, match="40 bytes not in MongoDB"):
        remove_sealed_day(tmp_path, DAY)
    (tmp_path / f"{DAY}.committed").write_text("100")
    assert remove_sealed_day(tmp_path, DAY) and not (tmp_path / f"{DAY}.journal").exists()


def test_rollup_of_empty_ticks_is_empty():
    assert rollup(pd.DataFrame(columns=sim_ticks.TICK_COLUMNS)).empty

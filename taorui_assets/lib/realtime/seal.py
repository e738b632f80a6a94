"""Sealing a captured day: check the ticks, roll them into 1m bars, reconcile with minute_bars.

Checks (per code, over the day's ticks):
* ``cumulative``: volume and amount never decrease (amount: 1e-6 CNY of float slack);
* ``limits``: every last_price within the day's [low_limit, high_limit] (daily_bars; for a
  code without a daily bar, the board's limits around the ticks' pre_close, lib/codes.py);
* ``gaps``: no code that has ticks goes silent for more than ``GAP_S`` seconds of continuous
  trading (09:30–11:30, 13:00–15:00; the lunch break does not count). QMT's whole-market
  push only sends codes whose snapshot changed, so a quiet stock can legitimately skip some
  3-second snapshots; 300 s of silence in continuous trading is a capture problem.

Reconciliation against the downloaded ``minute_bars`` (the reference): per (code, bar),
``|Δ volume| ≤ max(VOLUME_ATOL, VOLUME_RTOL × volume)`` and ``|Δ amount| ≤ max(AMOUNT_ATOL,
AMOUNT_RTOL × amount)``. A 3-second snapshot cuts the minute where the exchange's bar does
only if the snapshot lands on the boundary; the tolerances absorb the trades of one
snapshot interval at the edges.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from taorui_assets.lib import codes as C
from taorui_assets.lib.realtime.rollup import rollup

GAP_S = 300
VOLUME_RTOL, VOLUME_ATOL = 0.01, 100.0
AMOUNT_RTOL, AMOUNT_ATOL = 0.01, 1000.0
_AM, _PM = (9.5 * 3600, 11.5 * 3600), (13 * 3600, 15 * 3600)


def _session_seconds(t: pd.Series) -> np.ndarray:
    """Seconds of continuous trading elapsed at each time (lunch removed, clipped to the session)."""
    s = (t - t.dt.normalize()).dt.total_seconds().to_numpy()
    am = np.clip(s, *_AM) - _AM[0]
    pm = np.clip(s, *_PM) - _PM[0]
    return am + pm


def check(ticks: pd.DataFrame, daily: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Violations per check (empty frames when the day is clean)."""
    t = ticks.sort_values(["code", "time"], kind="stable")
    same = t["code"].eq(t["code"].shift())
    dv = t["volume"].diff().where(same, 0.0)
    da = t["amount"].diff().where(same, 0.0)
    cumulative = t.loc[(dv < 0) | (da < -1e-6), ["code", "time", "volume", "amount"]]
    lim = daily.set_index("code")[["high_limit", "low_limit"]] if len(daily) else pd.DataFrame(
        columns=["high_limit", "low_limit"])
    hi = t["code"].map(lim["high_limit"]) if len(lim) else pd.Series(np.nan, index=t.index)
    lo = t["code"].map(lim["low_limit"]) if len(lim) else pd.Series(np.nan, index=t.index)
    missing = hi.isna()
    if missing.any():
        fb = t.loc[missing].apply(lambda r: C.limit_prices(r["pre_close"], C.board(r["code"]), False), axis=1)
        hi[missing] = [x[0] for x in fb]
        lo[missing] = [x[1] for x in fb]
    traded = t["last_price"] > 0
    limits = t.loc[traded & ((t["last_price"] > hi + 1e-9) | (t["last_price"] < lo - 1e-9)),
                   ["code", "time", "last_price"]]
    ss = _session_seconds(t["time"])
    gap = np.diff(ss, prepend=0.0)
    gap[~same.to_numpy()] = ss[~same.to_numpy()]  # from the open to a code's first tick
    gaps = t.loc[gap > GAP_S, ["code", "time"]].assign(gap_s=gap[gap > GAP_S])
    last = t.groupby("code")["time"].last()
    tail = (_AM[1] - _AM[0]) + (_PM[1] - _PM[0]) - _session_seconds(last.reset_index()["time"])
    late = pd.DataFrame({"code": last.index, "time": last.to_numpy(), "gap_s": tail})
    gaps = pd.concat([gaps, late[late["gap_s"] > GAP_S]], ignore_index=True)
    return {"cumulative": cumulative, "limits": limits, "gaps": gaps}


def reconcile(ticks: pd.DataFrame, reference: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rolled-up bars, per-bar differences beyond tolerance) against reference 1m bars.
    Bars present on one side only count as differences."""
    return reconcile_bars(rollup(ticks), reference)


def reconcile_bars(bars: pd.DataFrame, reference: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(bars, per-bar differences beyond tolerance) of any 1m bars against the reference."""
    keys = ["code", "time"]
    ref = reference[keys + ["open", "high", "low", "close", "volume", "amount"]]
    m = bars.merge(ref, on=keys, how="outer", suffixes=("", "_ref"), indicator=True)
    dv = (m["volume"] - m["volume_ref"]).abs()
    da = (m["amount"] - m["amount_ref"]).abs()
    bad = (m["_merge"] != "both") | (dv > np.maximum(VOLUME_ATOL, VOLUME_RTOL * m["volume_ref"].abs())) | (
        da > np.maximum(AMOUNT_ATOL, AMOUNT_RTOL * m["amount_ref"].abs()))
    diff = m.loc[bad, keys + ["volume", "volume_ref", "amount", "amount_ref", "_merge"]].rename(
        columns={"_merge": "side"})
    diff["side"] = diff["side"].map({"left_only": "ticks only", "right_only": "minute_bars only", "both": "both"})
    return bars, diff.reset_index(drop=True)

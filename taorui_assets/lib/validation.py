"""Row-level judgement of a source's answer.

Rule (documented in the README): a partition is written whole or not at all. If any row
of a source's answer is bad — fails the Pandera model (NaN, high < low, outside the price
limit, a duplicate key …) or names a code that is not listed that day — those rows go to
the ``quarantine`` collection with the reason, and the *whole* answer is rejected. A
partition missing some rows would be indistinguishable downstream from a complete one (a
missing stock looks like a suspension), so partial partitions are never written; the
router asks the next source for the whole partition instead.

Rules beyond the Pandera models, the same for every source:

* Minute bars are complete. Each (code, date, period) holds every bar of the session grid
  (``sessions``: 240 1m bars, 48 5m bars) and nothing off it; a security that has bars has
  traded, so fewer bars are missing bars, never a short session. With a ``Reference``, each
  security trading that day (stored ``daily_bars``, not paused) must have bars.
* ``pre_close`` agrees with history. With a ``Reference`` holding the previous trading
  day's stored close and both days' stored backward factors::

      pre_close = prev_close × prev_factor / factor     (within PRE_CLOSE_TOL)

  On an ordinary day the factors are equal and pre_close is the previous close; on an
  ex-date it is the exchange's ex-rights price (factor_D / factor_{D-1} = prev_close /
  pre_close is how the backward factor is defined). A pre_close equal to the previous raw
  close on an ex-date makes wrong limit prices, so such rows are rejected. Codes without
  a stored previous close or factors (a first listing day, a first partition) are not
  checked, and the ``Reference`` says so in ``notes`` for the log.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pandas as pd

from taorui_assets.lib import schemas, sessions

# pre_close may differ from prev_close × prev_factor / factor by one price tick (the exchange
# rounds the ex-rights price to the cent) plus a relative 1e-5 for the factors' precision.
PRE_CLOSE_TICK = 0.01
PRE_CLOSE_RTOL = 1e-5


@dataclass
class Reference:
    """What is already stored that a partition's rows must agree with (see module doc).

    Built by ``lib/storage/reference.py`` from the database; any field may be None when
    that data is not stored, and ``notes`` then say what could not be checked."""
    traded_codes: Optional[set[str]] = None  # minute bars: codes trading that day
    prev_close: Optional[pd.Series] = None   # code → previous trading day's stored close
    prev_factor: Optional[pd.Series] = None  # code → stored factor on the previous trading day
    factor: Optional[pd.Series] = None       # code → stored factor on the day
    notes: list[str] = field(default_factory=list)


@dataclass
class Judgement:
    valid: Optional[pd.DataFrame]  # the validated frame, or None when rejected
    bad_rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # offending rows + "reason"
    problems: list[str] = field(default_factory=list)  # frame-level failures, human readable

    @property
    def ok(self) -> bool:
        return self.valid is not None

    def summary(self, limit: int = 10) -> str:
        lines = list(self.problems[:limit])
        if len(self.bad_rows):
            cols = [c for c in ("code", "date", "time", "reason") if c in self.bad_rows]
            lines.append(self.bad_rows[cols].head(limit).astype(str).to_string(index=False))
        return "\n".join(lines)


def judge(dataset: str, df: pd.DataFrame, known_codes: Optional[set[str]] = None,
          reference: Optional[Reference] = None) -> Judgement:
    df = df.reset_index(drop=True)
    reasons: dict[int, list[str]] = {}
    problems: list[str] = []
    valid, failures = schemas.failure_cases(dataset, df)
    if len(failures):
        for case in failures.itertuples(index=False):
            where = _reason(case)
            if pd.isna(case.index):
                problems.append(f"{where} (failure case {case.failure_case})")
            else:
                reasons.setdefault(int(case.index), []).append(where)
    if known_codes is not None and "code" in df:
        unknown = ~df["code"].isin(known_codes)
        for i in df.index[unknown]:
            reasons.setdefault(int(i), []).append("code not listed that day")
        if unknown.any():
            valid = None
    if dataset == "minute_bars" and {"code", "date", "period", "time"} <= set(df.columns):
        rule_reasons, rule_problems = _minute_completeness(df, reference)
    elif dataset == "daily_bars" and reference is not None and {"code", "pre_close"} <= set(df.columns):
        rule_reasons, rule_problems = _pre_close_agrees(df, reference), []
    else:
        rule_reasons, rule_problems = {}, []
    for i, why in rule_reasons.items():
        reasons.setdefault(i, []).append(why)
    problems += rule_problems
    if rule_reasons or rule_problems:
        valid = None
    bad = df.loc[sorted(reasons)].copy() if reasons else df.iloc[0:0].copy()
    bad["reason"] = ["; ".join(dict.fromkeys(reasons[i])) for i in sorted(reasons)]
    if valid is None and not problems and bad.empty:
        problems.append("rejected by the schema")
    return Judgement(valid=valid, bad_rows=bad, problems=problems)


def _reason(case) -> str:
    check = str(case.check)
    if check == "multiple_fields_uniqueness":
        return "duplicate natural key"
    if case.schema_context == "DataFrameSchema":
        return check  # a frame-wide rule, reported once per row rather than per column
    return f"{case.column}: {check}"


def _minute_completeness(df: pd.DataFrame, reference: Optional[Reference]) -> tuple[dict[int, str], list[str]]:
    """Rows of incomplete or off-grid buckets → reason; traded codes without bars → problems."""
    reasons: dict[int, str] = {}
    problems: list[str] = []
    if df.empty and (reference is None or not reference.traded_codes):
        return reasons, problems
    time, date = _datetimes(df["time"]), _datetimes(df["date"]).dt.normalize()
    offset = time - date
    on_grid = pd.Series(False, index=df.index)
    for period, offsets in sessions.OFFSETS.items():
        rows = df["period"] == period
        on_grid[rows] = offset[rows].isin(offsets)
    for i in df.index[~on_grid & df["period"].isin(list(sessions.PERIODS))]:
        reasons[int(i)] = f"time {df.at[i, 'time']} is off the {df.at[i, 'period']} session grid"
    key = [df["code"], date, df["period"]]
    have = on_grid.groupby(key).transform("sum")
    expected = df["period"].map(sessions.BARS_PER_DAY)
    short = expected.notna() & (have < expected)
    for i in df.index[short]:
        reasons.setdefault(int(i), f"missing bars: {int(have[i])} of {int(expected[i])} "
                                   f"{df.at[i, 'period']} session bars")
    if reference is not None and reference.traded_codes is not None:
        absent = sorted(reference.traded_codes - set(df["code"]))
        if absent:
            problems.append(f"missing bars: {len(absent)} securities trading that day (stored daily_bars, "
                            f"not paused) have no bars, e.g. {absent[:5]}")
    return reasons, problems


def _datetimes(values: pd.Series) -> pd.Series:
    # to_datetime walks a datetime64 column element by element (its cache heuristics): seconds
    # for a full-market day's 1.2 M bars. Only other dtypes need converting.
    return values if values.dtype.kind == "M" else pd.to_datetime(values, errors="coerce")


def _pre_close_agrees(df: pd.DataFrame, ref: Reference) -> dict[int, str]:
    """Rows whose pre_close disagrees with prev_close × prev_factor / factor → reason."""
    if ref.prev_close is None or ref.prev_factor is None or ref.factor is None or df.empty:
        return {}
    prev = df["code"].map(ref.prev_close)
    f_prev, f_day = df["code"].map(ref.prev_factor), df["code"].map(ref.factor)
    expected = prev * f_prev / f_day
    pre = pd.to_numeric(df["pre_close"], errors="coerce")
    known = expected.notna() & pre.notna()
    bad = known & ((pre - expected).abs() > PRE_CLOSE_TICK + PRE_CLOSE_RTOL * expected.abs())
    return {int(i): (f"pre_close {pre[i]:.4f} disagrees with previous close {prev[i]:.4f} × factor "
                     f"{f_prev[i]:.6g} / {f_day[i]:.6g} = {expected[i]:.4f}")
            for i in df.index[bad.to_numpy()]}

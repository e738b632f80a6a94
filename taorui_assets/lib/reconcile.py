"""Comparing two sources' canonical frames for the same partition (pure).

Who compares: the <dataset>_reconciliation assets (reconciliation_asset.py; which fields: the
spec's ``reconcile`` in lib/datasets.py) and healing, before a backup's partition is replaced
(lib/storage/reconciliation.py keeps the results).

Tolerances (|a − b| ≤ atol + rtol·|b|), chosen from how the sources publish:
- prices (open/high/low/close/pre_close/limits): atol 0.001 CNY — both publish cents, so
  any difference of a cent or more is real;
- volume: rtol 1e-6 — QMT reports lots of 100 and JQData shares; after conversion they agree;
- amount / money: rtol 1e-4 — vendors round turnover differently (JQData to the yuan or 万元);
- financial statement lines: rtol 1e-6 — statements are published to the yuan;
- everything else numeric: rtol 1e-6.
- valuation, our computed table against a vendor's (JQData publishes share capital in 万股 and
  market values in 亿元 with 4 decimals, ratios to 2-4 decimals — its sample row of 000001.XSHE:
  pe_ratio 8.53, pb_ratio 0.9787, market_cap 1978.0314): share counts rtol 1e-6; market values
  rtol 1e-4 (+ 10,000 CNY, the 4th decimal of 亿元); turnover_ratio rtol 1e-4 (+ 1e-4 percentage
  points); pe/pb/ps/pcf rtol 1e-3 (+ 0.01, the 2nd decimal). A null on one side only differs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from taorui_assets.lib.datasets import get

PRICE_FIELDS = {"open", "high", "low", "close", "pre_close", "high_limit", "low_limit"}


VALUATION_TOLERANCES = {  # (rtol, atol); see the module docstring
    "total_shares": (1e-6, 0.0), "float_shares": (1e-6, 0.0),
    "market_cap": (1e-4, 1e4), "float_market_cap": (1e-4, 1e4),
    "turnover_ratio": (1e-4, 1e-4),
    **{f: (1e-3, 1e-2) for f in ("pe_ttm", "pe_lyr", "pb", "ps_ttm", "pcf_ttm")},
}


def tolerance(field: str) -> tuple[float, float]:
    """(rtol, atol) for a field."""
    if field in VALUATION_TOLERANCES:
        return VALUATION_TOLERANCES[field]
    if field in PRICE_FIELDS:
        return 0.0, 1e-3
    if field in ("amount", "money"):
        return 1e-4, 0.0
    return 1e-6, 0.0


@dataclass
class Comparison:
    compared: int
    differing: pd.DataFrame  # key columns + field, a, b
    only_a: pd.DataFrame
    only_b: pd.DataFrame

    @property
    def ok(self) -> bool:
        return self.differing.empty and self.only_a.empty and self.only_b.empty

    def counts(self) -> dict:
        return {"compared": self.compared, "differing": int(self.differing.shape[0]),
                "only_first": int(self.only_a.shape[0]), "only_second": int(self.only_b.shape[0])}


def compare(dataset: str, a: pd.DataFrame, b: pd.DataFrame, fields: list[str] | None = None) -> Comparison:
    spec = get(dataset)
    keys = list(spec.row_key)
    if fields is None:  # the spec's fields, else every numeric one
        fields = list(spec.reconcile) or [c for c in a.columns if c not in keys and c != "source"
                                           and pd.api.types.is_numeric_dtype(a[c]) and not pd.api.types.is_bool_dtype(a[c])]
    m = a[keys + fields].merge(b[keys + fields], on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    only_a = m.loc[m["_merge"] == "left_only", keys]
    only_b = m.loc[m["_merge"] == "right_only", keys]
    both = m[m["_merge"] == "both"]
    rows = []
    for f in fields:
        x, y = both[f"{f}_a"].astype(float), both[f"{f}_b"].astype(float)
        rtol, atol = tolerance(f)
        same = np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=True)
        bad = both.loc[~same, keys].assign(field=f, first=x[~same], second=y[~same])
        rows.append(bad)
    differing = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=keys + ["field", "first", "second"])
    return Comparison(len(both), differing, only_a.reset_index(drop=True), only_b.reset_index(drop=True))

"""Market datasets (specs: lib/datasets.py)."""
from taorui_assets.dataset_asset import dataset_asset
from taorui_assets.lib.storage.scopes import day
from taorui_assets.reconciliation_asset import reconciliation_asset

daily_bars = dataset_asset(
    "daily_bars",
    description="Unadjusted daily bars of every listed stock, one document per (code, date). "
    "Suspended stocks are present with paused=true. Adjust on read with adj_factors.",
    fetch=lambda src, key, progress: src.daily_bars(day(key).date(), progress=progress),
    deps=["instruments", "adj_factors"],  # pre_close is checked against the day's stored factors
)

daily_bars_reconciliation = reconciliation_asset(
    "daily_bars",
    fetch=lambda src, key, codes: src.daily_bars(day(key).date(), codes=codes),
)


def _minutes(period: str):
    return dataset_asset(
        "minute_bars", period=period,
        description=f"Unadjusted {period} bars labelled by bar end time, bucketed as one document per "
        "(code, date, period) holding column arrays; they aggregate exactly to the daily bar.",
        fetch=lambda src, key, progress, codes=None: src.minute_bars(day(key).date(), period, codes=codes,
                                                                      progress=progress),
        deps=["daily_bars"],
    )


minute_bars_1m = _minutes("1m")
minute_bars_5m = _minutes("5m")

adj_factors = dataset_asset(
    "adj_factors",
    description="Backward cumulative adjustment factor of every listed stock on the day "
    "(post-adjusted price = price × factor); forward and backward adjustment are computed on read.",
    fetch=lambda src, key, progress: src.adj_factors(day(key).date()),
    deps=["instruments"],
)

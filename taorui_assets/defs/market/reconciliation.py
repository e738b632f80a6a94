from taorui_assets.lib.storage.scopes import day, scope
from taorui_assets.partitions import trading_days
from taorui_assets.reconciliation import reconciliation_asset

daily_bars_reconciliation = reconciliation_asset(
    name="daily_bars_reconciliation", dataset="daily_bars", partitions_def=trading_days, group="market",
    deps=["daily_bars"],
    universe=lambda store, key: store.db["daily_bars"].distinct("code", scope("daily_bars", key)),
    fetch=lambda src, key, codes: src.daily_bars(day(key).date(), codes=codes),
)

"""Flow datasets (specs: lib/datasets.py)."""
from taorui_assets.dataset_asset import dataset_asset
from taorui_assets.lib.storage.scopes import day

billboard = dataset_asset(
    "billboard",
    description="龙虎榜: the top-5 buying and selling seats of every stock that met an exchange "
    "listing rule on the day (e.g. a ±7% close-to-close deviation).",
    fetch=lambda src, key, progress: src.billboard(day(key).date()),
    deps=["daily_bars"],
    allow_empty=True,  # a quiet day lists nobody
)

northbound_flow = dataset_asset(
    "northbound_flow",
    description="Northbound Stock Connect turnover by channel (Shanghai, Shenzhen), CNY.",
    fetch=lambda src, key, progress: src.northbound_flow(day(key).date()),
    deps=["daily_bars"],
)

money_flow = dataset_asset(
    "money_flow",
    description="Net inflow by order size (extra-large, large, medium, small) of every traded stock, CNY.",
    fetch=lambda src, key, progress: src.money_flow(day(key).date()),
    deps=["daily_bars"],
)

northbound_holdings = dataset_asset(
    "northbound_holdings",
    description="Shares of each A-share stock held through northbound Stock Connect after the day "
    "(沪深港通持股), with the percent of its shares. QMT does not document the fields of its "
    "holdings period, so this comes from JQData (finance.STK_HK_HOLD_INFO).",
    fetch=lambda src, key, progress: src.northbound_holdings(day(key).date()),
    deps=["daily_bars"],
)

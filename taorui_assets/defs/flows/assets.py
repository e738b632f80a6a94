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

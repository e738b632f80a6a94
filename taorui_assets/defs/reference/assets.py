"""Reference datasets (specs: lib/datasets.py)."""
from taorui_assets.dataset_asset import dataset_asset
from taorui_assets.lib.storage.scopes import day

instruments = dataset_asset(
    "instruments",
    description="Every A-share stock listed on the trading day, with board, ST status and share "
    "capital, plus the tracked indexes. One document per (date, code), so the universe and ST "
    "status are known point-in-time.",
    fetch=lambda src, key, progress: src.instruments(day(key).date()),
)

trading_calendar = dataset_asset(
    "trading_calendar",
    description="SSE trading days of the year as the source publishes them; the asset check "
    "compares them with the platform's own holiday table.",
    fetch=lambda src, key, progress: src.trading_calendar(int(key)),
)

sector_membership = dataset_asset(
    "sector_membership",
    description="Industry and concept membership in force on the trading day, kept per day so that "
    "'members of X as of D' is answerable for any D.",
    fetch=lambda src, key, progress: src.sector_membership(day(key).date()),
    deps=["instruments"],
)

index_weights = dataset_asset(
    "index_weights",
    description="Constituents and weights (percent) of the tracked indexes on the trading day.",
    fetch=lambda src, key, progress: src.index_weights(day(key).date()),
    deps=["instruments"],
)

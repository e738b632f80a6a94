import dagster as dg

from taorui_assets import ranges
from taorui_assets.checks import result
from taorui_assets.lib import quality
from taorui_assets.lib.storage import written
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.partitions import trading_days
from taorui_assets.resources.mongo import MongoResource


def _written_or_read(context, store, dataset: str, key: str, period=None, last_reader: bool = False):
    """What this run's asset has just written (lib/storage/written.py), else read back."""
    run = written.run_of(context)
    frame = (written.take if last_reader else written.peek)(run, dataset, key, period)
    if frame is None:  # in another process than the asset: its summary, if it saved one
        frame = written.stored_summary(store.db, run, dataset, key, period)
    return frame if frame is not None else store.read(dataset, scope(dataset, key, period))


def _instruments_and_bars(context, mongo: MongoResource, key: str):
    store = mongo.store()
    return _written_or_read(context, store, "instruments", key), _written_or_read(context, store, "daily_bars", key)


@dg.asset_check(asset="daily_bars", partitions_def=trading_days, additional_deps=["instruments"],
                description="Every security listed that day, of every type (stock, index, ETF, LOF, convertible "
                "bond), has a daily bar (suspended ones with paused=true), and no bar belongs to a code that "
                "was not listed.")
@ranges.day_by_day  # a backfill run checks each day of its range
def daily_bars_complete(context: dg.AssetCheckExecutionContext, mongo: MongoResource) -> dg.AssetCheckResult:
    inst, bars = _instruments_and_bars(context, mongo, context.partition_key)
    return result(quality.missing_daily_bars(inst, bars), len(inst), "securities without a bar or bars without a listed security")


@dg.asset_check(asset="daily_bars", partitions_def=trading_days, additional_deps=["instruments"],
                description="OHLC ordering, prices within the limits, limit prices equal to the exchange "
                "rule for the type, board, ST status and day (none for indexes; codes.limit_prices), "
                "suspended days flat.")
@ranges.day_by_day  # a backfill run checks each day of its range
def daily_bars_sane(context: dg.AssetCheckExecutionContext, mongo: MongoResource) -> dg.AssetCheckResult:
    inst, bars = _instruments_and_bars(context, mongo, context.partition_key)
    return result(quality.bar_violations(bars, inst), len(bars), "bars break OHLC or price-limit rules")


def _minute_check(period: str):
    @dg.asset_check(asset=f"minute_bars_{period}", name=f"minute_bars_{period}_match_daily",
                    partitions_def=trading_days, additional_deps=["daily_bars"],
                    description=f"{period} bars aggregate exactly to the daily bar: first open, max high, "
                    "min low, last close, summed volume and amount.")
    @ranges.day_by_day  # a backfill run checks each day of its range
    def _check(context: dg.AssetCheckExecutionContext, mongo: MongoResource) -> dg.AssetCheckResult:
        store, key = mongo.store(), context.partition_key
        daily = _written_or_read(context, store, "daily_bars", key)
        minutes = _written_or_read(context, store, "minute_bars", key, period, last_reader=True)
        return result(quality.minute_mismatches(daily, minutes), len(daily), "stocks whose minutes disagree")

    return _check


minute_bars_1m_match_daily = _minute_check("1m")
minute_bars_5m_match_daily = _minute_check("5m")

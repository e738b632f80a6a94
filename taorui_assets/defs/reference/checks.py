import dagster as dg

from taorui_assets.checks import result
from taorui_assets.lib import quality
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.partitions import years
from taorui_assets.resources.mongo import MongoResource


@dg.asset_check(asset="trading_calendar", partitions_def=years,
                description="The source's trading days equal the platform's SSE holiday table.")
def trading_calendar_matches_holidays(context: dg.AssetCheckExecutionContext,
                                      mongo: MongoResource) -> dg.AssetCheckResult:
    key = context.partition_key
    days = mongo.store().read("trading_calendar", scope("trading_calendar", key))
    return result(quality.calendar_mismatches(days, int(key)), len(days), "calendar days disagree")

import dagster as dg
import pandas as pd

from taorui_assets import ranges
from taorui_assets.checks import result
from taorui_assets.lib import quality
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.partitions import report_quarters
from taorui_assets.resources.mongo import MongoResource


@dg.asset_check(asset="financial_statements", partitions_def=report_quarters,
                description="Every stored balance sheet (every version) balances: total assets equal "
                "total liabilities plus total equity.")
def balance_sheets_balance(context: dg.AssetCheckExecutionContext, mongo: MongoResource) -> dg.AssetCheckResult:
    key = context.partition_key
    stmts = mongo.store().read("financial_statements", scope("financial_statements", key))
    return result(quality.identity_violations(stmts), int((stmts["statement"] == "balance").sum()),
                  "balance sheets do not balance")


# ---- capital structure and holders (issue 13 part 4) ----
@dg.asset_check(asset="capital_changes", partitions_def=report_quarters,
                description="Restricted shares equal total minus float shares where a source gives all three.")
def capital_adds_up(context: dg.AssetCheckExecutionContext, mongo: MongoResource) -> dg.AssetCheckResult:
    df = mongo.store().read("capital_changes", scope("capital_changes", context.partition_key))
    known = df.dropna(subset=["restricted_shares"])
    bad = known[(known["total_shares"] - known["float_shares"] - known["restricted_shares"]).abs() > 0.5]
    return result(bad[["code", "change_date", "total_shares", "float_shares", "restricted_shares"]],
                  len(known), "capital changes do not add up")


@dg.asset_check(asset="top10_holders", partitions_def=report_quarters,
                description="Each published list ranks its holders 1..n (n <= 10) by shares held, largest first.")
def holder_lists_ranked(context: dg.AssetCheckExecutionContext, mongo: MongoResource) -> dg.AssetCheckResult:
    df = mongo.store().read("top10_holders", scope("top10_holders", context.partition_key))
    keys = ["code", "kind", "report_date", "pub_date"]
    bad = []
    for key, g in df.groupby(keys) if len(df) else []:
        g = g.sort_values("rank")
        if list(g["rank"]) != list(range(1, len(g) + 1)) or not g["shares"].is_monotonic_decreasing:
            bad.append(dict(zip(keys, key)))
    return result(pd.DataFrame(bad, columns=keys), int(df.groupby(keys).ngroups) if len(df) else 0,
                  "holder lists are not ranked by shares")

# ----- valuation (issue 13 part 2) ---------------------------------------------------------------
from taorui_assets.partitions import trading_days  # noqa: E402


@dg.asset_check(asset="valuation", partitions_def=trading_days,
                description="The stored valuation still matches the stored prices and share counts of the day: "
                "one row per traded stock, with the same close, total and float shares, and market values equal "
                "to close × shares. Fails when daily_bars or instruments were re-materialized (healed) after "
                "the valuation was computed: re-materialize valuation.")
@ranges.day_by_day  # a backfill run checks each day of its range
def valuation_matches_prices(context: dg.AssetCheckExecutionContext, mongo: MongoResource) -> dg.AssetCheckResult:
    from taorui_assets.lib.valuation import consistency_violations

    key, store = context.partition_key, mongo.store()
    val = store.read("valuation", scope("valuation", key))
    bars = store.read("daily_bars", scope("daily_bars", key))
    inst = store.read("instruments", scope("instruments", key))
    return result(consistency_violations(val, bars, inst), len(val), "valuation rows disagree with the stored "
                  "prices or share counts")

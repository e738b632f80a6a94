"""The ``ticks`` asset: seals a captured trading day after the close.

The capture process (lib/realtime, ``scripts/run capture``) writes the ticks during the
session; this asset does not fetch anything. Materializing a day checks its ticks, rolls
them into 1m bars, reconciles them with the downloaded ``minute_bars`` 1m partition, records
coverage and differences, drops the live bars (the reference replaces them) and — only when
every check passed — removes the day's journal.
"""

import datetime as dt

import dagster as dg
import pandas as pd

from taorui_assets.defs.realtime.resources import RealtimeResource
from taorui_assets.lib.realtime import seal, storage
from taorui_assets.lib.realtime.journal import JournalError, remove_sealed_day
from taorui_assets.lib.realtime.writer import fold_leftovers
from taorui_assets.lib.storage.scopes import day as day_of
from taorui_assets.dataset_asset import asset_tags, column_schema, partitions_of
from taorui_assets.lib import datasets
from taorui_assets.resources.mongo import MongoResource

CHUNK = 200  # codes per read: a full-market day of ticks (~24 M rows) never sits in memory
CHECKS = {
    "cumulative_never_decrease": "cumulative volume and amount never decrease within a code's day",
    "prices_within_limits": "every last price lies within the day's limit-down/limit-up prices",
    "no_long_gaps": f"no code with ticks is silent > {seal.GAP_S}s of continuous trading",
    "reconciles_with_minute_bars": "the 1m roll-up matches minute_bars within the documented tolerances",
}


SPEC = datasets.get("ticks")


@dg.asset(
    name="ticks", partitions_def=partitions_of(SPEC), group_name=SPEC.group, kinds={"mongodb"},
    owners=list(SPEC.owners), tags=asset_tags(SPEC), deps=[dg.AssetKey("minute_bars_1m"), dg.AssetKey("daily_bars")],
    metadata={"dataset": SPEC.name, "collection": SPEC.collection, "natural_key": ", ".join(SPEC.key),
              "dagster/column_schema": column_schema(SPEC)},
    description="QMT snapshot ticks captured by the capture service, one document per (code, 1m bar). "
    "Materialized after the close it seals the day: checks, 1m roll-up reconciled with minute_bars, "
    "then the day's journal is removed.",
    check_specs=[dg.AssetCheckSpec(name, asset="ticks", description=d) for name, d in CHECKS.items()],
)
def ticks(context: dg.AssetExecutionContext, mongo: MongoResource, realtime: RealtimeResource):
    key = context.partition_key
    day = day_of(key)
    db = mongo.client[mongo.database]
    folded = fold_leftovers(db, day.date())
    if folded:
        context.log.info(f"ticks {key}: {folded:,} ticks of bars the capture had not closed put into buckets")
    codes = sorted(db[storage.TICKS].distinct("code", {"date": day}))
    if not codes:
        raise dg.Failure(description=f"no ticks were captured on {key}: was `scripts/run capture` running?")
    totals = {k: 0 for k in ("ticks", "bars", "reference_bars", "differences", "live_bar_differences",
                             "cumulative", "limits", "gaps")}
    examples: dict[str, list] = {k: [] for k in ("cumulative", "limits", "gaps", "differences",
                                                 "live_bar_differences")}
    ref_codes = set(db["minute_bars"].distinct("code", {"date": day, "period": "1m"}))
    end = day + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    for i in range(0, len(codes), CHUNK):
        part = codes[i:i + CHUNK]
        t = pd.concat([storage.read_ticks(db, c, day, end) for c in part], ignore_index=True)
        daily = pd.DataFrame(list(db["daily_bars"].find({"date": day, "code": {"$in": part}},
                                                        {"code": 1, "high_limit": 1, "low_limit": 1})))
        found = seal.check(t, daily)
        for k, v in found.items():
            totals[k] += len(v)
            examples[k] += v.head(5).astype(str).to_dict("records")
        ref = mongo.store().read("minute_bars", {"date": day, "period": "1m", "code": {"$in": part}})
        bars, diff = seal.reconcile(t, ref)
        # The live bars the capture kept during the session, against the same reference: what
        # intraday readers saw differs from the final bars by this much (recorded, then replaced).
        live = storage.live_bars(db, day.date(), part)
        _, live_diff = seal.reconcile_bars(live, ref)
        totals["live_bar_differences"] += len(live_diff)
        examples["live_bar_differences"] += live_diff.head(5).astype(str).to_dict("records")
        totals["ticks"] += len(t)
        totals["bars"] += len(bars)
        totals["reference_bars"] += len(ref)
        totals["differences"] += len(diff)
        examples["differences"] += diff.head(5).astype(str).to_dict("records")
        context.log.info(f"ticks {key}: {min(i + CHUNK, len(codes))}/{len(codes)} codes checked")
    # Reference codes that were never captured are differences too (coverage).
    missing = sorted(ref_codes - set(codes))
    totals["differences"] += sum(db["minute_bars"].find_one({"date": day, "period": "1m", "code": c})["bars"]
                                 for c in missing)
    reference_ok = len(ref_codes) > 0
    passed = {
        "cumulative_never_decrease": totals["cumulative"] == 0,
        "prices_within_limits": totals["limits"] == 0,
        "no_long_gaps": totals["gaps"] == 0,
        "reconciles_with_minute_bars": reference_ok and totals["differences"] == 0,
    }
    db["ticks_reconciliation"].replace_one({"_id": key}, {
        "date": day, "totals": totals, "examples": examples, "codes_captured": len(codes),
        "codes_in_minute_bars": len(ref_codes), "codes_missing": missing[:100], "passed": passed,
        "checked_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)}, upsert=True)
    sealed = all(passed.values())
    removed = False
    if sealed:
        # The downloaded minute_bars are the reference from now on: drop the live bars.
        db[storage.TICKS].update_many({"date": day, "bar": {"$exists": True}}, {"$unset": {"bar": ""}})
        removed = _remove_journal(realtime.journal_dir, key, context)
    else:
        context.log.warning(f"ticks {key} NOT sealed (failed: {[k for k, ok in passed.items() if not ok]}); "
                            "the journal is kept")
    meta = {
        "dagster/row_count": totals["ticks"], "codes_captured": len(codes), "codes_in_minute_bars": len(ref_codes),
        "coverage_codes": round(len(set(codes) & ref_codes) / len(ref_codes), 4) if ref_codes else 0.0,
        "coverage_bars": round(totals["bars"] / totals["reference_bars"], 4) if totals["reference_bars"] else 0.0,
        "bars_rolled_up": totals["bars"], "bar_differences": totals["differences"],
        "live_bar_differences": totals["live_bar_differences"], "sealed": sealed,
        "journal_removed": removed,
        "tolerances": f"volume max({seal.VOLUME_ATOL:g} sh, {seal.VOLUME_RTOL:.0%}), "
                      f"amount max({seal.AMOUNT_ATOL:g} CNY, {seal.AMOUNT_RTOL:.0%}); gap {seal.GAP_S}s",
    }
    yield dg.MaterializeResult(metadata=meta)
    for name, ok in passed.items():
        short = {"cumulative_never_decrease": "cumulative", "prices_within_limits": "limits",
                 "no_long_gaps": "gaps", "reconciles_with_minute_bars": "differences"}[name]
        yield dg.AssetCheckResult(check_name=name, passed=bool(ok), metadata={
            "violations": totals[short], "examples": dg.MetadataValue.json(examples[short][:5]),
            **({"reference_missing": True} if name == "reconciles_with_minute_bars" and not reference_ok else {})})


def _remove_journal(journal_dir: str, key: str, context) -> bool:
    try:
        removed = remove_sealed_day(journal_dir, key)
    except JournalError as e:
        raise dg.Failure(description=str(e)) from None
    context.log.info(f"ticks {key}: sealed; journal {'removed' if removed else 'already gone'}")
    return removed

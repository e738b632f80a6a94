"""Healing: partitions written from a backup source are re-materialized from the primary
once the primary is healthy again.

Each tick asks the primary for something cheap (this year's trading calendar) through the
same circuit breaker the assets use. If it answers, every daily partition whose documents
came from another source is requested again; the asset asks the primary first and records
the differences between the backup's data and the primary's in ``reconciliation``.

Restart safety: the run key is (asset, partition, when the backup data was written, the
primary's current health epoch). Dagster never launches a run key twice, so replaying a
tick launches nothing new; a heal that failed because the primary fell ill again gets a
new key after the next recovery. The cursor records the epoch and what is still pending.
"""
import json

import dagster as dg

from taorui_assets import asof
from taorui_assets.lib import datasets
from taorui_assets.lib.sources.breaker import CircuitBreaker
from taorui_assets.resources.mongo import MongoResource
from taorui_assets.resources.sources import MarketSourceResource

# asset → (collection, period) of every healable dataset (lib/datasets.py). Order matters
# within one partition: codes are checked against the stored instruments, so datasets whose
# codes are not checked (instruments itself) are healed first.
HEALABLE = {
    asset: (spec.collection, spec.period_of(asset))
    for spec in sorted((s for s in datasets.SPECS if s.healable), key=lambda s: s.codes_checked)
    for asset in spec.assets
}
ORDER = list(HEALABLE)


def backup_partitions(db, primary: str) -> list[tuple[str, str, str]]:
    """(asset, partition key, backup write time) for every partition not from the primary."""
    found = []
    for asset, (coll, period) in HEALABLE.items():
        match = {"source": {"$ne": primary}}
        if period:
            match["period"] = period
        for row in db[coll].aggregate([{"$match": match},
                                       {"$group": {"_id": "$date", "written": {"$max": "$ingested_at"}}}]):
            found.append((asset, row["_id"].strftime("%Y-%m-%d"), row["written"].strftime("%Y%m%dT%H%M%S")))
    return sorted(found, key=lambda t: (t[1], ORDER.index(t[0])))


def probe_primary(market_source: MarketSourceResource, breaker: CircuitBreaker, db, primary: str,
                  log) -> tuple[bool, str]:
    if not breaker.allow(primary):
        return False, f"{primary}'s circuit is open"
    router = market_source.get_router(log=log, db=db)
    # the attempt builds the source too: a source that cannot be built is an "error" outcome
    attempt = router.attempt(0, lambda s: s.trading_calendar(asof.today().year))
    if attempt.outcome != "ok" or attempt.frame.empty:
        breaker.failure(primary, attempt.detail or "empty calendar")
        return False, f"{primary} probe {attempt.outcome}: {attempt.detail}"
    breaker.success(primary)
    return True, "ok"


@dg.sensor(
    name="heal_backup_partitions", minimum_interval_seconds=600,
    target=dg.AssetSelection.assets(*HEALABLE),
    description="Re-materializes from the primary source every trading-day partition that was "
    "written from a backup, once the primary answers again.",
)
def heal_backup_partitions(context: dg.SensorEvaluationContext, mongo: MongoResource,
                           market_source: MarketSourceResource):
    primary = market_source.primary_name()
    if primary is None:
        return dg.SkipReason("only one source is configured: nothing can be healed")
    store = mongo.store()
    breaker = market_source.breaker(store.db)
    pending = backup_partitions(store.db, primary)
    if not pending:
        return dg.SensorResult(skip_reason=dg.SkipReason("every partition comes from the primary"),
                               cursor=json.dumps({"pending": 0}))
    healthy, why = probe_primary(market_source, breaker, store.db, primary, context.log)
    if not healthy:
        return dg.SensorResult(skip_reason=dg.SkipReason(f"{len(pending)} partitions wait for {primary}: {why}"),
                               cursor=json.dumps({"pending": len(pending), "primary": why}))
    epoch = breaker.recovered_at(primary)
    epoch_key = epoch.strftime("%Y%m%dT%H%M%S") if epoch else "0"
    requests = [
        dg.RunRequest(run_key=f"heal:{asset}:{key}:{written}:{epoch_key}", partition_key=key,
                      asset_selection=[dg.AssetKey(asset)], tags={"taorui/heal": primary})
        for asset, key, written in pending
    ]
    context.log.info(f"healing {len(requests)} partitions from {primary}")
    return dg.SensorResult(run_requests=requests,
                           cursor=json.dumps({"pending": len(pending), "epoch": epoch_key}))

"""The asset factory for reconciliation: sample a partition, ask primary and backup, compare.

One ``<dataset>_reconciliation`` asset per dataset whose spec names fields to ``reconcile``
(lib/datasets.py); it is declared beside the dataset's asset in defs/<group>/assets.py and
runs in the same jobs and schedules. The comparison and its tolerances live in
``lib/reconcile.py``; the result, with the differing rows, goes to the ``reconciliation``
collection (lib/storage/reconciliation.py); the ``within_tolerance`` check fails when any
sampled value differs beyond its tolerance or a row exists in one source only.
"""
import hashlib
from typing import Callable, Optional

import dagster as dg
import pandas as pd

from taorui_assets import ranges, settings
from taorui_assets.dataset_asset import KINDS, asset_tags, partitions_of
from taorui_assets.lib import datasets
from taorui_assets.lib.reconcile import compare
from taorui_assets.lib.sources.base import MarketDataSource
from taorui_assets.lib.storage import reconciliation as stored
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.resources.mongo import MongoResource
from taorui_assets.resources.sources import MarketSourceResource

def sample(codes: list[str], key: str, n: Optional[int] = None) -> list[str]:
    """A deterministic sample that changes with the partition, so over time every code is seen;
    ``n`` codes, by default ``TAORUI_RECONCILE_SAMPLE``."""
    n = settings.load().reconcile_sample if n is None else n
    ranked = sorted(codes, key=lambda c: hashlib.sha1(f"{key}|{c}".encode()).hexdigest())
    return sorted(ranked[:n])


def reconciliation_asset(dataset: str, *,
                         fetch: Callable[[MarketDataSource, str, list[str]], pd.DataFrame]) -> dg.AssetsDefinition:
    """``fetch(source, partition_key, codes)`` asks one source for the sampled codes."""
    spec = datasets.get(dataset)
    if not spec.reconcile:
        raise ValueError(f"{dataset}: its spec names no fields to reconcile (lib/datasets.py)")
    name = spec.reconciliation_asset

    @dg.asset(
        name=name, partitions_def=partitions_of(spec), group_name=spec.group, kinds=KINDS,
        backfill_policy=ranges.policy_for(spec.partitions),  # in the same run as its dataset's range
        deps=spec.assets, owners=list(spec.owners), tags=asset_tags(spec),
        description=f"Samples {dataset} for the partition, asks the primary and the backup source for the "
        f"same rows, and stores the comparison ({', '.join(spec.reconcile)}, with the differing rows) in "
        "the reconciliation collection.",
        check_specs=[dg.AssetCheckSpec("within_tolerance", asset=name,
                                       description="Primary and backup agree within the documented tolerances.")],
    )
    @ranges.day_by_day
    def _asset(context: dg.AssetExecutionContext, market_source: MarketSourceResource, mongo: MongoResource):
        key, store = context.partition_key, mongo.store()
        sources = market_source.get_sources(log=context.log)
        if len(sources) < 2:
            msg = f"one source configured ({sources[0].name}): nothing to reconcile"
            context.log.info(msg)
            yield dg.AssetCheckResult(check_name="within_tolerance", passed=True, description=msg)
            yield dg.MaterializeResult(metadata={"status": msg})
            return
        codes = sample(store.db[spec.collection].distinct("code", scope(dataset, key)), key)
        first, second = sources[0], sources[1]
        a, b = fetch(first, key, codes), fetch(second, key, codes)
        cmp = compare(dataset, a, b)
        doc = stored.save(store.db, "sample", dataset, key, first.name, second.name, cmp, {"codes": codes})
        counts = cmp.counts()
        yield dg.AssetCheckResult(check_name="within_tolerance", passed=cmp.ok, metadata=counts,
                                  description=None if cmp.ok else f"{first.name} and {second.name} disagree: {counts}")
        yield dg.MaterializeResult(metadata={**counts, "sampled_codes": len(codes), "reconciliation_id": doc["_id"]})

    return _asset

"""The ``valuation`` asset (computed from stored data) and its reconciliation with a vendor's table.

Unlike the fetched datasets (dataset_asset.py), valuation is computed from what is stored for
the day: daily_bars (close, volume, paused), instruments (share counts) and every stored
version of financial_statements, with the formulas of lib/valuation.py. Its spec in the
registry (lib/datasets.py) gives partitions, group, tags, owners, schedule and columns as for
any dataset. Provenance: the ``source`` of each document is that of the day's daily_bars.

``valuation_reconciliation`` compares a deterministic sample of the stored rows with a
source's own valuation table (``MarketDataSource.valuation``: JQData's ``get_valuation``; in
the demo SimMarket's independent reference; QMT has none and is skipped), within the
tolerances of lib/reconcile.py, and keeps the result in the ``reconciliation`` collection.
"""

import datetime as dt

import dagster as dg
import pandas as pd

from taorui_assets import ranges
from taorui_assets.dataset_asset import KINDS, asset_tags, column_schema, partitions_of
from taorui_assets.lib import datasets, schemas
from taorui_assets.lib import valuation as V
from taorui_assets.lib.reconcile import compare
from taorui_assets.lib.sources.base import NoValuationTable
from taorui_assets.lib.storage import reconciliation as stored
from taorui_assets.lib.storage import statement_digest
from taorui_assets.lib.storage import written
from taorui_assets.lib.storage.scopes import day, scope
from taorui_assets.reconciliation_asset import sample
from taorui_assets.resources.mongo import MongoResource
from taorui_assets.resources.sources import MarketSourceResource

NAME = "valuation"


def stored_inputs(db, key: str, days: list[str] | None = None, run_id: str = "",
                  log=None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """(daily bars, instruments, statements known by the day, daily_bars sources) of partition
    ``key``. ``days``: the range of a backfill run that ``key`` is part of (ranges.py): the
    statements of the whole range are read once, for its first day, and kept for the others of
    run ``run_id`` (a full-market lookback is ~10^5 statement versions, the same for every day
    of a month), from their digests (lib/storage/statement_digest.py; ``log`` hears of quarters
    read from the statements themselves)."""
    when = day(key)
    bars = pd.DataFrame(list(db["daily_bars"].find(scope("daily_bars", key),
                                                   {"_id": 0, "code": 1, "close": 1, "volume": 1, "paused": 1,
                                                    "source": 1})))
    if bars.empty:
        raise dg.Failure(description=f"valuation {key}: daily_bars of {key} are not stored; materialize them first")
    inst = pd.DataFrame(list(db["instruments"].find(scope("instruments", key),
                                                    {"_id": 0, "code": 1, "type": 1, "total_shares": 1,
                                                     "float_shares": 1})))
    if inst.empty:
        raise dg.Failure(description=f"valuation {key}: instruments of {key} are not stored; materialize them first")
    days = days or [key]
    first, last = day(days[0]), day(days[-1])
    kept = _STATEMENTS.get((run_id, db.name, first, last))
    if kept is None:
        _STATEMENTS.clear()
        kept = _STATEMENTS[(run_id, db.name, first, last)] = statement_digest.read(
            db, first - dt.timedelta(days=V.LOOKBACK_DAYS), last, pub_until=last, log=log)
    since = when - dt.timedelta(days=V.LOOKBACK_DAYS)
    stmts = kept[(kept["report_date"] >= since) & (kept["report_date"] <= when) & (kept["pub_date"] <= when)]
    if len(days) == 1:
        _STATEMENTS.clear()  # a one-day run keeps nothing: the next run may follow new statements
    return bars, inst, stmts.reset_index(drop=True), sorted(bars["source"].unique())


# The statements read for the backfill range being valued: (run, database, first day, last day) → rows.
_STATEMENTS: dict[tuple, pd.DataFrame] = {}


def valuation_asset() -> dg.AssetsDefinition:
    spec = datasets.get(NAME)

    @dg.asset(
        name=NAME, partitions_def=partitions_of(spec), group_name=spec.group, kinds=KINDS,
        backfill_policy=ranges.policy_for(spec.partitions),  # a range of days per backfill run (ranges.py)
        owners=list(spec.owners), tags=asset_tags(spec), io_manager_key="mongo_io_manager",
        description="JQData's valuation table (市值表) of every stock traded on the day, computed from the "
        "stored daily_bars, instruments and point-in-time financial_statements (formulas: lib/valuation.py): "
        "share capital, market values, turnover, PE (TTM and LYR), PB, PS (TTM), PCF (TTM).",
        deps=["daily_bars", "instruments",
              dg.AssetDep("financial_statements", partition_mapping=dg.AllPartitionMapping())],
        metadata={"dataset": NAME, "collection": spec.collection, "natural_key": ", ".join(spec.key),
                  "dagster/column_schema": column_schema(spec)},
        check_specs=[
            dg.AssetCheckSpec("schema", asset=NAME, blocking=True,
                              description="The computed partition passes the Pandera model Valuation; "
                              "otherwise nothing is written."),
            dg.AssetCheckSpec("statements_known", asset=NAME,
                              description="Financial statements are stored for the day: a day where no traded "
                              "stock has a known report means financial_statements were not materialized, so "
                              "every PE/PB/PS/PCF would be null. Stocks without a ratio are counted."),
        ],
    )
    @ranges.day_by_day  # a backfill run covers a range of days; each day is this body (ranges.py)
    def _asset(context: dg.AssetExecutionContext, mongo: MongoResource):
        key = context.partition_key
        store = mongo.store()
        bars, inst, stmts, sources = stored_inputs(store.db, key, ranges.range_of(context), written.run_of(context) or "",
                                                   log=lambda msg: context.log.info(f"valuation {key}: {msg}"))
        if len(sources) != 1:
            raise dg.Failure(description=f"valuation {key}: daily_bars of the day come from several sources {sources}")
        frame = V.compute(day(key), bars, inst, stmts)
        try:
            frame = schemas.validate(NAME, schemas.model(NAME).to_schema().coerce_dtype(frame))
        except Exception as exc:  # pandera SchemaErrors: say what, write nothing
            yield dg.AssetCheckResult(check_name="schema", passed=False, metadata={"error": str(exc)[:2000]})
            raise dg.Failure(description=f"valuation {key}: the computed rows fail the Valuation model; nothing "
                             f"was written:\n{str(exc)[:2000]}") from None
        yield dg.AssetCheckResult(check_name="schema", passed=True, metadata={"rows": len(frame)})
        missing = {c: int(frame[c].isna().sum()) for c in ("pe_ttm", "pe_lyr", "pb", "ps_ttm", "pcf_ttm")}
        known = len(frame) == 0 or int(frame["pb"].notna().sum()) > 0
        if not known:
            context.log.warning(f"valuation {key}: no financial statement is stored for any traded stock; "
                                "PE, PB, PS and PCF are null. Materialize financial_statements first.")
        yield dg.AssetCheckResult(
            check_name="statements_known", passed=known, severity=dg.AssetCheckSeverity.WARN,
            metadata={"statement_versions_read": len(stmts), **{f"null_{k}": v for k, v in missing.items()}},
            description=None if known else "no financial statements stored: materialize financial_statements")
        context.log.info(f"valuation {key}: {len(frame)} stocks from {len(stmts)} statement versions")
        yield dg.Output(frame.assign(source=sources[0]),
                        metadata={"dagster/row_count": len(frame), "source": sources[0],
                                  "codes": int(frame["code"].nunique()), "statement_versions_read": len(stmts)})

    return _asset


def valuation_reconciliation_asset() -> dg.AssetsDefinition:
    spec = datasets.get(NAME)
    name = spec.reconciliation_asset

    @dg.asset(
        name=name, partitions_def=partitions_of(spec), group_name=spec.group, kinds=KINDS, deps=[NAME],
        backfill_policy=ranges.policy_for(spec.partitions),  # in the same run as valuation's range
        owners=list(spec.owners), tags=asset_tags(spec),
        description="Samples the stored (computed) valuation of the day and compares it with a source's own "
        f"valuation table (JQData get_valuation; SimMarket's in the demo): {', '.join(spec.reconcile)}, within "
        "the tolerances of lib/reconcile.py; the result goes to the reconciliation collection.",
        check_specs=[dg.AssetCheckSpec("within_tolerance", asset=name,
                                       description="Our computed valuation agrees with the vendor's table "
                                       "within the documented tolerances.")],
    )
    @ranges.day_by_day
    def _asset(context: dg.AssetExecutionContext, market_source: MarketSourceResource, mongo: MongoResource):
        key, store = context.partition_key, mongo.store()
        ours = store.read(NAME, scope(NAME, key))
        codes = sample(sorted(ours["code"]) if len(ours) else [], key)
        reference, skipped = None, []
        for src in market_source.get_sources(log=context.log):
            try:
                reference = src.valuation(day(key).date(), codes)
                break
            except NoValuationTable as exc:  # any other failure fails the run: never a silent pass
                skipped.append(f"{src.name}: {exc}")
        if reference is None:
            msg = "no configured source has a valuation table: nothing to reconcile (" + "; ".join(skipped) + ")"
            context.log.info(msg)
            yield dg.AssetCheckResult(check_name="within_tolerance", passed=True, description=msg)
            yield dg.MaterializeResult(metadata={"status": msg})
            return
        ours = ours[ours["code"].isin(codes)].drop(columns="source", errors="ignore")
        cmp = compare(NAME, ours, reference)
        doc = stored.save(store.db, "sample", NAME, key, "computed", src.name, cmp, {"codes": codes})
        counts = cmp.counts()
        yield dg.AssetCheckResult(check_name="within_tolerance", passed=cmp.ok, metadata=counts,
                                  description=None if cmp.ok else f"computed valuation and {src.name} disagree: {counts}")
        yield dg.MaterializeResult(metadata={**counts, "reference": src.name, "sampled_codes": len(codes),
                                             "reconciliation_id": doc["_id"]})

    return _asset

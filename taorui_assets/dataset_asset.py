"""One factory for the dataset assets, so every dataset is fetched, judged, stamped and
written the same way.

The asset body asks the configured sources (through a ``SourceRouter``, even when there is
only one) for one partition. Each answer is judged row by row (``lib/validation.py``): bad
rows go to the ``quarantine`` collection and the whole answer is rejected, so the next
source is asked for the whole partition. If no source delivers a valid partition the run
fails before anything is written. The source actually used is stamped on every document
and in the materialization metadata.

Partitions, group, owners, tags and the column schema come from the dataset's spec in the
registry (lib/datasets.py), the freshness policy from its schedule when the definitions load
(automation.with_freshness); an asset declaration (defs/<group>/assets.py) adds only what is
particular to the asset: its description, the source call and its deps.
"""
from typing import Callable, Iterator, Optional, Sequence

import dagster as dg
import pandas as pd

from taorui_assets import partitions, ranges
from taorui_assets.lib import datasets
from taorui_assets.lib.datasets import DatasetSpec
from taorui_assets.lib.sources.base import MarketDataSource, Progress
from taorui_assets.lib.sources.failover import AllSourcesFailed, FetchResult
from taorui_assets.lib.storage import quarantine
from taorui_assets.lib.storage.reconciliation import record_replacement_differences
from taorui_assets.lib.storage import reference as stored_reference
from taorui_assets.lib.storage import written
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.resources.mongo import MongoResource
from taorui_assets.resources.sources import MarketSourceResource

Fetch = Callable[[MarketDataSource, str, Progress], pd.DataFrame]

KINDS = {"python", "pandas", "mongodb"}
# Asset tags; jobs select assets by them (defs/jobs.py).
DATASET_TAG, PARTITIONS_TAG, SCHEDULE_TAG = "taorui/dataset", "taorui/partitions", "taorui/schedule"


def asset_tags(spec: DatasetSpec) -> dict[str, str]:
    return {DATASET_TAG: spec.name, PARTITIONS_TAG: spec.partitions, SCHEDULE_TAG: spec.schedule}


def partitions_of(spec: DatasetSpec) -> dg.PartitionsDefinition:
    return partitions.BY_KIND[spec.partitions]


def column_schema(spec: DatasetSpec) -> dg.TableSchema:
    """The catalog's column list, from the Pandera model of the canonical frame."""
    schema = spec.model.to_schema()
    return dg.TableSchema(columns=[
        dg.TableColumn(
            name, type=str(col.dtype), description=col.description,
            constraints=dg.TableColumnConstraints(
                nullable=col.nullable, unique=col.unique,
                other=[str(c.error or c.name) for c in col.checks]),
        )
        for name, col in schema.columns.items()
    ])


def progress_logger(context: dg.AssetExecutionContext, label: str, every: float = 0.1) -> Progress:
    """Logs at most every ``every`` fraction of the work, plus the end."""
    state = {"next": 0.0}

    def report(done: int, total: int, message: str = "") -> None:
        frac = done / total if total else 1.0
        if frac >= state["next"] or done >= total:
            context.log.info(f"{label}: {done}/{total} {message}".rstrip())
            state["next"] = frac + every

    return report


def listed_codes(store, key: str, run_id: Optional[str] = None) -> set[str]:
    kept = written.peek(run_id, "instruments", key) if run_id else None  # this run wrote them
    inst = list(kept["code"]) if kept is not None else store.db["instruments"].distinct("code", scope("instruments", key))
    if not inst:
        raise dg.Failure(description=f"instruments for {key} are not stored yet: materialize the "
                         "instruments partition first, so codes can be checked against the listing")
    return set(inst)


# Every fetch from the market source holds a slot of this Dagster concurrency pool, sized in
# deploy/dagster.yaml to the source's connection limit (JQData: 3).
SOURCE_POOL = "market_source"


def dataset_asset(
    dataset: str,
    *,
    description: str,
    fetch: Fetch,
    deps: Sequence[str] = (),
    period: Optional[str] = None,
    allow_empty: bool = False,
) -> dg.AssetsDefinition:
    """The asset of a registered dataset (of one of its periods). Its freshness policy is
    attached when the definitions load (automation.with_freshness), from the configured times."""
    spec = datasets.get(dataset)
    if (period is None) != (not spec.periods) or (period and period not in spec.periods):
        raise ValueError(f"{dataset}: period {period!r}, but the spec's periods are {spec.periods}")
    name = f"{dataset}_{period}" if period else dataset
    metadata = {"dataset": dataset, "collection": spec.collection, "natural_key": ", ".join(spec.key),
                "dagster/column_schema": column_schema(spec)}
    if period:
        metadata["period"] = period
    checked = spec.codes_checked

    @dg.asset(
        name=name,
        partitions_def=partitions_of(spec),
        group_name=spec.group,
        kinds=KINDS,
        owners=list(spec.owners),
        tags=asset_tags(spec),
        description=description,
        deps=list(deps),
        io_manager_key="mongo_io_manager",
        backfill_policy=ranges.policy_for(spec.partitions),
        pool=SOURCE_POOL,
        metadata=metadata,
        check_specs=[
            dg.AssetCheckSpec(
                "schema", asset=name, blocking=True,
                description=f"A source delivered a partition that passes the Pandera model "
                f"{spec.model.__name__}" + (" with every code listed in that day's instruments" if checked else "")
                + "; otherwise nothing is written.",
            ),
            dg.AssetCheckSpec(
                "no_quarantined_rows", asset=name,
                description="No source answered this partition with bad rows. Bad rows are kept in the "
                "quarantine collection with their reason, and that source's whole answer is rejected.",
            ),
        ],
    )
    @ranges.day_by_day  # a backfill run covers a range of days; each day is this body (ranges.py)
    def _asset(context: dg.AssetExecutionContext, market_source: MarketSourceResource,
               mongo: MongoResource) -> Iterator:
        key = context.partition_key
        label = f"{name} {key}"
        store = mongo.store()
        known = listed_codes(store, key, written.run_of(context)) if checked else None
        # Stored history this partition must agree with (pre_close, complete minutes).
        reference = stored_reference.load(store.db, dataset, key, period)
        for note in reference.notes if reference else ():
            context.log.warning(f"{label}: {note}")
        router = market_source.get_router(log=context.log, db=store.db)
        context.log.info(f"{label}: fetching from {' → '.join(router.names)}")
        fetch_day = ranges.fetching(fetch, context, dataset, period)  # one source call per range
        part = scope(dataset, key, period)
        if spec.streamed and store.db[spec.collection].find_one(part, {"_id": 1}) is None:
            yield from _streamed(context, store, router, spec, key, period, label, fetch_day, known, reference,
                                 allow_empty)
            return
        try:
            result = router.fetch(dataset, lambda src: fetch_day(src, key, progress_logger(context, f"{label} [{src.name}]")),
                                  allow_empty=allow_empty, known_codes=known, reference=reference)
        except AllSourcesFailed as failed:
            yield from _refused(context, store, dataset, key, label, failed)
        frame = result.frame
        yield from _accepted(context, store, dataset, key, label, result, len(frame))
        diffs = record_replacement_differences(store, dataset, part, frame, result.source, key)
        meta = {"dagster/row_count": len(frame), "source": result.source, "attempts": result.describe(),
                "fell_back": result.fell_back}
        if diffs is not None:
            meta["differences_vs_previous_source"] = diffs
        if "code" in frame:
            meta["codes"] = int(frame["code"].nunique())
        yield dg.Output(frame.assign(source=result.source), metadata=meta)

    return _asset


# Codes per chunk of a streamed partition: a chunk of a 1m day is ~120 k rows, ~11 MB of BSON,
# large enough that a chunk's round trips are few, small enough that two chunks in memory
# (one being fetched and judged, one being written) are little.
CHUNK_CODES = 500


def _streamed(context, store, router, spec: DatasetSpec, key: str, period, label: str, fetch_day, known: set[str],
              reference, allow_empty: bool) -> Iterator:
    """A partition with nothing stored yet, fetched, judged and written one code chunk at a time
    (``SourceRouter.fetch_chunks``, ``Store.range_writer``): the server stores a chunk while the
    next is fetched and judged, and memory holds two chunks rather than the day. Still one
    source per partition and all or nothing: if no source delivers every chunk, the chunks
    already written are deleted, so nothing of the partition stays stored."""
    dataset, part = spec.name, scope(spec.name, key, period)
    codes = sorted(known)
    chunks = [codes[i:i + CHUNK_CODES] for i in range(0, len(codes), CHUNK_CODES)]
    bounds = ["", *(c[0] for c in chunks[1:])] + [None]
    summaries: dict[int, Optional[pd.DataFrame]] = {}  # what this run's checks need of each chunk
    chunk_codes: dict[int, int] = {}
    progress = progress_logger(context, label)
    try:
        with store.range_writer(dataset, part, source="") as ranges:
            def write(k: int, source: str, frame: pd.DataFrame) -> None:
                ranges.source = source
                ranges.write(bounds[k], bounds[k + 1], frame)
                summaries[k] = written.summary(dataset, frame)
                chunk_codes[k] = int(frame["code"].nunique())
                progress(k + 1, len(chunks), f"code chunks fetched, judged and written [{source}]")

            result = router.fetch_chunks(
                dataset, chunks, lambda src, chunk: fetch_day(src, key, None, codes=chunk), write,
                allow_empty=allow_empty, known_codes=known, reference=reference)
    except AllSourcesFailed as failed:
        store.db[spec.collection].delete_many(part)  # nothing was stored when the stream began
        yield from _refused(context, store, dataset, key, label, failed)
    except BaseException:
        store.db[spec.collection].delete_many(part)  # a failed write: leave the day as it was, empty
        raise
    yield from _accepted(context, store, dataset, key, label, result, result.rows)
    parts = [summaries[k] for k in sorted(summaries) if summaries[k] is not None]
    run = written.run_of(context)
    if parts and run:
        summary = pd.concat(parts)
        written.remember(run, dataset, key, period, summary)
        written.save_summary(store.db, run, dataset, key, period, summary)
    w = ranges.result
    context.log.info(f"{label}: wrote {w.written} documents ({w.mode}, {len(chunks)} code chunks), "
                     f"removed {w.deleted_stale} stale")
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": result.rows, "source": result.source, "attempts": result.describe(),
        "fell_back": result.fell_back, "codes": sum(chunk_codes.values()),
        "documents": w.written, "stale_removed": w.deleted_stale, "write_mode": w.mode, "streamed_chunks": len(chunks)})


def _refused(context, store, dataset: str, key: str, label: str, failed: AllSourcesFailed) -> Iterator:
    """No source delivered a valid partition: its bad rows quarantined, the schema check failed,
    and the step fails saying what each source answered."""
    yield from _quarantine(context, store, dataset, key, failed.result)
    yield dg.AssetCheckResult(check_name="schema", passed=False, metadata={"attempts": failed.result.describe()})
    details = "\n".join(f"[{src}] {verdict.summary()}" for src, verdict in failed.result.rejected)
    raise dg.Failure(
        description=f"{label}: no source delivered a valid partition; nothing of this partition "
        f"was written. Attempts: {failed.result.describe()}" + (f"\nBad rows:\n{details}" if details else ""),
    ) from None


def _accepted(context, store, dataset: str, key: str, label: str, result: FetchResult, rows: int) -> Iterator:
    """A source delivered the partition: the other sources' bad rows quarantined, the schema check
    passed, and a warning when it came from a backup."""
    yield from _quarantine(context, store, dataset, key, result)
    yield dg.AssetCheckResult(check_name="schema", passed=True, metadata={"rows": rows})
    if result.fell_back:
        context.log.warning(f"{label}: written from backup source {result.source} ({result.describe()})")


def _quarantine(context, store, dataset: str, key: str, result: FetchResult) -> Iterator:
    rows = 0
    for source, verdict in result.rejected:
        n = quarantine.record(store.db, dataset, key, source, verdict.bad_rows)
        rows += n
        context.log.warning(f"{dataset} {key}: quarantined {n} bad rows from {source}:\n{verdict.summary()}")
    yield dg.AssetCheckResult(check_name="no_quarantined_rows", passed=not result.rejected,
                              metadata={"quarantined_rows": rows,
                                        "rejected_sources": ", ".join(s for s, _ in result.rejected) or "none"})

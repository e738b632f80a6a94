"""Runs over a RANGE of trading days: what a backfill policy gives an asset.

A backfill of a year would be ~250 runs of one day each; with ``BACKFILL_POLICY`` Dagster's
backfill machinery (the UI's, the daemon's, ``scripts/run backfill``) puts up to
``DAYS_PER_RUN`` days of every daily asset into one run, so a run's start-up (process, imports,
connections, instrument details) is paid once per range, and a source can fetch the range in
one call (``MarketDataSource.prepare_range``: one ``download_history_data2`` per range for QMT).

Each trading day stays its own replaceable unit: ``day_by_day`` runs the asset's (or check's)
ONE-day body once per day of the range, with a context whose ``partition_key`` is that day.
So every day is fetched, judged, quarantined, written (by the IO manager, as one partition) and
checked exactly as in a one-day run; a day's check results are recorded as that day's
evaluations. A failed day does not stop the others (their writes are idempotent and already
done); the step fails at the end naming the failed days, and re-launching the backfill redoes
them. A one-day run (schedules, ``scripts/run``) takes the body unchanged.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Callable, Iterator, Optional

import dagster as dg

from taorui_assets.lib.sources.base import MarketDataSource

# One run covers at most this many trading days of each daily asset. A month: the per-run cost
# (a few seconds of process start and imports) is amortised, while a run's memory stays that of
# one day (days are processed one after another) and a crash loses at most a month of progress.
DAYS_PER_RUN = 20
BACKFILL_POLICY = dg.BackfillPolicy.multi_run(max_partitions_per_run=DAYS_PER_RUN)

# The context attribute a one-day body can read to learn the range it is part of.
RANGE_ATTR = "taorui_range_keys"


class DayContext:
    """The step's context, seen as the context of a one-day run of ``key``."""

    def __init__(self, context, key: str, keys: list[str]):
        object.__setattr__(self, "_context", context)
        object.__setattr__(self, "partition_key", key)
        object.__setattr__(self, RANGE_ATTR, keys)

    @property
    def has_partition_key(self) -> bool:
        return True

    @property
    def partition_keys(self) -> list[str]:
        return [self.partition_key]

    def __getattr__(self, name):
        return getattr(self._context, name)


def range_keys(context) -> Optional[list[str]]:
    """The days of the range when the step runs a range of more than one day, else None."""
    if context.has_partition_key:
        return None
    return list(context.partition_keys)


def range_of(context) -> list[str]:
    """The range a one-day body is part of (just its day outside a range run)."""
    return getattr(context, RANGE_ATTR, None) or [context.partition_key]


def prepare(source: MarketDataSource, context, dataset: str, period: Optional[str] = None) -> None:
    """Lets the source fetch the whole range at once before the first day is asked for."""
    keys = range_of(context)
    if len(keys) > 1 and context.partition_key == keys[0]:
        source.prepare_range(dataset, period, [dt.date.fromisoformat(k) for k in keys])


def _assets_def(context):
    inner = getattr(context, "op_execution_context", context)
    return inner.assets_def


def day_by_day(body: Callable[..., Iterator]) -> Callable[..., Iterator]:
    """Wraps an asset's or an asset check's one-day body so that it also runs ranges."""

    @functools.wraps(body)
    def wrapper(context, *args, **kwargs):
        keys = range_keys(context)
        if keys is None:
            out = body(context, *args, **kwargs)
            yield from (out if isinstance(out, Iterator) else ([out] if out is not None else []))
            return
        yield from _run_range(body, context, keys, args, kwargs)

    return wrapper


def _run_range(body, context, keys: list[str], args, kwargs) -> Iterator:
    assets_def = _assets_def(context)
    is_check = isinstance(assets_def, dg.AssetChecksDefinition)
    asset_key = next(iter(assets_def.check_keys)).asset_key if is_check else assets_def.key
    io_manager = None if is_check else getattr(
        context.resources, assets_def.get_io_manager_key_for_asset_key(asset_key), None)
    failed: dict[str, str] = {}
    per_day: dict[str, dict] = {}
    check_failed: set[str] = set()
    context.log.info(f"{asset_key.to_user_string()}: a range of {len(keys)} trading days, {keys[0]}..{keys[-1]}, "
                     "each written and checked as its own partition")
    for key in keys:
        day = DayContext(context, key, keys)
        try:
            out = body(day, *args, **kwargs)
            for event in (out if isinstance(out, Iterator) else [out]):
                if isinstance(event, dg.AssetCheckResult):
                    evaluation = _evaluation(assets_def, asset_key, event, key)
                    if not evaluation.passed:
                        check_failed.add(evaluation.check_name)
                    yield evaluation
                elif isinstance(event, dg.Output):
                    if event.value is not None and io_manager is not None:
                        meta = _write(io_manager, context, assets_def, asset_key, key, event.value)
                    else:
                        meta = {}
                    per_day[key] = {**_plain(event.metadata), **meta}
                elif isinstance(event, dg.MaterializeResult):
                    per_day[key] = _plain(event.metadata or {})
                elif event is not None:
                    yield event
        except Exception as exc:  # one bad day must not cost the range's good days
            failed[key] = str(getattr(exc, "description", None) or exc).splitlines()[0][:300]
            context.log.error(f"{asset_key.to_user_string()} {key}: failed: {failed[key]}")
    if failed:
        raise dg.Failure(
            description=f"{asset_key.to_user_string()}: {len(failed)} of {len(keys)} days failed "
            f"(the other days are written; re-running the range redoes the failed ones): "
            + "; ".join(f"{k}: {v}" for k, v in failed.items()),
            metadata={"failed_days": json.dumps(failed)},
        )
    # Downstream steps wait on blocking checks: the outputs of the checks stand for the range.
    for spec in assets_def.check_specs:
        if spec.key in assets_def.check_keys and not (spec.blocking and spec.name in check_failed):
            yield dg.Output(None, output_name=assets_def.get_output_name_for_asset_check_key(spec.key))
    if is_check:
        return
    rows = {k: v.get("dagster/row_count", v.get("documents")) for k, v in per_day.items()}
    sources = sorted({str(v["source"]) for v in per_day.values() if "source" in v})
    yield dg.MaterializeResult(metadata={
        "range": f"{keys[0]}..{keys[-1]}", "days": len(keys),
        "rows_by_day": dg.MetadataValue.json(rows), "sources": ", ".join(sources) or "n/a",
    })


def _evaluation(assets_def, asset_key, result: dg.AssetCheckResult, key: str) -> dg.AssetCheckEvaluation:
    check_key = result.resolve_target_check_key(
        {asset_key: {k.name for k in assets_def.check_keys if k.asset_key == asset_key}})
    spec = assets_def.get_spec_for_check_key(check_key)
    partitioned = spec.partitions_def is not None or isinstance(assets_def, dg.AssetChecksDefinition)
    return dg.AssetCheckEvaluation(
        asset_key=check_key.asset_key, check_name=check_key.name, passed=result.passed,
        metadata={**result.metadata, "partition": dg.MetadataValue.text(key)},
        severity=result.severity, description=result.description, blocking=spec.blocking,
        partition=key if partitioned else None,
    )


def _write(io_manager, context, assets_def, asset_key, key: str, value) -> dict:
    """The IO manager writes the day as one partition, exactly as in a one-day run."""
    out = dg.build_output_context(
        asset_key=asset_key, partition_key=key, asset_partitions_def=assets_def.partitions_def,
        definition_metadata=dict(assets_def.metadata_by_key[asset_key]),
    )
    out._log = context.log  # noqa: SLF001 - the write is logged in the run's log
    io_manager.handle_output(out, value)
    return _plain(out.get_logged_metadata())


def _plain(metadata) -> dict:
    out = {}
    for k, v in (metadata or {}).items():
        value = getattr(v, "value", v)
        if isinstance(value, (int, float, str, bool)) or value is None:
            out[k] = value
    return out


def policy_for(partitions_kind: str) -> Optional[dg.BackfillPolicy]:
    """Ranges of trading days per run; years and quarters are few and run one per run."""
    from taorui_assets.lib.datasets import TRADING_DAY

    return BACKFILL_POLICY if partitions_kind == TRADING_DAY else None


def fetching(fetch: Callable, context, dataset: str, period: Optional[str] = None) -> Callable:
    """``fetch(source, key, progress)`` that first lets the source prepare the whole range."""

    def call(source: MarketDataSource, key: str, progress, **kwargs):
        prepare(source, context, dataset, period)
        return fetch(source, key, progress, **kwargs)

    return call

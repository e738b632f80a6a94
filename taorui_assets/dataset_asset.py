"""One factory for the dataset assets, so every dataset is fetched, validated, stamped
and written the same way.

The asset body asks the configured ``market_source`` for one partition, validates it
against the dataset's Pandera model and hands the frame to the Mongo IO manager. A
frame that fails validation fails the run before anything is written, and the failure
cases are shown on the ``schema`` asset check.
"""

from typing import Callable, Iterator, Optional, Sequence

import dagster as dg
import pandas as pd
import pandera.errors

from taorui_assets.lib import schemas
from taorui_assets.lib.sources.base import MarketDataSource, Progress
from taorui_assets.resources.sources import MarketSourceResource

Fetch = Callable[[MarketDataSource, str, Progress], pd.DataFrame]

KINDS = {"python", "pandas", "mongodb"}


def progress_logger(context: dg.AssetExecutionContext, label: str, every: float = 0.1) -> Progress:
    """Logs at most every ``every`` fraction of the work, plus the end."""
    state = {"next": 0.0}

    def report(done: int, total: int, message: str = "") -> None:
        frac = done / total if total else 1.0
        if frac >= state["next"] or done >= total:
            context.log.info(f"{label}: {done}/{total} {message}".rstrip())
            state["next"] = frac + every

    return report


def schema_failure_summary(err: pandera.errors.SchemaErrors, limit: int = 20) -> pd.DataFrame:
    cases = err.failure_cases
    cols = [c for c in ["schema_context", "column", "check", "index", "failure_case"] if c in cases]
    return cases[cols].head(limit).astype(str)


def dataset_asset(
    *,
    name: str,
    dataset: str,
    partitions_def: dg.PartitionsDefinition,
    group: str,
    description: str,
    fetch: Fetch,
    deps: Sequence[str] = (),
    period: Optional[str] = None,
    allow_empty: bool = False,
) -> dg.AssetsDefinition:
    metadata = {"dataset": dataset, "collection": dataset}
    if period:
        metadata["period"] = period

    @dg.asset(
        name=name,
        partitions_def=partitions_def,
        group_name=group,
        kinds=KINDS,
        description=description,
        deps=list(deps),
        io_manager_key="mongo_io_manager",
        metadata=metadata,
        check_specs=[
            dg.AssetCheckSpec(
                "schema", asset=name, blocking=True,
                description=f"The frame passes the Pandera model {schemas.SCHEMAS[dataset].__name__} "
                "before it is written; a failure writes nothing.",
            )
        ],
    )
    def _asset(context: dg.AssetExecutionContext, market_source: MarketSourceResource) -> Iterator:
        key = context.partition_key
        label = f"{name} {key}"
        source = market_source.get_source(log=context.log)
        context.log.info(f"{label}: fetching from {source.name}")
        df = fetch(source, key, progress_logger(context, label))
        if df.empty and not allow_empty:
            raise dg.Failure(description=f"{label}: {source.name} returned no rows for a partition that "
                             "must have data; nothing was written")
        try:
            valid = schemas.validate(dataset, df)
        except pandera.errors.SchemaErrors as err:
            summary = schema_failure_summary(err)
            yield dg.AssetCheckResult(
                check_name="schema", passed=False,
                metadata={"failures": len(err.failure_cases), "examples": dg.MetadataValue.md(summary.to_markdown())},
            )
            raise dg.Failure(
                description=f"{label}: {len(err.failure_cases)} schema failures in data from {source.name}; "
                f"nothing of this partition was written. First failures:\n{summary.to_string(index=False)}",
            ) from None
        yield dg.AssetCheckResult(check_name="schema", passed=True, metadata={"rows": len(valid)})
        codes = valid["code"].nunique() if "code" in valid else None
        meta = {"rows": len(valid), "source": source.name}
        if codes is not None:
            meta["codes"] = int(codes)
        yield dg.Output(valid.assign(source=source.name), metadata=meta)

    return _asset

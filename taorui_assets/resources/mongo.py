"""MongoDB as a Dagster resource and an IO manager.

The client is created when a step starts and closed when it ends, never at import
time, so the code location loads without a reachable database and each step process
owns its own connection pool.
"""

from typing import Optional

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from taorui_assets.lib.storage.scopes import scope
from taorui_assets.lib.storage import written
from taorui_assets.lib.storage.store import Store, WriteResult
from taorui_assets.settings import redact_uri as redact  # noqa: F401 - one redaction for every URI message

# Datasets that later steps of the run read right after the asset wrote them: the market checks
# (defs/market/checks.py), and every asset whose codes are checked against the day's instruments.
REMEMBERED = ("instruments", "daily_bars", "minute_bars")


def connection_problem(exc: Exception) -> str:
    """Why a connection failed, in words that name the fix and never the credentials."""
    text = str(exc)
    if isinstance(exc, OperationFailure) and exc.code == 18:
        return ("refused the credentials (authentication failed): check the user, password and "
                "authSource in TAORUI_MONGO_URI")
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return ("presented a TLS certificate that is not trusted: set tlsCAFile in TAORUI_MONGO_URI "
                "to the CA that signed the server's certificate")
    return f"is not reachable: {type(exc).__name__}"


class MongoResource(dg.ConfigurableResource):
    """The platform's MongoDB (a replica set in production, SecantusDB in the demo)."""

    uri: str
    database: str = "taorui"
    timeout_ms: int = 10_000

    _client: Optional[MongoClient] = PrivateAttr(default=None)
    _reached: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._client = MongoClient(self.uri, serverSelectionTimeoutMS=self.timeout_ms, tz_aware=False)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
            self._reached = False

    @property
    def client(self) -> MongoClient:
        if self._client is None:  # used outside a step (scripts, tests)
            self._client = MongoClient(self.uri, serverSelectionTimeoutMS=self.timeout_ms, tz_aware=False)
        return self._client

    def store(self) -> Store:
        if not self._reached:  # once per client: a step asks for the store many times
            try:
                self.client.admin.command("ping")
            except Exception as exc:  # the URI may hold a password: say where, never what
                raise dg.Failure(description=f"MongoDB at {redact(self.uri)} {connection_problem(exc)}") from None
            self._reached = True
        return Store(self.client[self.database])


class MongoPartitionIOManager(dg.ConfigurableIOManager):
    """Writes an asset's canonical frame as one replaceable partition; reads it back.

    The asset's metadata names its ``dataset`` (and ``period`` for minute bars). The
    frame carries a ``source`` column, the provenance stamped on every document.
    """

    mongo: dg.ResourceDependency[MongoResource]

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        meta = context.definition_metadata or {}
        dataset, period = meta["dataset"], meta.get("period")
        sources = obj["source"].unique().tolist() if len(obj) else [meta.get("empty_source", "none")]
        if len(sources) != 1:
            raise dg.Failure(description=f"{dataset}: one partition must come from one source, got {sources}")
        key = context.asset_partition_key
        frame = obj.drop(columns="source")
        store = self.mongo.store()
        result: WriteResult = store.replace_partition(dataset, scope(dataset, key, period), frame, sources[0])
        if dataset in REMEMBERED:  # the checks of this run use it rather than reading it back
            kept = written.summary(dataset, obj)
            written.remember(context.run_id, dataset, key, period, obj if kept is None else kept)
            if kept is not None:
                written.save_summary(store.db, context.run_id, dataset, key, period, kept)
        context.log.info(
            f"{dataset} {key}{' ' + period if period else ''}: wrote {result.written} documents "
            f"({result.mode}), removed {result.deleted_stale} stale"
        )
        context.add_output_metadata({"documents": result.written, "stale_removed": result.deleted_stale,
                                     "write_mode": result.mode})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        upstream = context.upstream_output
        meta = upstream.definition_metadata or {}
        dataset, period = meta["dataset"], meta.get("period")
        keys = context.asset_partition_keys
        store = self.mongo.store()
        frames = [store.read(dataset, scope(dataset, k, period)) for k in keys]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

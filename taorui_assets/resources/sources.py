"""Market-data sources as Dagster resources.

Assets depend on ``market_source: MarketSourceResource``; the concrete class chosen in
``definitions`` (or in a test) decides where data comes from. ``get_source`` builds the
plain-Python source for one step; ``get_router`` wraps it so that every asset goes through
the same fetch-and-judge path, whether one source is configured or several. The router
builds the source on first use, so a source that cannot be built fails like any other
attempt: with a clear message, counted by the breaker.
"""
from typing import ClassVar, Optional

import dagster as dg

from taorui_assets.lib.sources.base import MarketDataSource
from taorui_assets.lib.sources.breaker import CircuitBreaker
from taorui_assets.lib.sources.failover import LazySource, SourceRouter


def with_store(source: MarketDataSource, db) -> MarketDataSource:
    """The source, told where the platform's MongoDB is (``MarketDataSource.use_stored``)."""
    if db is not None:
        source.use_stored(db)
    return source


class MarketSourceResource(dg.ConfigurableResource):
    """Base class: a resource that yields one ``MarketDataSource`` for a step."""

    source_name: ClassVar[str] = "abstract"  # the provenance value its source writes

    def get_source(self, log=None) -> MarketDataSource:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} does not implement get_source")

    def get_sources(self, log=None) -> list[MarketDataSource]:
        """Every configured source, primary first."""
        return [self.get_source(log)]

    def breaker(self, db=None) -> CircuitBreaker:
        """The circuit breaker; its state is in MongoDB (``db``) when one is given."""
        from taorui_assets.lib.storage.health import MongoHealth

        return CircuitBreaker(MongoHealth(db) if db is not None else None)

    def get_router(self, log=None, db=None) -> SourceRouter:
        return SourceRouter([LazySource(self.source_name, lambda: with_store(self.get_source(log), db))],
                            breaker=self.breaker(db), log=log)

    def primary_name(self) -> Optional[str]:
        """The source whose data is the reference; None when there is no backup to heal from."""
        return None


class SimResource(MarketSourceResource):
    """SimMarket: the deterministic simulated A-share market (demo and tests)."""

    source_name: ClassVar[str] = "sim"
    seed: int = 7
    n_stocks: int = 300
    cache_dir: Optional[str] = None  # its histories mapped from here (TAORUI_SIM_CACHE); None: built

    def get_source(self, log=None) -> MarketDataSource:
        from taorui_assets.lib.sources.sim import SimSource

        return SimSource(seed=self.seed, n_stocks=self.n_stocks, cache_dir=self.cache_dir)

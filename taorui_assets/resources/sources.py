"""Market-data sources as Dagster resources.

Assets depend on ``market_source: MarketSourceResource``; the concrete class chosen in
``definitions`` (or in a test) decides where data comes from. ``get_source`` builds the
plain-Python source for one step; ``get_router`` wraps it so that every asset goes through
the same fetch-and-judge path, whether one source is configured or several.
"""
from typing import Optional

import dagster as dg

from taorui_assets.lib.sources.base import MarketDataSource
from taorui_assets.lib.sources.router import SourceRouter


class MarketSourceResource(dg.ConfigurableResource):
    """Base class: a resource that yields one ``MarketDataSource`` for a step."""

    def get_source(self, log=None) -> MarketDataSource:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} does not implement get_source")

    def get_sources(self, log=None) -> list[MarketDataSource]:
        """Every configured source, primary first."""
        return [self.get_source(log)]

    def get_router(self, log=None, db=None) -> SourceRouter:
        return SourceRouter(self.get_sources(log), log=log)

    def primary_name(self) -> Optional[str]:
        """The source whose data is the reference; None when there is no backup to heal from."""
        return None


class SimResource(MarketSourceResource):
    """SimMarket: the deterministic simulated A-share market (demo and tests)."""

    seed: int = 7
    n_stocks: int = 300

    def get_source(self, log=None) -> MarketDataSource:
        from taorui_assets.lib.sources.sim import SimSource

        return SimSource(seed=self.seed, n_stocks=self.n_stocks)

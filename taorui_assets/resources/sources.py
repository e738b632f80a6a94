"""Market-data sources as Dagster resources.

Assets depend on ``market_source: MarketSourceResource``; the concrete class chosen in
``definitions`` (or in a test) decides where data comes from. ``get_source`` builds the
plain-Python source from ``taorui_assets.lib.sources`` for one step.
"""

import dagster as dg

from taorui_assets.lib.sources.base import MarketDataSource


class MarketSourceResource(dg.ConfigurableResource):
    """Base class: a resource that yields one ``MarketDataSource`` for a step."""

    def get_source(self, log=None) -> MarketDataSource:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} does not implement get_source")


class SimResource(MarketSourceResource):
    """SimMarket: the deterministic simulated A-share market (demo and tests)."""

    seed: int = 7
    n_stocks: int = 300

    def get_source(self, log=None) -> MarketDataSource:
        from taorui_assets.lib.sources.sim import SimSource

        return SimSource(seed=self.seed, n_stocks=self.n_stocks)

"""SourceRouterResource: QMT primary, JQData backup, in the order configuration gives.

Its attempt timeouts are the platform's one timeout on source calls; to bound a single
source, configure the router with that one source (``priority=["qmt"]``).
"""
from typing import ClassVar, Optional

from pydantic import Field

from taorui_assets.lib.sources.base import MarketDataSource
from taorui_assets.lib.sources.breaker import CircuitBreaker
from taorui_assets.lib.sources.failover import LazySource, SourceRouter
from taorui_assets.resources.jqdata import JQDataResource
from taorui_assets.resources.qmt import QmtResource
from taorui_assets.resources.sources import MarketSourceResource, SimResource, with_store


class SourceRouterResource(MarketSourceResource):
    """Asks the configured sources in ``priority`` order, one whole partition at a time."""

    source_name: ClassVar[str] = "router"
    qmt: Optional[QmtResource] = None
    jqdata: Optional[JQDataResource] = None
    sim: Optional[SimResource] = None
    priority: list[str] = Field(default=["qmt", "jqdata"], description="source names, first = primary")
    primary_timeout_s: float = Field(default=120.0, description="a primary fetch slower than this falls back")
    backup_timeout_s: float = Field(default=0.0, description="0 = no limit for the last resort")
    failure_threshold: int = Field(default=3, description="consecutive failures that open the circuit")
    cooldown_s: float = Field(default=600.0, description="seconds before a dead source is probed again")

    def _configured(self) -> list[tuple[str, MarketSourceResource]]:
        out = []
        for name in self.priority:
            res = getattr(self, name, None) if name in ("qmt", "jqdata", "sim") else None
            if res is None:
                raise ValueError(f"priority names {name!r}, which is not configured (configured: "
                                 f"{[n for n in ('qmt', 'jqdata', 'sim') if getattr(self, n) is not None]})")
            out.append((name, res))
        return out

    def get_sources(self, log=None) -> list[MarketDataSource]:
        return [res.get_source(log) for _name, res in self._configured()]

    def get_source(self, log=None) -> MarketDataSource:
        return self._configured()[0][1].get_source(log)

    def breaker(self, db=None) -> CircuitBreaker:
        from taorui_assets.lib.storage.health import MongoHealth

        return CircuitBreaker(MongoHealth(db) if db is not None else None, self.failure_threshold, self.cooldown_s)

    def get_router(self, log=None, db=None) -> SourceRouter:
        configured = self._configured()
        sources = [LazySource(name, lambda res=res: with_store(res.get_source(log), db)) for name, res in configured]
        n = len(sources)
        timeouts = [self.primary_timeout_s or None] + [None] * (n - 2) + [self.backup_timeout_s or None]
        return SourceRouter(sources, timeouts_s=timeouts[:n], breaker=self.breaker(db), log=log)

    def primary_name(self) -> Optional[str]:
        return self.priority[0] if len(self.priority) > 1 else None

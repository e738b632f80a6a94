"""QmtResource: the 迅投 xtquant source as a Dagster resource.

``api`` names the module that provides ``xtdata`` and ``xtdatacenter``: ``"xtquant"``
in production (imported lazily, so the code location loads without it), or ``"sim"`` —
the fake xtquant (``qmt_fake``) over ``SimSource(seed=sim_seed, n_stocks=sim_n_stocks)``
— for tests and demos. ``token`` comes from ``dg.EnvVar("QMT_TOKEN")`` in definitions and
never reaches logs or error messages.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import dagster as dg
from pydantic import Field

from taorui_assets.resources.sources import MarketSourceResource


class QmtResource(MarketSourceResource):
    """xtquant market data: ``token`` mode (built-in data center) or ``local`` (MiniQMT)."""

    mode: str = Field(default="token", description="token | local")
    token: str = Field(default="", description="xtquant data token (QMT_TOKEN); token mode only")
    vip_servers: list[str] = Field(default_factory=list, description="preferred quote servers 'host:port'")
    data_home_dir: str = ".taorui/qmt"
    listen_port_start: int = 58610
    listen_port_end: int = 58650
    local_port: int = 58610
    batch_size: int = 500
    call_timeout_s: float = Field(default=1800.0, description="a single xtquant call may take this long; 0 = no limit")
    api: str = Field(default="xtquant", description="module exposing xtdata and xtdatacenter, or 'sim'")
    sim_seed: int = 7
    sim_n_stocks: int = 300
    sim_today: Optional[str] = Field(default=None, description="api='sim' only: the fake's today, YYYY-MM-DD")

    def get_source(self, log=None):
        from taorui_assets.lib.sources.qmt import QmtSource
        from taorui_assets.lib.sources.qmt_connect import load_api

        clock = None
        if self.api == "sim":
            api = _sim_api(self.sim_seed, self.sim_n_stocks, self.sim_today)
            clock = lambda: api.today  # noqa: E731 - the fake's clock is the source's
            concept_codes = _sim_concept_codes()
        else:
            api = load_api(self.api)
            concept_codes = None
        return QmtSource(api, mode=self.mode, token=self.token, vip_servers=self.vip_servers,
                         data_home_dir=self.data_home_dir,
                         listen_ports=(self.listen_port_start, self.listen_port_end),
                         local_port=self.local_port, batch_size=self.batch_size,
                         concept_codes=concept_codes, call_timeout_s=self.call_timeout_s or None,
                         log=log or dg.get_dagster_logger(), clock=clock)


_SIM_APIS: dict = {}


def _sim_api(seed: int, n_stocks: int, today: Optional[str]):
    """One fake per (seed, n_stocks, today) per process, so the fake data center is
    initialised once like the real one."""
    key = (seed, n_stocks, today)
    if key not in _SIM_APIS:
        from taorui_assets_tests.doubles.qmt_fake import FakeXtquant
        from taorui_assets.lib.sources.sim import SimSource

        day = dt.date.fromisoformat(today) if today else None
        _SIM_APIS[key] = FakeXtquant(SimSource(seed=seed, n_stocks=n_stocks), today=day)
    return _SIM_APIS[key]


def _sim_concept_codes() -> dict:
    from taorui_assets.lib.sim.sectors import CONCEPTS

    return {name: code for code, name, _start in CONCEPTS}

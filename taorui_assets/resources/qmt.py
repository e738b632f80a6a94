"""QmtResource: the 迅投 xtquant source as a Dagster resource.

It knows only the real client: ``xtquant.xtdata`` and ``xtquant.xtdatacenter``, imported
when a source is built (never at import time, so the code location loads without them).
``token`` comes from ``dg.EnvVar("QMT_TOKEN")`` in definitions and never reaches logs or
error messages. Calls are bounded by the router's attempt timeout (``SourceRouterResource``),
the one timeout layer.
"""
from __future__ import annotations

from typing import ClassVar

import dagster as dg
from pydantic import Field

from taorui_assets.resources.sources import MarketSourceResource


class QmtResource(MarketSourceResource):
    """xtquant market data: ``token`` mode (built-in data center) or ``local`` (MiniQMT)."""

    source_name: ClassVar[str] = "qmt"
    mode: str = Field(default="token", description="token | local")
    token: str = Field(default="", description="xtquant data token (QMT_TOKEN); token mode only")
    vip_servers: list[str] = Field(default_factory=list, description="preferred quote servers 'host:port'")
    data_home_dir: str = ".taorui/qmt"
    listen_port_start: int = 58610
    listen_port_end: int = 58650
    local_port: int = 58610
    batch_size: int = 500
    concept_codes: dict[str, str] = Field(
        default_factory=dict,
        description="concept name → canonical code: QMT names concepts without codes, so this keeps "
        "their keys equal to the other sources' (unmapped concepts keep their name)")

    def get_source(self, log=None):
        from taorui_assets.lib.sources.qmt import QmtSource
        from taorui_assets.lib.sources.qmt_connect import load_xtquant

        return QmtSource(load_xtquant(), mode=self.mode, token=self.token, vip_servers=self.vip_servers,
                         data_home_dir=self.data_home_dir,
                         listen_ports=(self.listen_port_start, self.listen_port_end),
                         local_port=self.local_port, batch_size=self.batch_size,
                         concept_codes=self.concept_codes, log=log or dg.get_dagster_logger())

"""JQDataResource: JoinQuant's JQData (jqdatasdk) as a Dagster resource, the backup source.

``username`` / ``password`` come from ``dg.EnvVar("JQDATA_USERNAME")`` /
``dg.EnvVar("JQDATA_PASSWORD")`` in definitions; the password never reaches logs or error
messages. ``host`` / ``port`` (optional, from settings) point the client at another server;
they are passed to ``jqdatasdk.auth`` explicitly, never through the environment. jqdatasdk
is imported lazily, so the code location loads without it.
"""
from __future__ import annotations

from typing import ClassVar

import dagster as dg
from pydantic import Field

from taorui_assets.resources.sources import MarketSourceResource


class JQDataResource(MarketSourceResource):
    """JQData market data over jqdatasdk's thrift connection."""

    source_name: ClassVar[str] = "jqdata"
    username: str = Field(description="JQData account (JQDATA_USERNAME)")
    password: str = Field(description="JQData password (JQDATA_PASSWORD); never logged")
    host: str = Field(default="", description="server host; empty = the client's default")
    port: int = Field(default=0, description="server port; 0 = the client's default")
    max_connections: int = Field(default=3, description="concurrent calls (JQData allows 3 connections)")
    industry_scheme: str = Field(default="sw_l1", description="get_industries classification")
    batch_size: int = Field(default=1000, description="securities per get_price / money-flow call")

    def get_source(self, log=None):
        from taorui_assets.lib.sources.jqdata import JQDataSource

        return JQDataSource(self.username, self.password, host=self.host or None,
                            port=self.port or None, max_connections=self.max_connections,
                            industry_scheme=self.industry_scheme, batch_size=self.batch_size,
                            log=log or dg.get_dagster_logger())

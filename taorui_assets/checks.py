"""Turning a frame of violations into an asset-check result."""
from __future__ import annotations

import dagster as dg
import pandas as pd


def result(violations: pd.DataFrame, checked: int, what: str) -> dg.AssetCheckResult:
    meta = {"checked": checked, "violations": len(violations)}
    if len(violations):
        meta["examples"] = dg.MetadataValue.md(violations.head(20).astype(str).to_markdown(index=False))
    return dg.AssetCheckResult(
        passed=violations.empty, metadata=meta,
        description=f"{len(violations)} {what}" if len(violations) else None,
    )

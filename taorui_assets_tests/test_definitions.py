"""Layer 5: the code location loads, and every asset follows the house rules."""
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from taorui_assets import settings
from taorui_assets.definitions import defs
from taorui_assets.lib.datasets import SPECS

ROOT = Path(__file__).resolve().parent.parent


def load() -> dg.Definitions:
    return defs() if callable(defs) else defs


def test_definitions_load_with_every_dataset():
    d = load()
    keys = {k.to_user_string() for k in d.resolve_all_asset_keys()}
    assert {"instruments", "trading_calendar", "daily_bars", "minute_bars_1m", "minute_bars_5m", "adj_factors",
            "financial_statements", "sector_membership", "index_weights", "billboard", "northbound_flow",
            "money_flow", "ticks"} <= keys


def test_every_asset_is_partitioned_described_grouped_and_kinded():
    d = load()
    for spec in d.resolve_all_asset_specs():
        name = spec.key.to_user_string()
        assert spec.partitions_def is not None, name
        assert spec.description, name
        assert spec.group_name in {s.group for s in SPECS}, name
        assert spec.owners, name
        assert spec.kinds, name


@pytest.mark.parametrize("source", ["sim", "router"])
def test_dagster_definitions_validate(source):
    env = {**os.environ, "TAORUI_MONGO_URI": "mongodb://127.0.0.1:1/?directConnection=true", "TAORUI_SOURCE": source}
    out = subprocess.run([sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "All code locations passed validation" in out.stdout + out.stderr


def test_unknown_source_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("TAORUI_SOURCE", "bloomberg")
    with pytest.raises(settings.ConfigError, match="TAORUI_SOURCE=bloomberg is not one of sim, qmt, jqdata, router"):
        load()


def test_router_priority_comes_from_configuration():
    from taorui_assets.defs import resources

    s = settings.load({"TAORUI_SOURCE": "router", "TAORUI_SOURCE_PRIORITY": "jqdata,qmt"})
    assert resources.market_source(s).priority == ["jqdata", "qmt"]


def test_loading_does_not_import_the_vendor_clients():
    code = ("import sys, taorui_assets.definitions as m; d = m.defs() if callable(m.defs) else m.defs; "
            "print(any(n.split('.')[0] in ('xtquant', 'jqdatasdk') for n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().endswith("False"), out.stdout + out.stderr


def test_schedules_and_sensors_are_defined():
    d = load()
    schedules = {s.name for s in d.schedules}
    sensors = {s.name for s in d.sensors}
    assert {"market_close_schedule", "reference_daily_schedule", "index_weights_weekly_schedule"} <= schedules
    assert {"financial_reports_sensor", "heal_backup_partitions", "run_failure_alert", "capture_heartbeat"} <= sensors
    assert "ticks_seal_schedule" in schedules

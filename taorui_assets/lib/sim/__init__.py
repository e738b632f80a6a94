"""SimMarket: the deterministic simulated A-share market (demo and test ground truth)."""
from taorui_assets.lib.sim.market import SimMarket

__all__ = ["SimMarket"]

"""The code location's one entry point: everything under ``defs/``."""
from pathlib import Path

import dagster as dg

from taorui_assets import automation, settings


@dg.definitions
def defs() -> dg.Definitions:
    # Settings first: a mistake is then one ConfigError naming the variable, not an error
    # deep inside the defs folder's build.
    s = settings.load()
    s.require_source()
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    # The freshness deadline is configured, so it is attached now, at load, not at import.
    return automation.with_freshness(loaded, fresh_by=s.fresh_by)

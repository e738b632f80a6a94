"""The code location's one entry point: everything under ``defs/``."""
from pathlib import Path

import dagster as dg

from taorui_assets import settings


@dg.definitions
def defs() -> dg.Definitions:
    # Settings first: a mistake is then one ConfigError naming the variable, not an error
    # deep inside the defs folder's build.
    settings.load().require_source()
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)

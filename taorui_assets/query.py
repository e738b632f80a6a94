"""``from taorui_assets import query as jq``: the JQData-compatible read API (see lib/query)."""
from taorui_assets.lib.query import *  # noqa: F401,F403
from taorui_assets.lib.query import __all__  # noqa: F401

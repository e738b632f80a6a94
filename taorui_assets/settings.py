"""Every setting of the platform, read in this one module.

Settings are read when the definitions load (or when a command starts), never at import
time, and this module never writes ``os.environ``. A wrong value raises ``ConfigError``,
whose message names the setting and the fix in one short line; the CLI prints it without
a traceback (unless ``TAORUI_DEBUG=1``).
"""
from __future__ import annotations


class ConfigError(Exception):
    """A user's configuration mistake: the message names the setting and how to fix it."""

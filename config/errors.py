"""The configuration error type, on its own so that light importers (the CLI's
entry point, the parse workers) need not load the settings models."""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration problem, worded for the administrator who must fix it."""

"""Shared pytest set-up: real servers on loopback come from the plugin modules below.

Property tests explore new random examples on every developer run; CI (``.ci/run`` sets
``HYPOTHESIS_PROFILE=ci``) replays a fixed set, so a landing never depends on a lucky draw.
A disagreement found while exploring becomes an explicit test of its own.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

pytest_plugins = ["tests.servers_pg", "tests.servers_mail"]

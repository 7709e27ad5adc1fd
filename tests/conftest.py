"""Shared pytest set-up: real servers on loopback come from the plugin modules below."""

pytest_plugins = ["tests.servers_pg", "tests.servers_mail"]

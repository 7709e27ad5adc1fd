"""Loading form profiles (label aliases) from TOML: the packaged defaults or an administrator's own."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from config.errors import ConfigError
from parsers.labels import Profile

FORMS = ("ce_matrix", "referral")


def load_profiles(overrides: dict[str, Path] | None = None) -> dict[str, Profile]:
    """One profile per form; ``overrides`` maps a form name to the administrator's TOML file."""
    overrides = overrides or {}
    unknown = set(overrides) - set(FORMS)
    if unknown:
        raise ConfigError(f"profiles: unknown form(s) {', '.join(sorted(unknown))}; expected {', '.join(FORMS)}")
    profiles = {}
    for form in FORMS:
        path = overrides.get(form)
        text = path.read_text(encoding="utf-8") if path else _packaged(form)
        try:
            profiles[form] = Profile.from_data(form, tomllib.loads(text))
        except (tomllib.TOMLDecodeError, TypeError, AttributeError) as err:
            raise ConfigError(f"{path or form + '.toml'}: invalid form profile: {err}") from err
    return profiles


def _packaged(form: str) -> str:
    return resources.files("config").joinpath("profiles", f"{form}.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_profiles() -> dict[str, Profile]:
    return load_profiles()

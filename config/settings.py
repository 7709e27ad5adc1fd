"""The settings schema: one TOML file validated into typed models at start-up.

Errors name the file, the dotted key and what was expected. Secrets are never
read from the TOML: only the names of environment variables or files that
hold them.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.errors import ConfigError

DEFAULT_CONFIG = "hoth-intake.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Secret(_Model):
    """Where a secret lives: an environment variable or a file, never the TOML."""

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="before")
    @classmethod
    def _not_inline(cls, value: object) -> object:
        if isinstance(value, str):
            raise ValueError('secrets are never read from the TOML: write {env = "VAR"} or {file = "PATH"}')
        return value

    @model_validator(mode="after")
    def _one_source(self) -> "Secret":
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' (a variable name) or 'file' (a path)")
        return self

    def read(self) -> str:
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise ConfigError(f"environment variable {self.env} is not set")
            return value
        assert self.file is not None
        try:
            return self.file.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError(f"cannot read secret file {self.file}: {err.strerror}") from err


class OAuth2(_Model):
    """Microsoft 365 client-credentials grant (XOAUTH2 for IMAP and SMTP)."""

    tenant_id: str
    client_id: str
    client_secret: Secret
    authority: str = "https://login.microsoftonline.com"
    scope: str = "https://outlook.office365.com/.default"


class ServerLogin(_Model):
    host: str
    port: int
    tls: Literal["implicit", "starttls", "none"] = "implicit"
    username: str | None = None
    password: Secret | None = None
    oauth2: OAuth2 | None = None
    timeout_seconds: float = 30.0

    @model_validator(mode="after")
    def _tls_off_loopback(self) -> "ServerLogin":
        if self.tls == "none" and not _is_loopback(self.host):
            raise ValueError(f"tls = \"none\" is only allowed for a loopback host, not {self.host!r}")
        return self


class Folders(_Model):
    inbox: str = "INBOX"
    auto_reply: str = "Screened/Auto-replies"
    bounce: str = "Screened/Bounces"
    duplicate: str = "Screened/Duplicates"
    loop: str = "Screened/Loops"
    copies: str = "Screened/Copies"
    staff_reply: str = "Screened/Staff replies"
    quarantine: str = "Quarantine"


class Mailbox(_Model):
    address: str
    # Which front door this is, for the submission-level checks (a CE Matrix at CEVT,
    # a referral at First Contact); defaults to the mailbox's name.
    role: Literal["firstcontact", "cevt"] | None = None
    imap: ServerLogin | None = None
    folders: Folders = Folders()
    idle: bool = True
    poll_seconds: float = 30.0

    @field_validator("address")
    @classmethod
    def _lower(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError("expected an email address")
        return value.strip().lower()


class Queue(_Model):
    folder: str
    due_working_days: int | None = Field(default=None, ge=0)
    on_call: list[str] = []
    out_of_hours: list[str] = []
    owners: list[str] = []
    description: str = ""


FormMatch = Literal["any", "ce_matrix", "referral", "none"]
LevelMatch = Literal["none", "low", "moderate", "significant", "unknown"]


class Route(_Model):
    """One row of the route table; the first matching row wins."""

    mailbox: str = "*"
    form: FormMatch = "any"
    levels: list[LevelMatch] | None = None
    queue: str


class BusinessHours(_Model):
    timezone: str = "Europe/London"
    holidays_country: str = "GB"
    holidays_subdivision: str | None = "ENG"
    hours: dict[str, str] = {
        "mon": "08:30-17:00",
        "tue": "08:30-17:00",
        "wed": "08:30-17:00",
        "thu": "08:30-17:00",
        "fri": "08:30-16:30",
    }

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        for day, span in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; expected one of {', '.join(WEEKDAYS)}")
            parse_span(span)
        return value

    def span(self, weekday: int) -> tuple[time, time] | None:
        text = self.hours.get(WEEKDAYS[weekday])
        return parse_span(text) if text else None


class Escalation(_Model):
    repeat_minutes: float = Field(default=60.0, gt=0)
    # Minutes before the due time; None means "at opening on the due day".
    warning_lead_minutes: float | None = None
    admins: list[str] = []
    digest_time: str = "08:00"


class Service(_Model):
    domain: str = "hoth-intake.durham.gov.uk"  # our Message-ID domain and X-Loop value
    from_address: str = "hoth-intake@durham.gov.uk"
    authserv_ids: list[str] = []
    default_marking: str = "OFFICIAL-SENSITIVE"
    level_policy: Literal["highest", "declared"] = "highest"
    rate_cap_per_hour: int = Field(default=100, ge=1)
    max_message_bytes: int = 60 * 1024 * 1024


class Store(_Model):
    url: str = "sqlite:///hoth-intake.sqlite3"
    # SQLite only. NORMAL (with WAL) survives a crash of the process; FULL also a power cut, ~0.7 ms a commit.
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"


class DaemonTuning(_Model):
    # Worker processes that read messages and forms while the daemon commits earlier ones.
    # Unset: one per core beyond the first (at most 4); 0 reads everything in the daemon's process.
    parse_workers: int | None = Field(default=None, ge=0, le=16)


class Logging(_Model):
    level: Literal["debug", "info", "warning", "error"] = "info"


class Settings(_Model):
    service: Service = Service()
    partner_domains: list[str] = [
        "gov.uk", "*.gov.uk", "nhs.net", "nhs.uk", "*.nhs.uk", "police.uk", "*.police.uk", "*.sch.uk",
    ]
    mailboxes: dict[str, Mailbox]
    queues: dict[str, Queue]
    routes: list[Route]
    business_hours: BusinessHours = BusinessHours()
    escalation: Escalation = Escalation()
    smtp: ServerLogin | None = None
    store: Store = Store()
    daemon: DaemonTuning = DaemonTuning()
    logging: Logging = Logging()
    templates_dir: Path | None = None
    profiles: dict[str, Path] = {}

    @model_validator(mode="after")
    def _references(self) -> "Settings":
        if not self.mailboxes:
            raise ValueError("at least one [mailboxes.NAME] table is required")
        for i, route in enumerate(self.routes):
            if route.queue not in self.queues:
                raise ValueError(f"routes[{i}].queue: unknown queue {route.queue!r}")
            if route.mailbox != "*" and route.mailbox not in self.mailboxes:
                raise ValueError(f"routes[{i}].mailbox: unknown mailbox {route.mailbox!r}")
        if "manual-review" not in self.queues:
            raise ValueError("queues: a 'manual-review' queue is required (the never-under-triage fallback)")
        return self

    def mailbox_with_role(self, role: str) -> str | None:
        """The configured mailbox acting as ``role`` ("firstcontact" or "cevt")."""
        for name, box in self.mailboxes.items():
            if (box.role or name) == role:
                return name
        return None

    def role_of(self, mailbox: str) -> str:
        box = self.mailboxes.get(mailbox)
        return (box.role if box else None) or mailbox

    def mailbox_for_address(self, address: str) -> str | None:
        for name, box in self.mailboxes.items():
            if box.address == address.lower():
                return name
        return None


def parse_span(text: str) -> tuple[time, time]:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    if not match:
        raise ValueError(f"expected opening hours like '08:30-17:00', got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    opening, closing = time(h1, m1), time(h2, m2)
    if closing <= opening:
        raise ValueError(f"closing time must be after opening time in {text!r}")
    return opening, closing


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def default_config_path() -> Path:
    return Path(str(resources.files("config").joinpath(DEFAULT_CONFIG)))


def load_settings(path: Path | str | None = None) -> Settings:
    """Read and validate a TOML file (the packaged default when ``path`` is None)."""
    source = Path(path) if path is not None else default_config_path()
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"{source}: file not found") from err
    except OSError as err:
        raise ConfigError(f"{source}: cannot read: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source}: not valid TOML: {err}") from err
    try:
        settings = Settings.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_describe(source, err)) from err
    return _resolve_paths(settings, source.parent)


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    profiles = {k: (v if v.is_absolute() else base / v) for k, v in settings.profiles.items()}
    templates = settings.templates_dir
    if templates is not None and not templates.is_absolute():
        templates = base / templates
    return settings.model_copy(update={"profiles": profiles, "templates_dir": templates})


def _describe(source: Path, err: ValidationError) -> str:
    lines = [f"{source}: invalid configuration"]
    for problem in err.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
            if re.search(r"(password|secret|token)$", key):
                message = "secrets are never read from the TOML: use a {env = \"VAR\"} or {file = \"PATH\"} table"
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)


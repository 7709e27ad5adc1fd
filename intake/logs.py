"""Structured JSON logging with a redaction processor: no log line carries child data.

Every log line (ours through structlog, libraries' through the stdlib bridge)
passes ``redact`` last before rendering. It masks the values of keys that may
carry child or form data, keeps only the extension of file names, and masks
anything in any string that looks like a date of birth or a UK postcode.
A date followed by a clock time (an ISO datetime: receipt, due, retry times)
is operational, not a date of birth, and is kept.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[redacted]"
DATE_MASK = "[date]"
POSTCODE_MASK = "[postcode]"

# Keys whose values may carry a child's identity, an address or free form text.
SENSITIVE_KEYS = frozenset({
    "name", "names", "child", "children", "dob", "date_of_birth", "birth_date", "age",
    "address", "addresses", "postcode", "evidence", "body", "text", "subject", "concerns",
    "aliases", "alias", "views", "voice_of_child", "fields", "document_text",
    "raw", "content", "payload", "phone", "school", "gp", "suspects", "vehicles", "locations",
})
SENSITIVE_SUFFIXES = ("_name", "_dob", "_address", "_evidence", "_body", "_text", "_subject", "_postcode")
FILENAME_KEYS = frozenset({"filename", "file_name", "attachment", "file"})
# Structural keys of the log line itself; never masked.
PASSTHROUGH_KEYS = frozenset({"event", "level", "logger", "timestamp", "log_level"})

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_NOT_A_TIME = r"(?![T ]?\d{1,2}:\d{2})"  # a datetime with a clock time is not a DOB
_DATE_PATTERNS = (
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b" + _NOT_A_TIME),
    re.compile(r"\b\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\b" + _NOT_A_TIME),
    re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS + r"\.?,?\s+\d{2,4}\b", re.IGNORECASE),
    re.compile(r"\b" + _MONTHS + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b", re.IGNORECASE),
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)

# Libraries that log protocol traffic or message content at DEBUG.
# Wire-level traces can carry message text (subjects name children): never below WARNING.
_CHATTY_LOGGERS = ("imapclient", "imapclient.imaplib", "mail.log", "aiosmtplib", "apscheduler", "msal", "urllib3",
                   "pymap", "tnefparse")


def scrub_text(value: str) -> str:
    """Mask date-like and postcode-like substrings in free text."""
    for pattern in _DATE_PATTERNS:
        value = pattern.sub(DATE_MASK, value)
    return _POSTCODE.sub(POSTCODE_MASK, value)


def _is_sensitive(key: str) -> bool:
    lowered = key.lower()
    return lowered in SENSITIVE_KEYS or lowered.endswith(SENSITIVE_SUFFIXES)


def _extension_only(value: Any) -> str:
    suffix = PurePath(str(value)).suffix.lower()
    return f"*{suffix}" if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else REDACTED


def _clean(key: str, value: Any) -> Any:
    lowered = key.lower()
    if value is None:
        return None
    if lowered in FILENAME_KEYS:
        return _extension_only(value)
    if _is_sensitive(lowered):
        return REDACTED
    return _clean_value(value)


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {str(k): _clean(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_clean_value(item) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, (bool, int, float)):
        return value
    return scrub_text(str(value))


def redact(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask child data in every key and value of a log line."""
    cleaned: EventDict = {}
    for key, value in event_dict.items():
        if key == "event":
            cleaned[key] = scrub_text(str(value))
        elif key in PASSTHROUGH_KEYS:
            cleaned[key] = value
        else:
            cleaned[key] = _clean(key, value)
    return cleaned


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def configure_logging(level: str = "info", stream: TextIO | None = None) -> None:
    """Send every log line, ours and libraries', as redacted JSON to ``stream`` (default stderr)."""
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}")
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            structlog.processors.JSONRenderer(sort_keys=False, default=str),
        ],
    )
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )

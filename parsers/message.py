"""Typed view of one inbound email, as handed from `parsers.mime` to `routing`.

Only the facts routing needs are kept; the raw bytes stay with the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class Attachment:
    """One document found anywhere in the message (TNEF, .msg and forwards flattened)."""

    filename: str
    data: bytes
    declared_type: str
    sniffed_type: str
    path: str  # where it was found, e.g. "forward[1]/winmail.dat/form.docx"


@dataclass
class ParsedMail:
    message_id: str
    subject: str
    from_addr: str  # bare, lower-cased address
    from_display: str
    reply_to: list[str]
    to: list[str]
    cc: list[str]
    date: datetime | None
    received_at: datetime | None  # topmost Received header's date
    in_reply_to: list[str]
    references: list[str]
    return_path: str | None  # None when absent; "" for the null reverse-path <>
    headers: dict[str, list[str]]  # lower-cased name -> values, topmost first
    body_text: str
    attachments: list[Attachment] = field(default_factory=list)
    is_delivery_report: bool = False
    is_read_receipt: bool = False  # a message disposition notification (screened as an automatic reply)
    # Message-IDs quoted by a DSN (its original message's headers), for bounce matching.
    reported_message_ids: list[str] = field(default_factory=list)
    # The returned original's headers (lower-cased name → values), to recognise our own bounced replies.
    reported_headers: dict[str, list[str]] = field(default_factory=dict)
    sha256: str = ""
    size: int = 0
    problems: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


def receipt_time(mail: ParsedMail, at: datetime | None) -> datetime:
    """When the message reached us: ``at`` if given, else the topmost Received header's date, else Date,
    else now."""
    if at is not None:
        return at
    return mail.received_at or mail.date or datetime.now(UTC)

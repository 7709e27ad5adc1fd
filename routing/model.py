"""The vocabulary of a decision: dispositions, cases, queue entries, outbound mail.

`routing.decide` reads the store through ``StoreView`` and returns a
``Decision``; the caller (replay's in-memory store or the daemon's SQL store)
applies it in one transaction. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from parsers.results import Level, ParseResult, initials


class Disposition(StrEnum):
    NEW_CASE = "new_case"
    CASE_UPDATE = "case_update"
    COPY = "copy"
    DUPLICATE = "duplicate"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    LOOP = "loop"
    STAFF_REPLY = "staff_reply"  # ACK / DONE from on-call staff to one of our alerts

    @property
    def opens_or_updates_case(self) -> bool:
        return self in (Disposition.NEW_CASE, Disposition.CASE_UPDATE, Disposition.COPY)


class NotificationKind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    MISSING_INFORMATION = "missing_information"
    ESCALATION = "escalation"
    DIGEST = "digest"  # the daily queue summary to its owners (scheduler, never a decision)

    @property
    def sender_facing(self) -> bool:
        return self in (NotificationKind.ACKNOWLEDGEMENT, NotificationKind.MISSING_INFORMATION)


class EscalationReason(StrEnum):
    SIGNIFICANT_RISK = "significant_risk"
    MANUAL_REVIEW = "manual_review"
    DEADLINE_WARNING = "deadline_warning"
    DEADLINE_BREACHED = "deadline_breached"
    INTAKE_FAULT = "intake_fault"


class Flag(StrEnum):
    STRATEGY_MEETING_REQUIRED = "strategy_meeting_required"
    CONSIDER_NRM = "consider_nrm"
    UNDER_13 = "under_13"
    LEARNING_DISABILITY = "learning_disability"
    LEVEL_DISCREPANCY = "level_discrepancy"
    TRANSITIONAL_SAFEGUARDING = "transitional_safeguarding"
    UNVERIFIED_SENDER = "unverified_sender"
    IMMEDIATE_RISK = "immediate_risk"


@dataclass
class CaseChild:
    name: str | None = None
    dob: str | None = None  # ISO date
    age: int | None = None

    @property
    def initials(self) -> str | None:
        return initials(self.name)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "dob": self.dob, "age": self.age}


@dataclass
class CaseRecord:
    """A case as the store knows it (one child, one or more submissions)."""

    reference: str
    first_received_at: datetime
    child: CaseChild
    declared_level: Level | None
    effective_level: Level | None
    flags: list[str]
    forms: list[str]  # form types seen so far
    sender: str
    message_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "child": self.child.to_json(),
            "declared_level": self.declared_level.value if self.declared_level else None,
            "effective_level": self.effective_level.value if self.effective_level else None,
            "flags": list(self.flags),
        }


@dataclass
class QueueEntry:
    case_reference: str
    mailbox: str
    queue: str
    due_at: datetime | None
    opened_at: datetime
    triaged: bool = False


@dataclass
class Notification:
    """One outbound email, rendered and ready for the outbox."""

    kind: NotificationKind
    reason: EscalationReason | None
    to: list[str]
    subject: str
    body: str
    headers: dict[str, str]  # Message-ID, In-Reply-To, References, Auto-Submitted, X-Loop, ...
    message_id: str
    case_reference: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "reason": self.reason.value if self.reason else None,
            "to": list(self.to),
            "subject": self.subject,
        }


@dataclass
class Decision:
    """Everything one delivery changes; applied by the store in one transaction."""

    mailbox: str
    message_id: str
    received_at: datetime
    sender: str
    disposition: Disposition
    documents: list[ParseResult] = field(default_factory=list)
    case: CaseRecord | None = None
    queue_entry: QueueEntry | None = None
    missing: list[str] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    suppressed: list[Notification] = field(default_factory=list)  # over the rate cap
    failed_notification_id: str | None = None  # a bounce of our own reply
    staff_action: str | None = None  # "ack" / "done" for STAFF_REPLY
    acted_on_message_id: str | None = None  # the alert a STAFF_REPLY answers
    notes: list[str] = field(default_factory=list)

    @property
    def queue(self) -> str | None:
        return self.queue_entry.queue if self.queue_entry else None

    @property
    def due_at(self) -> datetime | None:
        return self.queue_entry.due_at if self.queue_entry else None


class StoreView(Protocol):
    """What the decision may ask of the store. Implemented by memory and SQL stores."""

    def seen_in_mailbox(self, mailbox: str, message_id: str) -> bool:
        """True if this Message-ID was already decided for this mailbox."""

    def case_for_inbound(self, message_id: str) -> CaseRecord | None:
        """The case an earlier delivery of this Message-ID (any mailbox) opened or updated."""

    def case_by_reference(self, reference: str) -> CaseRecord | None: ...

    def outbound(self, message_id: str) -> Notification | None:
        """One of our own sent (or queued) messages, by its Message-ID."""

    def queue_entries(self, reference: str) -> list[QueueEntry]: ...

    def replies_sent_since(self, address: str, since: datetime) -> int:
        """Sender-facing notifications to this address created at or after ``since``."""

    def allocate_reference(self, year: int) -> str:
        """The next ``HOTH-YYYY-NNNNNN``; numbering restarts each year."""

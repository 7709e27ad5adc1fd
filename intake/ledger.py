"""Plain records both stores speak: the ledger key of a delivery and the rows the daemon reads back.

Nothing here does I/O; ``intake.memstore`` and ``intake.store`` return these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from routing.model import CaseRecord, Decision, Disposition, EscalationReason, Notification, NotificationKind, QueueEntry

QUARANTINED = "quarantined"  # what ``ledger_lookup`` answers for an unreleased poison message


class StoreError(Exception):
    """The store could not do what was asked (database unreachable, constraint broken, ...)."""


class SchemaError(StoreError):
    """The database schema is not one this version of hoth-intake can use."""


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker
    RETRY = "retry"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # over the per-recipient rate cap: kept, never sent


@dataclass(frozen=True)
class LedgerKey:
    """Where one delivery was fetched from, and what it was."""

    mailbox: str
    folder: str
    uidvalidity: int
    uid: int
    message_id: str
    sha256: str


@dataclass(frozen=True)
class AttemptStart:
    """What ``start_attempt`` found for a delivery about to be processed.

    ``known`` is the committed disposition (or ``QUARANTINED``): file the message,
    decide nothing. Otherwise ``number`` counts the starts of this delivery that
    have no committed outcome, this one included (1 the first time); it is
    committed before processing begins, so a start that kills the process still counts.
    """

    known: str | None
    number: int
    case_reference: str | None = None  # of a known delivery


@dataclass(frozen=True)
class OutboxRow:
    """One outbound email in the outbox, with its delivery state."""

    id: int
    notification: Notification
    mailbox: str | None
    status: OutboxStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None

    @property
    def kind(self) -> NotificationKind:
        return self.notification.kind


@dataclass(frozen=True)
class EscalationRow:
    """An escalation email that repeats until a human acknowledges it."""

    id: int
    message_id: str
    case_reference: str | None
    reason: EscalationReason
    queue: str | None
    mailbox: str | None
    created_at: datetime
    acknowledged_at: datetime | None
    next_repeat_at: datetime | None
    repeats: int


@dataclass(frozen=True)
class QueueRow:
    """An open queue entry as the deadline sweep sees it."""

    case_reference: str
    mailbox: str
    queue: str
    due_at: datetime | None
    opened_at: datetime
    warned: bool
    breached: bool


@dataclass(frozen=True)
class QuarantineRow:
    """A poison message set aside with the error that stopped it."""

    id: int
    key: LedgerKey
    error: str
    quarantined_at: datetime
    released_at: datetime | None


@dataclass(frozen=True)
class AuditEntry:
    """One state change. ``detail`` never carries child data or form text."""

    at: datetime
    action: str
    mailbox: str | None
    message_id: str | None
    case_reference: str | None
    detail: str


class AppliesDecisions:
    """The one order in which both stores apply a decision; each store supplies the steps."""

    def _apply_steps(self, decision: Decision, ledger: LedgerKey | None) -> None:
        reference = self._apply_case(decision)
        self._record_delivery(decision, ledger, reference)  # also: the delivery's starts no longer count
        if decision.queue_entry is not None:
            self._upsert_queue(decision.queue_entry, decision)
        for note in decision.notifications:
            self._enqueue(note, decision.received_at, decision.mailbox, decision.queue, OutboxStatus.PENDING)
        for note in decision.suppressed:
            self._enqueue(note, decision.received_at, decision.mailbox, decision.queue, OutboxStatus.SUPPRESSED)
        if decision.failed_notification_id:
            self._fail_bounced(decision)
        if decision.disposition is Disposition.STAFF_REPLY:
            self._staff_action(decision)

    def _apply_case(self, decision: Decision) -> str | None:
        raise NotImplementedError

    @staticmethod
    def _case_to_store(decision: Decision) -> tuple[CaseRecord | None, str | None]:
        """The case a decision opens or updates (else None) and the reference its delivery is filed under."""
        case = decision.case
        if not decision.disposition.opens_or_updates_case:
            return None, case.reference if case else None
        if case is None:
            raise StoreError(f"a {decision.disposition.value} decision carries no case")
        return case, case.reference

    def _record_delivery(self, decision: Decision, key: LedgerKey | None, reference: str | None) -> None:
        raise NotImplementedError

    def _upsert_queue(self, entry: QueueEntry, decision: Decision) -> None:
        raise NotImplementedError

    def _enqueue(self, note: Notification, at: datetime, mailbox: str | None, queue: str | None,
                 status: OutboxStatus) -> object:
        raise NotImplementedError

    def _fail_bounced(self, decision: Decision) -> None:
        raise NotImplementedError

    def _staff_action(self, decision: Decision) -> None:
        raise NotImplementedError

"""The in-memory store's daemon operations: ledger, attempts, outbox, escalations, deadlines, quarantine.

A mixin of `intake.memstore.MemoryStore`, which owns the tables, the undo log
(`_put`, `_drop`) and the audit trail (`_audit_entry`); same semantics as
`intake.store.SqlStore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from intake.ledger import (
    QUARANTINED,
    AttemptStart,
    AuditEntry,
    EscalationRow,
    LedgerKey,
    OutboxRow,
    OutboxStatus,
    QuarantineRow,
    QueueRow,
    StoreError,
)
from routing.model import Notification


class MemoryDaemonOps:
    """What the daemon asks of the store beyond deciding (see `intake.store.SqlStore`)."""

    _deliveries: dict[int, Any]
    _outbox: dict[int, OutboxRow]
    _escalations: dict[int, EscalationRow]
    _queue: dict[tuple[str, str], Any]
    _quarantine: dict[int, QuarantineRow]
    _attempts: dict[Any, Any]
    _audit: dict[int, AuditEntry]
    _lease: timedelta
    _repeat: timedelta

    def ledger_lookup(self, key: LedgerKey) -> str | None:
        return self._known(key)[0]

    def _known(self, key: LedgerKey) -> tuple[str | None, str | None]:
        row_id = self._by_uid.get(slot(key))
        if row_id is None:
            row_id = self._by_content.get((key.mailbox, key.message_id, key.sha256))
            if row_id is not None and self._deliveries[row_id].filed_at is not None:
                row_id = None  # moved out already: this is a new copy of it (decided, as a duplicate)
        if row_id is not None:
            return self._deliveries[row_id].disposition, self._deliveries[row_id].case_reference
        if any(q.released_at is None and slot(q.key) == slot(key) for q in self._quarantine.values()):
            return QUARANTINED, None
        return None, None

    def start_attempt(self, key: LedgerKey, at: datetime) -> AttemptStart:
        """Look the delivery up; without a committed outcome, count this start."""
        with self.transaction():
            known, reference = self._known(key)
            if known is not None:
                return AttemptStart(known, 0, reference)
            number = self._starts(key) + 1
            self._put(self._attempts, slot(key), number)
            return AttemptStart(None, number)

    def give_back_attempt(self, key: LedgerKey) -> None:
        with self.transaction():
            if self._starts(key) > 0:
                self._put(self._attempts, slot(key), self._starts(key) - 1)

    def clear_attempts(self, key: LedgerKey) -> None:
        """The delivery has a committed outcome: its starts no longer count."""
        with self.transaction():
            self._drop(self._attempts, slot(key))

    def _starts(self, key: LedgerKey) -> int:
        return self._attempts.get(slot(key), 0)

    def mark_filed(self, key: LedgerKey, at: datetime | None = None) -> None:
        if self.mark_filed_many([key], at):
            raise StoreError(f"no delivery recorded for uid {key.uid} in {key.mailbox}/{key.folder}")

    def mark_filed_many(self, keys: Sequence[LedgerKey], at: datetime | None = None) -> list[LedgerKey]:
        """Record that these deliveries were moved out of INBOX; returns the keys with no delivery at that UID."""
        when = at or _now()
        missing = []
        with self.transaction():
            for key in keys:
                row_id = self._by_uid.get(slot(key))
                if row_id is None:
                    missing.append(key)
                    continue
                self._put(self._deliveries, row_id, replace(self._deliveries[row_id], filed_at=when))
                self._audit_entry(when, "filed", mailbox=key.mailbox, message_id=key.message_id)
        return missing

    def enqueue(self, note: Notification, at: datetime, *, mailbox: str | None = None,
                queue: str | None = None) -> int:
        """Put a scheduler-made notification (deadline warning, intake fault) in the outbox."""
        with self.transaction():
            return self._enqueue(note, at, mailbox, queue, OutboxStatus.PENDING)

    def claim_due_outbox(self, limit: int, now: datetime, worker: str) -> list[OutboxRow]:
        with self.transaction():
            stale = now - self._lease
            due = sorted((r for r in self._outbox.values() if _claimable(r, now, stale)),
                         key=lambda r: (r.next_attempt_at, r.id))[:limit]
            claimed = []
            for row in due:
                row = replace(row, status=OutboxStatus.SENDING, attempts=row.attempts + 1,
                              claimed_by=worker, claimed_at=now)
                self._put(self._outbox, row.id, row)
                claimed.append(deepcopy(row))
            return claimed

    def mark_sent(self, row_id: int, at: datetime) -> None:
        self._set_outbox(row_id, at, "sent", status=OutboxStatus.SENT, sent_at=at)

    def mark_retry(self, row_id: int, at: datetime, error: str, next_attempt_at: datetime) -> None:
        self._set_outbox(row_id, at, "retry", status=OutboxStatus.RETRY, last_error=error,
                         next_attempt_at=next_attempt_at)

    def mark_failed(self, row_id: int, at: datetime, error: str) -> None:
        self._set_outbox(row_id, at, "failed", status=OutboxStatus.FAILED, last_error=error)

    def outbox_row(self, row_id: int) -> OutboxRow | None:
        row = self._outbox.get(row_id)
        return deepcopy(row) if row else None

    def _set_outbox(self, row_id: int, at: datetime, action: str, **changes: Any) -> None:
        with self.transaction():
            row = self._outbox.get(row_id)
            if row is None:
                raise StoreError(f"no outbox row {row_id}")
            self._put(self._outbox, row_id, replace(row, **changes))
            self._audit_entry(at, f"outbox_{action}", mailbox=row.mailbox,
                              message_id=row.notification.message_id, case=row.notification.case_reference)

    def escalations(self, reference: str | None = None) -> list[EscalationRow]:
        return [e for e in self._escalations.values() if reference is None or e.case_reference == reference]

    def due_escalations(self, now: datetime) -> list[EscalationRow]:
        return [e for e in self._escalations.values()
                if e.acknowledged_at is None and e.next_repeat_at is not None and e.next_repeat_at <= now]

    def record_repeat(self, escalation_id: int, note: Notification, at: datetime) -> int:
        """Queue a repeat of an unacknowledged escalation; an ACK to the repeat acknowledges the original."""
        with self.transaction():
            esc = self._escalations.get(escalation_id)
            if esc is None:
                raise StoreError(f"no escalation {escalation_id}")
            row_id = self._enqueue(note, at, esc.mailbox, esc.queue, OutboxStatus.PENDING, escalation_id)
            self._put(self._escalations, escalation_id,
                      replace(esc, repeats=esc.repeats + 1, next_repeat_at=at + self._repeat))
            return row_id

    def open_queue_entries(self) -> list[QueueRow]:
        return [QueueRow(q.entry.case_reference, q.entry.mailbox, q.entry.queue, q.entry.due_at,
                         q.entry.opened_at, q.warned, q.breached)
                for q in self._queue.values() if not q.entry.triaged]

    def mark_warned(self, reference: str, mailbox: str, at: datetime) -> None:
        self._set_queue(reference, mailbox, at, "deadline_warned", warned=True)

    def mark_breached(self, reference: str, mailbox: str, at: datetime) -> None:
        self._set_queue(reference, mailbox, at, "deadline_breached", breached=True)

    def mark_triaged(self, reference: str, mailbox: str, at: datetime) -> None:
        self._set_queue(reference, mailbox, at, "triaged", triaged=True)

    def _set_queue(self, reference: str, mailbox: str, at: datetime, action: str, **flags: bool) -> None:
        with self.transaction():
            queued = self._queue.get((reference, mailbox))
            if queued is None:
                raise StoreError(f"no queue entry for {reference} in {mailbox}")
            entry = replace(queued.entry, triaged=flags.pop("triaged", queued.entry.triaged))
            self._put(self._queue, (reference, mailbox), replace(queued, entry=entry, **flags))
            self._audit_entry(at, action, mailbox=mailbox, case=reference, detail=entry.queue)

    def quarantine(self, key: LedgerKey, error: str, at: datetime | None = None) -> int:
        with self.transaction():
            when = at or _now()
            row_id = len(self._quarantine) + 1
            self._put(self._quarantine, row_id, QuarantineRow(row_id, key, error, when, None))
            self._drop(self._attempts, slot(key))
            self._audit_entry(when, "quarantined", mailbox=key.mailbox, message_id=key.message_id, detail=error)
            return row_id

    def quarantined(self) -> list[QuarantineRow]:
        return [q for q in self._quarantine.values() if q.released_at is None]

    def release(self, row_id: int, at: datetime | None = None) -> None:
        with self.transaction():
            row = self._quarantine.get(row_id)
            if row is None or row.released_at is not None:
                raise StoreError(f"no quarantined message {row_id}")
            when = at or _now()
            self._put(self._quarantine, row_id, replace(row, released_at=when))
            self._audit_entry(when, "released", mailbox=row.key.mailbox, message_id=row.key.message_id)

    def audit_entries(self, reference: str | None = None) -> list[AuditEntry]:
        return [a for a in self._audit.values() if reference is None or a.case_reference == reference]


def slot(key: LedgerKey) -> tuple[str, str, int, int]:
    return (key.mailbox, key.folder, key.uidvalidity, key.uid)


def _claimable(row: OutboxRow, now: datetime, stale: datetime) -> bool:
    if row.status in (OutboxStatus.PENDING, OutboxStatus.RETRY):
        return row.next_attempt_at <= now
    return row.status is OutboxStatus.SENDING and row.claimed_at is not None and row.claimed_at <= stale


def _now() -> datetime:
    return datetime.now(UTC)

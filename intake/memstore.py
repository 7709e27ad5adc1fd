"""The in-memory store: what `hoth-intake replay` decides against, and the reference for the SQL store.

Same interface and semantics as ``intake.store.SqlStore``. A transaction keeps
an undo log, so an exception inside ``transaction()`` leaves nothing behind
(not even an allocated reference). One lock serialises writers; reads from
another thread may see a transaction in progress (replay is single-threaded).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, replace
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
from routing.model import (
    CaseRecord,
    Decision,
    Disposition,
    Notification,
    NotificationKind,
    QueueEntry,
)

__all__ = ["LedgerKey", "MemoryStore"]

DEFAULT_REPEAT = timedelta(minutes=60)
DEFAULT_LEASE = timedelta(minutes=10)
_MISSING: Any = object()


@dataclass(frozen=True)
class _Delivery:
    key: LedgerKey | None
    mailbox: str
    message_id: str
    disposition: str
    received_at: datetime
    case_reference: str | None
    filed_at: datetime | None = None


@dataclass(frozen=True)
class _Queued:
    entry: QueueEntry
    warned: bool = False
    breached: bool = False


class MemoryStore:
    """``routing.model.StoreView`` plus ``apply`` and the daemon's operations, in dicts."""

    def __init__(self, escalation_repeat: timedelta = DEFAULT_REPEAT, outbox_lease: timedelta = DEFAULT_LEASE) -> None:
        self._repeat = escalation_repeat
        self._lease = outbox_lease
        self._lock = threading.RLock()
        self._undo: list[Callable[[], None]] | None = None
        self._deliveries: dict[int, _Delivery] = {}
        self._by_uid: dict[tuple[str, str, int, int], int] = {}
        self._by_content: dict[tuple[str, str, str], int] = {}
        self._seen: dict[tuple[str, str], int] = {}
        self._cases: dict[str, CaseRecord] = {}
        self._case_of_message: dict[str, str] = {}
        self._queue: dict[tuple[str, str], _Queued] = {}
        self._outbox: dict[int, OutboxRow] = {}
        self._outbox_by_mid: dict[str, int] = {}
        self._escalations: dict[int, EscalationRow] = {}
        self._escalation_by_mid: dict[str, int] = {}
        self._quarantine: dict[int, QuarantineRow] = {}
        self._attempts: dict[tuple[str, str, int, int], int] = {}  # starts without a committed outcome
        self._counters: dict[int, int] = {}
        self._audit: dict[int, AuditEntry] = {}

    # -- unit of work ------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[MemoryStore]:
        """All changes inside commit together at exit, or are undone on an exception."""
        with self._lock:
            if self._undo is not None:  # already inside one on this thread: join it
                yield self
                return
            self._undo = []
            try:
                yield self
            except BaseException:
                for undo in reversed(self._undo):
                    undo()
                raise
            finally:
                self._undo = None

    def _put(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        old = table.get(key, _MISSING)
        assert self._undo is not None, "writes happen inside transaction()"
        self._undo.append(lambda: table.__setitem__(key, old) if old is not _MISSING else table.pop(key, None))
        table[key] = value

    def _drop(self, table: dict[Any, Any], key: Any) -> None:
        if key not in table:
            return
        assert self._undo is not None, "writes happen inside transaction()"
        old = table.pop(key)
        self._undo.append(lambda: table.__setitem__(key, old))

    def _audit_entry(self, at: datetime, action: str, *, mailbox: str | None = None,
                     message_id: str | None = None, case: str | None = None, detail: str = "") -> None:
        entry = AuditEntry(at=at, action=action, mailbox=mailbox, message_id=message_id,
                           case_reference=case, detail=detail)
        self._put(self._audit, len(self._audit) + 1, entry)

    # -- StoreView ---------------------------------------------------------

    def seen_in_mailbox(self, mailbox: str, message_id: str) -> bool:
        return (mailbox, message_id) in self._seen

    def case_for_inbound(self, message_id: str) -> CaseRecord | None:
        reference = self._case_of_message.get(message_id)
        return self.case_by_reference(reference) if reference else None

    def case_by_reference(self, reference: str) -> CaseRecord | None:
        case = self._cases.get(reference)
        return deepcopy(case) if case else None

    def outbound(self, message_id: str) -> Notification | None:
        row_id = self._outbox_by_mid.get(message_id)
        return deepcopy(self._outbox[row_id].notification) if row_id else None

    def queue_entries(self, reference: str) -> list[QueueEntry]:
        return [deepcopy(q.entry) for (ref, _), q in self._queue.items() if ref == reference]

    def replies_sent_since(self, address: str, since: datetime) -> int:
        wanted = address.strip().lower()
        return sum(
            1 for row in self._outbox.values()
            if row.kind.sender_facing and row.status is not OutboxStatus.SUPPRESSED
            and row.created_at >= since and wanted in (a.strip().lower() for a in row.notification.to)
        )

    def allocate_reference(self, year: int) -> str:
        with self.transaction():
            number = self._counters.get(year, 0) + 1
            self._put(self._counters, year, number)
            return f"HOTH-{year}-{number:06d}"

    # -- applying a decision -----------------------------------------------

    def apply(self, decision: Decision, ledger: LedgerKey | None = None) -> None:
        """Record one delivery and everything its decision changes, atomically."""
        _require_aware(decision)
        with self.transaction():
            reference = self._apply_case(decision)
            self._record_delivery(decision, ledger, reference)
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
        case, disposition = decision.case, decision.disposition
        if not disposition.opens_or_updates_case:
            return case.reference if case else None
        if case is None:
            raise StoreError(f"a {disposition.value} decision carries no case")
        stored = self._cases.get(case.reference)
        if disposition is Disposition.NEW_CASE:
            if stored is not None:
                raise StoreError(f"case {case.reference} already exists")
            stored = replace(deepcopy(case), message_ids=[])
        elif stored is None:
            raise StoreError(f"case {case.reference} not found for {disposition.value}")
        else:
            stored = replace(stored, child=deepcopy(case.child), declared_level=case.declared_level,
                             effective_level=case.effective_level, flags=list(case.flags), forms=list(case.forms))
        ids = list(stored.message_ids) + [m for m in case.message_ids if m not in stored.message_ids]
        if decision.message_id not in ids:
            ids.append(decision.message_id)
        self._put(self._cases, case.reference, replace(stored, message_ids=ids))
        for message_id in ids:
            if message_id not in self._case_of_message:
                self._put(self._case_of_message, message_id, case.reference)
        self._audit_entry(decision.received_at, disposition.value, mailbox=decision.mailbox,
                          message_id=decision.message_id, case=case.reference)
        return case.reference

    def _record_delivery(self, decision: Decision, key: LedgerKey | None, reference: str | None) -> None:
        if key is not None and (key.mailbox, key.folder, key.uidvalidity, key.uid) in self._by_uid:
            raise StoreError(f"delivery uid {key.uid} in {key.mailbox}/{key.folder} is already recorded")
        row_id = len(self._deliveries) + 1
        self._put(self._deliveries, row_id, _Delivery(key, decision.mailbox, decision.message_id,
                                                      decision.disposition.value, decision.received_at, reference))
        self._put(self._seen, (decision.mailbox, decision.message_id), row_id)
        if key is not None:
            self._put(self._by_uid, (key.mailbox, key.folder, key.uidvalidity, key.uid), row_id)
            self._put(self._by_content, (key.mailbox, key.message_id, key.sha256), row_id)
            self._drop(self._attempts, _slot(key))
        self._audit_entry(decision.received_at, "delivery", mailbox=decision.mailbox,
                          message_id=decision.message_id, case=reference, detail=decision.disposition.value)

    def _upsert_queue(self, entry: QueueEntry, decision: Decision) -> None:
        if entry.case_reference not in self._cases:
            raise StoreError(f"queue entry for unknown case {entry.case_reference}")
        key = (entry.case_reference, entry.mailbox)
        old = self._queue.get(key)
        keep = old is not None and old.entry.due_at == entry.due_at
        self._put(self._queue, key, _Queued(deepcopy(entry), keep and old.warned, keep and old.breached))
        self._audit_entry(decision.received_at, "queue", mailbox=entry.mailbox, message_id=decision.message_id,
                          case=entry.case_reference, detail=entry.queue)

    def _enqueue(self, note: Notification, at: datetime, mailbox: str | None, queue: str | None,
                 status: OutboxStatus, escalation_id: int | None = None) -> int:
        if note.message_id in self._outbox_by_mid:
            raise StoreError(f"notification {note.message_id} is already in the outbox")
        row_id = len(self._outbox) + 1
        row = OutboxRow(id=row_id, notification=deepcopy(note), mailbox=mailbox, status=status, attempts=0,
                        created_at=at, next_attempt_at=at)
        self._put(self._outbox, row_id, row)
        self._put(self._outbox_by_mid, note.message_id, row_id)
        if note.kind is NotificationKind.ESCALATION and status is OutboxStatus.PENDING:
            if escalation_id is None:
                escalation_id = self._open_escalation(note, at, mailbox, queue)
            self._put(self._escalation_by_mid, note.message_id, escalation_id)
        self._audit_entry(at, f"outbox_{status.value}", mailbox=mailbox, message_id=note.message_id,
                          case=note.case_reference, detail=note.kind.value)
        return row_id

    def _open_escalation(self, note: Notification, at: datetime, mailbox: str | None, queue: str | None) -> int:
        if note.reason is None:
            raise StoreError(f"escalation {note.message_id} has no reason")
        esc_id = len(self._escalations) + 1
        self._put(self._escalations, esc_id, EscalationRow(
            id=esc_id, message_id=note.message_id, case_reference=note.case_reference, reason=note.reason,
            queue=queue, mailbox=mailbox, created_at=at, acknowledged_at=None,
            next_repeat_at=at + self._repeat, repeats=0))
        return esc_id

    def _fail_bounced(self, decision: Decision) -> None:
        row_id = self._outbox_by_mid.get(decision.failed_notification_id or "")
        if row_id is None:
            return  # a bounce of something we never sent: the delivery row already records it
        self._set_outbox(row_id, decision.received_at, "bounced", status=OutboxStatus.FAILED,
                         last_error="bounced")

    def _staff_action(self, decision: Decision) -> None:
        esc_ids = self._escalations_answered(decision)
        at = decision.received_at
        for esc_id in esc_ids:
            esc = self._escalations[esc_id]
            if esc.acknowledged_at is None:
                self._put(self._escalations, esc_id, replace(esc, acknowledged_at=at, next_repeat_at=None))
                self._audit_entry(at, "escalation_acknowledged", mailbox=esc.mailbox,
                                  message_id=esc.message_id, case=esc.case_reference)
        if decision.staff_action != "done":
            return
        targets: set[tuple[str | None, str | None]] = {(e.case_reference, e.mailbox) for e in (self._escalations[i] for i in esc_ids)}
        if not targets and decision.case is not None:
            targets = {(decision.case.reference, decision.mailbox)}
        for reference, mailbox in targets:
            if (reference, mailbox) in self._queue:
                self.mark_triaged(reference, mailbox, at)

    def _escalations_answered(self, decision: Decision) -> list[int]:
        esc_id = self._escalation_by_mid.get(decision.acted_on_message_id or "")
        if esc_id is not None:
            return [esc_id]
        if decision.case is None:
            return []
        return [e.id for e in self._escalations.values()
                if e.case_reference == decision.case.reference and e.acknowledged_at is None]

    # -- the daemon's operations -------------------------------------------

    def ledger_lookup(self, key: LedgerKey) -> str | None:
        return self._known(key)[0]

    def _known(self, key: LedgerKey) -> tuple[str | None, str | None]:
        row_id = self._by_uid.get(_slot(key))
        if row_id is None:
            row_id = self._by_content.get((key.mailbox, key.message_id, key.sha256))
        if row_id is not None:
            return self._deliveries[row_id].disposition, self._deliveries[row_id].case_reference
        if any(q.released_at is None and _slot(q.key) == _slot(key) for q in self._quarantine.values()):
            return QUARANTINED, None
        return None, None

    def start_attempt(self, key: LedgerKey, at: datetime) -> AttemptStart:
        """Look the delivery up; without a committed outcome, count this start."""
        with self.transaction():
            known, reference = self._known(key)
            if known is not None:
                return AttemptStart(known, 0, reference)
            number = self._starts(key) + 1
            self._put(self._attempts, _slot(key), number)
            return AttemptStart(None, number)

    def give_back_attempt(self, key: LedgerKey) -> None:
        with self.transaction():
            if self._starts(key) > 0:
                self._put(self._attempts, _slot(key), self._starts(key) - 1)

    def clear_attempts(self, key: LedgerKey) -> None:
        """The delivery has a committed outcome: its starts no longer count."""
        with self.transaction():
            self._drop(self._attempts, _slot(key))

    def _starts(self, key: LedgerKey) -> int:
        return self._attempts.get(_slot(key), 0)

    def mark_filed(self, key: LedgerKey, at: datetime | None = None) -> None:
        if self.mark_filed_many([key], at):
            raise StoreError(f"no delivery recorded for uid {key.uid} in {key.mailbox}/{key.folder}")

    def mark_filed_many(self, keys: Sequence[LedgerKey], at: datetime | None = None) -> list[LedgerKey]:
        """Record that these deliveries were moved out of INBOX; returns the keys with no delivery at that UID."""
        when = at or _now()
        missing = []
        with self.transaction():
            for key in keys:
                row_id = self._by_uid.get(_slot(key))
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
            self._drop(self._attempts, _slot(key))
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


def _slot(key: LedgerKey) -> tuple[str, str, int, int]:
    return (key.mailbox, key.folder, key.uidvalidity, key.uid)


def _claimable(row: OutboxRow, now: datetime, stale: datetime) -> bool:
    if row.status in (OutboxStatus.PENDING, OutboxStatus.RETRY):
        return row.next_attempt_at <= now
    return row.status is OutboxStatus.SENDING and row.claimed_at is not None and row.claimed_at <= stale


def _require_aware(decision: Decision) -> None:
    """The SQL store keeps only aware times; refuse naive ones here too, so replay finds the bug."""
    times = [decision.received_at]
    if decision.case is not None:
        times.append(decision.case.first_received_at)
    if decision.queue_entry is not None:
        times += [decision.queue_entry.opened_at, decision.queue_entry.due_at]
    if any(t is not None and t.utcoffset() is None for t in times):
        raise StoreError("naive datetime: the store only keeps timezone-aware times")


def _now() -> datetime:
    return datetime.now(UTC)

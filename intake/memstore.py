"""The in-memory store: what `hoth-intake replay` decides against, and the reference for the SQL store.

Same interface and semantics as ``intake.store.SqlStore``. A transaction keeps
an undo log, so an exception inside ``transaction()`` leaves nothing behind
(not even an allocated reference). One lock serialises writers; reads from
another thread may see a transaction in progress (replay is single-threaded).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from intake.ledger import (
    AppliesDecisions,
    AuditEntry,
    EscalationRow,
    LedgerKey,
    OutboxRow,
    OutboxStatus,
    QuarantineRow,
    StoreError,
)
from intake.memstore_ops import MemoryDaemonOps, slot
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


class MemoryStore(MemoryDaemonOps, AppliesDecisions):
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
            self._apply_steps(decision, ledger)

    def _apply_case(self, decision: Decision) -> str | None:
        case, reference = self._case_to_store(decision)
        if case is None:
            return reference
        disposition = decision.disposition
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
            self._drop(self._attempts, slot(key))
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


def _require_aware(decision: Decision) -> None:
    """The SQL store keeps only aware times; refuse naive ones here too, so replay finds the bug."""
    times = [decision.received_at]
    if decision.case is not None:
        times.append(decision.case.first_received_at)
    if decision.queue_entry is not None:
        times += [decision.queue_entry.opened_at, decision.queue_entry.due_at]
    if any(t is not None and t.utcoffset() is None for t in times):
        raise StoreError("naive datetime: the store only keeps timezone-aware times")

"""The open-connection base of a SQL transaction: audit writes and row ↔ record conversions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select

from intake.ledger import EscalationRow, LedgerKey, OutboxRow, OutboxStatus, QuarantineRow, QueueRow
from intake.store.schema import audit, case_messages, cases
from parsers.results import Level
from routing.model import CaseChild, CaseRecord, EscalationReason, Notification, NotificationKind


_AUDIT_INSERT = audit.insert()  # built once: parameters passed at execution skip per-call statement building
_CASE = select(cases).where(cases.c.reference == bindparam("reference"))
_CASE_MESSAGES = (select(case_messages.c.message_id).where(case_messages.c.case_reference == bindparam("reference"))
                  .order_by(case_messages.c.id))


class TxBase:
    """One open connection inside ``SqlStore.transaction()``; subclasses add the operations."""

    def __init__(self, conn: Connection, escalation_repeat: timedelta, outbox_lease: timedelta) -> None:
        self._conn = conn
        self._repeat = escalation_repeat
        self._lease = outbox_lease
        self._pending_audit: list[dict[str, Any]] = []

    def _audit(self, at: datetime, action: str, *, mailbox: str | None = None, message_id: str | None = None,
               case: str | None = None, detail: str = "") -> None:
        """Audit rows are written together (one executemany) by ``flush``, before the transaction commits."""
        self._pending_audit.append({"at": at, "action": action, "mailbox": mailbox, "message_id": message_id,
                                    "case_reference": case, "detail": detail})

    def flush(self) -> None:
        """Write the buffered audit rows; ``SqlStore.transaction`` calls it before committing."""
        if self._pending_audit:
            rows, self._pending_audit = self._pending_audit, []
            self._conn.execute(_AUDIT_INSERT, rows)

    def _load_case(self, reference: str) -> CaseRecord | None:
        row = self._conn.execute(_CASE, {"reference": reference}).first()
        if row is None:
            return None
        ids = self._conn.execute(_CASE_MESSAGES, {"reference": reference}).scalars().all()
        return CaseRecord(
            reference=row.reference,
            first_received_at=row.first_received_at,
            child=CaseChild(name=row.child_name, dob=row.child_dob, age=row.child_age),
            declared_level=_level(row.declared_level),
            effective_level=_level(row.effective_level),
            flags=list(row.flags),
            forms=list(row.forms),
            sender=row.sender,
            message_ids=list(ids),
        )


def case_values(case: CaseRecord) -> dict[str, Any]:
    """The mutable columns of a case row."""
    return {
        "child_name": case.child.name,
        "child_dob": case.child.dob,
        "child_age": case.child.age,
        "declared_level": case.declared_level.value if case.declared_level else None,
        "effective_level": case.effective_level.value if case.effective_level else None,
        "flags": list(case.flags),
        "forms": list(case.forms),
    }


def notification_values(note: Notification) -> dict[str, Any]:
    recipients = [a.strip().lower() for a in note.to]
    return {
        "message_id": note.message_id,
        "kind": note.kind.value,
        "reason": note.reason.value if note.reason else None,
        "recipients": list(note.to),
        "recipients_key": "," + ",".join(recipients) + ",",
        "subject": note.subject,
        "body": note.body,
        "headers": dict(note.headers),
        "case_reference": note.case_reference,
    }


def to_notification(row: Row[Any]) -> Notification:
    return Notification(
        kind=NotificationKind(row.kind),
        reason=EscalationReason(row.reason) if row.reason else None,
        to=list(row.recipients),
        subject=row.subject,
        body=row.body,
        headers=dict(row.headers),
        message_id=row.message_id,
        case_reference=row.case_reference,
    )


def to_outbox_row(row: Row[Any]) -> OutboxRow:
    return OutboxRow(
        id=row.id, notification=to_notification(row), mailbox=row.mailbox, status=OutboxStatus(row.status),
        attempts=row.attempts, created_at=row.created_at, next_attempt_at=row.next_attempt_at,
        last_error=row.last_error, claimed_by=row.claimed_by, claimed_at=row.claimed_at, sent_at=row.sent_at,
    )


def to_escalation_row(row: Row[Any]) -> EscalationRow:
    return EscalationRow(
        id=row.id, message_id=row.message_id, case_reference=row.case_reference,
        reason=EscalationReason(row.reason), queue=row.queue, mailbox=row.mailbox, created_at=row.created_at,
        acknowledged_at=row.acknowledged_at, next_repeat_at=row.next_repeat_at, repeats=row.repeats,
    )


def to_queue_row(row: Row[Any]) -> QueueRow:
    return QueueRow(row.case_reference, row.mailbox, row.queue, row.due_at, row.opened_at,
                    bool(row.warned), bool(row.breached))


def to_quarantine_row(row: Row[Any]) -> QuarantineRow:
    key = LedgerKey(row.mailbox, row.folder, row.uidvalidity, row.uid, row.message_id, row.sha256)
    return QuarantineRow(row.id, key, row.error, row.quarantined_at, row.released_at)


def _level(value: str | None) -> Level | None:
    return Level(value) if value else None

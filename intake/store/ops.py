"""The daemon's operations on an open SQL transaction: ledger, outbox, escalations, queue sweeps, quarantine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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
from intake.store.base import (
    TxBase,
    notification_values,
    to_escalation_row,
    to_outbox_row,
    to_quarantine_row,
    to_queue_row,
)
from intake.store.schema import (
    attempts,
    audit,
    escalations,
    ledger,
    outbox,
    quarantine,
    queue_entries,
    reply_addresses,
    reply_recipients,
)
from routing.model import Notification, NotificationKind

_OUTBOX_INSERT = outbox.insert().returning(outbox.c.id)
_REPLY_RECIPIENTS_INSERT = reply_recipients.insert()
_ESCALATION_INSERT = escalations.insert()
_CLAIMABLE = (OutboxStatus.PENDING.value, OutboxStatus.RETRY.value)
_QUEUED_DISPOSITIONS = ("new_case", "case_update", "copy")  # filed into a queue folder

# Statements run for every message, built once (SQLAlchemy then only binds values).
_KNOWN_COLUMNS = (ledger.c.id, ledger.c.disposition, ledger.c.case_reference)
_KNOWN_BY_UID = select(*_KNOWN_COLUMNS).where(
    ledger.c.mailbox == bindparam("mailbox"), ledger.c.folder == bindparam("folder"),
    ledger.c.uidvalidity == bindparam("uidvalidity"), ledger.c.uid == bindparam("uid"))
# By content only while not yet filed: the same message again under a new UID (UIDVALIDITY reset, or
# a crash before the move) is refiled; an identical copy arriving after the first was filed is new mail.
_KNOWN_BY_CONTENT = select(*_KNOWN_COLUMNS).where(
    ledger.c.mailbox == bindparam("mailbox"), ledger.c.message_id == bindparam("message_id"),
    ledger.c.sha256 == bindparam("sha256"), ledger.c.filed_at.is_(None)).order_by(ledger.c.id).limit(1)
_HELD = select(quarantine.c.id).where(
    quarantine.c.mailbox == bindparam("mailbox"), quarantine.c.folder == bindparam("folder"),
    quarantine.c.uidvalidity == bindparam("uidvalidity"), quarantine.c.uid == bindparam("uid"),
    quarantine.c.released_at.is_(None)).limit(1)
_ATTEMPT_SLOT = (attempts.c.mailbox == bindparam("mailbox"), attempts.c.folder == bindparam("folder"),
                 attempts.c.uidvalidity == bindparam("uidvalidity"), attempts.c.uid == bindparam("uid"))
_CLEAR_ATTEMPTS = delete(attempts).where(*_ATTEMPT_SLOT)
# In INSERT and UPDATE statements a bind parameter may not share a column's name: "k_" + column.
_FILE = update(ledger).where(
    ledger.c.mailbox == bindparam("k_mailbox"), ledger.c.folder == bindparam("k_folder"),
    ledger.c.uidvalidity == bindparam("k_uidvalidity"), ledger.c.uid == bindparam("k_uid"),
).values(filed_at=bindparam("k_filed_at", type_=ledger.c.filed_at.type))
_OUTBOX_KEYS = select(outbox.c.mailbox, outbox.c.message_id, outbox.c.case_reference).where(
    outbox.c.id == bindparam("row_id"))


def _attempt_upsert(insert: Any) -> Any:
    at = attempts.c.last_at.type
    stmt = insert(attempts).values(
        mailbox=bindparam("k_mailbox"), folder=bindparam("k_folder"), uidvalidity=bindparam("k_uidvalidity"),
        uid=bindparam("k_uid"), starts=1, first_at=bindparam("k_first_at", type_=at),
        last_at=bindparam("k_last_at", type_=at))
    return stmt.on_conflict_do_update(
        index_elements=[attempts.c.mailbox, attempts.c.folder, attempts.c.uidvalidity, attempts.c.uid],
        set_={"starts": attempts.c.starts + 1, "last_at": stmt.excluded.last_at},
    ).returning(attempts.c.starts)


_ATTEMPT_UPSERT = {"postgresql": _attempt_upsert(pg_insert), "sqlite": _attempt_upsert(sqlite_insert)}


class DaemonOps(TxBase):
    """Everything the watcher, outbox sender and scheduler ask of the store."""

    # -- ledger and quarantine ---------------------------------------------

    def ledger_lookup(self, key: LedgerKey) -> str | None:
        """The recorded disposition of this delivery (by UID, or by Message-ID + SHA-256), if committed."""
        return self._known(key)[0]

    def _known(self, key: LedgerKey) -> tuple[str | None, str | None]:
        """(disposition or QUARANTINED, case reference) of a delivery with a committed outcome; (None, None) else."""
        # Two lookups, each on its own index (an OR of the two would scan the mailbox's whole ledger);
        # when both match, the earlier row is the delivery's first outcome.
        slot = _slot(key)
        rows = [row for row in (
            self._conn.execute(_KNOWN_BY_UID, slot).first(),
            self._conn.execute(_KNOWN_BY_CONTENT, {"mailbox": key.mailbox, "message_id": key.message_id,
                                                   "sha256": key.sha256}).first(),
        ) if row is not None]
        if rows:
            found = min(rows, key=lambda row: row.id)
            return str(found.disposition), found.case_reference
        held = self._conn.execute(_HELD, slot).scalar()
        return (QUARANTINED, None) if held is not None else (None, None)

    def start_attempt(self, key: LedgerKey, at: datetime) -> AttemptStart:
        """Look the delivery up; without a committed outcome, count this start (kept if the transaction commits)."""
        known, reference = self._known(key)
        if known is not None:
            return AttemptStart(known, 0, reference)
        upsert = _ATTEMPT_UPSERT["postgresql" if self._conn.dialect.name == "postgresql" else "sqlite"]
        number = self._conn.execute(upsert, {**_slot(key, "k_"), "k_first_at": at, "k_last_at": at}).scalar_one()
        return AttemptStart(None, int(number))

    def give_back_attempt(self, key: LedgerKey) -> None:
        """Uncount the latest start (it failed for a reason that is not the message's, e.g. the database was busy)."""
        self._conn.execute(update(attempts).where(*_slot_match(key), attempts.c.starts > 0)
                           .values(starts=attempts.c.starts - 1))

    def clear_attempts(self, key: LedgerKey) -> None:
        """The delivery has a committed outcome: its starts no longer count."""
        self._conn.execute(_CLEAR_ATTEMPTS, _slot(key))

    def mark_filed(self, key: LedgerKey, at: datetime | None = None) -> None:
        if self.mark_filed_many([key], at):
            raise StoreError(f"no delivery recorded for uid {key.uid} in {key.mailbox}/{key.folder}")

    def mark_filed_many(self, keys: Sequence[LedgerKey], at: datetime | None = None) -> list[LedgerKey]:
        """Record that these deliveries were moved out of INBOX; returns the keys with no delivery at that UID."""
        when = at or _now()
        missing = []
        for key in keys:
            done = self._conn.execute(_FILE, {**_slot(key, "k_"), "k_filed_at": when})
            if done.rowcount == 0:
                missing.append(key)
            else:
                self._audit(when, "filed", mailbox=key.mailbox, message_id=key.message_id)
        return missing

    def quarantine(self, key: LedgerKey, error: str, at: datetime | None = None) -> int:
        when = at or _now()
        row_id = self._conn.execute(quarantine.insert().values(
            mailbox=key.mailbox, folder=key.folder, uidvalidity=key.uidvalidity, uid=key.uid,
            message_id=key.message_id, sha256=key.sha256, error=error, quarantined_at=when,
        ).returning(quarantine.c.id)).scalar_one()
        self.clear_attempts(key)
        self._audit(when, "quarantined", mailbox=key.mailbox, message_id=key.message_id, detail=error)
        return int(row_id)

    def quarantined(self) -> list[QuarantineRow]:
        rows = self._conn.execute(select(quarantine).where(quarantine.c.released_at.is_(None))
                                  .order_by(quarantine.c.id))
        return [to_quarantine_row(r) for r in rows]

    def release(self, row_id: int, at: datetime | None = None) -> None:
        when = at or _now()
        row = self._conn.execute(select(quarantine).where(quarantine.c.id == row_id,
                                                          quarantine.c.released_at.is_(None))).first()
        if row is None:
            raise StoreError(f"no quarantined message {row_id}")
        self._conn.execute(update(quarantine).where(quarantine.c.id == row_id).values(released_at=when))
        self._audit(when, "released", mailbox=row.mailbox, message_id=row.message_id)

    # -- outbox --------------------------------------------------------------

    def enqueue(self, note: Notification, at: datetime, *, mailbox: str | None = None,
                queue: str | None = None) -> int:
        """Put a scheduler-made notification (deadline warning, intake fault) in the outbox."""
        return self._enqueue(note, at, mailbox, queue, OutboxStatus.PENDING)

    def _enqueue(self, note: Notification, at: datetime, mailbox: str | None, queue: str | None,
                 status: OutboxStatus, escalation_id: int | None = None) -> int:
        row_id = int(self._conn.execute(_OUTBOX_INSERT, {
            **notification_values(note), "mailbox": mailbox, "escalation_id": escalation_id, "status": status.value,
            "attempts": 0, "created_at": at, "next_attempt_at": at,
        }).scalar_one())
        if note.kind.sender_facing and status is not OutboxStatus.SUPPRESSED:
            self._conn.execute(_REPLY_RECIPIENTS_INSERT, [
                {"outbox_id": row_id, "address": address, "created_at": at} for address in reply_addresses(note.to)])
        if note.kind is NotificationKind.ESCALATION and status is OutboxStatus.PENDING and escalation_id is None:
            if note.reason is None:
                raise StoreError(f"escalation {note.message_id} has no reason")
            self._conn.execute(_ESCALATION_INSERT, {
                "outbox_id": row_id, "message_id": note.message_id, "case_reference": note.case_reference,
                "reason": note.reason.value, "queue": queue, "mailbox": mailbox, "created_at": at,
                "next_repeat_at": at + self._repeat, "repeats": 0})
        self._audit(at, f"outbox_{status.value}", mailbox=mailbox, message_id=note.message_id,
                    case=note.case_reference, detail=note.kind.value)
        return row_id

    def claim_due_outbox(self, limit: int, now: datetime, worker: str) -> list[OutboxRow]:
        """Claim up to ``limit`` due rows for ``worker``; rows claimed elsewhere are skipped, not waited on."""
        due = or_(
            and_(outbox.c.status.in_(_CLAIMABLE), outbox.c.next_attempt_at <= now),
            and_(outbox.c.status == OutboxStatus.SENDING.value, outbox.c.claimed_at <= now - self._lease),
        )
        query = select(outbox.c.id).where(due).order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit)
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(self._conn.execute(query).scalars())
        if not ids:
            return []
        self._conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(
            status=OutboxStatus.SENDING.value, attempts=outbox.c.attempts + 1, claimed_by=worker, claimed_at=now))
        rows = self._conn.execute(select(outbox).where(outbox.c.id.in_(ids))
                                  .order_by(outbox.c.next_attempt_at, outbox.c.id))
        return [to_outbox_row(r) for r in rows]

    def release_claims_of(self, worker_prefix: str, dead: Callable[[str], bool], now: datetime) -> int:
        """Rows still claimed by a worker of this host that no longer runs (killed mid-send) are due again
        now, rather than when their lease lapses; returns how many. ``dead(worker)`` says which."""
        rows = self._conn.execute(select(outbox.c.id, outbox.c.claimed_by, outbox.c.mailbox, outbox.c.message_id,
                                         outbox.c.case_reference).where(outbox.c.status == OutboxStatus.SENDING.value))
        released = [row for row in rows
                    if row.claimed_by and row.claimed_by.startswith(worker_prefix) and dead(row.claimed_by)]
        for row in released:
            self._conn.execute(update(outbox).where(outbox.c.id == row.id, outbox.c.status == OutboxStatus.SENDING.value)
                               .values(status=OutboxStatus.RETRY.value, next_attempt_at=now, claimed_by=None))
            self._audit(now, "outbox_released", mailbox=row.mailbox, message_id=row.message_id,
                        case=row.case_reference, detail=f"claimed by {row.claimed_by}, which has ended")
        return len(released)

    def mark_sent(self, row_id: int, at: datetime) -> None:
        self._set_outbox(row_id, at, "sent", status=OutboxStatus.SENT.value, sent_at=at)

    def mark_retry(self, row_id: int, at: datetime, error: str, next_attempt_at: datetime) -> None:
        self._set_outbox(row_id, at, "retry", status=OutboxStatus.RETRY.value, last_error=error,
                         next_attempt_at=next_attempt_at)

    def mark_failed(self, row_id: int, at: datetime, error: str) -> None:
        self._set_outbox(row_id, at, "failed", status=OutboxStatus.FAILED.value, last_error=error)

    def outbox_row(self, row_id: int) -> OutboxRow | None:
        row = self._conn.execute(select(outbox).where(outbox.c.id == row_id)).first()
        return to_outbox_row(row) if row else None

    def _set_outbox(self, row_id: int, at: datetime, action: str, **values: Any) -> None:
        row = self._conn.execute(_OUTBOX_KEYS, {"row_id": row_id}).first()
        if row is None:
            raise StoreError(f"no outbox row {row_id}")
        self._conn.execute(update(outbox).where(outbox.c.id == row_id).values(**values))
        self._audit(at, f"outbox_{action}", mailbox=row.mailbox, message_id=row.message_id,
                    case=row.case_reference)

    # -- escalations -----------------------------------------------------------

    def escalations(self, reference: str | None = None) -> list[EscalationRow]:
        query = select(escalations).order_by(escalations.c.id)
        if reference is not None:
            query = query.where(escalations.c.case_reference == reference)
        return [to_escalation_row(r) for r in self._conn.execute(query)]

    def due_escalations(self, now: datetime) -> list[EscalationRow]:
        """Unacknowledged escalations whose repeat is due."""
        query = select(escalations).where(escalations.c.acknowledged_at.is_(None),
                                          escalations.c.next_repeat_at <= now).order_by(escalations.c.id)
        return [to_escalation_row(r) for r in self._conn.execute(query)]

    def record_repeat(self, escalation_id: int, note: Notification, at: datetime) -> int:
        """Queue a repeat of an unacknowledged escalation; an ACK to the repeat acknowledges the original."""
        esc = self._conn.execute(select(escalations).where(escalations.c.id == escalation_id)).first()
        if esc is None:
            raise StoreError(f"no escalation {escalation_id}")
        row_id = self._enqueue(note, at, esc.mailbox, esc.queue, OutboxStatus.PENDING, escalation_id)
        self._conn.execute(update(escalations).where(escalations.c.id == escalation_id).values(
            repeats=escalations.c.repeats + 1, next_repeat_at=at + self._repeat))
        return row_id

    # -- queue sweeps ------------------------------------------------------------

    def open_filed_messages(self, mailbox: str) -> set[str]:
        """Message-IDs this mailbox filed into a queue folder whose case's entry there is still open: what
        the queue folders should hold (staff moving one out, even while the daemon was stopped, triages it)."""
        rows = self._conn.execute(
            select(ledger.c.message_id).join(queue_entries, and_(
                queue_entries.c.case_reference == ledger.c.case_reference,
                queue_entries.c.mailbox == ledger.c.mailbox)).where(
                ledger.c.mailbox == mailbox, ledger.c.filed_at.is_not(None),
                ledger.c.disposition.in_(_QUEUED_DISPOSITIONS), queue_entries.c.triaged.is_(False)))
        return {row.message_id for row in rows if row.message_id}

    def open_queue_entries(self) -> list[QueueRow]:
        rows = self._conn.execute(select(queue_entries).where(queue_entries.c.triaged.is_(False))
                                  .order_by(queue_entries.c.id))
        return [to_queue_row(r) for r in rows]

    def mark_warned(self, reference: str, mailbox: str, at: datetime) -> None:
        self._set_queue(reference, mailbox, at, "deadline_warned", warned=True)

    def mark_breached(self, reference: str, mailbox: str, at: datetime) -> None:
        self._set_queue(reference, mailbox, at, "deadline_breached", breached=True)

    def mark_triaged(self, reference: str, mailbox: str, at: datetime) -> None:
        self._set_queue(reference, mailbox, at, "triaged", triaged=True, triaged_at=at)

    def _set_queue(self, reference: str, mailbox: str, at: datetime, action: str, **values: Any) -> None:
        where = (queue_entries.c.case_reference == reference, queue_entries.c.mailbox == mailbox)
        queue = self._conn.execute(select(queue_entries.c.queue).where(*where)).scalar()
        if queue is None:
            raise StoreError(f"no queue entry for {reference} in {mailbox}")
        self._conn.execute(update(queue_entries).where(*where).values(**values))
        self._audit(at, action, mailbox=mailbox, case=reference, detail=str(queue))

    def audit_entries(self, reference: str | None = None) -> list[AuditEntry]:
        self.flush()
        query = select(audit).order_by(audit.c.id)
        if reference is not None:
            query = query.where(audit.c.case_reference == reference)
        return [AuditEntry(r.at, r.action, r.mailbox, r.message_id, r.case_reference, r.detail)
                for r in self._conn.execute(query)]


def _slot(key: LedgerKey, prefix: str = "") -> dict[str, Any]:
    return {prefix + "mailbox": key.mailbox, prefix + "folder": key.folder, prefix + "uidvalidity": key.uidvalidity,
            prefix + "uid": key.uid}


def _slot_match(key: LedgerKey) -> tuple[Any, ...]:
    return (attempts.c.mailbox == key.mailbox, attempts.c.folder == key.folder,
            attempts.c.uidvalidity == key.uidvalidity, attempts.c.uid == key.uid)


def _now() -> datetime:
    return datetime.now(UTC)

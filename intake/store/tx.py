"""One SQL unit of work: the decision's view of the store (``StoreView``) and applying the decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from intake.ledger import AppliesDecisions, LedgerKey, OutboxStatus, StoreError
from intake.store.base import case_values, to_notification
from intake.store.ops import DaemonOps
from intake.store.schema import ledger as ledger_table
from intake.store.schema import (
    case_messages,
    cases,
    escalations,
    outbox,
    queue_entries,
    reference_counters,
    reply_recipients,
)
from routing.model import CaseRecord, Decision, Disposition, Notification, QueueEntry


# The decision's reads, built once (SQLAlchemy then only binds values).
_SEEN = select(ledger_table.c.id).where(
    ledger_table.c.mailbox == bindparam("mailbox"), ledger_table.c.message_id == bindparam("message_id")).limit(1)
_CASE_OF_MESSAGE = (select(case_messages.c.case_reference).where(case_messages.c.message_id == bindparam("message_id"))
                    .order_by(case_messages.c.id).limit(1))
_OUTBOUND = select(outbox).where(outbox.c.message_id == bindparam("message_id"))
_QUEUE_ENTRIES = (select(queue_entries).where(queue_entries.c.case_reference == bindparam("reference"))
                  .order_by(queue_entries.c.id))
_REPLIES_SINCE = select(func.count()).select_from(reply_recipients).where(
    reply_recipients.c.address == bindparam("address"),
    reply_recipients.c.created_at >= bindparam("since", type_=reply_recipients.c.created_at.type),
)
_CASE_EXISTS = select(cases.c.reference).where(cases.c.reference == bindparam("reference"))
_CASE_MESSAGE_IDS = select(case_messages.c.message_id).where(case_messages.c.case_reference == bindparam("reference"))
_QUEUE_DUE = select(queue_entries.c.due_at).where(
    queue_entries.c.case_reference == bindparam("reference"), queue_entries.c.mailbox == bindparam("mailbox"))


_CASE_INSERT = cases.insert()
_CASE_MESSAGE_INSERT = case_messages.insert()
_LEDGER_INSERT = ledger_table.insert()
_QUEUE_INSERT = queue_entries.insert()
_COUNTER_ROW = {name: insert(reference_counters).values(year=bindparam("k_year"), last=0)
                .on_conflict_do_nothing(index_elements=["year"])
                for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}
_COUNTER_NEXT = (update(reference_counters).where(reference_counters.c.year == bindparam("k_year"))
                 .values(last=reference_counters.c.last + 1).returning(reference_counters.c.last))


class SqlTransaction(DaemonOps, AppliesDecisions):
    """``routing.model.StoreView`` plus ``apply`` on one open transaction (commit happens at its exit)."""

    # -- StoreView -----------------------------------------------------------

    def seen_in_mailbox(self, mailbox: str, message_id: str) -> bool:
        found = self._conn.execute(_SEEN, {"mailbox": mailbox, "message_id": message_id}).scalar()
        return found is not None

    def case_for_inbound(self, message_id: str) -> CaseRecord | None:
        reference = self._conn.execute(_CASE_OF_MESSAGE, {"message_id": message_id}).scalar()
        return self._load_case(str(reference)) if reference is not None else None

    def case_by_reference(self, reference: str) -> CaseRecord | None:
        return self._load_case(reference)

    def outbound(self, message_id: str) -> Notification | None:
        row = self._conn.execute(_OUTBOUND, {"message_id": message_id}).first()
        return to_notification(row) if row else None

    def queue_entries(self, reference: str) -> list[QueueEntry]:
        rows = self._conn.execute(_QUEUE_ENTRIES, {"reference": reference})
        return [QueueEntry(r.case_reference, r.mailbox, r.queue, r.due_at, r.opened_at, bool(r.triaged))
                for r in rows]

    def replies_sent_since(self, address: str, since: datetime) -> int:
        count = self._conn.execute(_REPLIES_SINCE, {"since": since, "address": address.strip().lower()}).scalar_one()
        return int(count)

    def allocate_reference(self, year: int) -> str:
        """Row-locked counter: concurrent transactions get distinct numbers; a rollback gives its number back."""
        dialect = "postgresql" if self._conn.dialect.name == "postgresql" else "sqlite"
        self._conn.execute(_COUNTER_ROW[dialect], {"k_year": year})
        number = self._conn.execute(_COUNTER_NEXT, {"k_year": year}).scalar_one()
        return f"HOTH-{year}-{int(number):06d}"

    # -- applying a decision -------------------------------------------------

    def apply(self, decision: Decision, ledger: LedgerKey | None = None) -> None:
        """Record one delivery and everything its decision changes (committed with the transaction)."""
        self._apply_steps(decision, ledger)

    def _apply_case(self, decision: Decision) -> str | None:
        case, reference = self._case_to_store(decision)
        if case is None:
            return reference
        disposition = decision.disposition
        exists = self._conn.execute(_CASE_EXISTS, {"reference": case.reference}).scalar()
        values = {**case_values(case), "updated_at": decision.received_at}
        if disposition is Disposition.NEW_CASE:
            if exists is not None:
                raise StoreError(f"case {case.reference} already exists")
            self._conn.execute(_CASE_INSERT, {"reference": case.reference, "sender": case.sender,
                                                "first_received_at": case.first_received_at, **values})
        elif exists is None:
            raise StoreError(f"case {case.reference} not found for {disposition.value}")
        else:
            self._conn.execute(update(cases).where(cases.c.reference == case.reference).values(**values))
        known = set(self._conn.execute(_CASE_MESSAGE_IDS, {"reference": case.reference}).scalars())
        for message_id in [*case.message_ids, decision.message_id]:
            if message_id not in known:
                known.add(message_id)
                self._conn.execute(_CASE_MESSAGE_INSERT, {
                    "case_reference": case.reference, "message_id": message_id, "mailbox": decision.mailbox,
                    "received_at": decision.received_at})
        self._audit(decision.received_at, disposition.value, mailbox=decision.mailbox,
                    message_id=decision.message_id, case=case.reference)
        return case.reference

    def _record_delivery(self, decision: Decision, key: LedgerKey | None, reference: str | None) -> None:
        self._conn.execute(_LEDGER_INSERT, {
            "mailbox": decision.mailbox, "message_id": decision.message_id,
            "disposition": decision.disposition.value, "case_reference": reference,
            "received_at": decision.received_at, "folder": key.folder if key else None,
            "uidvalidity": key.uidvalidity if key else None, "uid": key.uid if key else None,
            "sha256": key.sha256 if key else None})
        self._audit(decision.received_at, "delivery", mailbox=decision.mailbox, message_id=decision.message_id,
                    case=reference, detail=decision.disposition.value)
        if key is not None:
            self.clear_attempts(key)  # a committed outcome: its starts no longer count

    def _upsert_queue(self, entry: QueueEntry, decision: Decision) -> None:
        where = (queue_entries.c.case_reference == entry.case_reference, queue_entries.c.mailbox == entry.mailbox)
        old = self._conn.execute(_QUEUE_DUE, {"reference": entry.case_reference, "mailbox": entry.mailbox}).first()
        values = {"queue": entry.queue, "due_at": entry.due_at, "opened_at": entry.opened_at,
                  "triaged": entry.triaged}
        if old is None:
            self._conn.execute(_QUEUE_INSERT, {
                "case_reference": entry.case_reference, "mailbox": entry.mailbox, "warned": False, "breached": False,
                **values})
        else:
            if old.due_at != entry.due_at:  # a moved deadline is warned about (and breached) afresh
                values.update(warned=False, breached=False)
            self._conn.execute(update(queue_entries).where(*where).values(**values))
        self._audit(decision.received_at, "queue", mailbox=entry.mailbox, message_id=decision.message_id,
                    case=entry.case_reference, detail=entry.queue)

    def _fail_bounced(self, decision: Decision) -> None:
        row_id = self._conn.execute(select(outbox.c.id).where(
            outbox.c.message_id == decision.failed_notification_id)).scalar()
        if row_id is not None:  # a bounce of something we never sent is recorded by its delivery row alone
            self._set_outbox(int(row_id), decision.received_at, "bounced",
                             status=OutboxStatus.FAILED.value, last_error="bounced")

    def _staff_action(self, decision: Decision) -> None:
        answered = self._escalations_answered(decision)
        at = decision.received_at
        for esc in answered:
            if esc.acknowledged_at is None:
                self._conn.execute(update(escalations).where(escalations.c.id == esc.id)
                                   .values(acknowledged_at=at, next_repeat_at=None))
                self._audit(at, "escalation_acknowledged", mailbox=esc.mailbox, message_id=esc.message_id,
                            case=esc.case_reference)
        if decision.staff_action != "done":
            return
        targets = {(e.case_reference, e.mailbox) for e in answered}
        if not targets and decision.case is not None:
            targets = {(decision.case.reference, decision.mailbox)}
        for reference, mailbox in sorted(targets, key=str):
            if reference is not None and mailbox is not None and self._has_queue_entry(reference, mailbox):
                self.mark_triaged(reference, mailbox, at)

    def _escalations_answered(self, decision: Decision) -> list[Row[Any]]:
        acted_on = decision.acted_on_message_id or ""
        direct = select(escalations.c.id).where(escalations.c.message_id == acted_on)
        via_repeat = select(outbox.c.escalation_id).where(outbox.c.message_id == acted_on,
                                                          outbox.c.escalation_id.is_not(None))
        found = self._conn.execute(direct.union(via_repeat)).scalars().first()
        if found is not None:
            query = select(escalations).where(escalations.c.id == found)
        elif decision.case is not None:
            query = select(escalations).where(escalations.c.case_reference == decision.case.reference,
                                              escalations.c.acknowledged_at.is_(None))
        else:
            return []
        return list(self._conn.execute(query.order_by(escalations.c.id)))

    def _has_queue_entry(self, reference: str, mailbox: str) -> bool:
        return self._conn.execute(select(queue_entries.c.id).where(
            queue_entries.c.case_reference == reference, queue_entries.c.mailbox == mailbox)).first() is not None

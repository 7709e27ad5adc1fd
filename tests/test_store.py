"""Contract tests for the stores: the same scenarios against memory, SQLite (file) and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from intake.ledger import QUARANTINED, LedgerKey, OutboxStatus, SchemaError, StoreError
from intake.memstore import MemoryStore
from intake.store import SCHEMA_VERSION, SqlStore
from parsers.results import Level
from routing.model import (
    CaseChild,
    CaseRecord,
    Decision,
    Disposition,
    EscalationReason,
    Notification,
    NotificationKind,
    QueueEntry,
)

Store = MemoryStore | SqlStore
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
SENDER = "worker@school.sch.uk"
CHILD = "Alexandra Testchild"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    if request.param == "postgres":
        url = request.getfixturevalue("pg_database")
    sql = SqlStore.open(url)
    yield sql
    sql.close()


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_database"))
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[str]:
    """A fresh database on the session's PostgreSQL server, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


# -- builders ------------------------------------------------------------------


def reply(reference: str, to: str = SENDER, kind: NotificationKind = NotificationKind.ACKNOWLEDGEMENT) -> Notification:
    return Notification(kind=kind, reason=None, to=[to], subject=f"[{reference}] received", body="Thank you.",
                        headers={"Auto-Submitted": "auto-replied"}, message_id=f"<{uuid.uuid4().hex}@hoth>",
                        case_reference=reference)


def alert(reference: str | None, reason: EscalationReason = EscalationReason.SIGNIFICANT_RISK) -> Notification:
    return Notification(kind=NotificationKind.ESCALATION, reason=reason, to=["oncall@durham.police.uk"],
                        subject=f"[{reference}] escalation", body="Please review.",
                        headers={"Auto-Submitted": "auto-generated"}, message_id=f"<{uuid.uuid4().hex}@hoth>",
                        case_reference=reference)


def case(reference: str, level: Level = Level.MODERATE, at: datetime = T0) -> CaseRecord:
    return CaseRecord(reference=reference, first_received_at=at, child=CaseChild(CHILD, "2012-05-01", 13),
                      declared_level=level, effective_level=level, flags=["unverified_sender"],
                      forms=["ce_matrix"], sender=SENDER)


def entry(reference: str, mailbox: str = "cevt", queue: str = "cevt-moderate", due: datetime | None = None,
          at: datetime = T0) -> QueueEntry:
    return QueueEntry(reference, mailbox, queue, due or at + timedelta(days=3), at)


def open_case(store: Store, mailbox: str = "cevt", message_id: str = "<m1@school>", at: datetime = T0,
              notes: list[Notification] | None = None, key: LedgerKey | None = None) -> Decision:
    """Allocate a reference and apply a NEW_CASE in one transaction, as the daemon does."""
    with store.transaction() as tx:
        reference = tx.allocate_reference(at.year)
        decision = Decision(mailbox, message_id, at, SENDER, Disposition.NEW_CASE, case=case(reference, at=at),
                            queue_entry=entry(reference, mailbox, at=at),
                            notifications=notes if notes is not None else [reply(reference)])
        tx.apply(decision, key)
    return decision


def delivery(disposition: Disposition, message_id: str, mailbox: str = "cevt", at: datetime = T0,
             **extra: Any) -> Decision:
    return Decision(mailbox, message_id, at, "someone@example.org", disposition, **extra)


def key_for(uid: int, message_id: str = "<m1@school>", sha: str = "a" * 64) -> LedgerKey:
    return LedgerKey("cevt", "INBOX", 1700000000, uid, message_id, sha)


# -- decisions -------------------------------------------------------------------


def test_new_case_recorded(store: Store) -> None:
    """A new case is stored with its inbound Message-ID, queue entry, outbox row and audit trail."""
    decision = open_case(store)
    assert decision.case is not None
    reference = decision.case.reference
    stored = store.case_by_reference(reference)
    assert stored is not None and stored.message_ids == ["<m1@school>"]
    assert stored.child.name == CHILD and stored.effective_level is Level.MODERATE and stored.forms == ["ce_matrix"]
    assert store.seen_in_mailbox("cevt", "<m1@school>") and not store.seen_in_mailbox("firstcontact", "<m1@school>")
    assert store.case_for_inbound("<m1@school>") == stored
    assert [(q.queue, q.due_at) for q in store.queue_entries(reference)] == [("cevt-moderate", T0 + timedelta(days=3))]
    assert store.outbound(decision.notifications[0].message_id) == decision.notifications[0]
    assert store.outbound("<unknown@hoth>") is None
    actions = [a.action for a in store.audit_entries(reference)]
    assert "new_case" in actions and "delivery" in actions and "outbox_pending" in actions
    assert all(CHILD not in a.detail for a in store.audit_entries())


def test_references_numbered_per_year(store: Store) -> None:
    """References count from 000001 per year, in call order."""
    refs = [store.allocate_reference(y) for y in (2026, 2026, 2027, 2026)]
    assert refs == ["HOTH-2026-000001", "HOTH-2026-000002", "HOTH-2027-000001", "HOTH-2026-000003"]


def test_copy_links_second_mailbox(store: Store) -> None:
    """The same Message-ID at the second mailbox joins the case: one case, a queue entry per mailbox."""
    first = open_case(store, mailbox="firstcontact")
    assert first.case is not None
    reference = first.case.reference
    copy = delivery(Disposition.COPY, "<m1@school>", at=T0 + timedelta(minutes=1), case=case(reference),
                    queue_entry=entry(reference, "cevt"))
    store.apply(copy)
    stored = store.case_by_reference(reference)
    assert stored is not None and stored.message_ids == ["<m1@school>"]
    assert sorted(q.mailbox for q in store.queue_entries(reference)) == ["cevt", "firstcontact"]
    assert store.seen_in_mailbox("cevt", "<m1@school>") and store.seen_in_mailbox("firstcontact", "<m1@school>")


def test_case_update_replaces_levels_keeps_first_receipt(store: Store) -> None:
    """A resubmission updates levels and the moved queue entry; first receipt and reference stay."""
    first = open_case(store)
    assert first.case is not None
    reference, later = first.case.reference, T0 + timedelta(days=1)
    raised = case(reference, Level.SIGNIFICANT, at=later)
    raised.flags = ["strategy_meeting_required"]
    moved = entry(reference, queue="cevt-significant", due=T0 + timedelta(days=2))
    store.apply(delivery(Disposition.CASE_UPDATE, "<m2@school>", at=later, case=raised, queue_entry=moved,
                         notifications=[reply(reference)]))
    stored = store.case_by_reference(reference)
    assert stored is not None
    assert stored.effective_level is Level.SIGNIFICANT and stored.flags == ["strategy_meeting_required"]
    assert stored.first_received_at == T0 and stored.message_ids == ["<m1@school>", "<m2@school>"]
    assert store.case_for_inbound("<m2@school>") == stored
    [queued] = store.queue_entries(reference)
    assert (queued.queue, queued.due_at, queued.opened_at) == ("cevt-significant", T0 + timedelta(days=2), T0)


@pytest.mark.parametrize("disposition", [Disposition.DUPLICATE, Disposition.AUTO_REPLY, Disposition.LOOP,
                                         Disposition.BOUNCE])
def test_screened_deliveries_recorded_without_case(store: Store, disposition: Disposition) -> None:
    """Screened mail is recorded in the ledger (so never re-fetched) and opens no case."""
    key = key_for(7, "<auto@x>")
    store.apply(delivery(disposition, "<auto@x>"), key)
    assert store.seen_in_mailbox("cevt", "<auto@x>")
    assert store.case_for_inbound("<auto@x>") is None
    assert store.ledger_lookup(key) == disposition.value
    assert store.open_queue_entries() == []


def test_case_decisions_need_a_consistent_case(store: Store) -> None:
    """A second NEW_CASE for one reference, or an update of an unknown case, is refused."""
    first = open_case(store)
    assert first.case is not None
    with pytest.raises(StoreError):
        store.apply(delivery(Disposition.NEW_CASE, "<m9@school>", case=first.case))
    with pytest.raises(StoreError):
        store.apply(delivery(Disposition.CASE_UPDATE, "<m9@school>", case=case("HOTH-2026-999999")))
    assert not store.seen_in_mailbox("cevt", "<m9@school>")


def test_bounce_marks_notification_failed(store: Store) -> None:
    """A bounce of our own reply marks that outbox row failed, so it is never sent again."""
    first = open_case(store)
    store.apply(delivery(Disposition.BOUNCE, "<bounce@mx>", failed_notification_id=first.notifications[0].message_id))
    assert store.claim_due_outbox(10, T0 + timedelta(hours=1), "w1") == []
    row = store.outbox_row(1)
    assert row is not None and row.status is OutboxStatus.FAILED and row.last_error == "bounced"
    assert row.notification == first.notifications[0]


# -- escalations and queue sweeps ----------------------------------------------------


def test_staff_ack_then_done(store: Store) -> None:
    """ACK stops an escalation repeating; DONE marks the case's queue entry triaged."""
    first = open_case(store)
    assert first.case is not None
    reference = first.case.reference
    escalation = alert(reference)
    store.enqueue(escalation, T0, mailbox="cevt", queue="cevt-moderate")
    assert [e.message_id for e in store.due_escalations(T0 + timedelta(minutes=61))] == [escalation.message_id]
    store.apply(delivery(Disposition.STAFF_REPLY, "<ack@police>", at=T0 + timedelta(minutes=5),
                         staff_action="ack", acted_on_message_id=escalation.message_id))
    [esc] = store.escalations(reference)
    assert esc.acknowledged_at == T0 + timedelta(minutes=5) and store.due_escalations(T0 + timedelta(days=1)) == []
    assert [q.case_reference for q in store.open_queue_entries()] == [reference]
    store.apply(delivery(Disposition.STAFF_REPLY, "<done@police>", at=T0 + timedelta(minutes=9),
                         staff_action="done", acted_on_message_id=escalation.message_id))
    assert store.open_queue_entries() == [] and store.queue_entries(reference)[0].triaged


def test_ack_to_a_repeat_acknowledges_the_escalation(store: Store) -> None:
    """An ACK answering a repeated alert acknowledges the original escalation."""
    first = open_case(store, notes=[])
    assert first.case is not None
    store.enqueue(alert(first.case.reference), T0, mailbox="cevt")
    [esc] = store.due_escalations(T0 + timedelta(hours=2))
    repeat = alert(first.case.reference)
    store.record_repeat(esc.id, repeat, T0 + timedelta(hours=2))
    assert store.escalations()[0].repeats == 1 and store.due_escalations(T0 + timedelta(hours=2)) == []
    store.apply(delivery(Disposition.STAFF_REPLY, "<ack@police>", at=T0 + timedelta(hours=3), staff_action="ack",
                         acted_on_message_id=repeat.message_id))
    assert store.escalations()[0].acknowledged_at == T0 + timedelta(hours=3)
    assert len(store.escalations()) == 1


def test_deadline_flags_reset_when_due_moves(store: Store) -> None:
    """Warned/breached flags are set by the sweep and cleared when a case update moves the due time."""
    first = open_case(store)
    assert first.case is not None
    reference = first.case.reference
    store.mark_warned(reference, "cevt", T0 + timedelta(days=3))
    store.mark_breached(reference, "cevt", T0 + timedelta(days=4))
    [row] = store.open_queue_entries()
    assert row.warned and row.breached and row.due_at == T0 + timedelta(days=3)
    store.apply(delivery(Disposition.CASE_UPDATE, "<m2@school>", at=T0 + timedelta(days=1), case=case(reference),
                         queue_entry=entry(reference, queue="cevt-significant", due=T0 + timedelta(days=2))))
    [row] = store.open_queue_entries()
    assert not row.warned and not row.breached and row.queue == "cevt-significant"
    with pytest.raises(StoreError):
        store.mark_warned("HOTH-2026-999999", "cevt", T0)


# -- outbox ------------------------------------------------------------------------


def test_outbox_claim_sent_retry_failed(store: Store) -> None:
    """Due rows are claimed once; sent and failed rows stay done; a retry comes back when due."""
    reference = "HOTH-2026-000001"
    notes = [reply(reference, f"r{i}@school.sch.uk") for i in range(3)]
    open_case(store, notes=notes)
    assert store.claim_due_outbox(10, T0 - timedelta(seconds=1), "w1") == []
    first = store.claim_due_outbox(2, T0, "w1")
    rest = store.claim_due_outbox(2, T0, "w2")
    assert [r.notification for r in first + rest] == notes
    assert all(r.status is OutboxStatus.SENDING and r.attempts == 1 for r in first + rest)
    assert [r.claimed_by for r in first + rest] == ["w1", "w1", "w2"]
    sent, retry, failed = (r.id for r in first + rest)
    store.mark_sent(sent, T0 + timedelta(seconds=1))
    store.mark_retry(retry, T0 + timedelta(seconds=1), "421 try later", T0 + timedelta(minutes=5))
    store.mark_failed(failed, T0 + timedelta(seconds=1), "550 no such user")
    assert store.claim_due_outbox(10, T0 + timedelta(minutes=4), "w1") == []
    [again] = store.claim_due_outbox(10, T0 + timedelta(minutes=5), "w1")
    assert again.id == retry and again.attempts == 2 and again.last_error == "421 try later"
    done = [store.outbox_row(sent), store.outbox_row(failed)]
    assert [(r.status, r.sent_at) for r in done if r] == [(OutboxStatus.SENT, T0 + timedelta(seconds=1)),
                                                         (OutboxStatus.FAILED, None)]
    with pytest.raises(StoreError):
        store.mark_sent(9999, T0)


def test_outbox_stale_claim_is_reclaimed(store: Store) -> None:
    """A claim whose worker died is picked up again after the lease."""
    open_case(store)
    [row] = store.claim_due_outbox(10, T0, "dead-worker")
    assert store.claim_due_outbox(10, T0 + timedelta(minutes=9), "w2") == []
    [again] = store.claim_due_outbox(10, T0 + timedelta(minutes=10), "w2")
    assert again.id == row.id and again.claimed_by == "w2" and again.attempts == 2


def test_rate_cap_counts_sender_replies_only(store: Store) -> None:
    """Only sender-facing, unsuppressed notifications count, from ``since``, case-insensitively."""
    reference = "HOTH-2026-000001"
    first = open_case(store, notes=[reply(reference, "Worker@School.sch.uk"), alert(reference)])
    later = T0 + timedelta(minutes=30)
    store.apply(delivery(Disposition.CASE_UPDATE, "<m2@school>", at=later, case=case(reference),
                         notifications=[reply(reference)], suppressed=[reply(reference)]))
    assert first.case is not None
    assert store.replies_sent_since(SENDER, T0) == 2
    assert store.replies_sent_since(" WORKER@school.sch.uk ", T0 + timedelta(minutes=1)) == 1
    assert store.replies_sent_since("oncall@durham.police.uk", T0) == 0
    assert store.replies_sent_since("%@school.sch.uk", T0) == 0
    assert store.replies_sent_since("worker@school_sch.uk", T0) == 0  # "_" is a character, not a wildcard
    assert store.replies_sent_since("worker@school/sch.uk", T0) == 0


# -- transactions --------------------------------------------------------------------


def test_rollback_leaves_nothing_behind(store: Store) -> None:
    """An exception inside transaction() records nothing and gives back the reference."""
    with pytest.raises(RuntimeError), store.transaction() as tx:
        reference = tx.allocate_reference(2026)
        note = reply(reference)
        tx.apply(Decision("cevt", "<m1@school>", T0, SENDER, Disposition.NEW_CASE, case=case(reference),
                          queue_entry=entry(reference), notifications=[note]), key_for(1))
        raise RuntimeError("crash before commit")
    assert store.case_by_reference(reference) is None and store.outbound(note.message_id) is None
    assert not store.seen_in_mailbox("cevt", "<m1@school>") and store.ledger_lookup(key_for(1)) is None
    assert store.audit_entries() == [] and store.claim_due_outbox(10, T0, "w") == []
    assert store.allocate_reference(2026) == "HOTH-2026-000001"


def test_ledger_lookup_by_uid_or_content(store: Store) -> None:
    """A committed delivery is found by UID or by Message-ID + SHA-256; the same UID twice is refused."""
    open_case(store, key=key_for(41))
    assert store.ledger_lookup(key_for(41)) == "new_case"
    assert store.ledger_lookup(key_for(99)) == "new_case"  # moved: new UID, same content
    assert store.ledger_lookup(key_for(99, sha="b" * 64)) is None
    store.mark_filed(key_for(41), T0)
    with pytest.raises(StoreError):
        store.mark_filed(key_for(42), T0)
    with pytest.raises(StoreError):
        store.apply(delivery(Disposition.DUPLICATE, "<m1@school>"), key_for(41))


def test_quarantine_and_release(store: Store) -> None:
    """A poison message is held (lookup says quarantined) until released."""
    key = key_for(5, "<poison@x>")
    row_id = store.quarantine(key, "ValueError in parser", T0)
    assert store.ledger_lookup(key) == QUARANTINED
    assert [(q.key, q.error) for q in store.quarantined()] == [(key, "ValueError in parser")]
    store.release(row_id, T0 + timedelta(hours=1))
    assert store.quarantined() == [] and store.ledger_lookup(key) is None
    with pytest.raises(StoreError):
        store.release(row_id)


def test_attempts_count_starts_until_an_outcome_commits(store: Store) -> None:
    """Starts are counted per UID; a commit or a quarantine clears them; a committed delivery is reported known."""
    key, other = key_for(8, "<m1@school>"), key_for(9, "<m9@school>", sha="c" * 64)
    assert [store.start_attempt(key, T0).number for _ in range(3)] == [1, 2, 3]
    store.give_back_attempt(key)
    assert store.start_attempt(key, T0).number == 3
    assert store.start_attempt(other, T0).number == 1
    open_case(store, key=key)
    start = store.start_attempt(key, T0)
    assert (start.known, start.number) == ("new_case", 0) and start.case_reference == "HOTH-2026-000001"
    assert store.start_attempt(key_for(10), T0).known == "new_case"  # same content under a new UID
    store.quarantine(other, "killed the process", T0)
    assert store.start_attempt(other, T0).known == QUARANTINED
    store.release(store.quarantined()[0].id, T0)
    assert store.start_attempt(other, T0).number == 1  # released: tried afresh


def test_mark_filed_many(store: Store) -> None:
    """Filing marks every recorded UID in one go and reports the keys with no delivery at that UID."""
    open_case(store, key=key_for(41))
    store.apply(delivery(Disposition.AUTO_REPLY, "<auto@x>"), key_for(42, "<auto@x>"))
    assert store.mark_filed_many([key_for(41), key_for(42, "<auto@x>"), key_for(43)], T0) == [key_for(43)]
    assert [a.action for a in store.audit_entries() if a.action == "filed"] == ["filed", "filed"]


def test_aware_datetimes_round_trip(store: Store) -> None:
    """Aware times (any offset) come back as the same instant, still aware; naive times are refused."""
    summer = datetime(2026, 7, 1, 16, 59, 59, 123456, tzinfo=LONDON)
    first = open_case(store, at=summer)
    assert first.case is not None
    stored = store.case_by_reference(first.case.reference)
    assert stored is not None and stored.first_received_at == summer and stored.first_received_at.utcoffset() is not None
    [queued] = store.queue_entries(first.case.reference)
    assert queued.due_at == summer + timedelta(days=3) and queued.opened_at.tzinfo is not None
    naive = delivery(Disposition.AUTO_REPLY, "<naive@x>", at=datetime(2026, 7, 1, 12, 0))
    with pytest.raises(StoreError):
        store.apply(naive)


def test_concurrent_transactions_allocate_distinct_references(sql_url: str) -> None:
    """Overlapping transactions from several threads (instances) never share a reference."""
    store, refs, errors = SqlStore.open(sql_url), [], []
    barrier = threading.Barrier(6)

    def work(n: int) -> None:
        try:
            barrier.wait()
            with store.transaction() as tx:
                reference = tx.allocate_reference(2026)
                time.sleep(0.05)  # hold the transaction open so the others overlap
                tx.apply(Decision("cevt", f"<c{n}@x>", T0, SENDER, Disposition.NEW_CASE, case=case(reference),
                                  queue_entry=entry(reference)))
            refs.append(reference)
        except Exception as err:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    store.close()
    assert errors == []
    assert sorted(refs) == [f"HOTH-2026-{n:06d}" for n in range(1, 7)]


def test_concurrent_claims_are_disjoint(sql_url: str) -> None:
    """Two workers claiming at once never get the same outbox row."""
    store = SqlStore.open(sql_url)
    open_case(store, notes=[reply("HOTH-2026-000001", f"r{i}@school.sch.uk") for i in range(40)])
    claims: dict[str, list[int]] = {}
    barrier = threading.Barrier(2)

    def claim(worker: str) -> None:
        barrier.wait()
        claims[worker] = [r.id for batch in iter(lambda: store.claim_due_outbox(3, T0, worker), []) for r in batch]

    threads = [threading.Thread(target=claim, args=(w,)) for w in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    store.close()
    assert sorted(claims["w1"] + claims["w2"]) == list(range(1, 41))


def _as_older_version(sql_url: str, version: int) -> None:
    """Turn a current database back into what ``version`` wrote: migrations only ever add tables, so drop the
    tables later versions added and forget those versions."""
    from intake.store import schema

    added = {2: ["attempts"], 3: ["reply_recipients"]}
    engine = schema.make_engine(sql_url)
    with engine.begin() as conn:
        for later in range(schema.SCHEMA_VERSION, version, -1):
            for table in added[later]:
                conn.execute(text(f"DROP TABLE {table}"))
            conn.execute(text("DELETE FROM schema_version WHERE version = :v"), {"v": later})
    engine.dispose()


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_database_is_upgraded_without_losing_data(sql_url: str, version: int) -> None:
    """Cases stay; the attempts table appears; replies sent before the upgrade still count against the cap."""
    store = SqlStore.open(sql_url)
    open_case(store, notes=[reply("HOTH-2026-000001", "Worker@School.sch.uk"), alert("HOTH-2026-000001")])
    store.apply(delivery(Disposition.CASE_UPDATE, "<m2@school>", at=T0 + timedelta(minutes=5),
                         case=case("HOTH-2026-000001"), suppressed=[reply("HOTH-2026-000001")]))
    store.close()
    _as_older_version(sql_url, version)
    store = SqlStore.open(sql_url)
    try:
        assert store.schema_version() == SCHEMA_VERSION == 3
        assert store.case_by_reference("HOTH-2026-000001") is not None
        assert store.start_attempt(key_for(50, "<new@x>", sha="d" * 64), T0).number == 1
        assert store.replies_sent_since(SENDER, T0) == 1  # the suppressed one never counted
        assert store.replies_sent_since(SENDER, T0 + timedelta(seconds=1)) == 0
    finally:
        store.close()


def test_schema_version_checked(sql_url: str) -> None:
    """The schema is created at the current version, upgrades are idempotent, a newer schema is refused."""
    store = SqlStore.open(sql_url)
    assert store.schema_version() == SCHEMA_VERSION and store.create_or_upgrade() == SCHEMA_VERSION
    open_case(store)
    with store._engine.begin() as conn:  # simulate a database written by a newer release
        conn.execute(text("INSERT INTO schema_version (version, applied_at) VALUES (:v, :at)"),
                     {"v": SCHEMA_VERSION + 1, "at": "2030-01-01T00:00:00.000000+00:00"
                      if sql_url.startswith("sqlite") else datetime(2030, 1, 1, tzinfo=UTC)})
    with pytest.raises(SchemaError, match="newer"):
        SqlStore.open(sql_url)
    assert store.case_by_reference("HOTH-2026-000001") is not None
    store.close()


def test_claims_of_a_process_that_ended_are_released_at_once(sql_url: str) -> None:
    """After kill -9 the restarted daemon sends what the dead one had claimed now, not after the lease."""
    from intake.daemon import _ended

    store = SqlStore.open(sql_url)
    try:
        open_case(store, notes=[reply("HOTH-2026-000001"), alert("HOTH-2026-000001")])
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        [first] = store.claim_due_outbox(1, T0, f"thishost:{dead.pid}")
        [second] = store.claim_due_outbox(1, T0, f"thishost:{os.getpid()}")  # this very process: alive
        assert store.claim_due_outbox(10, T0, "w") == []
        assert store.release_claims_of("otherhost:", _ended, T0) == 0
        assert store.release_claims_of("thishost:", _ended, T0 + timedelta(seconds=5)) == 1
        [again] = store.claim_due_outbox(10, T0 + timedelta(seconds=5), "thishost:1")
        assert again.id == first.id != second.id and again.attempts == 2
        assert any(e.action == "outbox_released" for e in store.audit_entries())
    finally:
        store.close()

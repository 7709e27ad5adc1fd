"""``SqlStore``: the daemon's store on SQLite (WAL) or PostgreSQL, one transaction per unit of work.

Every method opens its own transaction; ``transaction()`` yields a
``SqlTransaction`` for work that must commit together (a decision and its
apply). Library errors surface as ``StoreError``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from intake.ledger import (
    AttemptStart,
    AuditEntry,
    EscalationRow,
    LedgerKey,
    OutboxRow,
    QuarantineRow,
    QueueRow,
    StoreError,
)
from intake.store.schema import create_or_upgrade, current_version, make_engine
from intake.store.tx import SqlTransaction
from routing.model import CaseRecord, Decision, Notification, QueueEntry

DEFAULT_REPEAT = timedelta(minutes=60)
DEFAULT_LEASE = timedelta(minutes=10)
T = TypeVar("T")


class SqlStore:
    """The SQL store. ``SqlStore.open(url)`` connects and brings the schema up to date."""

    def __init__(self, url: str, escalation_repeat: timedelta = DEFAULT_REPEAT,
                 outbox_lease: timedelta = DEFAULT_LEASE, *, sqlite_synchronous: str = "NORMAL") -> None:
        """``sqlite_synchronous``: SQLite's ``PRAGMA synchronous`` under WAL; ``NORMAL`` survives a process crash,
        ``FULL`` also a power cut (see ``intake.store.schema``). Ignored for PostgreSQL."""
        try:
            self._engine = make_engine(url, sqlite_synchronous)
        except (SQLAlchemyError, ImportError, ValueError) as err:
            raise StoreError(f"cannot use store url {_redact(url)}: {err}") from err
        self._repeat = escalation_repeat
        self._lease = outbox_lease
        # SQLite has one writer and every transaction here takes the write lock
        # (BEGIN IMMEDIATE). Threads of this process queue on a lock that wakes
        # the next one at once, rather than in SQLite's busy handler, which sleeps
        # in steps of up to 100 ms; another process still meets the busy timeout.
        self._writer: AbstractContextManager[object] = (
            threading.RLock() if self._engine.dialect.name == "sqlite" else nullcontext())

    @classmethod
    def open(cls, url: str, escalation_repeat: timedelta = DEFAULT_REPEAT) -> SqlStore:
        store = cls(url, escalation_repeat)
        store.create_or_upgrade()
        return store

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        """Commit at exit; roll back on any exception (nothing recorded, no reference used)."""
        with self._connection() as conn:
            tx = SqlTransaction(conn, self._repeat, self._lease)
            yield tx
            tx.flush()

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        try:
            with self._writer, self._engine.begin() as conn:
                yield conn
        except SQLAlchemyError as err:
            raise StoreError(f"store transaction failed: {type(err).__name__}: {_first_line(err)}") from err

    def _run(self, work: Callable[[SqlTransaction], T]) -> T:
        with self.transaction() as tx:
            return work(tx)

    def create_or_upgrade(self) -> int:
        """Create the schema at the current version or migrate to it; refuse a newer one."""
        with self._connection() as conn:
            return create_or_upgrade(conn, datetime.now(UTC))

    def schema_version(self) -> int:
        with self._connection() as conn:
            return current_version(conn)

    # -- StoreView and apply, each in its own transaction ---------------------

    def seen_in_mailbox(self, mailbox: str, message_id: str) -> bool:
        return self._run(lambda tx: tx.seen_in_mailbox(mailbox, message_id))

    def case_for_inbound(self, message_id: str) -> CaseRecord | None:
        return self._run(lambda tx: tx.case_for_inbound(message_id))

    def case_by_reference(self, reference: str) -> CaseRecord | None:
        return self._run(lambda tx: tx.case_by_reference(reference))

    def outbound(self, message_id: str) -> Notification | None:
        return self._run(lambda tx: tx.outbound(message_id))

    def queue_entries(self, reference: str) -> list[QueueEntry]:
        return self._run(lambda tx: tx.queue_entries(reference))

    def replies_sent_since(self, address: str, since: datetime) -> int:
        return self._run(lambda tx: tx.replies_sent_since(address, since))

    def allocate_reference(self, year: int) -> str:
        return self._run(lambda tx: tx.allocate_reference(year))

    def apply(self, decision: Decision, ledger: LedgerKey | None = None) -> None:
        self._run(lambda tx: tx.apply(decision, ledger))

    # -- the daemon's operations --------------------------------------------------

    def ledger_lookup(self, key: LedgerKey) -> str | None:
        return self._run(lambda tx: tx.ledger_lookup(key))

    def mark_filed(self, key: LedgerKey, at: datetime | None = None) -> None:
        self._run(lambda tx: tx.mark_filed(key, at))

    def mark_filed_many(self, keys: Sequence[LedgerKey], at: datetime | None = None) -> list[LedgerKey]:
        return self._run(lambda tx: tx.mark_filed_many(keys, at))

    def start_attempt(self, key: LedgerKey, at: datetime) -> AttemptStart:
        return self._run(lambda tx: tx.start_attempt(key, at))

    def give_back_attempt(self, key: LedgerKey) -> None:
        self._run(lambda tx: tx.give_back_attempt(key))

    def enqueue(self, note: Notification, at: datetime, *, mailbox: str | None = None,
                queue: str | None = None) -> int:
        return self._run(lambda tx: tx.enqueue(note, at, mailbox=mailbox, queue=queue))

    def claim_due_outbox(self, limit: int, now: datetime, worker: str) -> list[OutboxRow]:
        return self._run(lambda tx: tx.claim_due_outbox(limit, now, worker))

    def release_claims_of(self, worker_prefix: str, dead: Callable[[str], bool], now: datetime) -> int:
        return self._run(lambda tx: tx.release_claims_of(worker_prefix, dead, now))

    def mark_sent(self, row_id: int, at: datetime) -> None:
        self._run(lambda tx: tx.mark_sent(row_id, at))

    def mark_retry(self, row_id: int, at: datetime, error: str, next_attempt_at: datetime) -> None:
        self._run(lambda tx: tx.mark_retry(row_id, at, error, next_attempt_at))

    def mark_failed(self, row_id: int, at: datetime, error: str) -> None:
        self._run(lambda tx: tx.mark_failed(row_id, at, error))

    def outbox_row(self, row_id: int) -> OutboxRow | None:
        return self._run(lambda tx: tx.outbox_row(row_id))

    def escalations(self, reference: str | None = None) -> list[EscalationRow]:
        return self._run(lambda tx: tx.escalations(reference))

    def due_escalations(self, now: datetime) -> list[EscalationRow]:
        return self._run(lambda tx: tx.due_escalations(now))

    def record_repeat(self, escalation_id: int, note: Notification, at: datetime) -> int:
        return self._run(lambda tx: tx.record_repeat(escalation_id, note, at))

    def open_filed_messages(self, mailbox: str) -> set[str]:
        return self._run(lambda tx: tx.open_filed_messages(mailbox))

    def open_queue_entries(self) -> list[QueueRow]:
        return self._run(lambda tx: tx.open_queue_entries())

    def mark_warned(self, reference: str, mailbox: str, at: datetime) -> None:
        self._run(lambda tx: tx.mark_warned(reference, mailbox, at))

    def mark_breached(self, reference: str, mailbox: str, at: datetime) -> None:
        self._run(lambda tx: tx.mark_breached(reference, mailbox, at))

    def mark_triaged(self, reference: str, mailbox: str, at: datetime) -> None:
        self._run(lambda tx: tx.mark_triaged(reference, mailbox, at))

    def quarantine(self, key: LedgerKey, error: str, at: datetime | None = None) -> int:
        return self._run(lambda tx: tx.quarantine(key, error, at))

    def quarantined(self) -> list[QuarantineRow]:
        return self._run(lambda tx: tx.quarantined())

    def release(self, row_id: int, at: datetime | None = None) -> None:
        self._run(lambda tx: tx.release(row_id, at))

    def audit_entries(self, reference: str | None = None) -> list[AuditEntry]:
        return self._run(lambda tx: tx.audit_entries(reference))


def _first_line(err: SQLAlchemyError) -> str:
    """The driver's message without the echoed SQL and parameters (they may hold case data)."""
    original = getattr(err, "orig", None)
    text = str(original if original is not None else err)
    return text.splitlines()[0] if text else ""


def _redact(url: str) -> str:
    """The URL without its password, for error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:  # an unparseable URL: show only its scheme
        return url.split(":", 1)[0] + ":…"

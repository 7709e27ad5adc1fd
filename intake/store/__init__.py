"""The SQL store (SQLite WAL embedded, PostgreSQL shared): the *committed* stage of the pipeline.

``SqlStore`` applies a ``routing.model.Decision`` in one transaction (ledger
row, case, queue entry, outbox rows, escalations, audit) and serves the
watcher, outbox sender and scheduler. ``intake.memstore.MemoryStore`` is its
in-memory twin for replay.
"""

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
    SchemaError,
    StoreError,
)
from intake.store.schema import SCHEMA_VERSION
from intake.store.sql import SqlStore
from intake.store.tx import SqlTransaction

__all__ = [
    "QUARANTINED",
    "SCHEMA_VERSION",
    "AttemptStart",
    "AuditEntry",
    "EscalationRow",
    "LedgerKey",
    "OutboxRow",
    "OutboxStatus",
    "QuarantineRow",
    "QueueRow",
    "SchemaError",
    "SqlStore",
    "SqlTransaction",
    "StoreError",
]

"""The SQL schema: tables, the aware-datetime column type, engine set-up and versioned migrations.

``create_or_upgrade`` brings a database to ``SCHEMA_VERSION`` by applying the
ordered migrations, never dropping anything, and refuses a newer schema.

| version | adds |
|---|---|
| 1 | ledger, cases, case_messages, queue_entries, outbox, escalations, quarantine, audit, reference_counters |
| 2 | attempts: starts of a delivery without a committed outcome (poison messages that kill the process) |
| 3 | reply_recipients: who each counted sender reply went to, indexed for the per-recipient rate cap |

SQLite runs in WAL mode. ``synchronous`` (a store option, default ``NORMAL``)
decides when a commit reaches the disk: with WAL, ``NORMAL`` never corrupts
the database and a commit survives a crash of the *process* (segfault, OOM,
SIGKILL) — it is in the WAL file, which the OS keeps — but the last commits
before a power cut or kernel crash may be lost. ``FULL`` syncs the WAL on
every commit (durable across power loss, about 0.7 ms more per transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator, TypeEngine

from intake.ledger import OutboxStatus, SchemaError
from routing.model import NotificationKind

SCHEMA_VERSION = 3
SQLITE_BUSY_TIMEOUT_MS = 30_000
SENDER_FACING_KINDS = tuple(k.value for k in NotificationKind if k.sender_facing)  # the replies the rate cap counts
SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
_PG_MIGRATION_LOCK = 0x484F5448  # "HOTH": serialises create_or_upgrade across instances


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; ISO text on SQLite (sortable), timestamptz elsewhere."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: the store only keeps timezone-aware times")
        utc = value.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00") if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        return value.astimezone(UTC)


metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", UtcDateTime, nullable=False),
)

ledger = Table(
    "ledger", metadata,
    Column("id", Integer, primary_key=True),
    Column("mailbox", String(64), nullable=False),
    Column("folder", Text),
    Column("uidvalidity", BigInteger),
    Column("uid", BigInteger),
    Column("message_id", Text, nullable=False),
    Column("sha256", String(64)),
    Column("disposition", String(32), nullable=False),
    Column("case_reference", String(32)),
    Column("received_at", UtcDateTime, nullable=False),
    Column("filed_at", UtcDateTime),
    UniqueConstraint("mailbox", "folder", "uidvalidity", "uid", name="uq_ledger_uid"),
    Index("ix_ledger_message", "mailbox", "message_id"),
)

cases = Table(
    "cases", metadata,
    Column("reference", String(32), primary_key=True),
    Column("first_received_at", UtcDateTime, nullable=False),
    Column("sender", Text, nullable=False),
    Column("child_name", Text),
    Column("child_dob", String(10)),
    Column("child_age", Integer),
    Column("declared_level", String(16)),
    Column("effective_level", String(16)),
    Column("flags", JSON, nullable=False),
    Column("forms", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

case_messages = Table(
    "case_messages", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_reference", String(32), ForeignKey("cases.reference"), nullable=False),
    Column("message_id", Text, nullable=False),
    Column("mailbox", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint("case_reference", "message_id", name="uq_case_message"),
    Index("ix_case_messages_message", "message_id"),
)

queue_entries = Table(
    "queue_entries", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_reference", String(32), ForeignKey("cases.reference"), nullable=False),
    Column("mailbox", String(64), nullable=False),
    Column("queue", String(64), nullable=False),
    Column("due_at", UtcDateTime),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("triaged", Boolean, nullable=False, default=False),
    Column("triaged_at", UtcDateTime),
    Column("warned", Boolean, nullable=False, default=False),
    Column("breached", Boolean, nullable=False, default=False),
    UniqueConstraint("case_reference", "mailbox", name="uq_queue_case_mailbox"),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", Text, nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("reason", String(32)),
    Column("recipients", JSON, nullable=False),
    Column("recipients_key", Text, nullable=False),  # ",a@x,b@y," lower-cased (the rate cap of version 1)
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("case_reference", String(32)),
    Column("mailbox", String(64)),
    Column("escalation_id", Integer),  # set on repeats of an escalation
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_by", Text),
    Column("claimed_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("last_error", Text),
    Index("ix_outbox_due", "status", "next_attempt_at"),
    Index("ix_outbox_created", "created_at"),
)

escalations = Table(
    "escalations", metadata,
    Column("id", Integer, primary_key=True),
    Column("outbox_id", Integer, ForeignKey("outbox.id"), nullable=False, unique=True),
    Column("message_id", Text, nullable=False, unique=True),
    Column("case_reference", String(32)),
    Column("reason", String(32), nullable=False),
    Column("queue", String(64)),
    Column("mailbox", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("acknowledged_at", UtcDateTime),
    Column("next_repeat_at", UtcDateTime),
    Column("repeats", Integer, nullable=False, default=0),
    Index("ix_escalations_case", "case_reference"),
)

quarantine = Table(
    "quarantine", metadata,
    Column("id", Integer, primary_key=True),
    Column("mailbox", String(64), nullable=False),
    Column("folder", Text, nullable=False),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("uid", BigInteger, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("error", Text, nullable=False),
    Column("quarantined_at", UtcDateTime, nullable=False),
    Column("released_at", UtcDateTime),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("action", String(64), nullable=False),
    Column("mailbox", String(64)),
    Column("message_id", Text),
    Column("case_reference", String(32)),
    Column("detail", Text, nullable=False),
    Index("ix_audit_case", "case_reference"),
)

reference_counters = Table(
    "reference_counters", metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)

attempts = Table(  # version 2
    "attempts", metadata,
    Column("mailbox", String(64), primary_key=True),
    Column("folder", Text, primary_key=True),
    Column("uidvalidity", BigInteger, primary_key=True, autoincrement=False),
    Column("uid", BigInteger, primary_key=True, autoincrement=False),
    Column("starts", Integer, nullable=False),
    Column("first_at", UtcDateTime, nullable=False),
    Column("last_at", UtcDateTime, nullable=False),
)

reply_recipients = Table(  # version 3: one row per recipient of each sender reply the rate cap counts
    "reply_recipients", metadata,
    Column("outbox_id", Integer, ForeignKey("outbox.id"), primary_key=True, autoincrement=False),
    Column("address", Text, primary_key=True),  # stripped, lower-cased
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_reply_recipients_address", "address", "created_at"),
)

_V1_TABLES = [schema_version, ledger, cases, case_messages, queue_entries, outbox, escalations, quarantine, audit,
              reference_counters]


def make_engine(url: str, sqlite_synchronous: str = "NORMAL") -> Engine:
    """An engine for ``url``; SQLite gets WAL, ``synchronous``, a busy timeout, foreign keys and single-writer
    transactions (see the module docstring for what ``sqlite_synchronous`` trades)."""
    synchronous = sqlite_synchronous.upper()
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"sqlite synchronous must be one of {', '.join(SQLITE_SYNCHRONOUS)}, "
                         f"not {sqlite_synchronous!r}")
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    in_memory = parsed.database in (None, "", ":memory:")
    engine = create_engine(url, connect_args={"check_same_thread": False},
                           poolclass=StaticPool if in_memory else None)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN IMMEDIATE ourselves
        cursor = dbapi_conn.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Take the write lock up front: a deferred transaction that reads then writes
        # can fail with "database is locked" without waiting for the busy timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def current_version(conn: Connection) -> int:
    """The schema version recorded in the database; 0 for an empty database."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(select(func.max(schema_version.c.version))).scalar_one() or 0)


def create_or_upgrade(conn: Connection, now: datetime) -> int:
    """Bring the schema to ``SCHEMA_VERSION`` inside the caller's transaction; return the version."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    found = current_version(conn)
    if found > SCHEMA_VERSION:
        raise SchemaError(
            f"the database schema is version {found}, newer than this hoth-intake supports "
            f"(version {SCHEMA_VERSION}); upgrade hoth-intake before running it against this database"
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        _MIGRATIONS[version](conn)
        conn.execute(schema_version.insert().values(version=version, applied_at=now))
    return SCHEMA_VERSION


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=_V1_TABLES, checkfirst=True)


def _add_attempts(conn: Connection) -> None:
    metadata.create_all(conn, tables=[attempts], checkfirst=True)


def _add_reply_recipients(conn: Connection) -> None:
    """The rate cap's index: filled from the outbox so replies sent before the upgrade still count."""
    metadata.create_all(conn, tables=[reply_recipients], checkfirst=True)
    counted = select(outbox.c.id, outbox.c.recipients, outbox.c.created_at).where(
        outbox.c.kind.in_(SENDER_FACING_KINDS), outbox.c.status != OutboxStatus.SUPPRESSED.value)
    rows = [{"outbox_id": row.id, "address": address, "created_at": row.created_at}
            for row in conn.execute(counted) for address in reply_addresses(row.recipients)]
    if rows:
        conn.execute(reply_recipients.insert(), rows)


def reply_addresses(recipients: list[str]) -> list[str]:
    """The distinct addresses a reply counts against, as the rate cap compares them."""
    return list(dict.fromkeys(a.strip().lower() for a in recipients if a.strip()))


# Ordered migrations: version N turns a version N-1 database into version N. Never drop data.
_MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _create_v1, 2: _add_attempts, 3: _add_reply_recipients}

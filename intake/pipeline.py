"""The per-message pipeline of one mailbox: one fetched UID in, exactly one recorded and filed outcome out.

| stage | done by | takes | hands on |
|---|---|---|---|
| fetched | `intake.watcher` | INBOX UID, read with BODY.PEEK[] | raw bytes, UIDVALIDITY, UID |
| parsed | `Pipeline.process` | raw bytes | `ParsedMail` + `LedgerKey` (adds Message-ID, SHA-256) |
| (ledger) | `Pipeline.process` | `LedgerKey` | already committed → straight to *filed* (crash after commit) |
| decided | `routing.decide.Decider.decide` inside `store.transaction()` | `ParsedMail` | `Decision` |
| committed | `tx.apply(decision, key)` | `Decision` | ledger row, case, queue entry and outbox rows in one commit |
| filed | `Pipeline._file` | committed decision | IMAP MOVE to the queue's (or screening) folder, then `mark_filed` |
| sent | `intake.outbox` (woken by the watcher) | outbox rows | SMTP |

The mailbox is touched only after the commit; a crash anywhere re-fetches the
UID, and the ledger turns that into "file it now", never a second decision.
A UID whose processing raises ``max_attempts`` times is shunted: the
quarantine row and an ``intake_fault`` alert to admins commit together, then
the message moves to the Quarantine folder. Nothing is ever deleted.

``HOTH_FAULT=before_commit|after_commit|after_move|after_send`` ends the
process (exit 137) the first time that stage boundary is reached: the crash
tests use it to prove the above.
"""

from __future__ import annotations

import hashlib
import os
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from enum import StrEnum
from typing import Protocol

import structlog
from sqlalchemy.exc import OperationalError

from config.settings import ConfigError, Settings
from intake.imap import MailboxConnectionError
from intake.ledger import QUARANTINED, LedgerKey, StoreError
from intake.replay import receipt_time
from intake.store import SqlStore
from parsers.message import ParsedMail
from parsers.mime import parse_message
from routing.decide import Decider
from routing.model import Decision, Disposition, EscalationReason, Notification

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
EXIT_FAULT = 137


def utc_now() -> datetime:
    return datetime.now(UTC)


class Fault(StrEnum):
    """Stage boundaries where the crash tests stop the process."""

    BEFORE_COMMIT = "before_commit"  # decided and applied, transaction still open
    AFTER_COMMIT = "after_commit"  # committed, not yet moved
    AFTER_MOVE = "after_move"  # moved, not yet marked filed
    AFTER_SEND = "after_send"  # SMTP accepted a reply, not yet marked sent


FaultHook = Callable[[Fault], None]


def no_faults(boundary: Fault) -> None:
    """The production hook: every boundary passes."""


def fault_hook_from_env(environ: Mapping[str, str] = os.environ) -> FaultHook:
    """``HOTH_FAULT`` names a boundary at which to ``os._exit(137)``; unset means no faults."""
    wanted = environ.get("HOTH_FAULT", "").strip()
    if not wanted:
        return no_faults
    try:
        target = Fault(wanted)
    except ValueError as err:
        raise ConfigError(f"HOTH_FAULT: unknown stage {wanted!r}; expected one of "
                          f"{', '.join(f.value for f in Fault)}") from err

    def hook(boundary: Fault) -> None:
        if boundary is target:
            log.warning("fault_injected", stage=boundary.value)
            os._exit(EXIT_FAULT)

    return hook


class Outcome(StrEnum):
    FILED = "filed"  # decided, committed and moved now
    REFILED = "refiled"  # committed by an earlier attempt; moved now
    QUARANTINED = "quarantined"  # shunted after repeated failures
    DEFERRED = "deferred"  # failed; left in INBOX for another attempt


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    disposition: str | None = None
    folder: str | None = None
    queued_mail: bool = False  # outbox rows were written: wake the outbox


class Mover(Protocol):
    """The part of ``intake.imap.MailboxClient`` the pipeline uses (INBOX selected)."""

    def move(self, uid: int, folder: str) -> None: ...


_SCREENING_FOLDERS = {
    Disposition.AUTO_REPLY: "auto_reply",
    Disposition.BOUNCE: "bounce",
    Disposition.DUPLICATE: "duplicate",
    Disposition.LOOP: "loop",
    Disposition.COPY: "copies",
    Disposition.STAFF_REPLY: "staff_reply",
}


class IntakeFaults:
    """Builds and queues ``intake_fault`` alerts to the admins (mailbox down, login refused, poison mail)."""

    def __init__(self, decider: Decider, store: SqlStore, clock: Clock = utc_now) -> None:
        self._decider = decider
        self._store = store
        self._clock = clock

    def note(self, mailbox: str, detail: str, at: datetime, inbound_message_id: str | None = None) -> Notification:
        """``detail`` must name the fault and its start (it makes the Message-ID unique per outage)."""
        return self._decider.composer.escalation(
            reason=EscalationReason.INTAKE_FAULT, case=None, mailbox=mailbox, queue=None, due_at=None,
            in_hours=self._decider.calendar.is_open(at), inbound_message_id=inbound_message_id, detail=detail)

    def raise_fault(self, mailbox: str, detail: str) -> None:
        """Queue one alert (synchronous: call through ``asyncio.to_thread``)."""
        now = self._clock()
        note = self.note(mailbox, detail, now)
        if self._store.outbound(note.message_id) is not None:
            return  # this very alert is already queued
        self._store.enqueue(note, now, mailbox=mailbox)
        log.warning("intake_fault_raised", mailbox=mailbox, alert=note.message_id)


class Pipeline:
    """Runs one mailbox's messages through the stages; synchronous (the watcher calls it in a thread)."""

    def __init__(self, mailbox: str, settings: Settings, decider: Decider, store: SqlStore, *,
                 faults: IntakeFaults, clock: Clock = utc_now, fault: FaultHook = no_faults,
                 max_attempts: int = 3) -> None:
        self.mailbox = mailbox
        self._settings = settings
        self._folders = settings.mailboxes[mailbox].folders
        self._decider = decider
        self._store = store
        self._faults = faults
        self._clock = clock
        self._fault = fault
        self._max_attempts = max_attempts
        self._attempts: dict[tuple[int, int], int] = {}

    def process(self, client: Mover, uidvalidity: int, uid: int, raw: bytes) -> Result:
        """Take one INBOX message as far as it will go; connection errors propagate (the watcher reconnects)."""
        bound = log.bind(mailbox=self.mailbox, uid=uid)
        key: LedgerKey | None = None
        try:
            mail = parse_message(raw)
            key = LedgerKey(self.mailbox, self._folders.inbox, uidvalidity, uid, mail.message_id, mail.sha256)
            known = self._store.ledger_lookup(key)
            if known is not None:
                return self._refile(client, key, known)
            decision = self._commit(key, mail)
            bound.info("message_committed", stage="committed", case=_reference(decision),
                       disposition=decision.disposition.value, queue=decision.queue)
            folder = self._destination(decision.disposition, decision.queue)
            self._file(client, key, folder)
            self._attempts.pop((uidvalidity, uid), None)
            return Result(Outcome.FILED, decision.disposition.value, folder, bool(decision.notifications))
        except MailboxConnectionError:
            raise
        except Exception as err:  # noqa: BLE001 — anything else is this message's problem until proven otherwise
            key = key or _fallback_key(self.mailbox, self._folders.inbox, uidvalidity, uid, raw)
            return self._failed(client, key, err)

    # -- stages --------------------------------------------------------------

    def _commit(self, key: LedgerKey, mail: ParsedMail) -> Decision:
        received = min(receipt_time(mail, None), self._clock())  # a future Date header never delays a deadline
        with self._store.transaction() as tx:
            decision = self._decider.decide(mail, self.mailbox, received, tx)
            tx.apply(decision, key)
            self._fault(Fault.BEFORE_COMMIT)
        self._fault(Fault.AFTER_COMMIT)
        return decision

    def _file(self, client: Mover, key: LedgerKey, folder: str) -> None:
        client.move(key.uid, folder)
        self._fault(Fault.AFTER_MOVE)
        self._store.mark_filed(key, self._clock())
        log.info("message_filed", mailbox=self.mailbox, uid=key.uid, stage="filed", folder=folder)

    def _refile(self, client: Mover, key: LedgerKey, known: str) -> Result:
        """Committed (or quarantined) earlier but still in INBOX: file it, decide nothing again."""
        folder = self._folders.quarantine if known == QUARANTINED else self._known_destination(key, known)
        client.move(key.uid, folder)
        try:
            self._store.mark_filed(key, self._clock())
        except StoreError:
            # Matched by Message-ID + SHA-256 under another UID (UIDVALIDITY changed): that row keeps its filing.
            log.info("message_refiled_by_content", mailbox=self.mailbox, uid=key.uid)
        log.info("message_refiled", mailbox=self.mailbox, uid=key.uid, stage="filed", folder=folder,
                 disposition=known)
        self._attempts.pop((key.uidvalidity, key.uid), None)
        return Result(Outcome.REFILED, known, folder)

    def _known_destination(self, key: LedgerKey, known: str) -> str:
        disposition = Disposition(known)
        queue = None
        if disposition.opens_or_updates_case:
            case = self._store.case_for_inbound(key.message_id)
            entries = self._store.queue_entries(case.reference) if case else []
            queue = next((e.queue for e in entries if e.mailbox == self.mailbox), None)
        return self._destination(disposition, queue)

    def _destination(self, disposition: Disposition, queue: str | None) -> str:
        if queue is not None:
            return self._settings.queues[queue].folder
        field = _SCREENING_FOLDERS.get(disposition)
        if field is None:  # a case without a queue entry cannot happen; never leave it unseen if it does
            return self._settings.queues["manual-review"].folder
        return str(getattr(self._folders, field))

    # -- failures --------------------------------------------------------------

    def _failed(self, client: Mover, key: LedgerKey, err: Exception) -> Result:
        where = origin(err)
        if _transient(err):
            log.warning("message_deferred", mailbox=self.mailbox, uid=key.uid, error=type(err).__name__, at=where)
            return Result(Outcome.DEFERRED)
        slot = (key.uidvalidity, key.uid)
        attempts = self._attempts[slot] = self._attempts.get(slot, 0) + 1
        log.error("message_failed", mailbox=self.mailbox, uid=key.uid, attempt=attempts,
                  error=type(err).__name__, at=where)
        if attempts < self._max_attempts:
            return Result(Outcome.DEFERRED)
        return self._shunt(client, key, f"{type(err).__name__} at {where}: {err}"[:2000], attempts)

    def _shunt(self, client: Mover, key: LedgerKey, error: str, attempts: int) -> Result:
        now = self._clock()
        folder = self._folders.quarantine
        detail = (f"Message uid {key.uid} (uidvalidity {key.uidvalidity}) failed {attempts} times and was moved "
                  f"to the {folder} folder; see `hoth-intake reprocess --list`.")
        note = self._faults.note(self.mailbox, detail, now, key.message_id or None)
        with self._store.transaction() as tx:
            tx.quarantine(key, error, now)
            if tx.outbound(note.message_id) is None:
                tx.enqueue(note, now, mailbox=self.mailbox)
        client.move(key.uid, folder)
        self._attempts.pop((key.uidvalidity, key.uid), None)
        log.error("message_quarantined", mailbox=self.mailbox, uid=key.uid, stage="quarantined", folder=folder)
        return Result(Outcome.QUARANTINED, QUARANTINED, folder, queued_mail=True)


def _transient(err: Exception) -> bool:
    """The database is busy or unreachable: not the message's fault, so not counted against it."""
    return isinstance(err, StoreError) and isinstance(err.__cause__, OperationalError)


def origin(err: BaseException) -> str:
    """Where the error was raised (module:line), logged instead of its message, which may quote form text."""
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{os.path.basename(last.filename)}:{last.lineno}"


def _reference(decision: Decision) -> str | None:
    return decision.case.reference if decision.case else None


def _fallback_key(mailbox: str, folder: str, uidvalidity: int, uid: int, raw: bytes) -> LedgerKey:
    """A key for a message the MIME parser could not read (for quarantine): header Message-ID, SHA-256."""
    try:
        header = BytesHeaderParser().parsebytes(raw).get("message-id", "") or ""
    except Exception:  # noqa: BLE001 — a header block too broken for the stdlib parser: no Message-ID then
        header = ""
    message_id = str(header).strip().strip("<>")
    return LedgerKey(mailbox, folder, uidvalidity, uid, message_id, hashlib.sha256(raw).hexdigest())

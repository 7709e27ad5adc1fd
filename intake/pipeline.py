"""The per-message pipeline of one mailbox: fetched UIDs in, exactly one recorded and filed outcome each out.

| stage | done by | takes | hands on |
|---|---|---|---|
| fetched | `intake.watcher` | a batch of INBOX UIDs, read with BODY.PEEK[] | raw bytes, UIDVALIDITY, UID |
| started | `store.start_attempt` (own commit) | UID (+ header Message-ID, SHA-256) | committed earlier → *filed*; else this start counted |
| parsed | `Pipeline._parse`, or ahead in `intake.readahead`'s worker processes | raw bytes | `ParsedMail` + `LedgerKey` (adds Message-ID, SHA-256); forms read |
| decided | `routing.decide.Decider.decide` inside `store.transaction()` | `ParsedMail` | `Decision` |
| committed | `tx.apply(decision, key)` | `Decision` | ledger row, case, queue entry and outbox rows in one commit; the start count cleared |
| filed | `Pipeline._file` (once per batch) | committed outcomes | one IMAP MOVE per destination folder, then `mark_filed_many` in one transaction |
| sent | `intake.outbox` (woken by the watcher) | outbox rows | SMTP |

The mailbox is touched only after the commit; a crash anywhere re-fetches the
UID, and the ledger turns that into "file it now", never a second decision.

Poison messages: every start of a delivery is counted in the store and
committed *before* the message is parsed or decided, so a message that kills
the process (segfault, OOM, ``os._exit``) is counted like one that raises. A
delivery is tried at most ``max_attempts`` times: when a try raises and it was
the last, or when a start finds ``max_attempts`` tries already counted (the
earlier ones died with the process), it is shunted instead of processed —
the quarantine row and an ``intake_fault`` alert to admins commit together,
then the message moves to the Quarantine folder. Nothing is ever deleted. A
failure that is not the message's (the database busy or unreachable) gives its
start back.

``HOTH_FAULT=before_commit|after_commit|after_move|after_send`` ends the
process (exit 137) the first time that stage boundary is reached: the crash
tests use it to prove the above.
"""

from __future__ import annotations

import hashlib
import os
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from enum import StrEnum
from typing import Protocol

import structlog
from sqlalchemy.exc import OperationalError

from config.settings import ConfigError, Settings
from intake.imap import MailboxConnectionError, MailboxError
from intake.ledger import QUARANTINED, LedgerKey, StoreError
from intake.readahead import ReadAhead, Reading
from intake.store import SqlStore
from parsers.message import ParsedMail, receipt_time
from parsers.mime import header_block, parse_message
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

    def move_many(self, uids: Sequence[int], folder: str) -> None: ...


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


@dataclass(frozen=True)
class _Ahead:
    """A message's reading under way in a worker, and the clock reading it was given."""

    future: Future[Reading]
    now: datetime


@dataclass(frozen=True)
class _Filing:
    """A message whose outcome is committed, waiting for its batch's IMAP move."""

    key: LedgerKey
    result: Result
    recorded: bool  # a delivery row exists at this UID (to mark filed); not so for a quarantined message


class Pipeline:
    """Runs one mailbox's messages through the stages; synchronous (the watcher calls it in a thread)."""

    def __init__(self, mailbox: str, settings: Settings, decider: Decider, store: SqlStore, *,
                 faults: IntakeFaults, clock: Clock = utc_now, fault: FaultHook = no_faults,
                 max_attempts: int = 3, readahead: ReadAhead | None = None) -> None:
        """``readahead``: worker processes that parse each batch while earlier messages commit."""
        self.mailbox = mailbox
        self._settings = settings
        self._folders = settings.mailboxes[mailbox].folders
        self._decider = decider
        self._store = store
        self._faults = faults
        self._clock = clock
        self._fault = fault
        self._max_attempts = max_attempts
        self._readahead = readahead

    def process(self, client: Mover, uidvalidity: int, uid: int, raw: bytes) -> Result:
        """Take one INBOX message as far as it will go (a batch of one)."""
        return self.process_batch(client, uidvalidity, [(uid, raw)])[0]

    def process_batch(self, client: Mover, uidvalidity: int, fetched: Sequence[tuple[int, bytes]]) -> list[Result]:
        """Commit each message's outcome in its own transactions, then file them all; results in input order.

        Connection errors propagate (the watcher reconnects; committed messages are refiled next time).
        """
        ahead: list[_Ahead | None] = [None] * len(fetched)
        if self._readahead is not None and len(fetched) > 1:  # one message alone is read sooner in-process
            now = self._clock()
            ahead = [_Ahead(f, now) for f in self._readahead.submit([raw for _, raw in fetched], now)]
        staged = [self._stage(uidvalidity, uid, raw, early) for (uid, raw), early in zip(fetched, ahead, strict=True)]
        refused = self._file(client, [s for s in staged if isinstance(s, _Filing)])
        results = []
        for outcome in staged:
            if not isinstance(outcome, _Filing):
                results.append(outcome)
            elif outcome.key.uid in refused:  # committed, but still in INBOX: refiled on a later drain
                results.append(Result(Outcome.DEFERRED))
            else:
                results.append(outcome.result)
        return results

    # -- stages --------------------------------------------------------------

    def _stage(self, uidvalidity: int, uid: int, raw: bytes, ahead: _Ahead | None = None) -> _Filing | Result:
        """Count the start, then decide and commit (or refile, or shunt); nothing touches the mailbox yet."""
        provisional = _fallback_key(self.mailbox, self._folders.inbox, uidvalidity, uid, raw)
        try:
            start = self._store.start_attempt(provisional, self._clock())
        except StoreError as err:  # nothing was counted: not the message's fault
            log.warning("message_deferred", mailbox=self.mailbox, uid=uid, error=type(err).__name__, at=origin(err))
            return Result(Outcome.DEFERRED)
        if start.known is not None:
            return self._refiling(provisional, start.known, start.case_reference)
        tried = start.number - 1
        if tried >= self._max_attempts:  # the earlier tries ended with the process
            log.error("message_killed_process", mailbox=self.mailbox, uid=uid, attempts=tried)
            return self._shunt(provisional, f"the process ended during each of its last {tried} attempts", tried)
        key = provisional
        try:
            mail = self._parse(raw, ahead)
            key = LedgerKey(self.mailbox, self._folders.inbox, uidvalidity, uid, mail.message_id, mail.sha256)
            return self._decide(key, mail, recheck=key.message_id != provisional.message_id)
        except Exception as err:  # noqa: BLE001 — anything else is this message's problem until proven otherwise
            return self._failed(key, err, start.number)

    def _parse(self, raw: bytes, ahead: _Ahead | None) -> ParsedMail:
        """The message (and its forms, into the decider's cache), read ahead by a worker if there is one."""
        if ahead is None or self._readahead is None:
            return parse_message(raw)
        reading = self._readahead.result(ahead.future, raw, ahead.now)
        self._decider.prime(reading.forms)
        return reading.mail

    def _decide(self, key: LedgerKey, mail: ParsedMail, *, recheck: bool) -> _Filing:
        """Decide and commit; ``recheck`` looks the delivery up by content again (the parser's Message-ID
        differs from the header's one ``start_attempt`` used, e.g. a message without one)."""
        received = min(receipt_time(mail, None), self._clock())  # a future Date header never delays a deadline
        decision: Decision | None = None
        self._decider.read_ahead(mail, received)  # parse outside the write transaction
        with self._store.transaction() as tx:
            known = tx.ledger_lookup(key) if recheck else None
            if known is None:
                decision = self._decider.decide(mail, self.mailbox, received, tx)
                tx.apply(decision, key)
                self._fault(Fault.BEFORE_COMMIT)
            else:
                tx.clear_attempts(key)
        if decision is None:
            return self._refiling(key, str(known), None)
        self._fault(Fault.AFTER_COMMIT)
        log.info("message_committed", mailbox=self.mailbox, uid=key.uid, stage="committed",
                 case=_reference(decision), disposition=decision.disposition.value, queue=decision.queue)
        folder = self._destination(decision.disposition, decision.queue)
        return _Filing(key, Result(Outcome.FILED, decision.disposition.value, folder, bool(decision.notifications)),
                       recorded=True)

    def _refiling(self, key: LedgerKey, known: str, reference: str | None) -> _Filing:
        """Committed (or quarantined) earlier but still in INBOX: file it, decide nothing again."""
        if known == QUARANTINED:
            return _Filing(key, Result(Outcome.REFILED, known, self._folders.quarantine), recorded=False)
        folder = self._known_destination(key, Disposition(known), reference)
        return _Filing(key, Result(Outcome.REFILED, known, folder), recorded=True)

    def _file(self, client: Mover, filings: list[_Filing]) -> set[int]:
        """Move each destination's messages with one command, then mark them filed; returns UIDs left in INBOX."""
        groups: dict[str, list[_Filing]] = {}
        for filing in filings:
            groups.setdefault(str(filing.result.folder), []).append(filing)
        refused: set[int] = set()
        for folder, group in groups.items():
            uids = [f.key.uid for f in group]
            try:
                client.move_many(uids, folder)
            except MailboxConnectionError:
                raise
            except MailboxError as err:  # the server refuses this folder: committed, so retried as refiles
                refused.update(uids)
                log.error("message_move_refused", mailbox=self.mailbox, folder=folder, uids=len(uids), error=str(err))
                self._faults.raise_fault(self.mailbox, f"Moving messages to the {folder} folder is refused ({err}); "
                                                       "they stay in the INBOX, recorded, and are retried.")
        moved = [f for f in filings if f.key.uid not in refused]
        if moved:
            self._fault(Fault.AFTER_MOVE)
        self._mark_filed(moved)
        return refused

    def _mark_filed(self, moved: list[_Filing]) -> None:
        try:
            elsewhere = self._store.mark_filed_many([f.key for f in moved if f.recorded], self._clock())
        except StoreError as err:  # moved already; the filing time is a record, not a guarantee
            log.warning("filed_mark_failed", mailbox=self.mailbox, count=len(moved), error=type(err).__name__)
            elsewhere = []
        for key in elsewhere:  # matched by Message-ID + SHA-256 under another UID: that row keeps its filing
            log.info("message_refiled_by_content", mailbox=self.mailbox, uid=key.uid)
        for filing in moved:
            event = "message_filed" if filing.result.outcome is Outcome.FILED else "message_refiled"
            log.info(event, mailbox=self.mailbox, uid=filing.key.uid, stage="filed", folder=filing.result.folder,
                     disposition=filing.result.disposition)

    def _known_destination(self, key: LedgerKey, disposition: Disposition, reference: str | None) -> str:
        queue = None
        if disposition.opens_or_updates_case:
            if reference is None:
                case = self._store.case_for_inbound(key.message_id)
                reference = case.reference if case else None
            entries = self._store.queue_entries(reference) if reference else []
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

    def _failed(self, key: LedgerKey, err: Exception, attempt: int) -> Result | _Filing:
        where = origin(err)
        if _transient(err):
            self._give_back(key)
            log.warning("message_deferred", mailbox=self.mailbox, uid=key.uid, error=type(err).__name__, at=where)
            return Result(Outcome.DEFERRED)
        log.error("message_failed", mailbox=self.mailbox, uid=key.uid, attempt=attempt,
                  error=type(err).__name__, at=where)
        if attempt < self._max_attempts:
            return Result(Outcome.DEFERRED)
        return self._shunt(key, f"{type(err).__name__} at {where}: {err}"[:2000], attempt)

    def _give_back(self, key: LedgerKey) -> None:
        try:
            self._store.give_back_attempt(key)
        except StoreError as err:  # still unreachable: this start stays counted (a quarantine is never a loss)
            log.warning("attempt_not_given_back", mailbox=self.mailbox, uid=key.uid, error=type(err).__name__)

    def _shunt(self, key: LedgerKey, error: str, attempts: int) -> _Filing:
        """Commit the quarantine row and its ``intake_fault`` alert; the batch then moves it to Quarantine."""
        now = self._clock()
        folder = self._folders.quarantine
        detail = (f"Message uid {key.uid} (uidvalidity {key.uidvalidity}) failed {attempts} times and was moved "
                  f"to the {folder} folder; see `hoth-intake reprocess --list`.")
        note = self._faults.note(self.mailbox, detail, now, key.message_id or None)
        with self._store.transaction() as tx:
            tx.quarantine(key, error, now)
            if tx.outbound(note.message_id) is None:
                tx.enqueue(note, now, mailbox=self.mailbox)
        log.error("message_quarantined", mailbox=self.mailbox, uid=key.uid, stage="quarantined", folder=folder)
        return _Filing(key, Result(Outcome.QUARANTINED, QUARANTINED, folder, queued_mail=True), recorded=False)


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
        header = BytesHeaderParser().parsebytes(header_block(raw)).get("message-id", "") or ""
    except Exception:  # noqa: BLE001 — a header block too broken for the stdlib parser: no Message-ID then
        header = ""
    message_id = str(header).strip().strip("<>")
    return LedgerKey(mailbox, folder, uidvalidity, uid, message_id, hashlib.sha256(raw).hexdigest())

"""`hoth-intake run` and `hoth-intake reprocess`: assemble the service from its settings and run it.

``Daemon`` wires one `Watcher` (with its `Pipeline`) per mailbox, the
`OutboxPump` and the `Scheduler` around one store, one `Decider` and one
clock. Start-up: a bad configuration exits 2 naming the file and key; a store
that cannot be opened exits 1; a mail server that is down is logged and
retried, and never stops the other mailbox. SIGTERM / SIGINT: stop taking new
messages, finish the one in hand and the outbox batch in flight, exit 0.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import structlog
from sqlalchemy.engine import make_url

from config.profiles import load_profiles
from config.settings import ConfigError, Secret, ServerLogin, Settings, load_settings
from intake.cli import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from intake.imap import MailboxClient, MailboxError
from intake.ledger import OutboxRow, QuarantineRow, StoreError
from intake.logs import configure_logging
from intake.outbox import OutboxSender, RetryPolicy
from intake.readahead import ReadAhead, default_workers
from intake.pipeline import (
    Clock,
    Fault,
    FaultHook,
    IntakeFaults,
    Pipeline,
    fault_hook_from_env,
    no_faults,
    utc_now,
)
from intake.scheduler import (
    OutboxPump,
    ScheduleIntervals,
    Scheduler,
    Sweeps,
    TriageWatch,
)
from intake.store import SqlStore
from intake.watcher import Watcher, WatchTimings
from parsers.labels import Profile
from routing.decide import Decider

log = structlog.get_logger(__name__)

STOP_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class Tuning:
    """Timings that are not in the settings file (tests and the demo shorten them)."""

    watch: WatchTimings = field(default_factory=WatchTimings)
    schedule: ScheduleIntervals = field(default_factory=ScheduleIntervals)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_attempts: int = 3


class _HookedOutbox:
    """The store's outbox operations with the ``after_send`` fault boundary before ``mark_sent``."""

    def __init__(self, store: SqlStore, fault: FaultHook) -> None:
        self._store = store
        self._fault = fault

    def claim_due_outbox(self, limit: int, now: datetime, worker: str) -> list[OutboxRow]:
        return self._store.claim_due_outbox(limit, now, worker)

    def mark_sent(self, row_id: int, at: datetime) -> None:
        self._fault(Fault.AFTER_SEND)
        self._store.mark_sent(row_id, at)

    def mark_retry(self, row_id: int, at: datetime, error: str, next_attempt_at: datetime) -> None:
        self._store.mark_retry(row_id, at, error, next_attempt_at)

    def mark_failed(self, row_id: int, at: datetime, error: str) -> None:
        self._store.mark_failed(row_id, at, error)


class Daemon:
    """The whole service for one settings file; ``run()`` until ``stop()``."""

    def __init__(self, settings: Settings, profiles: dict[str, Profile], store: SqlStore, *,
                 clock: Clock = utc_now, fault: FaultHook = no_faults, tuning: Tuning = Tuning()) -> None:
        self.settings = settings
        self.store = store
        self.decider = Decider(settings, profiles)
        self.faults = IntakeFaults(self.decider, store, clock)
        self._host = socket.gethostname()
        self._clock = clock
        sender = OutboxSender.from_settings(settings, _HookedOutbox(store, fault), retry=tuning.retry, clock=clock,
                                            worker=f"{self._host}:{os.getpid()}")
        self.pump = OutboxPump(sender, store, self.faults, settings,
                               send_alert_seconds=tuning.schedule.send_alert_seconds)
        self.sweeps = Sweeps(settings, store, self.decider.composer, self.decider.calendar, clock)
        self.triage = TriageWatch(settings, store, clock)
        self._intervals = tuning.schedule
        workers = settings.daemon.parse_workers
        workers = default_workers() if workers is None else workers
        self.readahead = ReadAhead(profiles, settings.business_hours.timezone, workers) if workers else None
        self.watchers = [
            Watcher(name, box, Pipeline(name, settings, self.decider, store, faults=self.faults, clock=clock,
                                        fault=fault, max_attempts=tuning.max_attempts, readahead=self.readahead),
                    self.faults, on_queued=self.pump.kick, timings=tuning.watch)
            for name, box in settings.mailboxes.items()
        ]
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        if not self._stopping.is_set():
            log.info("daemon_stopping")
        self._stopping.set()

    async def run(self) -> None:
        scheduler = Scheduler(self.settings, self.sweeps, self.pump, self.triage, self._intervals)
        tasks = [asyncio.create_task(w.run(self._stopping), name=f"watch-{w.name}") for w in self.watchers]
        tasks.append(asyncio.create_task(self.pump.run(self._stopping), name="outbox"))
        scheduler.start()
        if self.readahead is not None:  # workers import the parsers while the watchers log in
            tasks.append(asyncio.create_task(asyncio.to_thread(self._start_readahead), name="readahead"))
        await asyncio.to_thread(self._release_dead_claims)
        self.pump.kick()  # whatever an earlier run left in the outbox
        log.info("daemon_started", mailboxes=list(self.settings.mailboxes))
        try:
            await self._stopping.wait()
        finally:
            await scheduler.stop()
            self._stopping.set()
            _, pending = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.readahead is not None:
                await asyncio.to_thread(self.readahead.close)
        log.info("daemon_stopped")

    def _release_dead_claims(self) -> None:
        """Replies and alerts an earlier process on this host claimed, then died sending (``kill -9``, power
        loss), are due now: waiting out their lease would hold a significant-risk alert for minutes. A reply
        the dead process had handed to the SMTP server just before it died is sent again (at least once)."""
        try:
            released = self.store.release_claims_of(f"{self._host}:", _ended, self._clock())
        except StoreError as err:  # the lease still frees them later
            log.warning("outbox_release_failed", error=type(err).__name__)
            return
        if released:
            log.warning("outbox_claims_released", count=released)

    def _start_readahead(self) -> None:
        assert self.readahead is not None
        try:
            self.readahead.start()
        except Exception as err:  # noqa: BLE001 — messages are then read in a fresh worker, or alone
            log.warning("readahead_start_failed", error=type(err).__name__)


def _ended(worker: str) -> bool:
    """Whether the process behind a worker id ("host:pid", this host) has ended."""
    try:
        pid = int(worker.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


def open_store(settings: Settings) -> SqlStore:
    """The configured store with its schema brought up to date (raises ``StoreError``)."""
    store = SqlStore(settings.store.url, escalation_repeat=timedelta(minutes=settings.escalation.repeat_minutes),
                     sqlite_synchronous=settings.store.sqlite_synchronous)
    store.create_or_upgrade()
    return store


def check_runnable(settings: Settings) -> None:
    """What the daemon needs beyond a valid schema: servers, readable secrets, a digest time."""
    if settings.smtp is None:
        raise ConfigError("[smtp]: required by the daemon to send replies and alerts")
    _check_secrets("smtp", settings.smtp)
    for name, box in settings.mailboxes.items():
        if box.imap is None:
            raise ConfigError(f"mailboxes.{name}.imap: required by the daemon (host, port, username, password)")
        _check_secrets(f"mailboxes.{name}.imap", box.imap)
    try:
        datetime.strptime(settings.escalation.digest_time.strip(), "%H:%M")
    except ValueError as err:
        raise ConfigError(f"escalation.digest_time: expected HH:MM, got {settings.escalation.digest_time!r}") from err


def _check_secrets(where: str, login: ServerLogin) -> None:
    secrets: list[tuple[str, Secret]] = []
    if login.password is not None:
        secrets.append(("password", login.password))
    if login.oauth2 is not None:
        secrets.append(("oauth2.client_secret", login.oauth2.client_secret))
    for key, secret in secrets:
        try:
            secret.read()
        except ConfigError as err:
            raise ConfigError(f"{where}.{key}: {err}") from err


def cmd_run(config_path: Path | None) -> int:
    settings = load_settings(config_path)
    check_runnable(settings)
    fault = fault_hook_from_env()
    profiles = load_profiles(settings.profiles)
    configure_logging(settings.logging.level)
    store = _store_or_report(settings)
    if store is None:
        return EXIT_INTERNAL
    try:
        asyncio.run(_serve(Daemon(settings, profiles, store, fault=fault)))
    finally:
        store.close()
    return EXIT_OK


def _store_or_report(settings: Settings, *, existing: bool = False, config_given: bool = True) -> SqlStore | None:
    """The store, or None after saying why; ``existing``: a command that only looks at the daemon's data
    never creates a new, empty SQLite file (the wrong settings file would otherwise show "nothing")."""
    try:
        if existing:
            _require_existing(settings.store.url, config_given)
        return open_store(settings)
    except StoreError as err:
        print(f"hoth-intake: cannot open the store: {err}", file=sys.stderr)
        return None


def _require_existing(url: str, config_given: bool = True) -> None:
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 — an unusable URL: opening the store reports it
        return
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.exists():
            hint = ("the daemon creates it when it first starts" if config_given
                    else "give the daemon's settings file with --config")
            raise StoreError(f"there is no store at {path.resolve()}; {hint}")


async def _serve(daemon: Daemon) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, daemon.stop)
    await daemon.run()


# -- reprocess -----------------------------------------------------------------


def cmd_reprocess(config_path: Path | None, ids: Sequence[int], list_only: bool) -> int:
    """List quarantined messages, or put the given ones back into their INBOX for another try."""
    settings = load_settings(config_path)
    store = _store_or_report(settings, existing=True, config_given=config_path is not None)
    if store is None:
        return EXIT_USAGE
    try:
        held = {row.id: row for row in store.quarantined()}
        if list_only or not ids:
            _print_quarantine(list(held.values()))
            return EXIT_OK
        code = EXIT_OK
        for row_id in ids:
            row = held.get(row_id)
            if row is None:
                print(f"hoth-intake: no quarantined message with id {row_id}", file=sys.stderr)
                code = EXIT_INTERNAL
                continue
            try:
                print(_release(settings, store, row))
            except (MailboxError, StoreError, ConfigError) as err:
                print(f"hoth-intake: could not release {row_id}: {err}", file=sys.stderr)
                code = EXIT_INTERNAL
        return code
    finally:
        store.close()


def _print_quarantine(rows: list[QuarantineRow]) -> None:
    if not rows:
        print("No quarantined messages.")
        return
    print(f"{'id':>4}  {'mailbox':<14} {'quarantined at':<25} message-id / error")
    for row in rows:
        print(f"{row.id:>4}  {row.key.mailbox:<14} {row.quarantined_at.isoformat(timespec='seconds'):<25} "
              f"{row.key.message_id or '(none)'}")
        print(f"{'':>46}{row.error.splitlines()[0][:100] if row.error else ''}")


def _release(settings: Settings, store: SqlStore, row: QuarantineRow) -> str:
    """Move the message (found by SHA-256) from Quarantine back to INBOX, then clear its quarantine row."""
    name = row.key.mailbox
    box = settings.mailboxes.get(name)
    if box is None or box.imap is None:
        raise ConfigError(f"mailbox {name!r} is not configured with an [imap] table")
    client = MailboxClient(name, box.imap, username=box.address, inbox=box.folders.quarantine)
    with client:
        client.select_inbox()
        uid = _find_by_sha256(client, row.key.sha256)
        if uid is not None:
            client.move(uid, box.folders.inbox)
    store.release(row.id)
    if uid is None:
        return f"{row.id}: released (not found in {box.folders.quarantine}; retried if still in the INBOX)"
    return f"{row.id}: moved back to {box.folders.inbox} of {name} for another try"


def _find_by_sha256(client: MailboxClient, sha256: str) -> int | None:
    uids = client.uids_since(0)
    for start in range(0, len(uids), 20):
        for uid, raw in client.fetch(uids[start:start + 20]).items():
            if hashlib.sha256(raw).hexdigest() == sha256:
                return uid
    return None

"""Watch one mailbox: keep a connection, feed every INBOX message through the pipeline, wake on new mail.

One asyncio task per mailbox, so one failing mailbox never stops another:

    connect → select INBOX (UIDVALIDITY) → drain INBOX → IDLE (or poll) → drain → ...

INBOX holds only work still to do (everything processed is moved out), so a
drain takes every UID there; the ledger turns a message that was committed
before a crash into "file it now". A UIDVALIDITY change needs nothing more:
the ledger also knows a delivery by Message-ID + SHA-256.

| failure | what the watcher does |
|---|---|
| connection refused, dropped, timed out, BYE | reconnect with exponential backoff + jitter; alert admins if still down after ``unreachable_alert_seconds`` |
| login refused | alert admins once per outage; retry every ``auth_retry_seconds`` |
| one message keeps failing, or kills the process | the pipeline shunts it to Quarantine after its attempts (counted in the store) |

imapclient is synchronous: calls run through ``asyncio.to_thread``, except the
IDLE wait, which runs in a daemon thread so shutting down never waits for an
IDLE that has nothing to say. ``QueueFolderReader`` (a second connection)
lists the Message-IDs in queue folders for the scheduler's triage detection.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog

from config.settings import Mailbox
from intake.imap import MailboxAuthError, MailboxClient, MailboxError
from intake.ledger import StoreError
from intake.pipeline import IntakeFaults, Outcome, Pipeline, utc_now

log = structlog.get_logger(__name__)

T = TypeVar("T")
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True)
class WatchTimings:
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 60.0
    auth_retry_seconds: float = 300.0
    unreachable_alert_seconds: float = 300.0
    retry_failed_seconds: float = 5.0  # a message that failed is tried again no sooner than this
    fetch_batch: int = 25

    def backoff(self, failures: int, rng: random.Random) -> float:
        """Exponential, capped, with up to 25 % jitter so several instances do not reconnect in step."""
        delay = min(self.backoff_cap_seconds, self.backoff_base_seconds * 2 ** min(failures - 1, 16))
        return delay * (1 - 0.25 * rng.random())


class _Background(Generic[T]):
    """One blocking call in a daemon thread, awaitable; ``running`` until the call itself returns."""

    def __init__(self, fn: Callable[[], T], name: str) -> None:
        self._loop = asyncio.get_running_loop()
        self._future: asyncio.Future[T] = self._loop.create_future()
        # The waiter may have gone (stop, cancel): mark an exception nobody awaits as seen.
        self._future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._fn = fn
        self._finished = threading.Event()
        threading.Thread(target=self._work, name=name, daemon=True).start()

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    def _work(self) -> None:
        try:
            value = self._fn()
        except BaseException as err:  # noqa: BLE001 — handed to the awaiting task, which decides
            outcome: tuple[Callable[..., None], object] = (self._future.set_exception, err)
        else:
            outcome = (self._future.set_result, value)
        finally:
            self._finished.set()
        try:
            self._loop.call_soon_threadsafe(self._deliver, *outcome)
        except RuntimeError:
            pass  # the event loop has closed: nobody is waiting for this any more

    def _deliver(self, setter: Callable[..., None], value: object) -> None:
        if not self._future.done():
            setter(value)

    async def result(self) -> T:
        return await asyncio.shield(self._future)


class Watcher:
    """Runs one mailbox until ``stopping`` is set; never lets a mailbox error escape."""

    def __init__(self, name: str, box: Mailbox, pipeline: Pipeline, faults: IntakeFaults, *,
                 on_queued: Callable[[], None], timings: WatchTimings = WatchTimings(),
                 client_factory: Callable[[], MailboxClient] | None = None, rng: random.Random | None = None) -> None:
        self.name = name
        self._box = box
        self._pipeline = pipeline
        self._faults = faults
        self._on_queued = on_queued
        self._timings = timings
        self._client_factory = client_factory or (lambda: MailboxClient.for_mailbox(name, box))
        self._rng = rng or random.Random()
        self._uidvalidity: int | None = None
        self._retry_at: dict[int, float] = {}  # uid -> monotonic time of its next attempt
        self._down_since: float | None = None
        self._alerted = False
        self._failures = 0
        self._log = log.bind(mailbox=name)

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await self._session(stopping)
                return
            except MailboxAuthError as err:
                delay = self._timings.auth_retry_seconds
                self._log.error("mailbox_login_refused", retry_in=delay)
                await self._outage("auth", f"IMAP login to {self._host} is refused ({err}); check the "
                                           "mailbox credentials or OAuth2 token.")
            except MailboxError as err:  # connection broke or a command was refused: start afresh
                delay = self._next_backoff()
                self._log.warning("mailbox_unavailable", error=str(err), retry_in=round(delay, 2))
                await self._outage("unreachable", f"IMAP server {self._host} cannot be reached ({err}).")
            except StoreError as err:
                delay = self._next_backoff()
                self._log.error("store_unavailable", error=type(err).__name__, retry_in=round(delay, 2))
            except Exception as err:  # noqa: BLE001 — a bug must not end this mailbox's watch (nor touch the other's)
                delay = self._next_backoff()
                self._log.exception("watcher_failed", error=type(err).__name__, retry_in=round(delay, 2))
            await _sleep(stopping, delay)

    def _next_backoff(self) -> float:
        self._failures += 1
        return self._timings.backoff(self._failures, self._rng)

    @property
    def _host(self) -> str:
        return self._box.imap.host if self._box.imap else "(none)"

    async def _session(self, stopping: asyncio.Event) -> None:
        client = self._client_factory()
        idler: _Background[bool] | None = None
        try:
            await asyncio.to_thread(client.connect)
            uidvalidity = await asyncio.to_thread(client.select_inbox)
            self._recovered(uidvalidity)
            while not stopping.is_set():
                await self._drain(client, uidvalidity, stopping)
                if stopping.is_set():
                    break
                idler = await self._wait_for_mail(client, stopping)
        finally:
            if idler is None or not idler.running:  # never log out under a running IDLE
                await asyncio.to_thread(client.logout)

    def _recovered(self, uidvalidity: int) -> None:
        if self._down_since is not None:
            self._log.info("mailbox_recovered", down_seconds=round(time.monotonic() - self._down_since, 1))
        self._down_since, self._alerted, self._failures = None, False, 0
        if self._uidvalidity is not None and uidvalidity != self._uidvalidity:
            self._log.warning("uidvalidity_changed", old=self._uidvalidity, new=uidvalidity)
            self._retry_at.clear()
        self._uidvalidity = uidvalidity
        self._log.info("mailbox_watching", uidvalidity=uidvalidity, idle=self._box.idle)

    async def _drain(self, client: MailboxClient, uidvalidity: int, stopping: asyncio.Event) -> None:
        """Process every INBOX UID that is due, until INBOX has nothing due (mail may arrive meanwhile)."""
        while not stopping.is_set():
            now = time.monotonic()
            uids = [u for u in await asyncio.to_thread(client.uids_since, 0) if self._retry_at.get(u, 0) <= now]
            if not uids:
                return
            for start in range(0, len(uids), self._timings.fetch_batch):
                if stopping.is_set():
                    return
                batch = uids[start:start + self._timings.fetch_batch]
                raws = await asyncio.to_thread(client.fetch, batch)
                fetched = [(uid, raws[uid]) for uid in batch if uid in raws]  # absent: moved away meanwhile
                await self._process(client, uidvalidity, fetched)

    async def _process(self, client: MailboxClient, uidvalidity: int, fetched: list[tuple[int, bytes]]) -> None:
        """One fetched batch through the pipeline (each message committed alone, the batch filed together)."""
        if not fetched:
            return
        results = await asyncio.to_thread(self._pipeline.process_batch, client, uidvalidity, fetched)
        retry_at = time.monotonic() + self._timings.retry_failed_seconds
        for (uid, _), result in zip(fetched, results, strict=True):
            if result.outcome is Outcome.DEFERRED:
                self._retry_at[uid] = retry_at
            else:
                self._retry_at.pop(uid, None)
        if any(result.queued_mail for result in results):
            self._on_queued()

    async def _wait_for_mail(self, client: MailboxClient, stopping: asyncio.Event) -> _Background[bool] | None:
        """Wait for new mail, a retry falling due or the poll interval; returns a still-running IDLE on stop."""
        timeout = self._box.poll_seconds
        if self._retry_at:
            timeout = min(timeout, max(0.05, min(self._retry_at.values()) - time.monotonic()))
        if not self._box.idle:
            await _sleep(stopping, timeout)
            if not stopping.is_set():
                await asyncio.to_thread(client.noop)
            return None
        idler = _Background(lambda: client.idle_wait(timeout), name=f"idle-{self.name}")
        stop = asyncio.ensure_future(stopping.wait())
        waiting = asyncio.ensure_future(idler.result())
        try:
            await asyncio.wait({stop, waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not waiting.done():
                waiting.cancel()
        if waiting.done() and not waiting.cancelled():
            waiting.result()  # raises MailboxConnectionError when IDLE broke
        return idler

    async def _outage(self, kind: str, detail: str) -> None:
        """Alert admins once per outage: at once for a refused login, after a grace period when unreachable."""
        now = time.monotonic()
        self._down_since = self._down_since or now
        grace = 0.0 if kind == "auth" else self._timings.unreachable_alert_seconds
        if self._alerted or now - self._down_since < grace:
            return
        self._alerted = True
        started = utc_now().isoformat(timespec="seconds")
        try:
            await asyncio.to_thread(self._faults.raise_fault, self.name, f"{detail} Outage noticed at {started}.")
        except StoreError as err:
            self._alerted = False
            self._log.error("intake_fault_not_queued", error=type(err).__name__)


async def _sleep(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep, waking early when ``stopping`` is set."""
    try:
        await asyncio.wait_for(stopping.wait(), timeout=max(0.0, seconds))
    except TimeoutError:
        pass


class QueueFolderReader(MailboxClient):
    """A second, read-only connection: the Message-IDs currently in each queue folder."""

    def message_ids(self, folder: str) -> set[str]:
        found: set[str] = set()
        for header in self.folder_headers(folder, ["MESSAGE-ID"]):
            found.update(_ANGLE_ID.findall(header.decode("ascii", "replace")))
        return found

    def scan(self, folders: list[str]) -> dict[str, set[str]]:
        """Connect, read every folder, log out."""
        self.connect()
        try:
            return {folder: self.message_ids(folder) for folder in folders}
        finally:
            self.logout()

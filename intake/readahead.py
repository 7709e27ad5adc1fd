"""Reading messages and their forms ahead, in worker processes, while the pipeline commits.

Parsing a message and its Word forms is pure CPU work that needs nothing from
the store. The daemon hands each fetched batch to a small process pool (the
machine's other cores) as soon as it is fetched; the pipeline then takes each
message's reading in order, just before deciding it. Results are exactly what
the pipeline would compute itself (``parse_message``, then ``parse_document``
per attachment on the receipt day ``Decider`` uses), so decisions do not
depend on whether the pool is used.

Failures never lose a message: a reading that raises, times out or whose
worker died is read again in a fresh worker on its own; if that fails too,
``ReadAheadFailed`` is raised for this message alone and the pipeline counts
it as a failed attempt (a poison message is quarantined; the daemon lives).
Workers ignore SIGINT/SIGTERM (the daemon stops them) and exit as soon as
the daemon's process ends, however it ends (``kill -9`` included).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import structlog

from parsers.forms import FormKey, form_key, parse_document
from parsers.labels import Profile
from parsers.message import ParsedMail, receipt_time
from parsers.mime import parse_message
from parsers.results import ParseResult

log = structlog.get_logger("hoth_intake.readahead")

# A hostile attachment is refused within seconds (bench.hostile); a message holds a few.
DEFAULT_TIMEOUT = 120.0


class ReadAheadFailed(Exception):
    """This message could not be read in a worker, twice (the worker died, hung or raised)."""


@dataclass(frozen=True)
class Reading:
    mail: ParsedMail
    forms: dict[FormKey, ParseResult]


def default_workers() -> int:
    """One worker per core beyond the first (the daemon's own thread keeps one), at most 4."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


class ReadAhead:
    """A process pool that reads messages; ``submit`` a batch, then ``result`` each in order."""

    def __init__(self, profiles: dict[str, Profile], timezone: str, workers: int,
                 timeout: float = DEFAULT_TIMEOUT, reader: Callable[[bytes, datetime], Reading] | None = None) -> None:
        """``reader``: a module-level function run in the workers (tests swap in failing ones)."""
        self._reader = reader or read_message
        self._profiles = profiles
        self._timezone = timezone
        self._workers = max(1, workers)
        self._timeout = timeout
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._pools: weakref.WeakKeyDictionary[Future[Reading], ProcessPoolExecutor] = weakref.WeakKeyDictionary()

    def start(self) -> None:
        """Start the workers now (they import the parsers once), rather than on the first message."""
        self._executor().submit(_ping).result(timeout=self._timeout)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, raws: Sequence[bytes], now: datetime) -> list[Future[Reading]]:
        pool = self._executor()
        futures = [pool.submit(self._reader, raw, now) for raw in raws]
        with self._lock:  # which pool each reading runs in: a failure resets that pool only
            for future in futures:
                self._pools[future] = pool
        return futures

    def result(self, future: Future[Reading], raw: bytes, now: datetime) -> Reading:
        """This message's reading; read again alone in a fresh worker if the first try failed."""
        try:
            return future.result(timeout=self._timeout)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as first:  # noqa: BLE001 — a dead, hung or failing worker: try once more, alone
            log.warning("readahead_retry", error=type(first).__name__)
            with self._lock:
                failed = self._pools.get(future)
            self._reset(failed, broken=isinstance(first, (BrokenProcessPool, FutureTimeout)))
        pool = self._executor()
        try:
            return pool.submit(self._reader, raw, now).result(timeout=self._timeout)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as second:  # noqa: BLE001
            self._reset(pool, broken=isinstance(second, (BrokenProcessPool, FutureTimeout)))
            raise ReadAheadFailed(f"reading the message in a worker failed twice ({type(second).__name__})") from second

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn: the daemon has threads, which fork would copy mid-flight.
                self._pool = ProcessPoolExecutor(
                    self._workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker, initargs=(self._profiles, self._timezone))
            return self._pool

    def _reset(self, failed: ProcessPoolExecutor | None, *, broken: bool) -> None:
        """Drop the pool a worker died or hung in (its other futures fail and are read again); a pool already
        replaced (another mailbox's reading found it broken first) is left to that reset."""
        if not broken or failed is None:
            return
        with self._lock:
            if self._pool is not failed:
                return
            pool, self._pool = self._pool, None
        if pool is not None:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()  # a hung worker would otherwise hold shutdown forever
            pool.shutdown(wait=False, cancel_futures=True)


# -- in the worker -----------------------------------------------------------------

_profiles: dict[str, Profile] = {}
_zone: ZoneInfo | None = None


def _start_worker(profiles: dict[str, Profile], timezone: str) -> None:
    global _profiles, _zone
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _profiles = profiles
    _zone = ZoneInfo(timezone)
    parent = multiprocessing.parent_process()
    if parent is not None:  # the pool's own pipes stay open in the worker: watch the daemon itself
        threading.Thread(target=_exit_with, args=(parent.sentinel,), name="parent-watch", daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)  # the daemon has gone (even by kill -9): so does this worker


def _ping() -> bool:
    return True


def read_message(raw: bytes, now: datetime) -> Reading:
    """In a worker: what ``Pipeline._parse`` and ``Decider.read_ahead`` would compute for this message."""
    mail = parse_message(raw)
    received = min(receipt_time(mail, None), now)
    day = received.astimezone(_zone).date()
    forms = {form_key(a.data, a.filename, day): parse_document(a.data, a.filename, _profiles, today=day)
             for a in mail.attachments}
    return Reading(mail, forms)

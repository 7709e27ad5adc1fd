"""Time-driven work: outbox draining, deadline sweeps, escalation repeats, the daily digest, triage detection.

| job | when | what |
|---|---|---|
| outbox | every ``outbox_seconds`` and whenever the pipeline queues mail | `OutboxPump.drain`: send due rows; alert admins on permanent failures and lasting outages |
| deadlines | every ``sweep_seconds`` | `Sweeps.deadlines`: ``deadline_warning`` at `WorkingCalendar.warning_at`, ``deadline_breached`` at due; once per entry |
| repeats | every ``sweep_seconds`` | `Sweeps.repeats`: re-send unacknowledged escalations every ``escalation.repeat_minutes`` |
| digest | daily at ``escalation.digest_time`` | `Sweeps.digest`: each queue's open entries to its ``owners`` (references, levels, due times; no names) |
| triage | every ``triage_seconds`` | `TriageWatch.scan`: a message staff moved out of its queue folder marks the entry triaged |

Everything reads the time from one injected clock, so tests drive deadlines
without waiting. Every alert goes through the outbox, written in the same
transaction as the mark that stops it being sent twice.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config.settings import Settings
from intake.imap import MailboxError
from intake.ledger import QueueRow, StoreError
from intake.outbox import BatchStats, OutboxSender
from intake.pipeline import Clock, IntakeFaults, origin
from intake.queues import entry_json, entry_line
from intake.store import SqlStore
from intake.watcher import QueueFolderReader
from routing.calendar import WorkingCalendar
from routing.model import EscalationReason, Notification, NotificationKind
from routing.notify import Composer, marking_of, message_id_for

log = structlog.get_logger(__name__)

_DETAIL = re.compile(r"^Detail: (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class ScheduleIntervals:
    outbox_seconds: float = 5.0
    sweep_seconds: float = 30.0
    triage_seconds: float = 60.0
    send_alert_seconds: float = 300.0  # SMTP failing this long → one intake_fault alert


class OutboxPump:
    """Drains the outbox when kicked (by the pipeline or the scheduler); one drain at a time."""

    def __init__(self, sender: OutboxSender, store: SqlStore, faults: IntakeFaults, settings: Settings, *,
                 send_alert_seconds: float = 300.0) -> None:
        self._sender = sender
        self._store = store
        self._faults = faults
        self._smtp_host = settings.smtp.host if settings.smtp else "(none)"
        self._fault_mailbox = next(iter(settings.mailboxes))
        self._alert_after = send_alert_seconds
        self._wake = asyncio.Event()
        self._failing_since: float | None = None
        self._alerted = False

    def kick(self) -> None:
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        """Drain on every kick until ``stopping``; a drain in progress completes first."""
        while not stopping.is_set():
            stop = asyncio.ensure_future(stopping.wait())
            wake = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({stop, wake}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop.cancel()
                wake.cancel()
            if stopping.is_set():
                return
            self._wake.clear()
            try:
                await self.drain()
            except StoreError as err:
                log.error("outbox_store_unavailable", error=type(err).__name__)
            except Exception as err:  # a bug must not end sending for good: log it, try at the next kick
                log.exception("outbox_drain_failed", error=type(err).__name__)

    async def drain(self) -> int:
        """Send batches until nothing is due; returns how many were sent."""
        sent = 0
        while True:
            stats = await self._sender.send_due()
            sent += stats.sent
            await self._watch(stats)
            if not stats.claimed or not stats.sent:
                return sent

    async def _watch(self, stats: BatchStats) -> None:
        for row_id, error in stats.failures:
            await self._permanent(row_id, error)
        if stats.sent:
            self._failing_since, self._alerted = None, False
        elif stats.retried:
            now = time.monotonic()
            self._failing_since = self._failing_since or now
            if not self._alerted and now - self._failing_since >= self._alert_after:
                self._alerted = True
                await self._alert(self._fault_mailbox, f"Sending mail through {self._smtp_host} is failing "
                                  f"({stats.last_error}); replies and alerts are held in the outbox.")

    async def _permanent(self, row_id: int, error: str) -> None:
        row = await asyncio.to_thread(self._store.outbox_row, row_id)
        if row is None or row.notification.reason is EscalationReason.INTAKE_FAULT:
            return  # an alert about a failed alert would only fail the same way
        await self._alert(row.mailbox or self._fault_mailbox,
                          f"Outbound message {row.notification.message_id} ({row.kind.value}, case "
                          f"{row.notification.case_reference or 'none'}) was refused permanently: {error}")

    async def _alert(self, mailbox: str, detail: str) -> None:
        try:
            await asyncio.to_thread(self._faults.raise_fault, mailbox, detail)
        except StoreError as err:
            log.error("intake_fault_not_queued", error=type(err).__name__)


class Sweeps:
    """The scheduler's synchronous sweeps over the store (run them through ``asyncio.to_thread``)."""

    def __init__(self, settings: Settings, store: SqlStore, composer: Composer, calendar: WorkingCalendar,
                 clock: Clock) -> None:
        self._settings = settings
        self._store = store
        self._composer = composer
        self._calendar = calendar
        self._clock = clock
        lead = settings.escalation.warning_lead_minutes
        self._lead = timedelta(minutes=lead) if lead is not None else None

    def deadlines(self) -> int:
        """Queue each due warning and breach once; returns how many alerts were queued."""
        now = self._clock()
        queued = 0
        for entry in self._store.open_queue_entries():
            reason = self._deadline_reason(entry, now)
            if reason is not None:
                self._deadline_alert(entry, reason, now)
                queued += 1
        return queued

    def _deadline_reason(self, entry: QueueRow, now: datetime) -> EscalationReason | None:
        if entry.due_at is None or entry.breached:
            return None
        if now >= entry.due_at:
            return EscalationReason.DEADLINE_BREACHED
        warn_at = self._calendar.warning_at(entry.due_at, self._lead, not_before=entry.opened_at)
        return EscalationReason.DEADLINE_WARNING if not entry.warned and now >= warn_at else None

    def _deadline_alert(self, entry: QueueRow, reason: EscalationReason, now: datetime) -> None:
        with self._store.transaction() as tx:
            case = tx.case_by_reference(entry.case_reference)
            note = self._composer.escalation(
                reason=reason, case=case, mailbox=entry.mailbox, queue=entry.queue, due_at=entry.due_at,
                in_hours=self._calendar.is_open(now), inbound_message_id=None)
            tx.enqueue(note, now, mailbox=entry.mailbox, queue=entry.queue)
            if not entry.warned:  # a breach makes a later warning pointless
                tx.mark_warned(entry.case_reference, entry.mailbox, now)
            if reason is EscalationReason.DEADLINE_BREACHED:
                tx.mark_breached(entry.case_reference, entry.mailbox, now)
        log.info("deadline_alert_queued", case=entry.case_reference, mailbox=entry.mailbox, reason=reason.value)

    def repeats(self) -> int:
        """Re-send each unacknowledged escalation that is due again; returns how many."""
        now = self._clock()
        repeated = 0
        for esc in self._store.due_escalations(now):
            with self._store.transaction() as tx:
                entry = None
                case = tx.case_by_reference(esc.case_reference) if esc.case_reference else None
                if case is not None:
                    entry = next((e for e in tx.queue_entries(case.reference) if e.mailbox == esc.mailbox), None)
                if entry is not None and entry.triaged:
                    continue  # triaged by moving it out of the queue: nothing left to chase
                original = tx.outbound(esc.message_id)
                body, subject = (original.body, original.subject) if original else ("", "")
                inbound = original.headers.get("In-Reply-To", "").strip().strip("<>") if original else ""
                detail = _DETAIL.search(body)
                note = self._composer.escalation(
                    reason=esc.reason, case=case, mailbox=esc.mailbox or next(iter(self._settings.mailboxes)),
                    queue=esc.queue, due_at=entry.due_at if entry else None, in_hours=self._calendar.is_open(now),
                    inbound_message_id=inbound or None, detail=detail.group(1) if detail else "",
                    forms=case.forms if case else None,
                    marking=marking_of(subject, self._settings.service.default_marking), repeat=esc.repeats + 1)
                tx.record_repeat(esc.id, note, now)
            repeated += 1
            log.info("escalation_repeated", case=esc.case_reference, reason=esc.reason.value, repeat=esc.repeats + 1)
        return repeated

    def digest(self) -> int:
        """Queue today's digest of each queue that has owners (once a day); returns how many."""
        now = self._clock()
        day = now.astimezone(self._calendar.tz).date().isoformat()
        open_entries = self._store.open_queue_entries()
        queued = 0
        for name, queue in self._settings.queues.items():
            if not queue.owners:
                continue
            message_id = message_id_for(self._settings, "digest", name, day)
            if self._store.outbound(message_id) is not None:
                continue
            rows = [e for e in open_entries if e.queue == name]
            note = self._digest_note(name, rows, now, day, message_id, [a.lower() for a in queue.owners])
            self._store.enqueue(note, now, queue=name)
            queued += 1
        return queued

    def _digest_note(self, queue: str, rows: list[QueueRow], now: datetime, day: str, message_id: str,
                     owners: list[str]) -> Notification:
        tz = self._calendar.tz
        overdue = sum(1 for r in rows if r.due_at is not None and now >= r.due_at)
        lines = [f"hoth-intake daily digest: {queue} queue, {day}", "",
                 f"Open submissions: {len(rows)} (overdue: {overdue})", ""]
        for r in sorted(rows, key=lambda r: (r.due_at is None, r.due_at or now)):
            lines.append(entry_line(entry_json(r, self._store.case_by_reference(r.case_reference), now, tz)))
        lines += ["", "Moving a message out of its queue folder, or replying DONE to its alert, marks it triaged."]
        marking = self._settings.service.default_marking
        subject = f"[{marking}] hoth-intake digest: {queue} ({len(rows)} open, {overdue} overdue)"
        sender = self._settings.service.from_address
        headers = {"Message-ID": f"<{message_id}>", "From": sender, "To": ", ".join(owners), "Subject": subject,
                   "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All",
                   "X-Loop": self._settings.service.domain}
        return Notification(kind=NotificationKind.DIGEST, reason=None, to=owners, subject=subject,
                            body="\n".join(lines) + "\n", headers=headers, message_id=message_id,
                            case_reference=None)


class TriageWatch:
    """Notices messages staff moved out of the queue folders and marks their entries triaged."""

    def __init__(self, settings: Settings, store: SqlStore, clock: Clock,
                 reader: Callable[[str], QueueFolderReader] | None = None) -> None:
        self._settings = settings
        self._store = store
        self._clock = clock
        self._reader = reader or (lambda name: QueueFolderReader.for_mailbox(name, settings.mailboxes[name]))
        self._folders = sorted({q.folder for q in settings.queues.values()})
        self._seen: dict[str, dict[str, set[str]]] = {}

    async def scan(self) -> int:
        """Compare each mailbox's queue folders with the last scan. The first scan compares them with what the
        store says they should hold, so a message moved out while the daemon was stopped is noticed too."""
        marked = 0
        for name in self._settings.mailboxes:
            try:
                current = await asyncio.to_thread(self._reader(name).scan, self._folders)
            except MailboxError as err:
                log.warning("triage_scan_failed", mailbox=name, error=str(err))
                continue
            previous, self._seen[name] = self._seen.get(name), current
            still_queued = set().union(*current.values())
            if previous is None:
                try:
                    expected = await asyncio.to_thread(self._store.open_filed_messages, name)
                except StoreError as err:
                    log.warning("triage_baseline_failed", mailbox=name, error=type(err).__name__)
                    continue
                gone = expected - still_queued
            else:
                gone = {m for folder, ids in previous.items() for m in ids - current.get(folder, set())} - still_queued
            if gone:
                marked += await asyncio.to_thread(self._mark, name, gone)
        return marked

    def _mark(self, mailbox: str, gone: set[str]) -> int:
        marked = 0
        for message_id in sorted(gone):
            case = self._store.case_for_inbound(message_id)
            if case is None:
                continue
            entries = self._store.queue_entries(case.reference)
            if any(e.mailbox == mailbox and not e.triaged for e in entries):
                self._store.mark_triaged(case.reference, mailbox, self._clock())
                log.info("queue_entry_triaged", case=case.reference, mailbox=mailbox, via="moved_out")
                marked += 1
        return marked


class Scheduler:
    """APScheduler wiring for the jobs above (started inside the running event loop).

    Each job runs guarded: a failure is logged by type and place only and the job
    runs again at its next time; ``stop`` lets jobs in flight finish.
    """

    def __init__(self, settings: Settings, sweeps: Sweeps, pump: OutboxPump, triage: TriageWatch,
                 intervals: ScheduleIntervals = ScheduleIntervals()) -> None:
        self._settings = settings
        self._sweeps = sweeps
        self._pump = pump
        self._triage = triage
        self._intervals = intervals
        self._aps: AsyncIOScheduler | None = None
        self._in_flight: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        tz = self._settings.business_hours.timezone
        aps = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=tz)
        every = self._intervals
        opts: dict[str, Any] = {"max_instances": 1, "coalesce": True}
        aps.add_job(self._job("outbox", self._kick_outbox), "interval", seconds=every.outbox_seconds,
                    id="outbox", **opts)
        for name, sweep in (("deadlines", self._sweeps.deadlines), ("repeats", self._sweeps.repeats)):
            aps.add_job(self._job(name, _in_thread(sweep)), "interval", seconds=every.sweep_seconds, id=name,
                        next_run_time=_soon(), **opts)
        aps.add_job(self._job("triage", self._triage.scan), "interval", seconds=every.triage_seconds, id="triage",
                    next_run_time=_soon(), **opts)
        at = datetime.strptime(self._settings.escalation.digest_time.strip(), "%H:%M")
        aps.add_job(self._job("digest", _in_thread(self._sweeps.digest)), "cron", hour=at.hour, minute=at.minute,
                    id="digest", misfire_grace_time=3600, **opts)
        aps.start()
        self._aps = aps

    async def _kick_outbox(self) -> int:
        self._pump.kick()  # a coroutine job runs on the event loop, where the pump's Event lives
        return 0

    def _job(self, name: str, work: Callable[[], Awaitable[int]]) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._in_flight.add(task)
            try:
                done = await work()
            except Exception as err:  # noqa: BLE001 — a failed run is logged; the job runs again at its next time
                log.error("scheduled_job_failed", job=name, error=type(err).__name__, at=origin(err))
                return
            finally:
                self._in_flight.discard(task)
            if done:
                log.info("scheduled_job_done", job=name, count=done)

        return job

    async def stop(self) -> None:
        """No new runs; let the jobs in flight finish (APScheduler's shutdown would cancel them)."""
        if self._aps is None:
            return
        self._aps.pause()
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        self._aps.shutdown(wait=False)
        self._aps = None


def _in_thread(sweep: Callable[[], int]) -> Callable[[], Awaitable[int]]:
    return lambda: asyncio.to_thread(sweep)


def _soon() -> datetime:
    return datetime.now().astimezone() + timedelta(seconds=1)

"""The decision function: one delivery of one email in, one ``Decision`` out.

Used unchanged by `hoth-intake replay` (in-memory store) and the daemon (SQL
store); only the store and the clock differ. Steps, in order:

| step | function | outcome |
|---|---|---|
| screen | `routing.screening.screen` | duplicate / loop / bounce / auto_reply: recorded, no case, no reply |
| staff reply | `_staff_reply` | ACK / DONE to one of our alerts |
| read | `parsers.forms.parse_document` per attachment | `ParseResult`s |
| correlate | `_correlate` | copy (same Message-ID, other mailbox), case_update (reference / thread), new_case |
| assess | `routing.assess.assess` | levels, flags, child, missing items |
| route | `_route` + `_queue_entry` | queue and due time (never relaxed by an update) |
| notify | `_notify` | one sender reply (rate-capped) + escalations |
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from config.settings import Settings
from parsers.forms import FormKey, form_key, parse_document
from parsers.labels import Profile
from parsers.message import ParsedMail
from parsers.results import Level, ParseResult
from routing.assess import Assessment, assess
from routing.calendar import WorkingCalendar
from routing.model import (
    CaseRecord, Decision, Disposition, EscalationReason, Notification, NotificationKind, QueueEntry, StoreView,
)
from routing.notify import Composer, case_reference_in, marking_of
from routing.screening import screen
from routing.trust import sender_verified

_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+")
_STAFF_WORD = re.compile(r"^\s*(ack|acknowledged?|done)\b", re.IGNORECASE | re.MULTILINE)


@dataclass
class Decider:
    """Everything a decision needs that does not change per message."""

    settings: Settings
    profiles: dict[str, Profile]

    def __post_init__(self) -> None:
        self.calendar = WorkingCalendar(self.settings.business_hours)
        self.composer = Composer(self.settings)
        self.tz = ZoneInfo(self.settings.business_hours.timezone)
        # A message delivered to both mailboxes is decided twice; its forms are read once.
        self._recent: OrderedDict[FormKey, ParseResult] = OrderedDict()
        self._lock = threading.Lock()

    def decide(self, mail: ParsedMail, mailbox: str, received_at: datetime, store: StoreView) -> Decision:
        decision = Decision(mailbox=mailbox, message_id=mail.message_id, received_at=received_at,
                            sender=mail.from_addr, disposition=Disposition.NEW_CASE)
        screened = screen(mail, mailbox, self.settings, store)
        if screened is not None:
            return self._screened(decision, screened, store)
        if self._staff_reply(decision, mail, store):
            return decision
        local_day = received_at.astimezone(self.tz).date()
        decision.documents = [self._read(a.data, a.filename, local_day) for a in mail.attachments]
        existing, disposition = self._correlate(mail, store)
        decision.disposition = disposition
        verified = sender_verified(mail, self.settings)
        known = existing.forms if existing else []
        # A file holding both forms counts as both (its referral rides along as a companion of the matrix).
        forms = [form for document in decision.documents for form in document.documents()]
        a = assess(forms, mail, mailbox, self.settings, local_day, verified, known)
        decision.missing = a.missing
        decision.case = self._case(existing, a, mail, received_at, store)
        decision.queue_entry, raised_to_significant = self._queue_entry(decision, a, existing, store)
        self._notify(decision, mail, a, existing, verified, raised_to_significant, store)
        return decision

    def read_ahead(self, mail: ParsedMail, received_at: datetime) -> None:
        """Read the forms now (same results `decide` will use), so a caller holding a store
        write lock during `decide` does not hold it while documents are parsed."""
        local_day = received_at.astimezone(self.tz).date()
        for attachment in mail.attachments:
            self._read(attachment.data, attachment.filename, local_day)

    def prime(self, forms: dict[FormKey, ParseResult]) -> None:
        """Forms read elsewhere (``intake.readahead``'s workers), keyed by ``form_key``."""
        for key, result in forms.items():
            self._remember(key, result)

    def _read(self, data: bytes, filename: str, today: date) -> ParseResult:
        key = form_key(data, filename, today)
        with self._lock:  # the daemon decides for each mailbox on its own thread
            result = self._recent.get(key)
        if result is None:
            result = parse_document(data, filename, self.profiles, today=today)
            self._remember(key, result)
        return result

    def _remember(self, key: FormKey, result: ParseResult) -> None:
        with self._lock:
            self._recent[key] = result
            if len(self._recent) > 32:
                self._recent.popitem(last=False)

    # -- screening and staff replies -----------------------------------------

    def _screened(self, decision: Decision, screened, store: StoreView) -> Decision:
        decision.disposition = screened.disposition
        decision.notes.append(screened.reason)
        failed = screened.failed_notification_id
        if failed or screened.own_notification:
            decision.failed_notification_id = failed
            original = store.outbound(failed) if failed else None
            case = store.case_by_reference(original.case_reference) if original and original.case_reference else None
            decision.notifications.append(self.composer.escalation(
                reason=EscalationReason.INTAKE_FAULT, case=case, mailbox=decision.mailbox, queue=None,
                due_at=None, in_hours=self.calendar.is_open(decision.received_at),
                inbound_message_id=decision.message_id,
                detail="One of our replies to a sender could not be delivered (bounce received).",
            ))
        return decision

    def _staff_reply(self, decision: Decision, mail: ParsedMail, store: StoreView) -> bool:
        for ref in [*mail.in_reply_to, *mail.references]:
            sent = store.outbound(ref)
            if sent is not None and sent.kind is NotificationKind.ESCALATION:
                match = _STAFF_WORD.search(mail.body_text or "") or _STAFF_WORD.search(mail.subject or "")
                decision.disposition = Disposition.STAFF_REPLY
                decision.acted_on_message_id = sent.message_id
                word = match.group(1).lower() if match else None
                decision.staff_action = "done" if word == "done" else "ack" if word else None
                decision.notes.append(f"staff_reply:{decision.staff_action or 'no_action'}")
                return True
        return False

    # -- correlation and case ----------------------------------------------------

    def _correlate(self, mail: ParsedMail, store: StoreView) -> tuple[CaseRecord | None, Disposition]:
        earlier = store.case_for_inbound(mail.message_id)
        if earlier is not None:
            return earlier, Disposition.COPY
        reference = case_reference_in(mail.subject or "")
        case = store.case_by_reference(reference) if reference else None
        if case is None:
            case = self._thread_case(mail, store)
        return (case, Disposition.CASE_UPDATE) if case is not None else (None, Disposition.NEW_CASE)

    @staticmethod
    def _thread_case(mail: ParsedMail, store: StoreView) -> CaseRecord | None:
        """The case a reply belongs to: one of our messages it answers, else an earlier message of the
        case itself (an agency resubmitting by replying to its own first email)."""
        refs = [*mail.in_reply_to, *mail.references]
        for ref in refs:
            sent = store.outbound(ref)
            if sent is not None and sent.case_reference:
                case = store.case_by_reference(sent.case_reference)
                if case is not None:
                    return case
        for ref in refs:
            if ref != mail.message_id and (case := store.case_for_inbound(ref)) is not None:
                return case
        return None

    def _case(self, existing: CaseRecord | None, a: Assessment, mail: ParsedMail, received_at: datetime,
              store: StoreView) -> CaseRecord:
        if existing is None:
            year = received_at.astimezone(self.tz).year
            return CaseRecord(reference=store.allocate_reference(year), first_received_at=received_at,
                              child=a.child, declared_level=a.declared_level, effective_level=a.effective_level,
                              flags=list(a.flags), forms=a.forms, sender=mail.from_addr,
                              message_ids=[mail.message_id])
        child = existing.child if existing.child.name or existing.child.dob else a.child
        return CaseRecord(
            reference=existing.reference, first_received_at=existing.first_received_at, child=child,
            declared_level=Level.highest([existing.declared_level, a.declared_level]),
            effective_level=Level.highest([existing.effective_level, a.effective_level]),
            flags=[*existing.flags, *(f for f in a.flags if f not in existing.flags)],
            forms=[*existing.forms, *(f for f in a.forms if f not in existing.forms)],
            sender=existing.sender,
            message_ids=[*existing.message_ids, *([mail.message_id] if mail.message_id not in existing.message_ids else [])],
        )

    # -- routing -------------------------------------------------------------------

    def _route(self, mailbox: str, a: Assessment, level: Level | None) -> str:
        if a.unreadable and level is None:
            return "manual-review"
        level_name = level.value if level else "unknown"
        for route in self.settings.routes:
            if route.mailbox not in ("*", mailbox):
                continue
            if not a.has_form(route.form):
                continue
            if route.levels is not None and level_name not in route.levels:
                continue
            return route.queue
        return "manual-review"

    def _due(self, queue: str, first_received_at: datetime) -> datetime | None:
        days = self.settings.queues[queue].due_working_days
        return self.calendar.due_at(first_received_at, days) if days is not None else None

    def _queue_entry(self, d: Decision, a: Assessment, existing: CaseRecord | None,
                     store: StoreView) -> tuple[QueueEntry, bool]:
        case = d.case
        assert case is not None
        queue = self._route(d.mailbox, a, case.effective_level)
        fresh = QueueEntry(case.reference, d.mailbox, queue, self._due(queue, case.first_received_at), d.received_at)
        if existing is None:
            return fresh, False
        current = next((e for e in store.queue_entries(case.reference) if e.mailbox == d.mailbox), None)
        old_rank = existing.effective_level.rank if existing.effective_level else -1
        new_rank = case.effective_level.rank if case.effective_level else -1
        raised = new_rank > old_rank
        became_significant = raised and case.effective_level is Level.SIGNIFICANT
        if current is None:
            return fresh, became_significant
        if d.disposition is Disposition.COPY:
            # The same message's delivery to the other mailbox was read first and may have raised the case ("To
            # First Contact, Cc CEVT", now significant): this mailbox's entry catches up if that makes it sooner
            # (never later, never a reset clock).
            raised = fresh.due_at is not None and (current.due_at is None or fresh.due_at < current.due_at)
        if not raised or queue == current.queue:
            return current, became_significant  # never relaxed; same queue keeps its clock
        due = min([t for t in (current.due_at, fresh.due_at) if t is not None], default=None)
        return QueueEntry(case.reference, d.mailbox, queue, due, current.opened_at), became_significant

    # -- notifications ---------------------------------------------------------

    def _notify(self, d: Decision, mail: ParsedMail, a: Assessment, existing: CaseRecord | None,
                verified: bool, raised_to_significant: bool, store: StoreView) -> None:
        case, entry = d.case, d.queue_entry
        assert case is not None and entry is not None
        if d.disposition is not Disposition.COPY:
            kind = NotificationKind.MISSING_INFORMATION if d.missing else NotificationKind.ACKNOWLEDGEMENT
            reply = self.composer.sender_reply(
                kind=kind, mail=mail, mailbox=d.mailbox, case=case, queue=entry.queue, due_at=entry.due_at,
                missing=d.missing, forms=a.forms, verified=verified)
            self._capped(d, reply, store)
        reasons = []
        significant_now = case.effective_level is Level.SIGNIFICANT
        if significant_now and (existing is None or d.disposition is Disposition.COPY or raised_to_significant):
            reasons.append(EscalationReason.SIGNIFICANT_RISK)
        if entry.queue == "manual-review" and (existing is None or d.disposition is Disposition.COPY):
            reasons.append(EscalationReason.MANUAL_REVIEW)
        in_hours = self.calendar.is_open(d.received_at)
        marking = marking_of(mail.subject or "", self.settings.service.default_marking)
        for reason in reasons:
            d.notifications.append(self.composer.escalation(
                reason=reason, case=case, mailbox=d.mailbox, queue=entry.queue, due_at=entry.due_at,
                in_hours=in_hours, inbound_message_id=mail.message_id, missing=d.missing, forms=a.forms,
                marking=marking))

    def _capped(self, d: Decision, reply: Notification, store: StoreView) -> None:
        address = reply.to[0] if reply.to else ""
        if not _ADDRESS.fullmatch(address):
            d.suppressed.append(reply)
            d.notes.append("reply_suppressed:no_sender_address")  # filed all the same
            return
        recent = store.replies_sent_since(address, d.received_at - timedelta(hours=1))
        if recent >= self.settings.service.rate_cap_per_hour:
            d.suppressed.append(reply)
            d.notes.append("reply_suppressed:rate_cap")
        else:
            d.notifications.append(reply)

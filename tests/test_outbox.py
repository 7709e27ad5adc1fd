"""OutboxSender against a real aiosmtpd peer, with an in-test fake of the store's outbox Protocol."""

from __future__ import annotations

import asyncio
import email
import email.policy
import random
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from config.settings import OAuth2, Secret, ServerLogin
from intake.imap import OAuth2Tokens
from intake.outbox import BatchStats, OutboxSender, RetryPolicy, SendFailure
from routing.model import EscalationReason, Notification, NotificationKind
from tests.servers_mail import SMTP_TOKEN, SmtpPeer

FROM = "hoth-intake@durham.gov.uk"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Row:
    id: int
    notification: Notification
    attempts: int = 0


@dataclass
class _Entry:
    row: Row
    status: str = "pending"  # pending / sent / failed
    due: datetime = START
    leased_until: datetime | None = None
    errors: list[str] = field(default_factory=list)
    sent_at: datetime | None = None


class FakeOutbox:
    """The OutboxStore Protocol in memory: a claim leases a row and counts an attempt; leases lapse."""

    def __init__(self) -> None:
        self.entries: dict[int, _Entry] = {}
        self.retries: list[tuple[int, datetime, datetime]] = []  # (id, at, next_attempt_at)
        self._lock = threading.Lock()

    def add(self, notification: Notification) -> int:
        row_id = len(self.entries) + 1
        self.entries[row_id] = _Entry(Row(row_id, notification))
        return row_id

    def claim_due_outbox(self, limit: int, now: datetime, worker: str) -> list[Row]:
        with self._lock:
            due = [
                e for e in self.entries.values()
                if e.status == "pending" and e.due <= now and (e.leased_until is None or e.leased_until <= now)
            ][:limit]
            for entry in due:
                entry.leased_until = now + LEASE
                entry.row = replace(entry.row, attempts=entry.row.attempts + 1)
            return [entry.row for entry in due]

    def mark_sent(self, row_id: int, at: datetime) -> None:
        entry = self.entries[row_id]
        entry.status, entry.sent_at, entry.leased_until = "sent", at, None

    def mark_retry(self, row_id: int, at: datetime, error: str, next_attempt_at: datetime) -> None:
        entry = self.entries[row_id]
        entry.due, entry.leased_until = next_attempt_at, None
        entry.errors.append(error)
        self.retries.append((row_id, at, next_attempt_at))

    def mark_failed(self, row_id: int, at: datetime, error: str) -> None:
        entry = self.entries[row_id]
        entry.status, entry.leased_until = "failed", None
        entry.errors.append(error)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _notification(n: int = 1, **changes: Any) -> Notification:
    base = Notification(
        kind=NotificationKind.ACKNOWLEDGEMENT,
        reason=None,
        to=["worker@school.sch.uk"],
        subject=f"[OFFICIAL-SENSITIVE] Received: CE Matrix [HOTH-2026-00000{n}]",
        body=f"Thank you. Your referral for J.S. has been received.\nReference HOTH-2026-00000{n}.\n",
        headers={
            "In-Reply-To": "<orig-1@school.sch.uk>",
            "References": "<orig-0@school.sch.uk> <orig-1@school.sch.uk>",
            "Auto-Submitted": "auto-replied",
            "X-Auto-Response-Suppress": "All",
            "X-Loop": "hoth-intake.durham.gov.uk",
            "Reply-To": "cevt@durham.police.uk",
        },
        message_id=f"<hoth-{n}@hoth-intake.durham.gov.uk>",
        case_reference=f"HOTH-2026-00000{n}",
    )
    return replace(base, **changes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox() -> FakeOutbox:
    return FakeOutbox()


@pytest.fixture
async def sender(smtp_peer: SmtpPeer, outbox: FakeOutbox, clock: Clock) -> AsyncIterator[OutboxSender]:
    yield OutboxSender(smtp_peer.server_login(), FROM, outbox, clock=clock, rng=random.Random(7))


async def test_sends_with_all_headers(smtp_peer: SmtpPeer, outbox: FakeOutbox, sender: OutboxSender) -> None:
    """A due row is sent once with threading, loop-protection and auto-reply headers, then marked sent."""
    row_id = outbox.add(_notification())
    stats = await sender.send_due()
    assert stats == BatchStats(claimed=1, sent=1)
    [mail] = smtp_peer.messages
    assert mail.mail_from == FROM and mail.rcpt_tos == ("worker@school.sch.uk",)
    msg = email.message_from_bytes(mail.data, policy=email.policy.default)
    assert msg["Message-ID"] == "<hoth-1@hoth-intake.durham.gov.uk>"
    assert msg["In-Reply-To"] == "<orig-1@school.sch.uk>"
    assert msg["References"] == "<orig-0@school.sch.uk> <orig-1@school.sch.uk>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Loop"] == "hoth-intake.durham.gov.uk"
    assert msg["Reply-To"] == "cevt@durham.police.uk"
    assert msg["From"] == FROM and msg["To"] == "worker@school.sch.uk"
    assert msg["Subject"] == "[OFFICIAL-SENSITIVE] Received: CE Matrix [HOTH-2026-000001]"
    assert msg["Date"].datetime == START
    assert "Reference HOTH-2026-000001" in msg.get_content()
    assert outbox.entries[row_id].status == "sent"
    assert await sender.send_due() == BatchStats()
    assert len(smtp_peer.messages) == 1


async def test_from_header_and_several_recipients(
    smtp_peer: SmtpPeer, outbox: FakeOutbox, sender: OutboxSender,
) -> None:
    """An escalation's own From is used as header and envelope sender, to every on-call address."""
    headers = {"From": "CEVT <cevt@durham.police.uk>", "Auto-Submitted": "auto-generated"}
    outbox.add(_notification(
        kind=NotificationKind.ESCALATION, reason=EscalationReason.SIGNIFICANT_RISK,
        to=["duty1@durham.police.uk", "duty2@durham.police.uk"], headers=headers,
    ))
    assert (await sender.send_due()).sent == 1
    [mail] = smtp_peer.messages
    assert mail.mail_from == "cevt@durham.police.uk"
    assert mail.rcpt_tos == ("duty1@durham.police.uk", "duty2@durham.police.uk")
    assert b"Auto-Submitted: auto-generated" in mail.data


async def test_tempfail_schedules_retry_with_backoff(
    smtp_peer: SmtpPeer, outbox: FakeOutbox, sender: OutboxSender, clock: Clock,
) -> None:
    """451 at DATA keeps the row pending with a doubling, jittered, capped delay."""
    smtp_peer.set_mode("tempfail")
    row_id = outbox.add(_notification())
    delays = []
    for _ in range(8):
        stats = await sender.send_due()
        assert stats.retried == 1 and stats.last_error is not None and stats.last_error.startswith("451")
        _, at, next_at = outbox.retries[-1]
        delays.append((next_at - at).total_seconds())
        clock.now = next_at
    assert outbox.entries[row_id].status == "pending" and outbox.entries[row_id].row.attempts == 8
    policy = RetryPolicy()
    for failures_before, delay in enumerate(delays):
        ceiling = min(policy.cap_seconds, policy.base_seconds * 2**failures_before)
        assert ceiling * (1 - policy.jitter) <= delay <= ceiling
    assert delays[1] > delays[0] and max(delays) <= 30 * 60
    assert smtp_peer.messages == []


async def test_permfail_marks_failed(smtp_peer: SmtpPeer, outbox: FakeOutbox, sender: OutboxSender) -> None:
    """550 at DATA is permanent: the row is failed, reported, and never retried."""
    smtp_peer.set_mode("permfail")
    row_id = outbox.add(_notification())
    stats = await sender.send_due()
    assert stats.failed == 1 and stats.failures == [(row_id, outbox.entries[row_id].errors[0])]
    assert outbox.entries[row_id].status == "failed" and "550" in outbox.entries[row_id].errors[0]
    smtp_peer.set_mode("accept")
    assert await sender.send_due() == BatchStats()
    assert smtp_peer.messages == []


async def test_peer_down_then_up_drains(
    smtp_peer: SmtpPeer, outbox: FakeOutbox, sender: OutboxSender, clock: Clock,
) -> None:
    """Connection refused retries the whole batch; once the peer is back every row goes exactly once."""
    ids = [outbox.add(_notification(n)) for n in range(1, 4)]
    smtp_peer.set_mode("down")
    stats = await sender.send_due()
    assert stats.claimed == 3 and stats.retried == 3 and "connect" in (stats.last_error or "")
    smtp_peer.up()
    assert await sender.send_due() == BatchStats()  # not due yet
    clock.now += timedelta(minutes=2)
    stats = await sender.send_due()
    assert stats.sent == 3
    received = smtp_peer.wait_for(3)
    ids_sent = sorted(email.message_from_bytes(m.data)["Message-ID"] for m in received)
    assert ids_sent == sorted(f"<hoth-{n}@hoth-intake.durham.gov.uk>" for n in range(1, 4))
    assert all(outbox.entries[i].status == "sent" for i in ids)


async def test_crash_before_send_loses_nothing(smtp_peer: SmtpPeer, outbox: FakeOutbox, clock: Clock) -> None:
    """Cancelled mid-connect: CancelledError propagates, the row stays unmarked and is sent after the lease lapses."""
    accepted: list[asyncio.StreamWriter] = []

    async def greet_never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    stalled = await asyncio.start_server(greet_never, "127.0.0.1", 0)
    port = stalled.sockets[0].getsockname()[1]
    login = smtp_peer.server_login().model_copy(update={"port": port})
    row_id = outbox.add(_notification())
    task = asyncio.create_task(OutboxSender(login, FROM, outbox, clock=clock).send_due())
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for writer in accepted:
        writer.close()
    stalled.close()
    await stalled.wait_closed()
    entry = outbox.entries[row_id]
    assert entry.status == "pending" and entry.errors == [] and entry.leased_until is not None

    sender = OutboxSender(smtp_peer.server_login(), FROM, outbox, clock=clock)
    assert (await sender.send_due()).claimed == 0  # still leased to the crashed worker
    clock.now += LEASE
    assert (await sender.send_due()).sent == 1
    assert len(smtp_peer.messages) == 1 and entry.status == "sent"


async def test_unbuildable_message_fails_permanently(
    smtp_peer: SmtpPeer, outbox: FakeOutbox, sender: OutboxSender,
) -> None:
    """A header with a line break (header injection) is never sent and never retried."""
    row_id = outbox.add(_notification(headers={"X-Loop": "x\r\nBcc: victim@example.org"}))
    good_id = outbox.add(_notification(2))
    stats = await sender.send_due()
    assert stats.failed == 1 and stats.sent == 1
    assert outbox.entries[row_id].status == "failed" and outbox.entries[good_id].status == "sent"
    assert [m.rcpt_tos for m in smtp_peer.messages] == [("worker@school.sch.uk",)]


async def test_gives_up_after_max_attempts(smtp_peer: SmtpPeer, outbox: FakeOutbox, clock: Clock) -> None:
    """A temporary failure on the last allowed attempt becomes a permanent failure."""
    smtp_peer.set_mode("tempfail")
    policy = RetryPolicy(max_attempts=2)
    sender = OutboxSender(smtp_peer.server_login(), FROM, outbox, clock=clock, retry=policy)
    row_id = outbox.add(_notification())
    assert (await sender.send_due()).retried == 1
    clock.now += timedelta(hours=1)
    stats = await sender.send_due()
    assert stats.failed == 1 and "gave up after 2 attempts" in stats.failures[0][1]
    assert outbox.entries[row_id].status == "failed"


async def test_password_login(smtp_peer: SmtpPeer, outbox: FakeOutbox, clock: Clock) -> None:
    """With a password the sender logs in before sending."""
    sender = OutboxSender(smtp_peer.server_login(auth="password"), FROM, outbox, clock=clock)
    outbox.add(_notification())
    assert (await sender.send_due()).sent == 1
    assert smtp_peer.messages[0].auth == "PLAIN:hoth-intake"


class FakeMsalApp:
    def __init__(self) -> None:
        self.calls = 0

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        self.calls += 1
        return {"access_token": SMTP_TOKEN, "expires_in": 3600}


async def test_xoauth2_login(smtp_peer: SmtpPeer, outbox: FakeOutbox, clock: Clock) -> None:
    """With oauth2 the sender authenticates with XOAUTH2 using a cached msal token."""
    oauth2 = OAuth2(tenant_id="t", client_id="c", client_secret=Secret(env="HOTH_TEST_UNUSED"))
    login = smtp_peer.server_login().model_copy(update={"oauth2": oauth2, "username": "hoth@durham.gov.uk"})
    app = FakeMsalApp()
    sender = OutboxSender(login, FROM, outbox, clock=clock, tokens=OAuth2Tokens(oauth2, app=app))
    outbox.add(_notification(1))
    assert (await sender.send_due()).sent == 1
    outbox.add(_notification(2))
    assert (await sender.send_due()).sent == 1
    assert [m.auth for m in smtp_peer.messages] == ["XOAUTH2:hoth@durham.gov.uk"] * 2
    assert app.calls == 1


async def test_refused_token_retries(smtp_peer: SmtpPeer, outbox: FakeOutbox, clock: Clock) -> None:
    """A token the server rejects is a connection-level problem: rows retry, nothing is lost."""
    oauth2 = OAuth2(tenant_id="t", client_id="c", client_secret=Secret(env="HOTH_TEST_UNUSED"))
    login = smtp_peer.server_login().model_copy(update={"oauth2": oauth2, "username": "hoth@durham.gov.uk"})

    class WrongApp(FakeMsalApp):
        def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
            return {"access_token": "stale", "expires_in": 3600}

    sender = OutboxSender(login, FROM, outbox, clock=clock, tokens=OAuth2Tokens(oauth2, app=WrongApp()))
    outbox.add(_notification())
    stats = await sender.send_due()
    assert stats.retried == 1 and "535" in (stats.last_error or "")
    assert smtp_peer.messages == []


async def test_recipient_refusals(smtp_peer: SmtpPeer, outbox: FakeOutbox, sender: OutboxSender) -> None:
    """One refused co-recipient still counts as sent; all refused is failed (5xx) or retried (4xx)."""
    smtp_peer.refused["gone@durham.police.uk"] = "550 5.1.1 User unknown"
    smtp_peer.refused["full@durham.police.uk"] = "452 4.2.2 Mailbox full"
    partial = outbox.add(_notification(1, to=["duty1@durham.police.uk", "gone@durham.police.uk"]))
    dead = outbox.add(_notification(2, to=["gone@durham.police.uk"]))
    busy = outbox.add(_notification(3, to=["full@durham.police.uk", "gone@durham.police.uk"]))
    stats = await sender.send_due()
    assert (stats.sent, stats.failed, stats.retried, stats.refused_recipients) == (1, 1, 1, 1)
    assert [outbox.entries[i].status for i in (partial, dead, busy)] == ["sent", "failed", "pending"]
    assert [m.rcpt_tos for m in smtp_peer.messages] == [("duty1@durham.police.uk",)]


@pytest.mark.parametrize("subject, body", [
    ("[OFFICIAL-SENSITIVE] [HOTH-2026-000001] Référral received – “thank you”", "Body with £ and – dash.\n" * 3),
    ("[OFFICIAL-SENSITIVE] " + "a long subject of many words " * 6, "x" * 2000 + "\nshort line\n"),
    ("Short", "no trailing newline"),
])
def test_built_messages_read_back_exactly(subject: str, body: str) -> None:
    """Written directly, a message still decodes to the same headers and text; no line is over 78/998."""
    sender = OutboxSender(ServerLogin(host="127.0.0.1", port=25, tls="none"), "HOTH <hoth@durham.gov.uk>", FakeOutbox())
    note = _notification(subject=subject, body=body, to=["a@school.sch.uk", "b@durham.gov.uk"],
                         headers={**_notification().headers, "From": "Duty Team <duty@durham.gov.uk>"})
    envelope, raw = sender.build_message(note, START)
    assert envelope == "duty@durham.gov.uk"
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert (msg["Subject"], msg["To"], msg["From"]) == (subject, "a@school.sch.uk, b@durham.gov.uk",
                                                        "Duty Team <duty@durham.gov.uk>")
    assert msg["Date"].datetime == START and msg["Message-ID"] == "<hoth-1@hoth-intake.durham.gov.uk>"
    assert msg.get_content().replace("\r\n", "\n").rstrip("\n") == body.rstrip("\n")
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert all(len(line) <= 78 for line in head.split(b"\r\n")) and raw.isascii()
    assert all(len(line) <= 998 for line in payload.split(b"\r\n"))


def test_a_line_break_in_a_header_is_refused_not_sent() -> None:
    sender = OutboxSender(ServerLogin(host="127.0.0.1", port=25, tls="none"), FROM, FakeOutbox())
    with pytest.raises(SendFailure) as failed:
        sender.build_message(_notification(subject="Hi\r\nBcc: everyone@example.org"), START)
    assert not failed.value.temporary


def test_a_non_ascii_display_name_is_encoded() -> None:
    sender = OutboxSender(ServerLogin(host="127.0.0.1", port=25, tls="none"), "Équipe <hoth@durham.gov.uk>", FakeOutbox())
    _, raw = sender.build_message(_notification(headers={}), START)
    assert raw.isascii()
    assert email.message_from_bytes(raw, policy=email.policy.default)["From"] == "Équipe <hoth@durham.gov.uk>"

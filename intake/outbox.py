"""Deliver the outbox: claim due notification rows, send them over SMTP, record each outcome.

Rows are written by the store in the same transaction as the decision that
produced them; this module only drains them. For each claimed row exactly one
of ``mark_sent`` / ``mark_retry`` / ``mark_failed`` is recorded:

| what happened | outcome |
|---|---|
| 2xx for at least one recipient | sent (refused co-recipients are logged) |
| 4xx reply, connection refused or dropped, timeout, login or token failure | retry with capped, jittered backoff |
| 5xx reply to MAIL / RCPT / DATA, or a message that cannot be built | failed (permanent; the daemon alerts) |
| still temporary after ``RetryPolicy.max_attempts`` | failed |

Idempotency: the Message-ID is fixed when the row is written, so the only
duplicate possible is a crash (or cancellation) after the SMTP server accepted
the message and before ``mark_sent`` committed; the claim then lapses and the
same message, with the same Message-ID, is sent again. A crash before the
server accepted it loses nothing: the row is still claimed, not marked, and is
sent when the claim lapses.

The store methods are synchronous and run in worker threads
(``asyncio.to_thread``), so the event loop never blocks on the database.
"""

from __future__ import annotations

import asyncio
import email.policy
import random
import re
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import quoprimime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from enum import StrEnum
from typing import Any, Protocol

import aiosmtplib
import structlog

from config.settings import ConfigError, ServerLogin, Settings
from intake.imap import MailboxError, OAuth2Tokens, TokenSource, tls_hint
from routing.model import Notification

log = structlog.get_logger(__name__)

# Headers the sender owns; a notification's ``headers`` cannot override them.
_OWN_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "subject", "date", "message-id",
    "mime-version", "content-type", "content-transfer-encoding",
})


class OutboxRow(Protocol):
    """What the sender reads of a claimed row (``intake.ledger.OutboxRow`` is one).

    ``attempts`` counts delivery attempts including this one: claiming a row counts
    as an attempt, so a new row arrives with 1.
    """

    @property
    def id(self) -> int: ...

    @property
    def notification(self) -> Notification: ...

    @property
    def attempts(self) -> int: ...


class OutboxStore(Protocol):
    """The store's outbox operations (``intake.memstore`` and ``intake.store`` implement them).

    ``claim_due_outbox`` leases up to ``limit`` rows due at ``now`` to ``worker``
    and counts an attempt; a lease that is never marked lapses and the row
    becomes due again.
    """

    def claim_due_outbox(self, limit: int, now: datetime, worker: str, /) -> Sequence[OutboxRow]: ...

    def mark_sent(self, row_id: int, at: datetime, /) -> None: ...

    def mark_retry(self, row_id: int, at: datetime, error: str, next_attempt_at: datetime, /) -> None: ...

    def mark_failed(self, row_id: int, at: datetime, error: str, /) -> None: ...


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base * 2**(attempts - 1), capped, less up to ``jitter`` of itself."""

    base_seconds: float = 60.0
    cap_seconds: float = 30 * 60.0
    jitter: float = 0.25
    max_attempts: int = 200  # about four days at the cap, like an MTA's queue lifetime

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1 for the first)."""
        seconds = min(self.cap_seconds, self.base_seconds * 2 ** min(max(attempts - 1, 0), 32))
        return timedelta(seconds=seconds * (1 - self.jitter * rng.random()))


@dataclass
class BatchStats:
    """What one ``send_due`` call did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    refused_recipients: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)  # permanent: (row id, error)
    last_error: str | None = None  # the latest temporary error, for "send failing" alerts


class SendFailure(Exception):
    """Why one delivery did not happen; ``temporary`` decides retry versus failed."""

    def __init__(self, error: str, *, temporary: bool) -> None:
        super().__init__(error)
        self.error = error
        self.temporary = temporary


class OutboxSender:
    """Drains due outbox rows to one SMTP server, a batch per call, one connection per batch."""

    def __init__(
        self,
        smtp: ServerLogin,
        from_address: str,
        store: OutboxStore,
        *,
        worker: str = "outbox",
        batch_size: int = 20,
        retry: RetryPolicy = RetryPolicy(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        tokens: TokenSource | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if smtp.oauth2 is not None and smtp.username is None:
            raise ConfigError("smtp: username is required with oauth2 (the mailbox XOAUTH2 logs in as)")
        self._smtp = smtp
        self._from = from_address
        self._store = store
        self._worker = worker
        self._batch_size = batch_size
        self._retry = retry
        self._clock = clock
        self._rng = rng or random.Random()
        self._tokens = tokens or (OAuth2Tokens(smtp.oauth2, name="smtp") if smtp.oauth2 else None)
        self._tls_context = tls_context

    @classmethod
    def from_settings(cls, settings: Settings, store: OutboxStore, **kwargs: Any) -> OutboxSender:
        if settings.smtp is None:
            raise ConfigError("[smtp] is required to send replies and alerts")
        return cls(settings.smtp, settings.service.from_address, store, **kwargs)

    async def send_due(self) -> BatchStats:
        """Claim due rows and try each once; every claimed row gets exactly one mark."""
        rows = list(await asyncio.to_thread(
            self._store.claim_due_outbox, self._batch_size, self._clock(), self._worker,
        ))
        stats = BatchStats(claimed=len(rows))
        client: aiosmtplib.SMTP | None = None
        try:
            for index, row in enumerate(rows):
                if client is None or not client.is_connected:
                    try:
                        client = await self._connect()
                    except SendFailure as failure:
                        for waiting in rows[index:]:
                            await self._record(waiting, failure, stats)
                        break
                await self._deliver(client, row, stats)
        except BaseException:
            # Cancelled or the store failed: drop the connection at once; unmarked
            # rows stay claimed and come back when the claim lapses.
            if client is not None:
                client.close()
            raise
        if client is not None:
            await _close(client)
        return stats

    async def _deliver(self, client: aiosmtplib.SMTP, row: OutboxRow, stats: BatchStats) -> None:
        notification = row.notification
        try:
            sender, message = self.build_message(notification, self._clock())
            refused = await _send(client, sender, message, notification.to)
        except SendFailure as failure:
            await self._record(row, failure, stats)
            return
        if refused:
            stats.refused_recipients += len(refused)
            log.warning(
                "outbox_recipients_refused", outbox_id=row.id, count=len(refused), codes=sorted(refused.values()),
            )
        await asyncio.to_thread(self._store.mark_sent, row.id, self._clock())
        stats.sent += 1
        log.info(
            "outbox_sent", outbox_id=row.id, kind=notification.kind.value,
            case=notification.case_reference, message_id=notification.message_id, attempts=row.attempts,
        )

    async def _record(self, row: OutboxRow, failure: SendFailure, stats: BatchStats) -> None:
        now = self._clock()
        attempts = row.attempts
        if failure.temporary and attempts < self._retry.max_attempts:
            next_at = now + self._retry.delay(attempts, self._rng)
            await asyncio.to_thread(self._store.mark_retry, row.id, now, failure.error, next_at)
            stats.retried += 1
            stats.last_error = failure.error
            log.warning(
                "outbox_retry", outbox_id=row.id, attempts=attempts, next_attempt_at=next_at, error=failure.error,
            )
            return
        error = failure.error if not failure.temporary else f"gave up after {attempts} attempts: {failure.error}"
        await asyncio.to_thread(self._store.mark_failed, row.id, now, error)
        stats.failed += 1
        stats.failures.append((row.id, error))
        log.error("outbox_failed", outbox_id=row.id, case=row.notification.case_reference, error=error)

    def build_message(self, notification: Notification, at: datetime) -> tuple[str, bytes]:
        """(envelope sender, RFC 5322 bytes) of one notification dated ``at``; raises SendFailure if it cannot
        be built. Written directly (ASCII headers folded, others RFC 2047-encoded, the body quoted-printable
        when not ASCII): the email package's header objects cost ~20x more, for every reply and alert."""
        given = {key.lower(): value for key, value in notification.headers.items()}
        fields = [("From", given.get("from") or self._from), ("To", ", ".join(notification.to)),
                  ("Subject", notification.subject), ("Date", format_datetime(at.astimezone(UTC))),
                  ("Message-ID", _angle(notification.message_id))]
        fields += [(key, value) for key, value in notification.headers.items() if key.lower() not in _OWN_HEADERS]
        for name, value in fields:
            if not isinstance(value, str) or "\r" in value or "\n" in value or not _HEADER_NAME.fullmatch(name):
                raise SendFailure(f"cannot build message: header {name!r} has a line break or is malformed",
                                  temporary=False)
        sender = parseaddr(fields[0][1])[1]
        if any(not value.isascii() for name, value in fields if name.lower() in _ADDRESS_HEADERS):
            return sender, _via_email_package(fields, notification.body)  # a non-ASCII display name: rare
        lines = [f"{name}: {_header_value(name, value)}" for name, value in fields]
        body = notification.body.replace("\r\n", "\n")
        if body.isascii() and all(len(line) <= 998 for line in body.split("\n")):
            cte, payload = "7bit", body.replace("\n", "\r\n").encode("ascii")
        else:
            cte = "quoted-printable"
            payload = quoprimime.body_encode(body.encode("utf-8").decode("latin-1"), maxlinelen=76,
                                             eol="\r\n").encode("ascii")
        lines += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"', f"Content-Transfer-Encoding: {cte}"]
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        return sender, ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + payload

    async def _connect(self) -> aiosmtplib.SMTP:
        login = self._smtp
        try:
            client = aiosmtplib.SMTP(
                hostname=login.host, port=login.port, timeout=login.timeout_seconds,
                use_tls=login.tls == "implicit", start_tls=login.tls == "starttls",
                tls_context=self._tls_context, **self._credentials(),
            )
        except ConfigError as err:
            raise SendFailure(f"connect: {err}", temporary=True) from err
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError, MailboxError) as err:
            # Connection, TLS, login and token problems are the server's or ours, not the message's.
            client.close()
            log.warning("smtp_connect_failed", host=login.host, port=login.port, error=_describe(err))
            raise SendFailure(f"connect: {_describe(err)}", temporary=True) from err
        except BaseException:
            client.close()  # cancelled mid-handshake: release the socket, then propagate
            raise
        return client

    def _credentials(self) -> dict[str, Any]:
        login = self._smtp
        if self._tokens is not None:
            return {"username": login.username, "oauth_token_generator": self._token}
        if login.password is not None:
            return {"username": login.username, "password": login.password.read()}
        return {}

    async def _token(self) -> str:
        assert self._tokens is not None
        return await asyncio.to_thread(self._tokens.token)


async def _send(client: aiosmtplib.SMTP, sender: str, message: bytes, recipients: list[str]) -> dict[str, int]:
    """Send one message; returns refused recipients' codes when others accepted it."""
    try:
        refused, _ = await client.sendmail(sender, recipients, message)
    except aiosmtplib.SMTPRecipientsRefused as err:
        codes = [refusal.code for refusal in err.recipients]
        temporary = any(code < 500 for code in codes)
        raise SendFailure(f"all recipients refused: {codes}", temporary=temporary) from err
    except aiosmtplib.SMTPResponseException as err:
        raise SendFailure(_describe(err), temporary=err.code < 500) from err
    except (aiosmtplib.SMTPException, OSError) as err:
        raise SendFailure(_describe(err), temporary=True) from err
    return {address: response.code for address, response in refused.items()}


async def _close(client: aiosmtplib.SMTP) -> None:
    if not client.is_connected:
        return
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()


_HEADER_NAME = re.compile(r"[!-9;-~]+")  # printable ASCII but ":" (RFC 5322 field-name)
_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to", "sender"})


def _header_value(name: str, value: str) -> str:
    """A header's value as it goes on the wire: RFC 2047 words when not ASCII, folded when long."""
    if value.isascii() and len(name) + len(value) <= 76:
        return value
    return Header(value, None if value.isascii() else "utf-8", header_name=name).encode(linesep="\r\n")


def _via_email_package(fields: list[tuple[str, str]], body: str) -> bytes:
    message = EmailMessage(policy=email.policy.SMTP)
    try:
        for name, value in fields:
            message[name] = value
        message.set_content(body)
        return message.as_bytes()
    except (ValueError, TypeError) as err:
        raise SendFailure(f"cannot build message: {err}", temporary=False) from err


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _describe(err: BaseException) -> str:
    if isinstance(err, aiosmtplib.SMTPResponseException):
        return f"{err.code} {err.message}"
    cause = err.__cause__ or err.__context__
    hint = tls_hint(err) or (tls_hint(cause) if cause is not None else "")
    return f"{type(err).__name__}: {err}{hint}"

"""Screening: duplicates, loops, bounces (ours and others'), auto-replies and lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from config.settings import Settings, load_settings
from parsers.message import ParsedMail
from routing.model import CaseRecord, Disposition, Notification, NotificationKind, QueueEntry
from routing.screening import Screened, screen

OURS = "0123456789abcdef0123456789abcdef@hoth-intake.durham.gov.uk"


class FakeStore:
    """A StoreView holding only what screening asks about: seen Message-IDs and our outbound mail."""

    def __init__(self, seen: set[tuple[str, str]] | None = None, outbound: list[str] | None = None) -> None:
        self.seen = seen or set()
        self.sent = {
            mid: Notification(NotificationKind.ACKNOWLEDGEMENT, None, ["x@nhs.net"], "s", "b", {}, mid, None)
            for mid in (outbound or [])
        }

    def seen_in_mailbox(self, mailbox: str, message_id: str) -> bool:
        return (mailbox, message_id) in self.seen

    def case_for_inbound(self, message_id: str) -> CaseRecord | None:
        return None

    def case_by_reference(self, reference: str) -> CaseRecord | None:
        return None

    def outbound(self, message_id: str) -> Notification | None:
        return self.sent.get(message_id)

    def queue_entries(self, reference: str) -> list[QueueEntry]:
        return []

    def replies_sent_since(self, address: str, since: datetime) -> int:
        return 0

    def allocate_reference(self, year: int) -> str:
        return f"HOTH-{year}-000001"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings()


def _mail(headers: dict[str, list[str]] | None = None, **over: Any) -> ParsedMail:
    fields: dict[str, Any] = dict(
        message_id="m1@school.sch.uk", subject="[OFFICIAL-SENSITIVE] CE Matrix", from_addr="dsl@school.sch.uk",
        from_display="DSL", reply_to=[], to=["cevt@durham.police.uk"], cc=[], date=None, received_at=None,
        in_reply_to=[], references=[], return_path="dsl@school.sch.uk", headers=headers or {},
        body_text="Please find attached a CE Matrix.",
    )
    fields.update(over)
    return ParsedMail(**fields)


def _screen(mail: ParsedMail, settings: Settings, store: FakeStore | None = None, mailbox: str = "cevt") -> Screened | None:
    return screen(mail, mailbox, settings, store or FakeStore())


def test_plain_submission_is_not_screened(settings: Settings) -> None:
    """An ordinary email with a form is a real submission."""
    assert _screen(_mail(), settings) is None


@pytest.mark.parametrize(
    ("seen", "mailbox", "message_id", "expected"),
    [
        ({("cevt", "m1@school.sch.uk")}, "cevt", "m1@school.sch.uk", Disposition.DUPLICATE),
        ({("firstcontact", "m1@school.sch.uk")}, "cevt", "m1@school.sch.uk", None),
        ({("cevt", "")}, "cevt", "", None),
        (set(), "cevt", "m1@school.sch.uk", None),
    ],
    ids=["same-mailbox", "other-mailbox-is-correlation-not-duplicate", "empty-id-never-duplicate", "unseen"],
)
def test_duplicates(settings: Settings, seen: set[tuple[str, str]], mailbox: str, message_id: str,
                    expected: Disposition | None) -> None:
    """The same Message-ID twice in one mailbox is a duplicate; elsewhere it is not."""
    found = _screen(_mail(message_id=message_id), settings, FakeStore(seen=seen), mailbox)
    assert (found.disposition if found else None) == expected


def test_duplicate_wins_over_auto_reply(settings: Settings) -> None:
    """A re-delivered auto-reply is recorded as a duplicate (first rule wins)."""
    mail = _mail({"auto-submitted": ["auto-replied"]})
    found = _screen(mail, settings, FakeStore(seen={("cevt", "m1@school.sch.uk")}))
    assert found == Screened(Disposition.DUPLICATE, "duplicate:message_id")


@pytest.mark.parametrize(
    ("headers", "message_id", "reason"),
    [
        ({"x-loop": ["hoth-intake.durham.gov.uk"]}, "m1@school.sch.uk", "loop:x_loop"),
        ({"x-loop": ["  HOTH-Intake.Durham.GOV.uk. (our service) "]}, "m1@school.sch.uk", "loop:x_loop"),
        ({"x-loop": ["list@lists.example.org", "hoth-intake.durham.gov.uk"]}, "m1@school.sch.uk", "loop:x_loop"),
        ({"x-loop": ["hoth-intake@durham.gov.uk"]}, "m1@school.sch.uk", "loop:x_loop"),
        ({}, "abc@hoth-intake.durham.gov.uk", "loop:message_id"),
        ({}, "abc@HOTH-INTAKE.durham.gov.uk", "loop:message_id"),
        ({"x-loop": ["other.example.org"]}, "m1@school.sch.uk", None),
        ({}, "abc@durham.gov.uk", None),
    ],
)
def test_loops(settings: Settings, headers: dict[str, list[str]], message_id: str, reason: str | None) -> None:
    """Our own X-Loop value or Message-ID domain marks a loop; other values do not."""
    found = _screen(_mail(headers, message_id=message_id), settings)
    assert (found.reason if found else None) == reason
    if found:
        assert found.disposition is Disposition.LOOP


def test_loop_wins_over_auto_reply(settings: Settings) -> None:
    """Our own message coming back with Auto-Submitted is a loop."""
    found = _screen(_mail({"x-loop": ["hoth-intake.durham.gov.uk"], "auto-submitted": ["auto-replied"]}), settings)
    assert found is not None and found.disposition is Disposition.LOOP


BOUNCES: list[Any] = [
    pytest.param(dict(is_delivery_report=True), "bounce:delivery_report", None, id="dsn-not-ours"),
    pytest.param(dict(is_delivery_report=True, reported_message_ids=[OURS]),
                 "bounce:delivery_report:own_notification", OURS, id="dsn-reported-id"),
    pytest.param(dict(is_delivery_report=True, in_reply_to=[OURS]),
                 "bounce:delivery_report:own_notification", OURS, id="dsn-in-reply-to"),
    pytest.param(dict(is_delivery_report=True, references=["x@y", f"<{OURS}>"]),
                 "bounce:delivery_report:own_notification", OURS, id="dsn-references-bracketed"),
    pytest.param(dict(is_delivery_report=True, message_id="dsn1@hoth-intake.durham.gov.uk",
                      reported_message_ids=[OURS]),
                 "bounce:delivery_report:own_notification", OURS, id="dsn-from-our-own-mta-beats-loop"),
    # Ours by its Message-ID's domain or X-Loop, though the store no longer knows it (e.g. another database).
    pytest.param(dict(is_delivery_report=True, reported_message_ids=["ack.7@hoth-intake.durham.gov.uk"]),
                 "bounce:delivery_report:own_notification", None, id="dsn-our-message-id-domain"),
    pytest.param(dict(is_delivery_report=True, reported_headers={"x-loop": ["hoth-intake@durham.gov.uk"]}),
                 "bounce:delivery_report:own_notification", None, id="dsn-returned-x-loop-our-address"),
    pytest.param(dict(is_delivery_report=True, reported_message_ids=["ack.7@hoth-intake.durham.gov.uk.evil.org"]),
                 "bounce:delivery_report", None, id="dsn-look-alike-domain-not-ours"),
    pytest.param(dict(return_path="", from_addr="mailer-daemon@mx.school.sch.uk",
                      subject="Undelivered Mail Returned to Sender",
                      body_text=f"... Message-ID: <{OURS}> ..."),
                 "bounce:null_return_path:own_notification", OURS, id="legacy-bounce-quoting-our-id"),
    pytest.param(dict(return_path="", subject="Mail delivery failed: returning message to sender"),
                 "bounce:null_return_path", None, id="null-return-path-subject"),
    pytest.param(dict(from_addr="MAILER-DAEMON@mx.example.org", body_text="This message could not be delivered."),
                 "bounce:mailer_daemon", None, id="mailer-daemon-body"),
    pytest.param(dict(from_addr="postmaster@nhs.net", subject="Delivery Status Notification (Failure)"),
                 "bounce:postmaster", None, id="postmaster-subject"),
    pytest.param(dict(from_addr="postmaster@nhs.net", body_text="Remote server returned '550 5.1.1 not found'"),
                 "bounce:postmaster", None, id="postmaster-smtp-code"),
    pytest.param(dict(is_delivery_report=True, subject="Delivery Status Notification (Delay)", in_reply_to=[OURS]),
                 "bounce:delivery_report:delayed", None, id="delay-subject-is-not-a-failure"),
    pytest.param(dict(is_delivery_report=True, subject="Undelivered Mail Returned to Sender",
                      body_text="Your message was delayed and then could not be delivered.", in_reply_to=[OURS]),
                 "bounce:delivery_report:own_notification", OURS, id="delayed-then-failed-is-a-failure"),
    pytest.param(dict(is_delivery_report=True, subject="Warning: message delayed",
                      body_text="##### THIS IS A WARNING ONLY. YOU DO NOT NEED TO RESEND #####", in_reply_to=[OURS]),
                 "bounce:delivery_report:delayed", None, id="postfix-delay-warning"),
    pytest.param(dict(is_delivery_report=True, body_text="Action: delayed\nStatus: 4.4.7", in_reply_to=[OURS]),
                 "bounce:delivery_report:delayed", None, id="delay-action"),
    pytest.param(dict(is_delivery_report=True, subject="Delayed Mail (still being retried)",
                      body_text="Action: failed\nStatus: 5.1.1", in_reply_to=[OURS]),
                 "bounce:delivery_report:own_notification", OURS, id="failed-action-beats-delay-subject"),
]


@pytest.mark.parametrize(("over", "reason", "failed"), BOUNCES)
def test_bounces(settings: Settings, over: dict[str, Any], reason: str, failed: str | None) -> None:
    """DSNs and daemon bounces are bounces; one quoting our outbound Message-ID names it as failed."""
    found = _screen(_mail(**over), settings, FakeStore(outbound=[OURS]))
    assert found == Screened(Disposition.BOUNCE, reason, failed)


@pytest.mark.parametrize(
    "over",
    [
        dict(from_addr="postmaster@school.sch.uk", subject="Referral for a pupil", body_text="CE Matrix attached."),
        dict(return_path="", subject="Referral", body_text="CE Matrix attached."),
    ],
    ids=["human-postmaster", "null-return-path-without-bounce-wording"],
)
def test_bounce_needs_bounce_wording(settings: Settings, over: dict[str, Any]) -> None:
    """A daemon-like sender without bounce wording is not a bounce (never drop a referral on a guess)."""
    assert _screen(_mail(**over), settings) is None


AUTO_REPLIES: list[Any] = [
    ({"auto-submitted": ["auto-replied"]}, "CE Matrix", "auto_submitted:auto-replied"),
    ({"auto-submitted": [" Auto-Generated (vacation)"]}, "CE Matrix", "auto_submitted:auto-generated"),
    ({"auto-submitted": ["auto-notified; owner-email=x@y"]}, "CE Matrix", "auto_submitted:auto-notified"),
    ({"auto-submitted": ["no"]}, "CE Matrix", None),
    ({"auto-submitted": [" No (a person wrote this) "]}, "CE Matrix", None),
    ({"x-autoreply": ["yes"]}, "CE Matrix", "x_autoreply"),
    ({"x-autorespond": ["Thank you"]}, "CE Matrix", "x_autorespond"),
    ({"x-autogenerated": ["Reply"]}, "CE Matrix", "x_autogenerated"),
    ({"x-autoreply": ["no"]}, "CE Matrix", None),
    ({"precedence": ["bulk"]}, "CE Matrix", "precedence:bulk"),
    ({"precedence": ["JUNK"]}, "CE Matrix", "precedence:junk"),
    ({"precedence": ["list (mailman)"]}, "CE Matrix", "precedence:list"),
    ({"precedence": ["auto_reply"]}, "CE Matrix", "precedence:auto_reply"),
    ({"precedence": ["first-class"]}, "CE Matrix", None),
    ({"list-id": ["Safeguarding news <news.lists.example.org>"]}, "Newsletter", "list_id"),
    ({"list-unsubscribe": ["<mailto:leave@lists.example.org>"]}, "Newsletter", "list_unsubscribe"),
    ({}, "Automatic reply: [OFFICIAL-SENSITIVE] [HOTH-2026-000001] Referral received", "subject:automatic_reply"),
    ({}, "[EXTERNAL] Automatic Reply: CE Matrix", "subject:automatic_reply"),
    ({}, "Auto: CE Matrix", "subject:auto"),
    ({}, "Out of Office: CE Matrix", "subject:out_of_office"),
    ({}, "Out of Office AutoReply: CE Matrix", "subject:out_of_office_autoreply"),
    ({}, "out of office", "subject:out_of_office"),
    ({}, "Auto-reply: away until Monday", "subject:auto_reply"),
    ({}, "RE: Automatic reply: CE Matrix", None),
    ({}, "Automatische Antwort: CE Matrix", "subject:automatische_antwort"),
    ({}, "Réponse automatique : CE Matrix", "subject:réponse_automatique"),
    ({}, "Respuesta automática: Referral", "subject:respuesta_automática"),
    ({}, "AW: Automatische Antwort: CE Matrix", None),
    ({}, "Out of office hours concern about a child", None),
    ({"x-auto-response-suppress": ["All"]}, "Out of office hours concern about a child", None),
    ({"x-auto-response-suppress": ["All"]}, "CE Matrix for review", None),
    ({"x-ms-exchange-generated-message-source": ["Mailbox Rules Agent"]}, "FW: CE Matrix", None),
    ({"x-ms-exchange-generated-message-source": ["Mailbox Rules Agent"]}, "Out of office until Monday",
     "exchange_oof:out_of_office"),
    ({"x-auto-response-suppress": ["OOF"]}, "Automatic reply from the DSL", "exchange_oof:automatic_reply"),
]


@pytest.mark.parametrize(("headers", "subject", "reason"), AUTO_REPLIES)
def test_auto_replies(settings: Settings, headers: dict[str, list[str]], subject: str, reason: str | None) -> None:
    """Auto-reply headers, list headers and out-of-office subjects screen; Outlook's suppress header alone does not."""
    found = _screen(_mail(headers, subject=subject), settings)
    assert (found.reason if found else None) == reason
    if found:
        assert found.disposition is Disposition.AUTO_REPLY and found.failed_notification_id is None


def test_a_read_receipt_is_an_automatic_reply(settings: Settings) -> None:
    """A disposition notification ("Read: …") of a form or of our acknowledgement never opens a case."""
    found = _screen(_mail(subject="Read: Safeguarding referral", is_read_receipt=True), settings)
    assert found == Screened(Disposition.AUTO_REPLY, "read_receipt")


def test_out_of_office_with_null_return_path_is_auto_reply(settings: Settings) -> None:
    """An OOF sent with a null Return-Path is an auto-reply, not a bounce."""
    mail = _mail(return_path="", subject="Automatic reply: [HOTH-2026-000001] Referral received",
                 body_text="I am out of the office until Monday.")
    found = _screen(mail, settings)
    assert found == Screened(Disposition.AUTO_REPLY, "subject:automatic_reply")

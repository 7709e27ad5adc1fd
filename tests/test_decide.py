"""Acceptance-style tests of the decision function (SPEC "Routing", "The mail", "Notifications", "Correlation").

Every test drives ``routing.decide.Decider.decide`` exactly as `hoth-intake
replay` does (``tests/replaykit.py``): .eml bytes from the email builders,
forms from the form builders, one ``MemoryStore``, ``tx.apply(decision)``.
Receipt is Thu 24 Dec 2026 15:00 UTC (the SPEC's deadline example) unless a
test says otherwise; 25 and 28 Dec 2026 are bank holidays (Christmas, Boxing
Day substitute), so day 1 after it is Tue 29 Dec.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from intake.replay import deliveries
from parsers.dates import age_on
from parsers.mime import parse_message
from routing.calendar import iso
from routing.model import Disposition, NotificationKind
from tests.builders import emails, hostile
from tests.builders.forms import build_referral
from tests.replaykit import (
    CHILD,
    EVIDENCE_SECRET,
    LONDON,
    THU_1500,
    UTC,
    Replay,
    escalations,
    flags,
    mail,
    matrix,
    reasons,
    referral,
    referral_spec,
    sender_replies,
    settings_with,
)

MATRIX = "CE Matrix.docx"
REFERRAL = "Referral Form.docx"
DUE_1 = "2026-12-29T17:00:00+00:00"
DUE_2 = "2026-12-30T17:00:00+00:00"
DUE_3 = "2026-12-31T17:00:00+00:00"
OUT_OF_HOURS = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
PARTNER_AUTH = emails.EXCHANGE_AUTH
GMAIL_AUTH = ("spf=pass (sender IP is 209.85.128.41) smtp.mailfrom=gmail.com; dkim=pass (signature was verified)"
              " header.d=gmail.com;dmarc=pass action=none header.from=gmail.com;compauth=pass reason=100")
FAIL_AUTH = PARTNER_AUTH.replace("dmarc=pass action=none", "dmarc=fail action=quarantine").replace(
    "compauth=pass", "compauth=fail")


def m(kind: str) -> tuple[str, bytes]:
    return (MATRIX, matrix(kind))


def r(kind: str = "plain") -> tuple[str, bytes]:
    return (REFERRAL, referral(kind))


def due(decision) -> str | None:
    return iso(decision.due_at, LONDON) if decision.due_at else None


def one(files, mailbox: str, *, at: datetime = THU_1500, replay: Replay | None = None, **kw):
    """Decide one delivery of an Outlook message carrying ``files`` to ``mailbox`` (addressed only there)."""
    kw.setdefault("to", mailbox)
    return (replay or Replay()).deliver(mail(files, **kw), mailbox, at)


# --- routing table -----------------------------------------------------------------------------------

@pytest.mark.parametrize("mailbox, files, queue, expected_due", [
    pytest.param("firstcontact", [r()], "first-contact", DUE_1, id="firstcontact-referral"),
    pytest.param("firstcontact", [m("moderate")], "first-contact", DUE_1, id="firstcontact-matrix"),
    pytest.param("firstcontact", [r(), m("low")], "first-contact", DUE_1, id="firstcontact-referral+matrix"),
    pytest.param("cevt", [m("significant")], "cevt-significant", DUE_2, id="cevt-significant"),
    pytest.param("cevt", [m("moderate")], "cevt-moderate", DUE_3, id="cevt-moderate"),
    pytest.param("cevt", [m("low")], "cevt-oversight", None, id="cevt-low"),
    pytest.param("cevt", [m("none")], "cevt-oversight", None, id="cevt-none"),
])
def test_route_table_rows(mailbox, files, queue, expected_due):
    """Each readable-form row of the SPEC route table picks its queue and working-day deadline."""
    d = one(files, mailbox)
    assert d.disposition is Disposition.NEW_CASE
    assert (d.queue, due(d)) == (queue, expected_due)


@pytest.mark.parametrize("mailbox, files", [
    pytest.param("firstcontact", [("Referral.docx", hostile.truncated_zip())], id="unreadable-firstcontact"),
    pytest.param("cevt", [("CE Matrix.docx", hostile.truncated_zip())], id="unreadable-cevt"),
    pytest.param("cevt", [("CE Matrix.docx", hostile.encrypted_ooxml())], id="encrypted-cevt"),
    pytest.param("firstcontact", [("Minutes.docx", hostile.minimal_docx(hostile.document_xml("Minutes of the "
                 "governors' meeting")))], id="unknown-form-firstcontact"),
    pytest.param("cevt", [("Minutes.docx", hostile.minimal_docx(hostile.document_xml("Minutes of the "
                 "governors' meeting")))], id="unknown-form-cevt"),
    pytest.param("cevt", [m("no_levels")], id="matrix-without-levels-cevt"),
    pytest.param("firstcontact", [m("no_levels")], id="matrix-without-levels-firstcontact"),
    pytest.param("firstcontact", [], id="body-only-firstcontact"),
    pytest.param("cevt", [], id="body-only-cevt"),
])
def test_unclassifiable_goes_to_manual_review(mailbox, files):
    """No readable form, an unknown form or no level at all → manual-review, 1 working day, manual_review alert."""
    d = one(files, mailbox)
    assert d.disposition is Disposition.NEW_CASE
    assert (d.queue, due(d)) == ("manual-review", DUE_1)
    assert reasons(d) == ["manual_review"]
    assert d.case.effective_level is None


def test_level_policy_highest_uses_highest_indicator():
    """level_policy=highest: declared low with a significant indicator routes as significant, flagged."""
    d = one([m("discrepancy")], "cevt")
    assert (d.case.declared_level.value, d.case.effective_level.value) == ("low", "significant")
    assert (d.queue, due(d)) == ("cevt-significant", DUE_2)
    assert "level_discrepancy" in flags(d)


def test_level_policy_declared_uses_declared_level():
    """level_policy=declared: declared low with a significant indicator routes as low, still flagged."""
    d = Replay(settings_with(level_policy="declared")).deliver(mail([m("discrepancy")], to="cevt"), "cevt", THU_1500)
    assert d.case.effective_level.value == "low"
    assert (d.queue, due(d)) == ("cevt-oversight", None)
    assert "level_discrepancy" in flags(d)


def test_no_discrepancy_flag_when_declared_matches():
    """A declared level equal to the highest indicator raises no level_discrepancy."""
    assert "level_discrepancy" not in flags(one([m("moderate")], "cevt"))


def test_no_overall_level_uses_highest_indicator():
    """No overall level: effective = highest indicator (moderate) and overall_level is missing."""
    d = one([m("no_overall")], "cevt")
    assert d.case.declared_level is None
    assert d.case.effective_level.value == "moderate"
    assert (d.queue, due(d)) == ("cevt-moderate", DUE_3)
    assert "overall_level" in d.missing


# --- working days and deadlines ---------------------------------------------------------------------

def test_deadline_spec_example_thursday_christmas_eve():
    """SPEC example: moderate at cevt received Thu 24 Dec 2026 15:00 → due 2026-12-31T17:00:00+00:00."""
    assert due(one([m("moderate")], "cevt", at=datetime(2026, 12, 24, 15, 0, tzinfo=UTC))) == DUE_3


def test_deadline_before_opening_counts_as_day_zero():
    """Receipt on a working day before opening (07:00) still makes that day day 0."""
    assert due(one([m("moderate")], "cevt", at=datetime(2026, 12, 24, 7, 0, tzinfo=UTC))) == DUE_3


def test_deadline_friday_after_close_day_zero_is_monday():
    """Received Fri 18 Dec 2026 16:45 (after the 16:30 Friday close) → day 0 Mon 21 → moderate due Thu 24 Dec."""
    d = one([m("moderate")], "cevt", at=datetime(2026, 12, 18, 16, 45, tzinfo=UTC))
    assert due(d) == "2026-12-24T17:00:00+00:00"


def test_deadline_friday_before_close_day_zero_is_friday():
    """Received Fri 18 Dec 2026 16:15 (before the Friday close) → day 0 Friday → moderate due Wed 23 Dec."""
    d = one([m("moderate")], "cevt", at=datetime(2026, 12, 18, 16, 15, tzinfo=UTC))
    assert due(d) == "2026-12-23T17:00:00+00:00"


def test_deadline_british_summer_time():
    """BST: referral received Mon 15 Jun 2026 16:00 BST → due Tue 16 Jun 17:00 printed +01:00."""
    d = one([r()], "firstcontact", at=datetime(2026, 6, 15, 15, 0, tzinfo=UTC))
    assert due(d) == "2026-06-16T17:00:00+01:00"


def test_deadline_british_summer_time_after_local_close():
    """BST: 16:30 UTC is 17:30 local, after close → day 0 Tuesday → due Wed 17 Jun 17:00+01:00."""
    d = one([r()], "firstcontact", at=datetime(2026, 6, 15, 16, 30, tzinfo=UTC))
    assert due(d) == "2026-06-17T17:00:00+01:00"


@pytest.mark.parametrize("at, expected", [
    pytest.param(datetime(2026, 12, 17, 10, 0, tzinfo=UTC), "2026-12-18T16:30:00+00:00", id="due-on-friday-16:30"),
    pytest.param(datetime(2026, 10, 23, 14, 0, tzinfo=UTC), "2026-10-26T17:00:00+00:00", id="across-bst-end"),
    pytest.param(datetime(2026, 3, 27, 14, 0, tzinfo=UTC), "2026-03-30T17:00:00+01:00", id="across-bst-start"),
    pytest.param(datetime(2026, 4, 2, 9, 0, tzinfo=UTC), "2026-04-07T17:00:00+01:00", id="over-easter"),
    pytest.param(datetime(2026, 12, 19, 11, 0, tzinfo=UTC), "2026-12-22T17:00:00+00:00", id="saturday-receipt"),
])
def test_deadline_calendar_cases(at, expected):
    """A first-contact referral (1 working day) is due at the close of the right day, with the local offset."""
    assert due(one([r()], "firstcontact", at=at)) == expected


# --- submission-level missing items -------------------------------------------------------------------

def test_missing_ce_matrix_at_cevt_without_matrix():
    """cevt mail carrying only a referral form → documents.ce_matrix is missing."""
    assert "documents.ce_matrix" in one([r()], "cevt").missing


def test_missing_ce_matrix_at_cevt_body_only():
    """cevt mail with no attachment at all → documents.ce_matrix is missing."""
    assert "documents.ce_matrix" in one([], "cevt").missing


def test_missing_ce_matrix_for_exploitation_referral():
    """A referral ticking child exploitation with no matrix → documents.ce_matrix is missing."""
    d = one([r("exploitation")], "firstcontact")
    assert "documents.ce_matrix" in d.missing
    assert sender_replies(d)[0].kind is NotificationKind.MISSING_INFORMATION


def test_no_missing_ce_matrix_for_other_referral():
    """A neglect referral at firstcontact needs no matrix: nothing is missing, an acknowledgement is sent."""
    d = one([r()], "firstcontact")
    assert d.missing == []
    assert [n.kind for n in sender_replies(d)] == [NotificationKind.ACKNOWLEDGEMENT]


def test_missing_referral_for_raised_matrix_not_open_to_csc():
    """A significant matrix at firstcontact, child not open to CSC, no referral form → documents.referral."""
    assert "documents.referral" in one([m("significant")], "firstcontact", cc="cevt").missing


def test_no_missing_referral_when_open_to_csc():
    """A moderate matrix at firstcontact for a child open to CSC needs no referral form."""
    assert "documents.referral" not in one([m("moderate")], "firstcontact", cc="cevt").missing


def test_missing_recipient_cevt():
    """A moderate matrix at firstcontact with cevt not in To/Cc → recipients.cevt."""
    assert "recipients.cevt" in one([m("moderate")], "firstcontact").missing


def test_no_missing_recipient_cevt_when_copied():
    """A moderate matrix at firstcontact with cevt in Cc → recipients.cevt is not missing."""
    assert "recipients.cevt" not in one([m("moderate")], "firstcontact", cc="cevt").missing


def test_missing_recipient_firstcontact():
    """A significant matrix at cevt, child not open to CSC, firstcontact not in To/Cc → recipients.firstcontact."""
    assert "recipients.firstcontact" in one([m("significant")], "cevt").missing


def test_no_missing_recipient_firstcontact_when_open_to_csc():
    """A moderate matrix at cevt for a child open to CSC → recipients.firstcontact is not missing."""
    d = one([m("moderate")], "cevt")
    assert "recipients.firstcontact" not in d.missing
    assert d.missing == []


def test_missing_unreadable_encrypted_only():
    """Only an encrypted attachment → documents.unreadable, manual-review, manual_review alert."""
    d = one([("CE Matrix.docx", hostile.encrypted_ooxml())], "cevt")
    assert "documents.unreadable" in d.missing
    assert d.queue == "manual-review"
    assert "manual_review" in reasons(d)


@pytest.mark.parametrize("name, build", [
    pytest.param("Referral.pdf", hostile.pdf, id="pdf-unsupported"),
    pytest.param("Referral.doc", hostile.legacy_doc, id="doc-unsupported"),
    pytest.param("Referral.docx", hostile.truncated_zip, id="corrupt-zip"),
    pytest.param("Referral.docx", hostile.zip_bomb, id="zip-bomb"),
])
def test_missing_unreadable_statuses(name, build):
    """Any unsupported or unreadable attachment asks for documents.unreadable and goes to manual-review."""
    d = one([(name, build())], "firstcontact")
    assert "documents.unreadable" in d.missing
    assert (d.queue, due(d)) == ("manual-review", DUE_1)
    (reply,) = sender_replies(d)
    assert reply.kind is NotificationKind.MISSING_INFORMATION
    assert "unprotected .docx" in reply.body


def test_unreadable_with_referral_still_manual_review():
    """An encrypted attachment next to a referral (which sets no level) → manual-review with an alert."""
    d = one([("CE Matrix.docx", hostile.encrypted_ooxml()), r()], "firstcontact", cc="cevt")
    assert "documents.unreadable" in d.missing
    assert d.queue == "manual-review"
    assert "manual_review" in reasons(d)


def test_signature_logo_is_not_an_unreadable_document():
    """An Outlook signature logo (inline image) is not a submitted document: no documents.unreadable."""
    raw = emails.outlook_desktop([r()], {"CC": None}, signature_logo=emails.PNG_1PX)
    d = Replay().deliver(raw, "firstcontact")
    assert "documents.unreadable" not in d.missing
    assert d.queue == "first-contact"


def test_unreadable_with_readable_matrix_keeps_level_route():
    """An encrypted attachment next to a readable moderate matrix → cevt-moderate, documents.unreadable asked for."""
    d = one([("Chronology.docx", hostile.encrypted_ooxml()), m("moderate")], "cevt")
    assert "documents.unreadable" in d.missing
    assert (d.queue, due(d)) == ("cevt-moderate", DUE_3)


# --- flags ------------------------------------------------------------------------------------------

def test_flag_strategy_meeting_required():
    """Effective significant → strategy_meeting_required."""
    assert "strategy_meeting_required" in flags(one([m("significant")], "cevt"))


def test_flag_strategy_meeting_not_for_moderate():
    """Effective moderate → no strategy_meeting_required."""
    assert "strategy_meeting_required" not in flags(one([m("moderate")], "cevt"))


def test_flag_consider_nrm():
    """Trafficking / modern slavery ticked on the matrix → consider_nrm."""
    assert "consider_nrm" in flags(one([m("significant")], "cevt"))


def test_flag_consider_nrm_absent():
    """No trafficking ticked → no consider_nrm."""
    assert "consider_nrm" not in flags(one([m("moderate")], "cevt"))


def test_flag_under_13():
    """A referral for a child aged 11 at receipt → under_13."""
    assert "under_13" in flags(one([r("under_13")], "firstcontact"))


def test_flag_under_13_uses_age_at_receipt():
    """Aged 12 on the matrix's assessment date but 13 at receipt → no under_13."""
    d = one([m("low")], "cevt")
    assert d.case.child.age == 13
    assert "under_13" not in flags(d)


@pytest.mark.parametrize("dob, flag", [
    pytest.param(date(2015, 6, 1), "under_13", id="sibling-11"),
    pytest.param(date(2009, 3, 1), "transitional_safeguarding", id="sibling-17"),
])
def test_age_flags_are_any_childs(dob, flag):
    """A matrix for Rory (14) and a referral for his sister: her age at receipt sets the flag too."""
    sister = build_referral(referral_spec(child_name="Amelia Williams", dob=dob))
    d = one([m("moderate"), (REFERRAL, sister)], "firstcontact")
    assert d.case.child.name == CHILD
    assert flag in flags(d)


def test_age_flags_of_one_child_are_not_repeated_from_another_form():
    """A second form about the same child is no sibling: Rory is 13 at receipt, whatever the matrix's Age field
    said on its date (12)."""
    d = one([m("low"), r()], "cevt")
    assert "under_13" not in flags(d)


def test_flag_learning_disability_from_child_factor():
    """The child's own factor 'Learning disabilities' → learning_disability."""
    assert "learning_disability" in flags(one([m("significant")], "cevt"))


def test_flag_learning_disability_from_disability_field():
    """The child's Disability field 'Learning disability' → learning_disability."""
    assert "learning_disability" in flags(one([m("low")], "cevt"))


def test_flag_learning_disability_not_from_parent():
    """A parent's learning disability (family factor) → no learning_disability."""
    assert "learning_disability" not in flags(one([m("moderate")], "cevt"))


def test_flag_level_discrepancy():
    """Declared low, an indicator significant → level_discrepancy."""
    assert "level_discrepancy" in flags(one([m("discrepancy")], "cevt"))


def test_flag_transitional_safeguarding_at_receipt():
    """Aged 16 on the matrix's assessment date, 17 at receipt → transitional_safeguarding."""
    d = one([m("significant")], "cevt")
    assert d.case.child.age == 17
    assert "transitional_safeguarding" in flags(d)


def test_flag_transitional_safeguarding_absent_under_17():
    """Aged 14 at receipt → no transitional_safeguarding."""
    assert "transitional_safeguarding" not in flags(one([m("moderate")], "cevt"))


def test_flag_unverified_sender():
    """DMARC fail → unverified_sender."""
    assert "unverified_sender" in flags(one([r()], "firstcontact", Authentication_Results=FAIL_AUTH))


def test_flag_unverified_sender_absent_for_partner():
    """A DMARC-passing partner → no unverified_sender."""
    assert "unverified_sender" not in flags(one([r()], "firstcontact"))


def test_flag_immediate_risk():
    """The referral says the child is at immediate risk → immediate_risk."""
    assert "immediate_risk" in flags(one([r("immediate")], "firstcontact"))


def test_flag_immediate_risk_absent():
    """The referral says no immediate risk → no immediate_risk."""
    assert "immediate_risk" not in flags(one([r()], "firstcontact"))


# --- screening ------------------------------------------------------------------------------------------

def assert_screened(d, disposition: Disposition) -> None:
    assert d.disposition is disposition
    assert d.case is None and d.queue_entry is None
    assert sender_replies(d) == []


AUTO_REPLY_HEADERS = [
    pytest.param({"Auto-Submitted": "auto-replied"}, id="auto-submitted-auto-replied"),
    pytest.param({"Auto-Submitted": "auto-generated"}, id="auto-submitted-auto-generated"),
    pytest.param({"Auto-Submitted": "auto-notified (vacation)"}, id="auto-submitted-other"),
    pytest.param({"X-Autoreply": "yes"}, id="x-autoreply"),
    pytest.param({"X-Autorespond": "Out of office"}, id="x-autorespond"),
    pytest.param({"X-Autogenerated": "Reply"}, id="x-autogenerated"),
    pytest.param({"Precedence": "bulk"}, id="precedence-bulk"),
    pytest.param({"Precedence": "junk"}, id="precedence-junk"),
    pytest.param({"Precedence": "list"}, id="precedence-list"),
    pytest.param({"Precedence": "auto_reply"}, id="precedence-auto_reply"),
    pytest.param({"List-Id": "Safeguarding News <news.example.org.uk>"}, id="list-id"),
    pytest.param({"List-Unsubscribe": "<mailto:leave@example.org.uk>"}, id="list-unsubscribe"),
    pytest.param({"Subject": "Automatic reply: Safeguarding referral"}, id="automatic-reply-subject"),
    pytest.param({"Subject": "[EXTERNAL] Automatic reply: Safeguarding referral"}, id="tagged-automatic-reply"),
    pytest.param({"Subject": "Out of Office: Safeguarding referral"}, id="out-of-office-subject"),
]


@pytest.mark.parametrize("headers", AUTO_REPLY_HEADERS)
def test_screen_auto_reply(headers):
    """An auto-reply signal screens the mail as auto_reply even with a referral attached: no case, no reply."""
    rp = Replay()
    d = rp.deliver(mail([r()], **{k.replace("-", "_"): v for k, v in headers.items()}), "firstcontact")
    assert_screened(d, Disposition.AUTO_REPLY)
    assert d.notifications == []


def test_screen_auto_submitted_no_is_a_submission():
    """Auto-Submitted: no is ordinary mail and opens a case."""
    assert one([r()], "firstcontact", Auto_Submitted="no").disposition is Disposition.NEW_CASE


@pytest.mark.parametrize("raw", [
    pytest.param(lambda: emails.out_of_office(), id="oof-rfc3834"),
    pytest.param(lambda: emails.out_of_office(rfc3834=False), id="oof-outlook-subject-only"),
    pytest.param(lambda: emails.mailing_list(), id="mailing-list"),
])
def test_screen_builder_auto_replies(raw):
    """Builder out-of-office replies and list mail are auto_reply: no case, no reply."""
    d = Replay().deliver(raw(), "firstcontact")
    assert_screened(d, Disposition.AUTO_REPLY)
    assert d.notifications == []


def _our_reply(rp: Replay) -> object:
    d = rp.deliver(mail([r()]), "firstcontact")
    (reply,) = sender_replies(d)
    return reply


def test_screen_dsn_bounce_of_our_reply_alerts_admins_only():
    """A DSN of our own reply → bounce, one intake_fault escalation to the admins and nothing else."""
    rp = Replay()
    reply = _our_reply(rp)
    d = rp.deliver(emails.dsn_bounce(reply.message_id), "firstcontact", datetime(2026, 12, 24, 15, 5, tzinfo=UTC))
    assert_screened(d, Disposition.BOUNCE)
    assert [(n.kind, n.reason.value) for n in d.notifications] == [(NotificationKind.ESCALATION, "intake_fault")]
    assert d.notifications[0].to == ["hoth-intake-admins@durham.gov.uk"]
    assert d.failed_notification_id == reply.message_id


def test_screen_exchange_ndr_of_our_reply_alerts_admins_only():
    """An Exchange NDR returning our whole reply → bounce, one intake_fault escalation to the admins."""
    rp = Replay()
    reply = _our_reply(rp)
    original = ("".join(f"{k}: {v}\r\n" for k, v in reply.headers.items()) + "\r\n" + reply.body).encode()
    d = rp.deliver(emails.exchange_ndr(original), "firstcontact", datetime(2026, 12, 24, 15, 5, tzinfo=UTC))
    assert_screened(d, Disposition.BOUNCE)
    assert [n.reason.value for n in d.notifications] == ["intake_fault"]
    assert d.notifications[0].to == ["hoth-intake-admins@durham.gov.uk"]


def _plain_bounce(quoted_id: str) -> bytes:
    text = ("This is the mail system at host mail.elsewhere.example.\n\nYour message could not be delivered"
            f" to one or more recipients.\n\n<nobody@elsewhere.example>: user unknown\n\nMessage-ID: <{quoted_id}>\n")
    return emails.body_only({"Return-Path": "<>", "From": "Mail Delivery System <MAILER-DAEMON@elsewhere.example>",
                             "Subject": "Undelivered Mail Returned to Sender", "Authentication-Results": None,
                             "Message-ID": "<bounce-77@elsewhere.example>", "CC": None}, text=text)


def test_screen_plain_text_bounce_of_our_reply():
    """A non-DSN bounce (null Return-Path, MAILER-DAEMON) quoting our reply's Message-ID → bounce + intake_fault."""
    rp = Replay()
    reply = _our_reply(rp)
    d = rp.deliver(_plain_bounce(reply.message_id), "firstcontact", datetime(2026, 12, 24, 15, 5, tzinfo=UTC))
    assert_screened(d, Disposition.BOUNCE)
    assert [(n.reason.value, n.to) for n in d.notifications] == [
        ("intake_fault", ["hoth-intake-admins@durham.gov.uk"])]


def test_screen_plain_text_bounce_not_ours():
    """A non-DSN bounce of someone else's message → bounce without an alert."""
    d = Replay().deliver(_plain_bounce("CAF=abc@mail.gmail.com"), "firstcontact")
    assert_screened(d, Disposition.BOUNCE)
    assert d.notifications == []


def test_screen_dsn_returning_our_headers_without_our_id():
    """A DSN that lost our Message-ID but returns our X-Loop, subject and In-Reply-To → our reply marked failed."""
    rp = Replay()
    first = rp.deliver(mail([r()]), "firstcontact")
    (reply,) = sender_replies(first)
    returned = (f"X-Loop: hoth-intake.durham.gov.uk\r\nIn-Reply-To: <{first.message_id}>\r\n")
    bounce = emails.dsn_bounce("rewritten-by-relay@relay.example", returned_extra=returned).replace(
        b"[HOTH-2026-000001]", f"[{first.case.reference}]".encode())
    d = rp.deliver(bounce, "firstcontact", datetime(2026, 12, 24, 15, 5, tzinfo=UTC))
    assert_screened(d, Disposition.BOUNCE)
    assert d.failed_notification_id == reply.message_id
    assert [n.reason.value for n in d.notifications] == ["intake_fault"]


def test_screen_other_bounce_no_alert():
    """A bounce of a message that is not ours → bounce, no alert, no reply."""
    d = Replay().deliver(emails.dsn_bounce("CAF=someone-else@mail.gmail.com"), "firstcontact")
    assert_screened(d, Disposition.BOUNCE)
    assert d.notifications == []


def test_screen_loop_x_loop():
    """Our own X-Loop value → loop: no case, no reply."""
    d = one([r()], "firstcontact", X_Loop="hoth-intake.durham.gov.uk")
    assert_screened(d, Disposition.LOOP)
    assert d.notifications == []


def test_screen_loop_message_id_domain():
    """A Message-ID in our own domain → loop: no case, no reply."""
    d = one([r()], "firstcontact", message_id="0123456789abcdef@hoth-intake.durham.gov.uk")
    assert_screened(d, Disposition.LOOP)
    assert d.notifications == []


def test_screen_duplicate_same_mailbox():
    """The same Message-ID delivered twice to one mailbox → the second is duplicate: no case, no reply."""
    rp = Replay()
    raw = mail([r()])
    first = rp.deliver(raw, "firstcontact")
    second = rp.deliver(raw, "firstcontact", datetime(2026, 12, 24, 15, 1, tzinfo=UTC))
    assert first.disposition is Disposition.NEW_CASE
    assert_screened(second, Disposition.DUPLICATE)
    assert second.notifications == []


def test_screened_mail_allocates_no_reference():
    """Screened deliveries never open a case: the next real submission is still HOTH-2026-000001."""
    rp = Replay()
    for raw in (emails.out_of_office(), emails.mailing_list(), emails.dsn_bounce("x@elsewhere.example"),
                mail([r()], X_Loop="hoth-intake.durham.gov.uk")):
        rp.deliver(raw, "firstcontact")
    d = rp.deliver(mail([r()], message_id="real-1@brackenfield-primary.sch.uk"), "firstcontact")
    assert d.case.reference == "HOTH-2026-000001"


# --- sender trust ------------------------------------------------------------------------------------

def test_trust_exchange_style_results_partner_verified():
    """Exchange-style Authentication-Results (no authserv-id), dmarc=pass, *.sch.uk sender → verified reply."""
    d = one([r()], "firstcontact")
    (reply,) = sender_replies(d)
    assert "unverified_sender" not in flags(d)
    assert "Child's initials: RW" in reply.body


def test_trust_dmarc_fail_unverified():
    """dmarc=fail from a partner domain → unverified."""
    assert "unverified_sender" in flags(one([r()], "firstcontact", Authentication_Results=FAIL_AUTH))


def test_trust_non_partner_domain_unverified():
    """A DMARC-passing gmail.com sender is not a partner → unverified."""
    raw = emails.gmail([r()], {"Authentication-Results": GMAIL_AUTH, "To": emails.FIRSTCONTACT, "CC": None})
    d = Replay().deliver(raw, "firstcontact")
    assert "unverified_sender" in flags(d)


def test_trust_only_topmost_results_count_fail_on_top():
    """A forged dmarc=pass below our topmost dmarc=fail header does not verify the sender."""
    d = one([r()], "firstcontact", Authentication_Results=[FAIL_AUTH, PARTNER_AUTH])
    assert "unverified_sender" in flags(d)


def test_trust_only_topmost_results_count_pass_on_top():
    """Our topmost dmarc=pass counts; a dmarc=fail header further down is ignored."""
    d = one([r()], "firstcontact", Authentication_Results=[PARTNER_AUTH, FAIL_AUTH])
    assert "unverified_sender" not in flags(d)


def test_trust_unverified_gets_generic_acknowledgement():
    """An unverified sender with missing data still gets only a generic acknowledgement listing nothing."""
    d = one([r("incomplete")], "firstcontact", Authentication_Results=FAIL_AUTH)
    assert d.missing  # the case itself still records what is missing
    (reply,) = sender_replies(d)
    assert reply.kind is NotificationKind.ACKNOWLEDGEMENT
    assert d.case.reference in reply.subject and d.case.reference in reply.body
    for leak in ("RW", "initials", "address", "Safeguarding Referral Form", "Assessed level", "Please send",
                 "concerns", "What happens next"):
        assert leak not in reply.body, leak


def test_trust_reply_goes_to_from_not_reply_to():
    """A Reply-To outside partner domains is ignored: the reply goes to the From address."""
    d = one([r()], "firstcontact", Reply_To="Someone <someone.else@gmail.com>")
    (reply,) = sender_replies(d)
    assert reply.to == ["j.whitfield@brackenfield-primary.sch.uk"]


@pytest.mark.parametrize("domain, verified", [
    pytest.param("durham.gov.uk", True, id="gov.uk-sub"),
    pytest.param("gov.uk", True, id="gov.uk"),
    pytest.param("nhs.net", True, id="nhs.net"),
    pytest.param("cddft.nhs.uk", True, id="nhs.uk-sub"),
    pytest.param("durham.police.uk", True, id="police.uk-sub"),
    pytest.param("hollins-academy.sch.uk", True, id="sch.uk-sub"),
    pytest.param("notgov.uk", False, id="suffix-without-dot"),
    pytest.param("gov.uk.example.com", False, id="partner-as-prefix"),
    pytest.param("housing-trust.org.uk", False, id="charity"),
])
def test_trust_partner_domains(domain, verified):
    """dmarc=pass is trusted only for a From domain in the default partner_domains."""
    auth = (f"spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain};"
            f"dmarc=pass action=none header.from={domain};compauth=pass reason=100")
    d = one([r()], "firstcontact", From=f"Pat Doe <pat.doe@{domain}>", Authentication_Results=auth)
    assert ("unverified_sender" not in flags(d)) is verified


# --- notifications ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("files, kind", [
    pytest.param([r()], NotificationKind.ACKNOWLEDGEMENT, id="complete-acknowledgement"),
    pytest.param([r("incomplete")], NotificationKind.MISSING_INFORMATION, id="incomplete-missing-information"),
    pytest.param([m("no_overall"), r()], NotificationKind.MISSING_INFORMATION, id="matrix-missing-overall"),
])
def test_exactly_one_sender_reply_for_new_case(files, kind):
    """A new case gets exactly one sender-facing email: missing_information iff anything is missing."""
    d = one(files, "firstcontact", cc="cevt")
    assert [n.kind for n in sender_replies(d)] == [kind]
    assert bool(d.missing) is (kind is NotificationKind.MISSING_INFORMATION)


def test_missing_information_names_missing_fields():
    """The missing_information reply names each missing field in words a sender recognises."""
    d = one([r("incomplete")], "firstcontact")
    (reply,) = sender_replies(d)
    assert sorted(d.missing) == ["child.address", "concerns"]
    assert "child's address" in reply.body and "what has happened" in reply.body


def test_exactly_one_sender_reply_for_case_update():
    """A case_update gets exactly one sender-facing email too."""
    rp = Replay()
    first = rp.deliver(mail([r("incomplete")]), "firstcontact")
    ref = first.case.reference
    upd = rp.deliver(mail([r()], subject=f"RE: [{ref}] More information needed", message_id="upd-1@x.sch.uk"),
                     "firstcontact", datetime(2026, 12, 24, 16, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert [n.kind for n in sender_replies(upd)] == [NotificationKind.ACKNOWLEDGEMENT]


def test_no_sender_reply_for_copy():
    """The second delivery of one message (copy) sends no sender-facing email."""
    rp = Replay()
    fc, cevt = rp.replay(mail([m("moderate")], to="firstcontact", cc="cevt"), THU_1500)
    assert cevt.disposition is Disposition.COPY
    assert sender_replies(cevt) == []
    assert len(sender_replies(fc)) == 1


@pytest.mark.parametrize("mailbox, queue, on_call", [
    pytest.param("cevt", "cevt-significant", ["cevt-duty@durham.police.uk"], id="at-cevt"),
    pytest.param("firstcontact", "first-contact", ["mash-duty@durham.gov.uk"], id="at-firstcontact"),
])
def test_significant_risk_escalation_either_mailbox(mailbox, queue, on_call):
    """An effective-significant submission raises one significant_risk alert to the queue's on-call list."""
    d = one([m("significant")], mailbox)
    assert d.queue == queue
    (alert,) = escalations(d, "significant_risk")
    assert alert.to == on_call
    assert alert.headers["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize("mailbox, files, reason, recipients", [
    pytest.param("cevt", [m("significant")], "significant_risk", ["force-control@durham.police.uk"], id="cevt"),
    pytest.param("firstcontact", [m("significant")], "significant_risk", ["edt@durham.gov.uk"], id="firstcontact"),
    pytest.param("firstcontact", [], "manual_review", ["edt@durham.gov.uk"], id="manual-review"),
])
def test_escalation_out_of_hours_recipients(mailbox, files, reason, recipients):
    """Outside business hours (Thu 18:00) escalations go to the queue's out-of-hours list."""
    d = one(files, mailbox, at=OUT_OF_HOURS)
    assert escalations(d, reason)[0].to == recipients


@pytest.mark.parametrize("at, recipients", [
    pytest.param(datetime(2026, 12, 19, 11, 0, tzinfo=UTC), ["edt@durham.gov.uk"], id="saturday"),
    pytest.param(datetime(2026, 12, 28, 11, 0, tzinfo=UTC), ["edt@durham.gov.uk"], id="bank-holiday"),
    pytest.param(datetime(2026, 12, 24, 7, 0, tzinfo=UTC), ["edt@durham.gov.uk"], id="before-opening"),
    pytest.param(datetime(2026, 12, 18, 16, 45, tzinfo=UTC), ["edt@durham.gov.uk"], id="after-friday-close"),
    pytest.param(datetime(2026, 12, 18, 16, 15, tzinfo=UTC), ["mash-duty@durham.gov.uk", "cevt-duty@durham.police.uk"],
                 id="friday-in-hours"),
])
def test_manual_review_alert_hours(at, recipients):
    """A body-only mail's manual_review alert goes on-call in business hours, out-of-hours otherwise."""
    d = one([], "cevt", at=at)
    assert escalations(d, "manual_review")[0].to == recipients


@pytest.mark.parametrize("subject, marking", [
    pytest.param("[OFFICIAL-SENSITIVE] Safeguarding referral", "[OFFICIAL-SENSITIVE]", id="bracketed"),
    pytest.param("OFFICIAL SENSITIVE - Safeguarding referral", "[OFFICIAL-SENSITIVE]", id="spaced"),
    pytest.param("Official Sensitive: Safeguarding referral", "[OFFICIAL-SENSITIVE]", id="title-case"),
    pytest.param("Safeguarding referral", "[OFFICIAL-SENSITIVE]", id="absent-default"),
    pytest.param("OFFICIAL: Safeguarding referral", "[OFFICIAL]", id="official-kept"),
])
def test_subject_marking_and_reference(subject, marking):
    """Reply and alert subjects carry the inbound protective marking (default OFFICIAL-SENSITIVE) and [HOTH-…]."""
    d = one([m("significant")], "cevt", subject=subject)
    ref = d.case.reference
    assert re.fullmatch(r"HOTH-2026-\d{6}", ref)
    assert d.notifications
    for note in d.notifications:
        assert note.subject.startswith(marking + " "), note.subject
        assert f"[{ref}]" in note.subject


@pytest.mark.parametrize("kind, phrases", [
    pytest.param("moderate", ["within 3 working days", "Thursday 31 December 2026"], id="cevt-moderate"),
    pytest.param("significant", ["within 2 working days", "strategy meeting"], id="cevt-significant"),
    pytest.param("low", ["Early Help", "Partnership Information Sharing Form"], id="cevt-low"),
])
def test_reply_says_what_happens_next(kind, phrases):
    """A verified sender's reply carries the reference and the procedure's next steps for the queue."""
    d = one([m(kind)], "cevt", cc="firstcontact")
    (reply,) = sender_replies(d)
    assert d.case.reference in reply.body
    for phrase in phrases:
        assert phrase in reply.body, phrase


@pytest.mark.parametrize("from_header", [
    pytest.param(None, id="no-from"),
    pytest.param("undisclosed-recipients:;", id="group-syntax"),
    pytest.param("Duty Desk", id="no-address"),
])
def test_no_reply_to_a_missing_from_address(from_header):
    """A submission without a usable From address is still filed, but no reply is addressed to nothing."""
    d = one([r()], "firstcontact", From=from_header, message_id="nofrom@x.sch.uk")
    assert d.disposition is Disposition.NEW_CASE and d.queue_entry is not None
    for note in d.notifications:
        assert note.to and all(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", a) for a in note.to), (note.kind, note.to)


def test_sender_reply_headers():
    """The sender reply is auto-replied, suppresses auto-responses, threads to the inbound, carries X-Loop."""
    d = one([r()], "firstcontact")
    (reply,) = sender_replies(d)
    h = reply.headers
    assert h["Auto-Submitted"] == "auto-replied"
    assert h["X-Auto-Response-Suppress"] == "All"
    assert h["In-Reply-To"] == f"<{d.message_id}>"
    assert f"<{d.message_id}>" in h["References"]
    assert h["X-Loop"] == "hoth-intake.durham.gov.uk"
    assert h["Message-ID"].endswith("@hoth-intake.durham.gov.uk>")


def test_escalation_headers():
    """An alert is auto-generated, suppresses auto-responses, references the inbound, carries X-Loop."""
    d = one([m("significant")], "cevt")
    (alert,) = escalations(d, "significant_risk")
    h = alert.headers
    assert h["Auto-Submitted"] == "auto-generated"
    assert h["X-Auto-Response-Suppress"] == "All"
    assert h["In-Reply-To"] == f"<{d.message_id}>"
    assert h["X-Loop"] == "hoth-intake.durham.gov.uk"


@pytest.mark.parametrize("files, mailbox", [
    pytest.param([m("significant")], "cevt", id="significant-cevt"),
    pytest.param([m("moderate")], "firstcontact", id="moderate-firstcontact-missing"),
    pytest.param([r("incomplete"), m("discrepancy")], "firstcontact", id="referral+matrix"),
    pytest.param([], "cevt", id="body-only"),
])
def test_privacy_no_child_data_in_outbound(files, mailbox):
    """No outbound subject or body contains the child's name, DOB, address or evidence text."""
    subject = f"OFFICIAL-SENSITIVE: {CHILD} DOB 04/03/2012 referral"
    d = one(files, mailbox, subject=subject)
    forbidden = [CHILD, "Rory", "Williams", "2012-03-04", "04/03/2012", "4 March 2012", "2009-12-20",
                 "20/12/2009", "Larch Close", EVIDENCE_SECRET, "silver hatchback", "Evidence for"]
    assert d.notifications
    for note in d.notifications:
        text = note.subject + "\n" + note.body + "\n" + "\n".join(note.headers.values())
        for item in forbidden:
            assert item.lower() not in text.lower(), (note.kind, item)


def test_rate_cap_per_recipient():
    """With a cap of 2 replies per recipient per hour, the third submission's reply is held back, others' are not."""
    rp = Replay(settings_with(rate_cap_per_hour=2))
    got = []
    for i in range(3):
        d = rp.deliver(mail([r()], message_id=f"cap-{i}@brackenfield-primary.sch.uk"), "firstcontact",
                       datetime(2026, 12, 24, 15, i, tzinfo=UTC))
        got.append(len(sender_replies(d)))
    other = rp.deliver(mail([r()], message_id="cap-other@hollins-academy.sch.uk",
                            From="Tom Ashby <t.ashby@hollins-academy.sch.uk>",
                            Authentication_Results=PARTNER_AUTH.replace("brackenfield-primary", "hollins-academy")),
                       "firstcontact", datetime(2026, 12, 24, 15, 3, tzinfo=UTC))
    assert got == [1, 1, 0]
    assert len(sender_replies(other)) == 1


# --- correlation ----------------------------------------------------------------------------------------

def test_same_message_both_mailboxes_one_case():
    """One Message-ID to both mailboxes → one case, a queue entry per mailbox, copy second, one sender reply."""
    rp = Replay()
    fc, cevt = rp.replay(mail([m("moderate")], to="firstcontact", cc="cevt"), THU_1500)
    assert [(d.mailbox, d.disposition) for d in (fc, cevt)] == [
        ("firstcontact", Disposition.NEW_CASE), ("cevt", Disposition.COPY)]
    assert fc.case.reference == cevt.case.reference == "HOTH-2026-000001"
    entries = {e.mailbox: (e.queue, iso(e.due_at, LONDON)) for e in rp.store.queue_entries(fc.case.reference)}
    assert entries == {"firstcontact": ("first-contact", DUE_1), "cevt": ("cevt-moderate", DUE_3)}
    assert len(sender_replies(fc)) + len(sender_replies(cevt)) == 1


def test_late_copy_keeps_first_receipt_clock():
    """A copy processed days later (same Message-ID, other mailbox) is due from the case's first receipt."""
    rp = Replay()
    raw = mail([], to="firstcontact", cc="cevt")
    first = rp.deliver(raw, "firstcontact")
    late = rp.deliver(raw, "cevt", datetime(2026, 12, 29, 10, 0, tzinfo=UTC))
    assert late.disposition is Disposition.COPY
    assert late.case.reference == first.case.reference
    assert (late.queue, due(late)) == ("manual-review", DUE_1)
    assert sender_replies(late) == []


def test_significant_update_without_raise_does_not_alert_again():
    """A further significant submission on a significant case raises no second significant_risk alert."""
    rp = Replay()
    first = rp.deliver(mail([m("significant")], to="cevt"), "cevt")
    assert reasons(first) == ["significant_risk"]
    ref = first.case.reference
    upd = rp.deliver(mail([m("significant")], to="cevt", subject=f"RE: [{ref}] more", message_id="again@x.sch.uk"),
                     "cevt", datetime(2026, 12, 24, 16, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert "significant_risk" not in reasons(upd)
    assert (upd.queue, due(upd)) == ("cevt-significant", DUE_2)


def test_case_update_by_subject_reference_keeps_deadline():
    """A later mail with the case reference in its subject → case_update; the deadline is not reset."""
    rp = Replay()
    first = rp.deliver(mail([r("incomplete")]), "firstcontact")
    ref = first.case.reference
    upd = rp.deliver(mail([r()], subject=f"RE: [{ref}] More information needed", message_id="upd@x.sch.uk"),
                     "firstcontact", datetime(2026, 12, 29, 10, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert upd.case.reference == ref
    assert due(upd) == due(first) == DUE_1
    assert upd.missing == []


def test_case_update_by_in_reply_to_our_reply():
    """A mail whose In-Reply-To is our reply's Message-ID (no reference in the subject) → case_update."""
    rp = Replay()
    first = rp.deliver(mail([r("incomplete")]), "firstcontact")
    (reply,) = sender_replies(first)
    upd = rp.deliver(mail([r()], subject="Updated form", message_id="thread@x.sch.uk",
                          In_Reply_To=f"<{reply.message_id}>", References=f"<{reply.message_id}>"),
                     "firstcontact", datetime(2026, 12, 24, 16, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert upd.case.reference == first.case.reference
    assert due(upd) == due(first)


def test_case_update_by_in_reply_to_the_agencys_own_first_email():
    """An agency resubmits by replying to its own first email (no reference, nothing of ours quoted):
    the same case, its deadline kept (SPEC principle 3)."""
    rp = Replay()
    first = rp.deliver(mail([r("incomplete")], message_id="first@x.sch.uk"), "firstcontact")
    upd = rp.deliver(mail([r()], subject="RE: Referral", message_id="again@x.sch.uk",
                          In_Reply_To="<first@x.sch.uk>", References="<first@x.sch.uk>"),
                     "firstcontact", datetime(2026, 12, 29, 10, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert upd.case.reference == first.case.reference
    assert due(upd) == due(first)


def test_case_update_raising_to_significant_moves_queue():
    """moderate → significant update at cevt: cevt-significant, due = earlier of current and first receipt + 2."""
    rp = Replay()
    first = rp.deliver(mail([m("moderate")], to="cevt"), "cevt", datetime(2026, 12, 18, 16, 15, tzinfo=UTC))
    assert (first.queue, due(first)) == ("cevt-moderate", "2026-12-23T17:00:00+00:00")
    ref = first.case.reference
    upd = rp.deliver(mail([m("significant")], to="cevt", subject=f"RE: [{ref}] Referral received",
                          message_id="raise@x.sch.uk"), "cevt", THU_1500)
    assert upd.disposition is Disposition.CASE_UPDATE
    # first receipt Fri 18 Dec (day 0) + 2 working days = Tue 22 Dec, earlier than the current Wed 23 Dec
    assert (upd.queue, due(upd)) == ("cevt-significant", "2026-12-22T17:00:00+00:00")
    assert "significant_risk" in reasons(upd)
    (entry,) = [e for e in rp.store.queue_entries(ref) if e.mailbox == "cevt"]
    assert (entry.queue, iso(entry.due_at, LONDON)) == ("cevt-significant", "2026-12-22T17:00:00+00:00")


def test_case_update_lowering_never_relaxes():
    """significant → moderate update at cevt: the entry stays cevt-significant with its due time, no new alert."""
    rp = Replay()
    first = rp.deliver(mail([m("significant")], to="cevt"), "cevt")
    ref = first.case.reference
    upd = rp.deliver(mail([m("moderate")], to="cevt", subject=f"RE: [{ref}] Referral received",
                          message_id="lower@x.sch.uk"), "cevt", datetime(2026, 12, 24, 16, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert (upd.queue, due(upd)) == ("cevt-significant", DUE_2)
    assert "significant_risk" not in reasons(upd)
    (entry,) = [e for e in rp.store.queue_entries(ref) if e.mailbox == "cevt"]
    assert (entry.queue, iso(entry.due_at, LONDON)) == ("cevt-significant", DUE_2)


def test_case_update_raising_low_to_moderate():
    """low → moderate update at cevt: oversight (no due) moves to cevt-moderate due first receipt + 3."""
    rp = Replay()
    first = rp.deliver(mail([m("low")], to="cevt"), "cevt")
    ref = first.case.reference
    upd = rp.deliver(mail([m("moderate")], to="cevt", subject=f"[{ref}] update", message_id="up2@x.sch.uk"),
                     "cevt", datetime(2026, 12, 24, 16, 0, tzinfo=UTC))
    assert (upd.queue, due(upd)) == ("cevt-moderate", DUE_3)
    assert "significant_risk" not in reasons(upd)


def test_case_update_raising_to_significant_at_firstcontact_alerts():
    """A referral-only case at firstcontact updated with a significant matrix raises a significant_risk alert."""
    rp = Replay()
    first = rp.deliver(mail([r()], cc="cevt"), "firstcontact")
    ref = first.case.reference
    upd = rp.deliver(mail([m("significant")], cc="cevt", subject=f"RE: [{ref}] Referral received",
                          message_id="fc-raise@x.sch.uk"), "firstcontact", datetime(2026, 12, 24, 16, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert upd.case.effective_level.value == "significant"
    assert (upd.queue, due(upd)) == ("first-contact", DUE_1)
    assert "significant_risk" in reasons(upd)


def test_case_update_moderate_to_significant_at_firstcontact_alerts():
    """A moderate case at firstcontact updated to significant (same queue) raises a significant_risk alert."""
    rp = Replay()
    first = rp.deliver(mail([m("moderate"), r()], cc="cevt"), "firstcontact")
    ref = first.case.reference
    upd = rp.deliver(mail([m("significant")], cc="cevt", subject=f"RE: [{ref}] Referral received",
                          message_id="fc-raise2@x.sch.uk"), "firstcontact", datetime(2026, 12, 24, 16, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert "significant_risk" in reasons(upd)


def test_case_update_of_manual_review_case_keeps_deadline():
    """A body-only cevt case (manual-review, due day 1) updated with a moderate matrix never gets a later due time."""
    rp = Replay()
    first = rp.deliver(mail([], to="cevt"), "cevt")
    ref = first.case.reference
    upd = rp.deliver(mail([m("moderate")], to="cevt", subject=f"[{ref}] form attached", message_id="mr@x.sch.uk"),
                     "cevt", datetime(2026, 12, 24, 16, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert due(upd) == DUE_1


def test_case_update_covering_note_asks_nothing_already_received():
    """A covering note (no attachment) on a cevt matrix case keeps its entry and does not ask for a matrix again."""
    rp = Replay()
    first = rp.deliver(mail([m("moderate")], to="cevt"), "cevt")
    ref = first.case.reference
    upd = rp.deliver(mail([], to="cevt", subject=f"RE: [{ref}] Referral received", message_id="note@x.sch.uk"),
                     "cevt", datetime(2026, 12, 24, 16, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert (upd.queue, due(upd)) == ("cevt-moderate", DUE_3)
    assert "documents.ce_matrix" not in upd.missing
    assert "manual_review" not in reasons(upd)


def test_case_update_by_references_header():
    """A mail whose References (not In-Reply-To) name our reply → case_update."""
    rp = Replay()
    first = rp.deliver(mail([r("incomplete")]), "firstcontact")
    (reply,) = sender_replies(first)
    upd = rp.deliver(mail([r()], subject="Updated form", message_id="refs@x.sch.uk",
                          References=f"<someone-else@x.sch.uk> <{reply.message_id}>"),
                     "firstcontact", datetime(2026, 12, 24, 16, 0, tzinfo=UTC))
    assert upd.disposition is Disposition.CASE_UPDATE
    assert upd.case.reference == first.case.reference


def test_unknown_reference_in_subject_opens_new_case():
    """A reference the store does not know is not an update: a new case is opened."""
    d = one([r()], "firstcontact", subject="RE: [HOTH-2026-999999] Referral received")
    assert d.disposition is Disposition.NEW_CASE
    assert d.case.reference == "HOTH-2026-000001"


def test_two_matrices_route_by_the_higher():
    """A low and a significant matrix in one mail at cevt → cevt-significant (never under-triage)."""
    d = one([m("low"), m("significant")], "cevt")
    assert d.case.effective_level.value == "significant"
    assert d.queue == "cevt-significant"


def test_significant_to_both_mailboxes_alerts_each_queue():
    """A significant matrix to both mailboxes → a significant_risk alert for each mailbox's on-call list."""
    fc, cevt = Replay().replay(mail([m("significant")], to="firstcontact", cc="cevt"), THU_1500)
    assert [n.to for n in escalations(fc, "significant_risk")] == [["mash-duty@durham.gov.uk"]]
    assert [n.to for n in escalations(cevt, "significant_risk")] == [["cevt-duty@durham.police.uk"]]


# --- robustness: every builder shape ---------------------------------------------------------------------

def _shapes() -> list:
    ref = [r()]
    inner = emails.outlook_desktop(ref)
    shapes = {
        "outlook_desktop": lambda: emails.outlook_desktop(ref),
        "outlook_signature_logo": lambda: emails.outlook_desktop(ref, signature_logo=emails.PNG_1PX),
        "outlook_tnef": lambda: emails.outlook_tnef(ref),
        "gmail": lambda: emails.gmail(ref),
        "gmail_continuations": lambda: emails.gmail([("Référral formulaire très long nom.docx", referral())],
                                                    continuations=True),
        "apple_mail": lambda: emails.apple_mail(ref),
        "encoded_filename": lambda: emails.encoded_filename([("Référral.docx", referral())]),
        "wrong_mime_type": lambda: emails.wrong_mime_type(ref),
        "body_only": lambda: emails.body_only(),
        "forwarded_as_attachment": lambda: emails.forwarded_as_attachment(inner),
        "forwarded_nested_3": lambda: emails.forwarded_as_attachment(inner, nested=3),
        "forwarded_no_filename": lambda: emails.forwarded_as_attachment(inner, filename=None),
        "attached_eml": lambda: emails.attached_eml(inner),
        "forwarded_inline": lambda: emails.forwarded_inline(),
        "msg_attached": lambda: emails.msg_attached(ref),
        "msg_embedded": lambda: emails.msg_attached(embedded=[("Inner referral", ref)]),
        "dsn_bounce": lambda: emails.dsn_bounce("nobody-we-know@elsewhere.example"),
        "exchange_ndr": lambda: emails.exchange_ndr(inner),
        "out_of_office": lambda: emails.out_of_office(),
        "out_of_office_outlook": lambda: emails.out_of_office(rfc3834=False),
        "mailing_list": lambda: emails.mailing_list(),
        "huge_message": lambda: emails.huge_message(2 * 1024 * 1024),
        "tiny_docx": lambda: emails.outlook_desktop([("Form.docx", emails.tiny_docx())]),
        "no_to_or_cc": lambda: emails.outlook_desktop(ref, {"To": "Undisclosed recipients:;", "CC": None}),
    }
    shapes |= {f"hostile_{name}": (lambda b=build: emails.outlook_desktop([("Form.docx", b())]))
               for name, build in hostile.BUILDERS.items() if name not in ("oversized", "dense_xml")}
    return [pytest.param(build, id=name) for name, build in shapes.items()]


CARRIES_REFERRAL = {"outlook_desktop", "outlook_signature_logo", "outlook_tnef", "gmail", "gmail_continuations",
                    "apple_mail", "encoded_filename", "wrong_mime_type", "forwarded_as_attachment",
                    "forwarded_nested_3", "forwarded_no_filename", "attached_eml", "msg_attached", "msg_embedded",
                    "no_to_or_cc"}


@pytest.mark.parametrize("build", _shapes())
def test_every_shape_one_disposition_per_delivery(build, request):
    """Every builder shape gives exactly one recorded disposition per delivery and never raises."""
    raw = build()
    rp = Replay()
    boxes = deliveries(parse_message(raw), rp.settings, None)
    decisions = rp.replay(raw, THU_1500)
    assert [d.mailbox for d in decisions] == boxes
    assert len(boxes) >= 1
    for d in decisions:
        assert isinstance(d.disposition, Disposition)
        assert rp.store.seen_in_mailbox(d.mailbox, d.message_id) or not d.message_id
        if d.disposition in (Disposition.NEW_CASE, Disposition.CASE_UPDATE, Disposition.COPY):
            assert d.case is not None and d.queue_entry is not None
    shape = request.node.callspec.id
    if shape in CARRIES_REFERRAL:
        assert any(doc.form.value == "referral" for doc in decisions[0].documents), shape
        assert decisions[0].queue == "first-contact"


def test_an_indicator_added_to_the_matrix_routes_as_parse_reports_it():
    """A "15. Risk Indicator - Other" table ticked Significant on a moderate matrix: `parse` gives effective level
    significant (with a warning); the decision routes by the same level, and flags the declared level as lower."""
    import io

    import docx

    d = docx.Document(io.BytesIO(matrix("moderate")))
    table = d.add_table(rows=0, cols=2)
    table.add_row().cells[0].text = "15.  Risk Indicator - Other (please specify)"
    for label in ("No risk identified", "Low", "Moderate", "Significant"):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, "☒" if label == "Significant" else "☐"
    cells = table.add_row().cells
    cells[0].text, cells[1].text = "PROVIDE EVIDENCE", "Carrying a knife for older males."
    out = io.BytesIO()
    d.save(out)
    decision = one([(MATRIX, out.getvalue())], "cevt")
    assert (decision.queue, due(decision)) == ("cevt-significant", DUE_2)
    assert "level_discrepancy" in flags(decision) and "strategy_meeting_required" in flags(decision)


@pytest.mark.parametrize("before, queue_before", [("moderate", "cevt-moderate"), ("low", "cevt-oversight")])
def test_a_raise_sent_to_both_mailboxes_moves_the_copys_queue_too(before, queue_before):
    """Round 40: the original To First Contact, Cc CEVT; the reply raising the matrix to significant goes to both
    again. First Contact's delivery is the case update, CEVT's a copy, which kept its moderate (or oversight)
    entry and deadline: an under-triage. The copy's entry moves to cevt-significant, due by the earlier clock."""
    rp = Replay()
    _, cevt = rp.replay(mail([m(before)], to="firstcontact", cc="cevt"), THU_1500)
    assert cevt.queue == queue_before
    ref = cevt.case.reference
    upd_fc, upd_cevt = rp.replay(mail([m("significant")], to="firstcontact", cc="cevt", subject=f"RE: [{ref}] update",
                                      message_id="raise-1@x.sch.uk"), THU_1500 + timedelta(hours=1))
    assert (upd_fc.disposition, upd_cevt.disposition) == (Disposition.CASE_UPDATE, Disposition.COPY)
    entries = {e.mailbox: (e.queue, iso(e.due_at, LONDON)) for e in rp.store.queue_entries(ref)}
    assert entries["cevt"] == ("cevt-significant", DUE_2)
    assert entries["firstcontact"] == ("first-contact", DUE_1)
    assert "significant_risk" in reasons(upd_cevt)


def test_a_copy_that_raises_nothing_keeps_its_entry():
    """A second copy at the same level leaves the entry (queue, deadline, opening) as it was."""
    rp = Replay()
    _, cevt = rp.replay(mail([m("moderate")], to="firstcontact", cc="cevt"), THU_1500)
    ref = cevt.case.reference
    before = {e.mailbox: e for e in rp.store.queue_entries(ref)}
    rp.replay(mail([m("moderate")], to="firstcontact", cc="cevt", subject=f"RE: [{ref}] again",
                   message_id="again-2@x.sch.uk"), THU_1500 + timedelta(days=1))
    after = {e.mailbox: e for e in rp.store.queue_entries(ref)}
    assert [(e.queue, e.due_at, e.opened_at) for e in after.values()] == [
        (e.queue, e.due_at, e.opened_at) for e in before.values()]


def _form(form, name=None, dob=None, age=None):
    from parsers.results import Child, ParseResult
    return ParseResult(file="f.docx", form=form, child=Child(name=name, dob=dob, age=age))


@pytest.mark.parametrize("matrix_name, referral_name, dob, flag", [
    ("Bo Probe", "Bo Probe", date(2015, 7, 19), "under_13"),
    ("Bo Probe", "PROBE, Bo James", date(2015, 7, 19), "under_13"),
    (None, "Bo Probe", date(2008, 6, 24), "transitional_safeguarding"),
])
def test_the_referrals_date_of_birth_fills_the_matrixs_blank_one(matrix_name, referral_name, dob, flag):
    """Round 40: a referral (date of birth given) and a CE Matrix (left blank) in one message: the case's child
    came from the matrix alone, so its age, and the under_13 / transitional_safeguarding flag, were lost."""
    from parsers.results import FormType
    from routing.assess import Assessment, _child, _flags
    matrices, referrals = [_form(FormType.CE_MATRIX, matrix_name)], [_form(FormType.REFERRAL, referral_name, dob)]
    child = _child(matrices, referrals, date(2026, 3, 3))
    assert child.dob == dob.isoformat() and child.age == age_on(dob, date(2026, 3, 3))
    assert child.name == (matrix_name or referral_name)
    assert flag in _flags(Assessment(matrices, referrals, [], None, None, child), True, date(2026, 3, 3))


def test_another_childs_date_of_birth_is_not_borrowed():
    """Two forms about two children: the first form's child keeps its own (blank) date of birth."""
    from parsers.results import FormType
    from routing.assess import _child
    child = _child([_form(FormType.CE_MATRIX, "Bo Probe", age=12)],
                   [_form(FormType.REFERRAL, "Kai Nowak", date(2008, 6, 24))], date(2026, 3, 3))
    assert (child.name, child.dob, child.age) == ("Bo Probe", None, 12)

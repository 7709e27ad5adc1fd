"""Outbound mail: markings, references, Message-IDs, sender replies and escalations (content, headers, privacy)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from config.settings import Queue, Settings, load_settings
from parsers.message import ParsedMail
from parsers.results import INDICATOR_KEYS, Level
from routing.model import CaseChild, CaseRecord, EscalationReason, Notification, NotificationKind
from routing.notify import Composer, case_reference_in, describe_missing, marking_of, message_id_for, plain_time

CHILD_NAME = "Jordan Amelia Smith"
CHILD_DOB = "2013-03-04"
EVIDENCE = "Seen getting into a silver car outside the school gates"
ADDRESS = "12 Acacia Avenue"
DUE = datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)
ALL_PATHS = [
    "child.name", "child.dob", "child.address", "worker.name", "worker.agency", "assessment_date", "overall_level",
    "referrer.name", "referrer.agency", "referrer.contact", "concerns", "parents_informed",
    "documents.ce_matrix", "documents.referral", "documents.unreadable", "recipients.cevt", "recipients.firstcontact",
    *(f"indicators.{key}.{part}" for key in INDICATOR_KEYS for part in ("level", "evidence")),
]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="module")
def composer(settings: Settings) -> Composer:
    return Composer(settings)


def _mail(**over: Any) -> ParsedMail:
    fields: dict[str, Any] = dict(
        message_id="m1@school.sch.uk", subject=f"[OFFICIAL-SENSITIVE] CE Matrix for {CHILD_NAME} DOB 04/03/2013",
        from_addr="dsl@school.sch.uk", from_display="Pat Jones (DSL)", reply_to=["office@elsewhere.example"],
        to=["cevt@durham.police.uk"], cc=[], date=None, received_at=None, in_reply_to=[],
        references=["r0@school.sch.uk"], return_path="dsl@school.sch.uk", headers={},
        body_text=f"{CHILD_NAME} lives at {ADDRESS}. {EVIDENCE}.",
    )
    fields.update(over)
    return ParsedMail(**fields)


def _case(level: Level | None = Level.SIGNIFICANT, flags: list[str] | None = None) -> CaseRecord:
    return CaseRecord(
        reference="HOTH-2026-000042", first_received_at=datetime(2026, 12, 24, 15, 0, tzinfo=timezone.utc),
        child=CaseChild(name=CHILD_NAME, dob=CHILD_DOB, age=13), declared_level=level, effective_level=level,
        flags=list(flags or []), forms=["ce_matrix"], sender="dsl@school.sch.uk",
    )


def _reply(composer: Composer, *, kind: NotificationKind = NotificationKind.ACKNOWLEDGEMENT, verified: bool = True,
           mailbox: str = "cevt", queue: str | None = "cevt-significant", due_at: datetime | None = DUE,
           missing: list[str] | None = None, case: CaseRecord | None = None, forms: list[str] | None = None,
           **mail: Any) -> Notification:
    return composer.sender_reply(
        kind=kind, mail=_mail(**mail), mailbox=mailbox, case=case or _case(), queue=queue, due_at=due_at,
        missing=missing or [], forms=["ce_matrix"] if forms is None else forms, verified=verified,
    )


def _everything(n: Notification) -> str:
    return "\n".join([n.subject, n.body, *n.to, *n.headers.values()])


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("[OFFICIAL-SENSITIVE] Referral", "OFFICIAL-SENSITIVE"),
        ("OFFICIAL SENSITIVE - CE Matrix", "OFFICIAL-SENSITIVE"),
        ("Official-Sensitive: referral", "OFFICIAL-SENSITIVE"),
        ("official sensitive referral", "OFFICIAL-SENSITIVE"),
        ("Official - Sensitive: referral", "OFFICIAL-SENSITIVE"),
        ("[official_sensitive] referral", "OFFICIAL-SENSITIVE"),
        ("OFFICIAL \u2013 SENSITIVE: referral", "OFFICIAL-SENSITIVE"),  # en dash (Outlook's AutoCorrect)
        ("OFFICIAL\u2014SENSITIVE referral", "OFFICIAL-SENSITIVE"),  # em dash
        ("[OFFICIAL\u2011SENSITIVE] referral", "OFFICIAL-SENSITIVE"),  # non-breaking hyphen
        ("OFFICIAL/SENSITIVE referral", "OFFICIAL-SENSITIVE"),
        ("OFFICIAL\u00a0SENSITIVE \u2013 PERSONAL", "OFFICIAL-SENSITIVE PERSONAL"),
        ("[TOP\u2013SECRET] referral", "TOP SECRET"),
        ("[OFFICIAL] referral", "OFFICIAL"),
        ("[official] referral", "OFFICIAL"),
        ("OFFICIAL: referral", "OFFICIAL"),
        ("OFFICIAL-SENSITIVE PERSONAL referral", "OFFICIAL-SENSITIVE PERSONAL"),
        ("[Official Sensitive - Personal] referral", "OFFICIAL-SENSITIVE PERSONAL"),
        ("[OFFICIAL-SENSITIVE COMMERCIAL]", "OFFICIAL-SENSITIVE COMMERCIAL"),
        ("RE: [OFFICIAL] FW: [OFFICIAL-SENSITIVE] referral", "OFFICIAL-SENSITIVE"),
        ("Referral about an official complaint", "DEFAULT"),
        ("Unofficial referral", "DEFAULT"),
        ("OFFICIALLY a referral", "DEFAULT"),
        ("Secret Santa", "DEFAULT"),
        ("[SECRET] referral", "SECRET"),
        ("Referral", "DEFAULT"),
        ("", "DEFAULT"),
    ],
)
def test_marking_of(subject: str, expected: str) -> None:
    """Protective markings are matched loosely and returned canonical; ordinary words are not markings."""
    assert marking_of(subject, "DEFAULT") == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("RE: [OFFICIAL-SENSITIVE] [HOTH-2026-000123] Referral received", "HOTH-2026-000123"),
        ("re: hoth-2026-000123 updated matrix", "HOTH-2026-000123"),
        ("Update for [HOTH-2027-000001]", "HOTH-2027-000001"),
        ("HOTH\u20132026\u2013000123 (autocorrected dashes)", "HOTH-2026-000123"),
        ("[HOTH-2026-000001] and [HOTH-2026-000002]", "HOTH-2026-000001"),
        ("HOTH-2026-0001234", None),
        ("XHOTH-2026-000123", None),
        ("HOTH-26-000123", None),
        ("No reference here", None),
    ],
)
def test_case_reference_in(subject: str, expected: str | None) -> None:
    """Case references are found with or without brackets, in any case, and returned canonical."""
    assert case_reference_in(subject) == expected


def test_message_id_for_is_deterministic_and_bare(settings: Settings) -> None:
    """The same parts give the same bare id in our domain; different or re-split parts differ."""
    first = message_id_for(settings, "reply", "m1@x", "HOTH-2026-000001")
    assert first == message_id_for(settings, "reply", "m1@x", "HOTH-2026-000001")
    assert first.endswith("@hoth-intake.durham.gov.uk") and "<" not in first and ">" not in first
    assert first != message_id_for(settings, "reply", "m2@x", "HOTH-2026-000001")
    assert message_id_for(settings, "ab", "c") != message_id_for(settings, "a", "bc")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc), "Thursday 31 December 2026, 17:00"),
        (datetime(2026, 7, 1, 16, 0, tzinfo=timezone.utc), "Wednesday 1 July 2026, 17:00"),
        (datetime(2026, 7, 1, 16, 0), "Wednesday 1 July 2026, 17:00"),
    ],
    ids=["gmt", "bst", "naive-is-utc"],
)
def test_plain_time(settings: Settings, moment: datetime, expected: str) -> None:
    """Deadlines are printed in plain English, Europe/London local time."""
    assert plain_time(moment, settings) == expected


@pytest.mark.parametrize("path", ALL_PATHS)
def test_every_missing_path_has_a_human_name(settings: Settings, path: str) -> None:
    """Every mandatory field and submission-level item has a sender-friendly name, not a dotted path."""
    name = describe_missing(path, settings)
    assert name and "_" not in name and path not in name
    assert name != path.replace(".", " ").replace("_", " ")  # not the generic fallback


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("child.dob", "child's date of birth"),
        ("indicators.missing_episodes.evidence", "evidence for Running away / going missing"),
        ("indicators.education.level", "risk level for Education"),
        ("recipients.cevt", "a copy of the CE Matrix sent to CEVT (cevt@durham.police.uk)"),
        ("documents.unreadable", "an unprotected .docx copy of the form, sent securely (we could not open an attachment)"),
        ("child.gender", "child gender"),
    ],
)
def test_describe_missing_examples(settings: Settings, path: str, expected: str) -> None:
    """Known paths read naturally; an unknown path degrades to words, never to data."""
    assert describe_missing(path, settings) == expected


def test_sender_reply_headers(composer: Composer) -> None:
    """A reply threads on the inbound mail and carries every anti-loop header, but no Date or Precedence."""
    n = _reply(composer)
    assert n.headers["Auto-Submitted"] == "auto-replied"
    assert n.headers["X-Auto-Response-Suppress"] == "All"
    assert n.headers["X-Loop"] == "hoth-intake.durham.gov.uk"
    assert n.headers["In-Reply-To"] == "<m1@school.sch.uk>"
    assert n.headers["References"] == "<r0@school.sch.uk> <m1@school.sch.uk>"
    assert n.headers["Message-ID"] == f"<{n.message_id}>" and n.message_id.endswith("@hoth-intake.durham.gov.uk")
    assert n.headers["From"] == "cevt@durham.police.uk"
    assert n.headers["To"] == "dsl@school.sch.uk" and n.to == ["dsl@school.sch.uk"]
    assert n.headers["Subject"] == n.subject
    assert "Date" not in n.headers and "Precedence" not in n.headers and "Reply-To" not in n.headers
    assert n.case_reference == "HOTH-2026-000042" and n.reason is None


@pytest.mark.parametrize(
    ("kind", "verified", "inbound_subject", "expected_kind", "expected_subject"),
    [
        (NotificationKind.ACKNOWLEDGEMENT, True, "[OFFICIAL-SENSITIVE] CE Matrix", NotificationKind.ACKNOWLEDGEMENT,
         "[OFFICIAL-SENSITIVE] [HOTH-2026-000042] CE Matrix received"),
        (NotificationKind.MISSING_INFORMATION, True, "Official: CE Matrix", NotificationKind.MISSING_INFORMATION,
         "[OFFICIAL-SENSITIVE] [HOTH-2026-000042] More information needed"),
        (NotificationKind.ACKNOWLEDGEMENT, True, "[OFFICIAL] CE Matrix", NotificationKind.ACKNOWLEDGEMENT,
         "[OFFICIAL] [HOTH-2026-000042] CE Matrix received"),
        (NotificationKind.MISSING_INFORMATION, False, "OFFICIAL SENSITIVE matrix", NotificationKind.ACKNOWLEDGEMENT,
         "[OFFICIAL-SENSITIVE] [HOTH-2026-000042] Email received"),
    ],
)
def test_sender_reply_kind_and_subject(composer: Composer, kind: NotificationKind, verified: bool,
                                       inbound_subject: str, expected_kind: NotificationKind,
                                       expected_subject: str) -> None:
    """The subject keeps the inbound marking and the reference; an unverified sender always gets the generic kind."""
    n = _reply(composer, kind=kind, verified=verified, subject=inbound_subject, missing=["child.dob"])
    assert (n.kind, n.subject) == (expected_kind, expected_subject)


@pytest.mark.parametrize(("forms", "title"), [
    (["referral"], "Safeguarding Referral Form received"),
    (["ce_matrix", "referral"], "CE Matrix and Safeguarding Referral Form received"),
    ([], "Submission received"),
])
def test_acknowledgement_title_names_what_arrived(composer: Composer, forms: list[str], title: str) -> None:
    """The acknowledgement's subject names the forms received (or just "submission" for a body-only email)."""
    case = _case()
    case.forms = list(forms)
    n = _reply(composer, case=case, forms=forms, subject="[OFFICIAL-SENSITIVE] referral")
    assert n.subject == f"[OFFICIAL-SENSITIVE] [HOTH-2026-000042] {title}"


def test_missing_information_lists_human_names(composer: Composer) -> None:
    """A verified missing-information reply lists what is missing by name and says the clock is not reset."""
    n = _reply(composer, kind=NotificationKind.MISSING_INFORMATION,
               missing=["child.dob", "indicators.education.evidence", "recipients.firstcontact", "child.dob"])
    assert "- child's date of birth\n" in n.body
    assert n.body.count("child's date of birth") == 1
    assert "- evidence for Education\n" in n.body
    assert "firstcontact@durham.gov.uk" in n.body
    assert "not reset" in n.body
    assert "Child's initials: JAS" in n.body and "Assessed level: significant risk" in n.body


def test_unverified_sender_gets_nothing_but_the_reference(composer: Composer) -> None:
    """The generic acknowledgement names the reference and lists no initials, level, forms or missing fields."""
    n = _reply(composer, kind=NotificationKind.MISSING_INFORMATION, verified=False,
               missing=["child.dob", "indicators.education.evidence"], case=_case(flags=["consider_nrm", "under_13"]))
    text = _everything(n)
    assert "HOTH-2026-000042" in n.body and "Dial 999 if a child is at immediate risk." in n.body
    for leak in ("JAS", "significant", "CE Matrix", "date of birth", "Education", "NRM", "under 13",
                 "working day", "Thursday", "CEVT"):
        assert leak not in text, leak


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "unverified"])
@pytest.mark.parametrize("kind", [NotificationKind.ACKNOWLEDGEMENT, NotificationKind.MISSING_INFORMATION])
def test_sender_reply_never_contains_child_data(composer: Composer, kind: NotificationKind, verified: bool) -> None:
    """No reply contains the child's name, date of birth, address, evidence text or the inbound subject."""
    n = _reply(composer, kind=kind, verified=verified, missing=["child.name", "child.dob", "child.address"])
    text = _everything(n)
    for leak in ("Jordan", "Amelia", "Smith", "2013", "04/03", "03-04", "Acacia", "silver car", "Pat Jones",
                 "elsewhere.example", "CE Matrix for"):
        assert leak not in text, leak


NEXT_STEPS: list[Any] = [
    pytest.param("cevt", "cevt-significant", Level.SIGNIFICANT, [],
                 ["within 2 working days (by Thursday 31 December 2026, 17:00)", "strategy meeting", "ERASE"],
                 id="cevt-significant"),
    pytest.param("cevt", "cevt-moderate", Level.MODERATE, [],
                 ["within 3 working days (by Thursday 31 December 2026, 17:00)", "Child Exploitation Vulnerability Triage",
                  "Partnership Information Sharing Form"], id="cevt-moderate"),
    pytest.param("cevt", "cevt-oversight", Level.LOW, [],
                 ["data and advice only", "continue to support", "Early Help Assessment via the Children's Services Portal",
                  "Partnership Information Sharing Form"], id="cevt-low"),
    pytest.param("cevt", "cevt-oversight", Level.NONE, [],
                 ["data and advice only", "Early Help", "Partnership Information Sharing Form"], id="cevt-none"),
    pytest.param("firstcontact", "first-contact", Level.MODERATE, [],
                 ["First Contact will screen your referral within 1 working day"], id="first-contact"),
    pytest.param("firstcontact", "manual-review", None, [],
                 ["A practitioner will look at your submission within 1 working day"], id="manual-review"),
    pytest.param("cevt", "cevt-significant", Level.SIGNIFICANT, ["consider_nrm", "under_13"],
                 ["National Referral Mechanism (NRM)", "referral to Children's Social Work Services is required"],
                 id="nrm-and-under-13"),
    pytest.param("firstcontact", "first-contact", Level.SIGNIFICANT, ["immediate_risk"],
                 ["dial 999 now"], id="immediate-risk"),
]


@pytest.mark.parametrize(("mailbox", "queue", "level", "flags", "phrases"), NEXT_STEPS)
def test_what_happens_next(composer: Composer, mailbox: str, queue: str, level: Level | None, flags: list[str],
                           phrases: list[str]) -> None:
    """Each reply says what happens next per the procedures, with the due date and the 999 line."""
    due = None if queue == "cevt-oversight" else DUE
    n = _reply(composer, mailbox=mailbox, queue=queue, due_at=due, case=_case(level, flags))
    body = n.body.lower()
    for phrase in phrases:
        assert phrase.lower() in body, phrase
    assert "999" in body
    if queue == "cevt-oversight":
        assert "working day" not in body


def test_sender_reply_is_deterministic(composer: Composer) -> None:
    """Rendering the same reply twice gives the same Message-ID and body (replay and crash recovery)."""
    assert _reply(composer) == _reply(composer)


def test_sender_reply_rejects_escalation_kind(composer: Composer) -> None:
    """Escalations are not sender replies."""
    with pytest.raises(ValueError):
        _reply(composer, kind=NotificationKind.ESCALATION)


def _escalate(composer: Composer, *, reason: EscalationReason = EscalationReason.SIGNIFICANT_RISK,
              case: CaseRecord | None = None, queue: str | None = "cevt-significant", in_hours: bool = True,
              **extra: Any) -> Notification:
    return composer.escalation(
        reason=reason, case=case if case is not None else _case(flags=["strategy_meeting_required"]),
        mailbox="cevt", queue=queue, due_at=DUE, in_hours=in_hours, inbound_message_id="m1@school.sch.uk", **extra,
    )


@pytest.mark.parametrize(
    ("reason", "queue", "in_hours", "expected"),
    [
        (EscalationReason.SIGNIFICANT_RISK, "cevt-significant", True, ["cevt-duty@durham.police.uk"]),
        (EscalationReason.SIGNIFICANT_RISK, "cevt-significant", False, ["force-control@durham.police.uk"]),
        (EscalationReason.MANUAL_REVIEW, "manual-review", True,
         ["mash-duty@durham.gov.uk", "cevt-duty@durham.police.uk"]),
        (EscalationReason.DEADLINE_WARNING, "first-contact", False, ["edt@durham.gov.uk"]),
        (EscalationReason.INTAKE_FAULT, "cevt-significant", True, ["hoth-intake-admins@durham.gov.uk"]),
        (EscalationReason.DEADLINE_BREACHED, None, True, ["hoth-intake-admins@durham.gov.uk"]),
    ],
)
def test_escalation_recipients(composer: Composer, reason: EscalationReason, queue: str | None, in_hours: bool,
                               expected: list[str]) -> None:
    """On-call in hours, out-of-hours otherwise; admins for intake faults and when there is no queue."""
    assert _escalate(composer, reason=reason, queue=queue, in_hours=in_hours).to == expected


def test_escalation_falls_back_when_a_rota_is_empty(settings: Settings) -> None:
    """An empty out-of-hours list falls back to on-call, then to admins: an alert always has a reader."""
    queues = dict(settings.queues)
    queues["cevt-significant"] = Queue(folder="Q", due_working_days=2, on_call=["duty@durham.police.uk"])
    queues["cevt-moderate"] = Queue(folder="Q", due_working_days=3)
    composer = Composer(settings.model_copy(update={"queues": queues}))
    assert _escalate(composer, in_hours=False).to == ["duty@durham.police.uk"]
    assert _escalate(composer, queue="cevt-moderate").to == ["hoth-intake-admins@durham.gov.uk"]


def test_escalation_headers_and_subject(composer: Composer) -> None:
    """An alert is auto-generated, loops back to the mailbox for ACK/DONE and keeps the reference in the subject."""
    n = _escalate(composer)
    assert n.kind is NotificationKind.ESCALATION and n.reason is EscalationReason.SIGNIFICANT_RISK
    assert n.subject.startswith("[OFFICIAL-SENSITIVE] [HOTH-2026-000042] ESCALATION significant_risk: ")
    assert n.headers["Auto-Submitted"] == "auto-generated"
    assert n.headers["X-Auto-Response-Suppress"] == "All"
    assert n.headers["X-Loop"] == "hoth-intake.durham.gov.uk"
    assert n.headers["Reply-To"] == "cevt@durham.police.uk"
    assert n.headers["In-Reply-To"] == "<m1@school.sch.uk>"
    assert n.headers["Message-ID"] == f"<{n.message_id}>"
    assert "ACK" in n.body and "DONE" in n.body and "HOTH-2026-000042" in n.body
    assert "Thursday 31 December 2026, 17:00" in n.body and "strategy meeting required" in n.body


def test_escalation_never_contains_child_data(composer: Composer) -> None:
    """Alerts carry initials and level but never the child's name, date of birth or evidence."""
    n = _escalate(composer, missing=["child.dob", "indicators.education.evidence"])
    text = _everything(n)
    assert "JAS" in n.body and "significant risk" in n.body and "evidence for Education" in n.body
    for leak in ("Jordan", "Smith", "2013", "silver car", "Acacia"):
        assert leak not in text, leak


@pytest.mark.parametrize("reason", list(EscalationReason))
def test_every_escalation_reason_renders(composer: Composer, reason: EscalationReason) -> None:
    """Every reason has a subject title and a body, with or without a case."""
    for case in (_case(), None):
        n = composer.escalation(reason=reason, case=case, mailbox="firstcontact", queue="first-contact",
                                due_at=None, in_hours=True, inbound_message_id=None)
        assert f"ESCALATION {reason.value}: " in n.subject and n.body.strip()
        assert ("[HOTH-2026-000042]" in n.subject) is (case is not None)


def test_intake_fault_without_case(composer: Composer) -> None:
    """A fault alert has no reference, goes to admins and prints the detail."""
    n = composer.escalation(reason=EscalationReason.INTAKE_FAULT, case=None, mailbox="cevt", queue=None,
                            due_at=None, in_hours=False, inbound_message_id=None, detail="IMAP login failing")
    assert n.subject == "[OFFICIAL-SENSITIVE] ESCALATION intake_fault: intake fault on cevt"
    assert n.to == ["hoth-intake-admins@durham.gov.uk"] and n.case_reference is None
    assert "IMAP login failing" in n.body and "In-Reply-To" not in n.headers


def test_escalation_reminders_get_new_message_ids(composer: Composer) -> None:
    """The same alert renders the same Message-ID; each reminder gets its own."""
    first, again, reminder = _escalate(composer), _escalate(composer), _escalate(composer, repeat=1)
    assert first.message_id == again.message_id != reminder.message_id
    assert "REMINDER 1" in reminder.body


def test_templates_dir_overrides_packaged_templates(settings: Settings, tmp_path: Path) -> None:
    """A template in templates_dir replaces the packaged one; the others still come from the package."""
    (tmp_path / "acknowledgement.txt.j2").write_text('{% set title = "Got it" %}Ref {{ reference }}\n')
    composer = Composer(settings.model_copy(update={"templates_dir": tmp_path}))
    assert _reply(composer).subject.endswith("[HOTH-2026-000042] Got it")
    assert _reply(composer).body == "Ref HOTH-2026-000042\n"
    assert "More information needed" in _reply(composer, kind=NotificationKind.MISSING_INFORMATION).subject


def test_template_without_title_is_an_error(settings: Settings, tmp_path: Path) -> None:
    """An overriding template must set a subject title."""
    (tmp_path / "acknowledgement.txt.j2").write_text("Ref {{ reference }}\n")
    with pytest.raises(ValueError, match="title"):
        _reply(Composer(settings.model_copy(update={"templates_dir": tmp_path})))

"""Rendering outbound mail: sender replies and staff escalations, from `config/templates/`.

Every message carries only the minimum data (principle 4): the case
reference, the child's initials, form types, the assessed level, the human
names of missing fields and what happens next. Names, dates of birth,
addresses and evidence text are never handed to a template, so no template,
packaged or overridden, can print them. The inbound subject is never echoed
either (it often names the child); only its protective marking is kept.
An unverified sender's template sees the reference and nothing else.

Message-IDs are returned bare (``hex@domain``), as ``ParsedMail`` and
``Notification.message_id`` store them; only the ``Message-ID``,
``In-Reply-To`` and ``References`` headers carry angle brackets. Each
template sets its subject line's short ``title`` with ``{% set title = ... %}``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import jinja2

from config.settings import Settings
from parsers.message import ParsedMail
from parsers.results import Level
from routing.model import CaseRecord, EscalationReason, Flag, Notification, NotificationKind
from routing.trust import reply_address

# Between a marking's words: spaces, "_", ":", "/" and a hyphen or any dash ("OFFICIAL – SENSITIVE": Outlook's
# AutoCorrect turns " - " into an en dash; U+2010–U+2015, the minus sign).
_JOIN = r"[\s_:/\-\u2010-\u2015\u2212]*"
_MARKING = re.compile(
    rf"(?<![A-Za-z])(?P<base>official|top{_JOIN}secret|secret)"
    rf"(?:{_JOIN}(?P<sensitive>sensitive))?"
    rf"(?:{_JOIN}(?P<descriptor>personal|commercial|locsen))?(?![A-Za-z])",
    re.IGNORECASE,
)
_MARKING_RANK = {"OFFICIAL": 1, "OFFICIAL-SENSITIVE": 2, "SECRET": 3, "TOP SECRET": 4}
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])HOTH[-\u2010-\u2015](\d{4})[-\u2010-\u2015](\d{6})(?!\d)", re.IGNORECASE)

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")

FORM_NAMES = {"ce_matrix": "CE Matrix", "referral": "Safeguarding Referral Form", "unknown": "unrecognised document"}
LEVEL_NAMES = {
    Level.NONE: "no risk identified",
    Level.LOW: "low risk",
    Level.MODERATE: "moderate risk",
    Level.SIGNIFICANT: "significant risk",
}
INDICATOR_TITLES = {
    "family_peer_relationships": "Family and peer relationships",
    "accommodation": "Accommodation",
    "education": "Education",
    "emotional_health": "Emotional health",
    "experience_of_violence": "Experience of violence",
    "missing_episodes": "Running away / going missing",
    "abusive_adults_unsafe_environments": "Contact with abusive adults and/or unsafe environments",
    "controlled_substances": "Controlled substances",
    "coercion_control": "Coercion / control",
    "rewards": "Rewards (including online rewards)",
    "sexual_health_relationships": "Sexual health and relationships",
    "social_networking": "Social networking",
    "physical_risks": "Physical risks",
    "engagement_with_services": "Engagement with services",
}
FIELD_NAMES = {
    # CE Matrix and referral mandatory fields (SPEC "Mandatory fields")
    "child.name": "child's full name",
    "child.dob": "child's date of birth",
    "child.address": "child's address",
    "worker.name": "named worker",
    "worker.agency": "named worker's agency",
    "assessment_date": "date of the assessment",
    "overall_level": "overall assessed level of risk",
    "referrer.name": "referrer's name",
    "referrer.agency": "referrer's agency",
    "referrer.contact": "referrer's phone number or email address",
    "concerns": "what has happened and what you are worried about",
    "parents_informed": "whether the parents or carers are aware of the referral",
    # Submission-level items
    "documents.ce_matrix": "a completed Child Exploitation Matrix (CE Matrix)",
    "documents.referral": "a Safeguarding Referral Form (the child is not open to Children's Social Care)",
    "documents.unreadable": "an unprotected .docx copy of the form, sent securely (we could not open an attachment)",
}
_RECIPIENT_NAMES = {
    "cevt": "a copy of the CE Matrix sent to CEVT ({address})",
    "firstcontact": "a Safeguarding Referral Form and the CE Matrix sent to First Contact ({address})",
}
FLAG_NAMES: dict[str, str] = {
    Flag.STRATEGY_MEETING_REQUIRED: "strategy meeting required",
    Flag.CONSIDER_NRM: "consider NRM (trafficking / modern slavery suspected)",
    Flag.UNDER_13: "under 13: referral to Children's Social Work Services required",
    Flag.LEARNING_DISABILITY: "learning disability",
    Flag.LEVEL_DISCREPANCY: "declared level lower than an indicator",
    Flag.TRANSITIONAL_SAFEGUARDING: "17 or over: transitional safeguarding",
    Flag.UNVERIFIED_SENDER: "sender not verified as a partner",
    Flag.IMMEDIATE_RISK: "referral says the child is at immediate risk",
}
_SENDER_TEMPLATES = {
    NotificationKind.ACKNOWLEDGEMENT: "acknowledgement.txt.j2",
    NotificationKind.MISSING_INFORMATION: "missing_information.txt.j2",
}


def marking_of(subject: str, default: str) -> str:
    """The protective marking in ``subject`` (the highest if several), else ``default``.

    Matched loosely (``[OFFICIAL-SENSITIVE]``, ``Official Sensitive:``,
    ``OFFICIAL_SENSITIVE PERSONAL``) and returned in canonical form
    (``OFFICIAL-SENSITIVE PERSONAL``). A bare lower-case "official" or "secret"
    is an ordinary word, not a marking, unless it is in brackets.
    """
    best: tuple[int, str] | None = None
    for match in _MARKING.finditer(subject):
        base = "TOP SECRET" if match.group("base")[:1] in "tT" else match.group("base").upper()
        bracketed = subject[: match.start()].rstrip().endswith("[")
        shouted = match.group("base").isupper()
        if match.group("sensitive"):
            if base != "OFFICIAL":
                continue
            base = "OFFICIAL-SENSITIVE"
        elif not (shouted or bracketed):
            continue
        marking = f"{base} {match.group('descriptor').upper()}" if match.group("descriptor") else base
        rank = _MARKING_RANK[base]
        if best is None or rank > best[0]:
            best = (rank, marking)
    return best[1] if best else default


def case_reference_in(subject: str) -> str | None:
    """The first ``HOTH-YYYY-NNNNNN`` in ``subject`` (any case, brackets optional), canonical."""
    match = _REFERENCE.search(subject)
    return f"HOTH-{match.group(1)}-{match.group(2)}" if match else None


def message_id_for(settings: Settings, *parts: str) -> str:
    """A deterministic bare Message-ID ``<hex>@<service.domain>`` for these parts.

    The same parts always give the same id, so a decision replayed after a
    crash produces the same outbox rows and nothing is sent twice.
    """
    digest = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8")
        digest.update(f"{len(encoded)}:".encode("ascii") + encoded)
    return f"{digest.hexdigest()[:32]}@{settings.service.domain}"


def plain_time(moment: datetime, settings: Settings) -> str:
    """``Thursday 31 December 2026, 17:00`` in the business timezone (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(ZoneInfo(settings.business_hours.timezone))
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


def describe_missing(path: str, settings: Settings) -> str:
    """The human name of a ``missing`` path, as a sender would recognise it."""
    if path in FIELD_NAMES:
        return FIELD_NAMES[path]
    head, _, rest = path.partition(".")
    if head == "indicators" and rest.count(".") == 1:
        key, field = rest.split(".")
        title = INDICATOR_TITLES.get(key, key.replace("_", " ").capitalize())
        return f"evidence for {title}" if field == "evidence" else f"risk level for {title}"
    if head == "recipients" and settings.mailbox_with_role(rest):
        address = settings.mailboxes[settings.mailbox_with_role(rest) or rest].address
        return _RECIPIENT_NAMES.get(rest, "a copy sent to {address}").format(address=address)
    return path.replace(".", " ").replace("_", " ")


class Composer:
    """Renders notifications from the packaged templates (or ``settings.templates_dir``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("config", "templates")]
        if settings.templates_dir is not None:
            loaders.insert(0, jinja2.FileSystemLoader(str(settings.templates_dir)))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def sender_reply(
        self,
        *,
        kind: NotificationKind,
        mail: ParsedMail,
        mailbox: str,
        case: CaseRecord,
        queue: str | None,
        due_at: datetime | None,
        missing: list[str],
        forms: list[str],
        verified: bool,
    ) -> Notification:
        """The one sender-facing email for an accepted submission.

        An unverified sender always gets the generic acknowledgement, whatever ``kind``.
        """
        if kind not in _SENDER_TEMPLATES:
            raise ValueError(f"sender_reply cannot render a {kind.value} notification")
        marking = marking_of(mail.subject, self.settings.service.default_marking)
        address = self._mailbox_address(mailbox)
        if verified:
            context = {
                **self._case_facts(case, forms, missing),
                **self._next_steps(queue, due_at),
                "mailbox": mailbox,
                "mailbox_address": address,
            }
            template = _SENDER_TEMPLATES[kind]
        else:
            kind = NotificationKind.ACKNOWLEDGEMENT
            context = {"reference": case.reference, "mailbox_address": address}
            template = "generic_acknowledgement.txt.j2"
        title, body = self._render(template, context)
        to = [reply_address(mail, self.settings)]
        subject = f"[{marking}] [{case.reference}] {title}"
        message_id = message_id_for(self.settings, "sender_reply", mail.message_id or mail.sha256, case.reference)
        headers = self._headers(message_id, address, to, subject, "auto-replied")
        if mail.message_id:
            headers["In-Reply-To"] = _bracket(mail.message_id)
            headers["References"] = " ".join(_bracket(i) for i in _unique([*mail.references, mail.message_id]))
        return Notification(
            kind=kind, reason=None, to=to, subject=subject, body=body,
            headers=headers, message_id=message_id, case_reference=case.reference,
        )

    def escalation(
        self,
        *,
        reason: EscalationReason,
        case: CaseRecord | None,
        mailbox: str,
        queue: str | None,
        due_at: datetime | None,
        in_hours: bool,
        inbound_message_id: str | None,
        detail: str = "",
        missing: list[str] | None = None,
        forms: list[str] | None = None,
        marking: str | None = None,
        repeat: int = 0,
    ) -> Notification:
        """An alert to on-call staff (or admins for intake faults), answered by ACK / DONE.

        ``detail`` is printed as given and must never contain child data.
        ``repeat`` numbers the reminders of an unacknowledged alert (0 = first);
        it, ``detail`` and the other inputs make the Message-ID.
        """
        marking = marking or self.settings.service.default_marking
        reference = case.reference if case else None
        address = self._mailbox_address(mailbox)
        context = {
            **(self._case_facts(case, forms or [], missing or []) if case else self._no_case_facts()),
            **self._next_steps(queue, due_at),
            "reason": reason.value,
            "mailbox": mailbox,
            "mailbox_address": address,
            "queue": queue,
            "detail": detail,
            "repeat": repeat,
            "flag_names": [FLAG_NAMES.get(f, f) for f in (case.flags if case else [])],
        }
        title, body = self._render("escalation.txt.j2", context)
        prefix = f"[{marking}] [{reference}]" if reference else f"[{marking}]"
        subject = f"{prefix} ESCALATION {reason.value}: {title}"
        to = self._escalation_recipients(reason, queue, in_hours)
        message_id = message_id_for(
            self.settings, "escalation", reason.value, reference or "", mailbox, queue or "",
            inbound_message_id or "", due_at.isoformat() if due_at else "", detail, str(repeat),
        )
        headers = self._headers(message_id, address, to, subject, "auto-generated")
        if mailbox in self.settings.mailboxes:
            headers["Reply-To"] = address
        if inbound_message_id:
            headers["In-Reply-To"] = _bracket(inbound_message_id)
            headers["References"] = _bracket(inbound_message_id)
        return Notification(
            kind=NotificationKind.ESCALATION, reason=reason, to=to, subject=subject, body=body,
            headers=headers, message_id=message_id, case_reference=reference,
        )

    def _render(self, name: str, context: dict[str, object]) -> tuple[str, str]:
        module = self.env.get_template(name).make_module(context)
        title = getattr(module, "title", None)
        if not isinstance(title, str) or not title.strip():
            raise ValueError(f"template {name} must set a subject title: {{% set title = \"...\" %}}")
        return " ".join(title.split()), _tidy(str(module))

    def _case_facts(self, case: CaseRecord, forms: list[str], missing: list[str]) -> dict[str, object]:
        level = case.effective_level
        return {
            "reference": case.reference,
            "initials": case.child.initials,
            "forms": _unique([FORM_NAMES.get(f, f) for f in (forms or case.forms)]),
            "level": LEVEL_NAMES[level] if level else None,
            "level_key": level.value if level else None,
            "declared_level": LEVEL_NAMES[case.declared_level] if case.declared_level else None,
            "flags": list(case.flags),
            "missing": _unique([describe_missing(p, self.settings) for p in missing]),
            "first_received": plain_time(case.first_received_at, self.settings),
        }

    @staticmethod
    def _no_case_facts() -> dict[str, object]:
        return {
            "reference": None, "initials": None, "forms": [], "level": None, "level_key": None,
            "declared_level": None, "flags": [], "missing": [], "first_received": None,
        }

    def _next_steps(self, queue: str | None, due_at: datetime | None) -> dict[str, object]:
        config = self.settings.queues.get(queue) if queue else None
        days = config.due_working_days if config else None
        due = plain_time(due_at, self.settings) if due_at else None
        if days is not None and due:
            timescale = f"within {days} working day{'' if days == 1 else 's'} (by {due})"
        else:
            timescale = f"by {due}" if due else None
        return {"queue": queue, "due": due, "due_days": days, "timescale": timescale}

    def _escalation_recipients(self, reason: EscalationReason, queue: str | None, in_hours: bool) -> list[str]:
        """On-call (or out-of-hours) list; each empty list falls through so an alert always has a reader."""
        admins = list(self.settings.escalation.admins)
        config = self.settings.queues.get(queue) if queue else None
        if reason is EscalationReason.INTAKE_FAULT or config is None:
            return _unique([a.lower() for a in admins])
        first, second = (config.on_call, config.out_of_hours) if in_hours else (config.out_of_hours, config.on_call)
        for candidates in (first, second, admins):
            if candidates:
                return _unique([a.lower() for a in candidates])
        return []

    def _mailbox_address(self, mailbox: str) -> str:
        box = self.settings.mailboxes.get(mailbox)
        return box.address if box else self.settings.service.from_address

    def _headers(self, message_id: str, sender: str, to: list[str], subject: str, auto: str) -> dict[str, str]:
        return {
            "Message-ID": _bracket(message_id),
            "From": sender,
            "To": ", ".join(to),
            "Subject": subject,
            "Auto-Submitted": auto,
            "X-Auto-Response-Suppress": "All",
            "X-Loop": self.settings.service.domain,
        }


def _bracket(message_id: str) -> str:
    return f"<{message_id.strip().strip('<>')}>"


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"

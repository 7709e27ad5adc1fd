"""Drive the decision function the way `hoth-intake replay` does, plus the canonical forms the tests send.

``Replay`` keeps one ``MemoryStore`` and delivers parsed .eml bytes exactly as
``intake.replay.cmd_replay`` does: ``deliveries`` (To/Cc in configuration
order), ``receipt_time``, then ``decide`` inside ``store.transaction()`` and
``tx.apply(decision)``.

Reading a CE Matrix takes the parser about two seconds, so ``cached_parse``
memoises ``parse_document`` by (content hash, filename, day). Parsing is pure,
the cache hands out deep copies, and the decision logic under test is
unchanged; it only keeps the suite inside its time budget.
"""

from __future__ import annotations

import hashlib
from copy import deepcopy
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from config.profiles import load_profiles
from config.settings import Settings, load_settings
from intake.memstore import MemoryStore
from intake.replay import deliveries
from parsers.message import receipt_time
from parsers import forms as parser_forms
from parsers.labels import Profile
from parsers.mime import parse_message
from parsers.results import INDICATOR_KEYS, ParseResult
from routing.decide import Decider
from routing.model import Decision, NotificationKind
from tests.builders import emails
from tests.builders.forms import (
    CEMatrixSpec,
    ReferralSpec,
    build_ce_matrix,
    build_referral,
)

LONDON = ZoneInfo("Europe/London")
THU_1500 = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)  # SPEC deadline example
ASSESSED = date(2026, 12, 1)
ISO_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[01]:00$"
REFERENCE_RE = r"^HOTH-\d{4}-\d{6}$"

_PARSED: dict[tuple[str, str, date | None], ParseResult] = {}
_real_parse = parser_forms.parse_document


def cached_parse(data: bytes, filename: str, profiles: dict[str, Profile] | None = None,
                 today: date | None = None, **kwargs: Any) -> ParseResult:
    """``parsers.forms.parse_document``, memoised per (bytes, filename, day); returns a fresh copy."""
    key = (hashlib.sha256(data).hexdigest(), filename, today)
    if key not in _PARSED:
        _PARSED[key] = _real_parse(data, filename, profiles, today, **kwargs)
    return deepcopy(_PARSED[key])


@cache
def default_settings() -> Settings:
    return load_settings(None)


@cache
def default_profiles() -> dict[str, Profile]:
    return load_profiles(default_settings().profiles)


def settings_with(**service: Any) -> Settings:
    """The default settings with some ``[service]`` keys changed."""
    base = default_settings()
    return base.model_copy(update={"service": base.service.model_copy(update=service)})


class CachedDecider(Decider):
    """The real ``Decider``; only its document reader goes through ``cached_parse``."""

    def _read(self, data: bytes, filename: str, today) -> ParseResult:
        return cached_parse(data, filename, self.profiles, today=today)


class Replay:
    """One in-memory store and one decider; deliveries exactly as `hoth-intake replay` makes them."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or default_settings()
        self.decider = CachedDecider(self.settings, default_profiles())
        self.store = MemoryStore()

    def deliver(self, raw: bytes, mailbox: str, at: datetime = THU_1500) -> Decision:
        """Decide one delivery of ``raw`` to ``mailbox`` and apply it."""
        return self._decide(parse_message(raw), mailbox, at)

    def replay(self, raw: bytes, at: datetime | None = None, mailbox: str | None = None) -> list[Decision]:
        """Every delivery `hoth-intake replay` would make of ``raw``, in order."""
        mail = parse_message(raw)
        return [self._decide(mail, box, receipt_time(mail, at)) for box in deliveries(mail, self.settings, mailbox)]

    def _decide(self, mail, mailbox: str, at: datetime) -> Decision:
        with self.store.transaction() as tx:
            decision = self.decider.decide(mail, mailbox, at, tx)
            tx.apply(decision)
        return decision


# --- decisions, read back -------------------------------------------------------------------------

def sender_replies(decision: Decision) -> list:
    return [n for n in decision.notifications if n.kind is not NotificationKind.ESCALATION]


def escalations(decision: Decision, reason: str | None = None) -> list:
    return [n for n in decision.notifications if n.kind is NotificationKind.ESCALATION
            and (reason is None or n.reason.value == reason)]


def reasons(decision: Decision) -> list[str]:
    return [n.reason.value for n in escalations(decision)]


def flags(decision: Decision) -> list[str]:
    assert decision.case is not None, f"no case: {decision.disposition}"
    return decision.case.flags


# --- canonical forms ---------------------------------------------------------------------------------

CHILD = "Rory Williams"
EVIDENCE_SECRET = "Seen getting into a silver hatchback outside Pinewood Leisure Centre"
_SECRET_AT = "abusive_adults_unsafe_environments"


def indicators(top: str | None, others: str | None = "low", at: str = "coercion_control") -> dict:
    """All 14 indicators with evidence; ``at`` recorded at ``top``, the rest at ``others``."""
    return {k: (top if k == at else others, EVIDENCE_SECRET + "." if k == _SECRET_AT
                else f"Evidence for {k.replace('_', ' ')} recorded by the worker.") for k in INDICATOR_KEYS}


def matrix_spec(**changes: Any) -> CEMatrixSpec:
    """A complete CE Matrix (nothing missing), moderate, child open to CSC, aged 14 at receipt."""
    base = {
        "worker_name": "Amy Pond", "worker_contact": "01632 960001",
        "worker_agency": "Brackenfield Primary School", "assessment_date": ASSESSED,
        "line_manager": "Clara Oswald", "child_name": CHILD,
        "dob": date(2012, 3, 4), "age": 14, "address": "12 Larch Close, Anytown",
        "disability": "None known", "open_to_csc": True,
        "indicators": indicators("moderate"), "overall_level": "moderate", "exploitation_types": ["cce"],
        "verification": "Clara Oswald", "verification_date": ASSESSED,
    }
    base.update(changes)
    return CEMatrixSpec(**base)


@cache
def matrix(kind: str) -> bytes:
    """The canonical CE Matrices (each distinct one costs a parse, so there are few)."""
    specs = {
        # moderate; a *parent's* learning disability only; open to CSC; 14
        "moderate": matrix_spec(family_factors=["Learning disabilities."]),
        # significant; trafficking; child's own learning disability; not open to CSC;
        # 16 on the form's date, 17 at receipt (24 Dec 2026)
        "significant": matrix_spec(indicators=indicators("significant", "moderate"), overall_level="significant",
                                   open_to_csc=False, exploitation_types=["cce", "trafficking_modern_slavery"],
                                   child_factors=["Learning disabilities."], dob=date(2009, 12, 20), age=16),
        # low; learning disability in the child's Disability field only;
        # 12 on the form's date, 13 at receipt
        "low": matrix_spec(indicators=indicators("low", "none"), overall_level="low",
                           disability="Learning disability", dob=date(2013, 12, 10), age=12),
        "none": matrix_spec(indicators=indicators("none", "none"), overall_level="none"),
        # declared low, one indicator significant
        "discrepancy": matrix_spec(indicators=indicators("significant", "low"), overall_level="low"),
        # no overall level, highest indicator moderate
        "no_overall": matrix_spec(overall_level=None),
        # no level anywhere
        "no_levels": matrix_spec(indicators=indicators(None, None), overall_level=None),
    }
    return build_ce_matrix(specs[kind])


def referral_spec(**changes: Any) -> ReferralSpec:
    """A complete Safeguarding Referral Form (nothing missing), neglect, not open to CSC, aged 14."""
    base = {
        "referrer_name": "Jane Whitfield", "referrer_role": "Designated Safeguarding Lead",
        "referrer_agency": "Brackenfield Primary School", "referrer_phone": "01632 960002",
        "referrer_email": "j.whitfield@brackenfield-primary.sch.uk", "referral_date": date(2026, 12, 24),
        "child_name": CHILD, "dob": date(2012, 3, 4), "gender": "Male", "address": "12 Larch Close, Anytown",
        "school": "Brackenfield Primary School", "categories": ["Neglect"],
        "concerns": "Often arrives hungry and without a coat.", "parents_informed": True, "consent": True,
        "open_to_csc": False, "ce_matrix_attached": False, "immediate_risk": False,
    }
    base.update(changes)
    return ReferralSpec(**base)


@cache
def referral(kind: str = "plain") -> bytes:
    """The canonical referral forms (cheap to parse)."""
    specs = {
        "plain": referral_spec(),
        "exploitation": referral_spec(categories=["Child exploitation / harm outside the home"]),
        "immediate": referral_spec(immediate_risk=True),
        "under_13": referral_spec(dob=date(2015, 6, 1)),
        "incomplete": referral_spec(address=None, concerns=None),
    }
    return build_referral(specs[kind])


def mail(files: list[tuple[str, bytes]] = (), *, to: str | None = None, cc: str | None = None,
         subject: str | None = None, message_id: str | None = None, **headers: Any) -> bytes:
    """An Outlook message to the given mailboxes ('firstcontact' / 'cevt' / an address)."""
    boxes = {"firstcontact": emails.FIRSTCONTACT, "cevt": emails.CEVT}
    over: dict[str, Any] = {"To": boxes.get(to, to) if to else emails.FIRSTCONTACT,
                            "CC": boxes.get(cc, cc) if cc else None}
    if subject is not None:
        over["Subject"] = subject
    if message_id is not None:
        over["Message-ID"] = f"<{message_id}>"
    over.update({k.replace("_", "-"): v for k, v in headers.items()})
    return emails.outlook_desktop(list(files), over)

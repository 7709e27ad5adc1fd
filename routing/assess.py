"""What a submission's documents say together: levels, flags, child, missing items.

Pure: the parsed documents, the message's recipients and the case history in,
an ``Assessment`` out. Conflicting signals resolve to the higher level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from config.settings import Settings
from parsers.dates import age_on
from parsers.message import ParsedMail
from parsers.results import FormType, Level, ParseResult, Status
from routing.model import CaseChild, Flag

_UNREADABLE = (Status.ENCRYPTED, Status.UNREADABLE, Status.UNSUPPORTED)
_EXPLOITATION_WORDS = ("exploitation", "harm outside the home", "cse", "cce", "county lines", "extra familial",
                       "trafficking", "modern slavery")
_RAISED = (Level.MODERATE, Level.SIGNIFICANT)


@dataclass
class Assessment:
    matrices: list[ParseResult]
    referrals: list[ParseResult]
    unreadable: list[ParseResult]
    declared_level: Level | None
    effective_level: Level | None
    child: CaseChild
    flags: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def forms(self) -> list[str]:
        forms = []
        if self.matrices:
            forms.append(FormType.CE_MATRIX.value)
        if self.referrals:
            forms.append(FormType.REFERRAL.value)
        return forms

    def has_form(self, form: str) -> bool:
        """Route-table form match: any | ce_matrix | referral | none (no readable form)."""
        if form == "ce_matrix":
            return bool(self.matrices)
        if form == "referral":
            return bool(self.referrals)
        if form == "none":
            return not self.matrices and not self.referrals
        return True


def assess(documents: list[ParseResult], mail: ParsedMail, mailbox: str, settings: Settings,
           received_on: date, verified: bool, known_forms: list[str]) -> Assessment:
    readable = [d for d in documents if d.readable]
    matrices = [d for d in readable if d.form is FormType.CE_MATRIX]
    referrals = [d for d in readable if d.form is FormType.REFERRAL]
    unreadable = [d for d in documents if d.status in _UNREADABLE]
    declared = Level.highest([m.overall_level for m in matrices])
    if settings.service.level_policy == "declared" and declared is not None:
        effective = declared
    else:  # each matrix's own effective level: the parser's rule (an indicator added to the form counts too)
        effective = Level.highest([m.effective_level for m in matrices])
    result = Assessment(matrices, referrals, unreadable, declared, effective, _child(matrices, referrals, received_on))
    result.flags = _flags(result, verified, received_on)
    result.missing = _missing(result, documents, mail, mailbox, settings, known_forms)
    return result


def _child(matrices: list[ParseResult], referrals: list[ParseResult], received_on: date) -> CaseChild:
    """The child of the first form that names or dates one; what it leaves blank (the matrix's date of birth)
    from another form in the message about the same child (the referral), so the age flags are not lost."""
    docs = [doc for doc in [*matrices, *referrals] if doc.child.name or doc.child.dob or doc.child.age is not None]
    first = next((doc for doc in docs if doc.child.name or doc.child.dob), None)
    if first is None:
        return CaseChild()
    name = first.child.name
    same = [first, *(doc for doc in docs if doc is not first and _same_child(name, doc.child.name))]
    name = name or next((doc.child.name for doc in same if doc.child.name), None)
    dob = next((doc.child.dob for doc in same if doc.child.dob), None)
    age = age_on(dob, received_on) if dob else next((doc.child.age for doc in same if doc.child.age is not None), None)
    return CaseChild(name=name, dob=dob.isoformat() if dob else None, age=age)


def _same_child(one: str | None, other: str | None) -> bool:
    """Whether two forms' names may be one child's: either unnamed, or one name's words among the other's
    ("Connor Ahmed", "AHMED, Connor James")."""
    if not one or not other:
        return True
    a, b = set(re.findall(r"[^\W\d_]+", one.casefold())), set(re.findall(r"[^\W\d_]+", other.casefold()))
    return bool(a and b) and (a <= b or b <= a)


def _ages(a: Assessment, received_on: date) -> list[int]:
    """The case child's age at receipt and each other child's in the message (a sibling on a form of their
    own): the age flags are for every child it refers (a sibling of 11 needs the under-13 referral too)."""
    ages = [a.child.age] if a.child.age is not None else []
    for doc in (*a.matrices, *a.referrals):
        if not _same_child(a.child.name, doc.child.name):
            age = age_on(doc.child.dob, received_on) if doc.child.dob else doc.child.age
            if age is not None:
                ages.append(age)
    return ages


def _flags(a: Assessment, verified: bool, received_on: date) -> list[str]:
    ages = _ages(a, received_on)
    flags: list[Flag] = []
    if a.effective_level is Level.SIGNIFICANT:
        flags.append(Flag.STRATEGY_MEETING_REQUIRED)
    if _trafficking(a):
        flags.append(Flag.CONSIDER_NRM)
    if any(age < 13 for age in ages):
        flags.append(Flag.UNDER_13)
    if any(m.extra.get("learning_disability") for m in a.matrices):
        flags.append(Flag.LEARNING_DISABILITY)
    if any(_discrepancy(m) for m in a.matrices):
        flags.append(Flag.LEVEL_DISCREPANCY)
    if any(age >= 17 for age in ages):
        flags.append(Flag.TRANSITIONAL_SAFEGUARDING)
    if not verified:
        flags.append(Flag.UNVERIFIED_SENDER)
    if any(r.extra.get("immediate_risk") is True for r in a.referrals):
        flags.append(Flag.IMMEDIATE_RISK)
    return [f.value for f in flags]


def _trafficking(a: Assessment) -> bool:
    if any("trafficking_modern_slavery" in m.exploitation_types for m in a.matrices):
        return True
    return any(("trafficking" in c or "modern_slavery" in c)
               for r in a.referrals for c in r.extra.get("categories") or [])


def _discrepancy(matrix: ParseResult) -> bool:
    """The declared overall level below what the indicators record."""
    declared, effective = matrix.overall_level, matrix.effective_level
    return declared is not None and effective is not None and effective.rank > declared.rank


def _missing(a: Assessment, documents: list[ParseResult], mail: ParsedMail, mailbox: str,
             settings: Settings, known_forms: list[str]) -> list[str]:
    missing: list[str] = []
    for doc in documents:
        for path in doc.missing:
            if path not in missing:
                missing.append(path)
    has_matrix = bool(a.matrices) or FormType.CE_MATRIX.value in known_forms
    has_referral = bool(a.referrals) or FormType.REFERRAL.value in known_forms
    raised = a.effective_level in _RAISED
    open_to_csc = _open_to_csc(a)
    recipients = {addr.lower() for addr in [*mail.to, *mail.cc]}
    role = settings.role_of(mailbox)
    items = []
    if not has_matrix and (role == "cevt" or any(_mentions_exploitation(r) for r in a.referrals)):
        items.append("documents.ce_matrix")
    if role == "firstcontact" and raised and open_to_csc is not True and not has_referral:
        items.append("documents.referral")
    if role == "firstcontact" and raised and _address(settings, "cevt") not in recipients:
        items.append("recipients.cevt")
    if role == "cevt" and raised and open_to_csc is False and _address(settings, "firstcontact") not in recipients:
        items.append("recipients.firstcontact")
    if a.unreadable:
        items.append("documents.unreadable")
    return missing + [i for i in items if i not in missing]


def _open_to_csc(a: Assessment) -> bool | None:
    answers = [m.child.details.get("open_to_csc") for m in a.matrices]
    answers += [r.extra.get("open_to_csc") for r in a.referrals]
    if True in answers:
        return True
    return False if False in answers else None


def _mentions_exploitation(referral: ParseResult) -> bool:
    if referral.extra.get("ce_matrix_attached") is True:
        return True
    categories = " ".join(referral.extra.get("categories") or []).replace("_", " ")
    return any(word in categories for word in _EXPLOITATION_WORDS)


def _address(settings: Settings, role: str) -> str | None:
    name = settings.mailbox_with_role(role)
    return settings.mailboxes[name].address if name else None

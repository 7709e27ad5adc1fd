"""The one entry point from an attachment's bytes to a ``ParseResult``.

Opens the document safely, flattens it, recognises the form from its content
(never its filename) and hands it to the form's reader. Every input becomes a
result; an internal error on one document is reported as ``unreadable`` with
``internal_error`` set, so callers can route it to a human and exit non-zero.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from parsers.ce_matrix import indicator_headings, indicators_found, read_ce_matrix
from parsers.extract import Reader
from parsers.labels import Profile
from parsers.referral import read_referral
from parsers.results import FormType, ParseResult, Status, failed
from parsers.safe_open import Limits, OpenFailure, open_wordml
from parsers.transposed import unpair, unstack, untranspose
from parsers.wordml import Document, read_document

FormKey = tuple[str, str, date]


def form_key(data: bytes, filename: str, today: date) -> FormKey:
    """What a form's reading depends on: its bytes, its name and the receipt day (for ages)."""
    return hashlib.sha256(data).hexdigest(), filename, today


_REFERRAL_KEYS = ("referrer.name", "concerns", "parents_informed", "categories", "immediate_risk", "open_to_csc")


def parse_document(
    data: bytes,
    filename: str,
    profiles: dict[str, Profile] | None = None,
    today: date | None = None,
    limits: Limits = Limits(),
) -> ParseResult:
    if profiles is None:
        from config.profiles import default_profiles

        profiles = default_profiles()
    today = today or date.today()
    opened = open_wordml(data, limits)
    if isinstance(opened, OpenFailure):
        return failed(filename, opened.status, opened.problem, opened.warnings)
    try:
        doc = read_document(opened.document, opened.source)
        result = _read(doc, profiles, filename, today)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as err:  # never let one document stop a mailbox: route it to a human
        result = failed(filename, Status.UNREADABLE, f"internal error reading the document ({type(err).__name__})")
        result.internal_error = True  # type: ignore[attr-defined]
        return result
    result.warnings = list(opened.warnings) + doc.warnings + result.warnings
    return result


def _read(doc: Document, profiles: dict[str, Profile], filename: str, today: date) -> ParseResult:
    untranspose(doc, profiles["ce_matrix"])  # a matrix on its side: its indicators across the top
    unpair(doc, profiles["ce_matrix"])  # two indicators a row
    form = detect_form(doc, profiles)
    if form is FormType.REFERRAL and indicators_found(doc, profiles["ce_matrix"]) >= 5:
        # A referral with the matrix pasted after it, the matrix's titles reworded (so detection, which counts
        # the titles its aliases name, saw a referral): the matrix is read too, never lost.
        form = FormType.CE_MATRIX
    if form is FormType.CE_MATRIX:
        if unstack(doc, profiles["ce_matrix"]):  # an indicator's labels over its values, as label | value rows
            doc.index, doc.memo = None, {}  # (what detection found, for the rows as they were)
        result = read_ce_matrix(doc, profiles["ce_matrix"], filename, today)
        if _holds_referral(doc, profiles["referral"]):
            # A referral with the matrix pasted into the same file: both are read, or its answers
            # (immediate risk, parents informed) would be lost.
            result.companions.append(read_referral(doc, profiles["referral"], filename, today))
            result.warnings.append("the document holds a Safeguarding Referral Form as well as the CE Matrix; "
                                   "both are read")
        return result
    if form is FormType.REFERRAL:
        return read_referral(doc, profiles["referral"], filename, today)
    return ParseResult(file=filename, form=FormType.UNKNOWN,
                       warnings=["not recognised as a CE Matrix or a Safeguarding Referral Form"])


def detect_form(doc: Document, profiles: dict[str, Profile]) -> FormType:
    """Which form this is, from what it says."""
    ce, referral = profiles["ce_matrix"], profiles["referral"]
    indicators = _indicator_count(doc, ce)
    if indicators >= 5 and not _correspondence(doc):
        return FormType.CE_MATRIX  # what the full scoring below decides, without reading for the referral
    text = _plain(doc.all_text())
    ce_score = 2 * indicators + sum(1 for phrase in ce.detect if _plain(phrase) in text)
    labelled = _labelled(doc, referral, _REFERRAL_KEYS)
    ref_score = 2 * labelled + sum(1 for phrase in referral.detect if _plain(phrase) in text)
    if _correspondence(doc) and labelled < 3 and not _evidence_labels(doc, ce, 3):
        # Minutes of a meeting, or a letter, that talk about the forms: not a form ("unknown": a human reads it).
        return FormType.UNKNOWN
    if indicators >= 5 or (ce_score >= 6 and ce_score > ref_score):
        return FormType.CE_MATRIX
    if ref_score >= 4:
        return FormType.REFERRAL
    if ce_score >= 4:
        return FormType.CE_MATRIX
    return FormType.UNKNOWN


_REFERRAL_ONLY = ("referrer.name", "concerns", "parents_informed", "categories", "immediate_risk")


def _holds_referral(doc: Document, referral: Profile) -> bool:
    """A CE Matrix that also holds the referral form's own questions (three of the referral's labels that a
    matrix never has, exactly)."""
    return _labelled(doc, referral, _REFERRAL_ONLY) >= 3


def _labelled(doc: Document, profile: Profile, keys: tuple[str, ...]) -> int:
    """How many of these fields the document labels, exactly."""
    reader = Reader(doc, profile)
    return sum(1 for key in keys if key in profile.fields and reader.find(profile.fields[key], fuzzy=False))


_NOT_A_FORM = re.compile(r"^\s*(?:dear\b|.{0,80}\b(?:minutes|meeting notes|agenda)\b)", re.IGNORECASE)


def _correspondence(doc: Document) -> bool:
    """A letter ("Dear …") or minutes / an agenda as the title, in the opening paragraphs before any table."""
    seen = 0
    for row in doc.rows:
        if row.table is not None:
            break
        text = row.cells[0].text.strip() if row.cells else ""
        if not text:
            continue
        if _NOT_A_FORM.match(text) and (seen == 0 or text.lower().startswith("dear")):
            return True
        seen += 1
        if seen >= 12:
            break
    return False


def _evidence_labels(doc: Document, profile: Profile, enough: int) -> bool:
    """At least ``enough`` of the CE Matrix's "PROVIDE EVIDENCE" labels: the form's own structure."""
    reader = Reader(doc, profile)
    return len(reader.find(profile.fields["evidence"], fuzzy=False)) >= enough


def _plain(text: str) -> str:
    """Lower-case words separated by single spaces: enough to spot a form's tell-tale phrases."""
    return " " + " ".join(_WORDS.findall(text.lower().replace("&", " and "))) + " "


_WORDS = re.compile(r"[a-z0-9]+")


def _indicator_count(doc: Document, profile: Profile) -> int:
    return len({key for _, found in indicator_headings(doc, profile) for key, _ in found})

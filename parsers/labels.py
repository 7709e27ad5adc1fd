"""Label normalisation and form profiles: which words mean which field.

Agencies reword, renumber and re-punctuate the templates, so labels are
compared after normalising case, punctuation, numbering, "&"/"and",
parentheticals and common synonyms ("young person" → "child", "D.O.B." →
"dob"). The aliases themselves live in configuration (`config/profiles/`),
handed in as plain data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from parsers.wordml import MARKERS, strip_markers

# Per-text caches: a form's template texts (labels, level descriptors) recur in every form and stay cached; the
# values typed into each form pass through. Bounded so a daemon that reads forms for months stays small.
TEXT_CACHE_SIZE = 4096

_SYNONYMS = (
    (r"\bchild(?:ren)? ?(?:or|and)? ?young (?:person|people)s?\b", "child"),
    (r"\byoung (?:persons?|people)s?\b", "child"),
    (r"\b(?:cyp|yp)\b", "child"),
    (r"\bchilds\b", "child"),
    (r"\bd ?o ?b\b", "dob"),
    (r"\bdate of birth\b", "dob"),
    (r"\bbirth date\b", "dob"),
    (r"\btel(?:ephone)?\b", "phone"),
    (r"\be ?mail\b", "email"),
    (r"\borganisation\b|\borganization\b", "agency"),
    (r"\bcarers?\b", "carer"),
    (r"\bparents?\b", "parent"),
    (r"\bindicators?\b", "indicator"),
)
# One pass over all synonyms: alternatives are tried in order, only where a word starts (the leading
# "\b" factored out, so the other positions fail at once: about twice as fast).
_SYNONYM_RE = re.compile(r"\b(?:" + "|".join(
    f"(?P<s{i}>{p[2:] if p.startswith(chr(92) + 'b') else p})" for i, (p, _) in enumerate(_SYNONYMS)) + ")")
_SYNONYM_FOR = {f"s{i}": r for i, (_, r) in enumerate(_SYNONYMS)}
_QUOTES = str.maketrans("", "", "’'`")
_POSSESSIVE = re.compile(r"(?<=[a-z])['’`]s\b")
_WORD = re.compile(r"[a-z0-9]+")
_NUMBERING = re.compile(r"^\s*(?:(?:section|part|q)\s*)?\d{1,2}(?:\.\d{1,2})+\.?(?:\s*[\):]\s*|\s+)"  # "1.1 Name"
                        r"|^\s*[a-z]\.?\d{1,2}(?:\.\d{1,2})*(?:\s*[\.\):]\s*|\s+(?=[a-z]))"  # "A1. Name", "C.3) …"
                        r"|^\s*(?:section|part)\s*(?:\d{1,2}|[a-z]|[ivx]{1,4})\s*[–—-]\s*"  # "SECTION B – Child"
                        r"|^\s*(?:(?:section|part|q)\s*)?(?:\d{1,2}[a-z]?|[a-z]|[ivx]{1,4})\s*[\.\):]\s*"
                        r"|^\s*\d{1,2}\s+(?=[a-z])")
_BULLETS = "•▪◦‣∙·●○■➢➤►*-–— \t"
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def norm(text: str, *, keep_parens: bool = True) -> str:
    """Canonical form of a label for comparison.

    Each rewrite runs only where a cheap test says it can apply: every value typed into a form passes
    through here once, and most values (names, dates, numbers) need none of them.
    """
    text = strip_markers(unicodedata.normalize("NFKC", text).lower())
    if "'" in text or "’" in text or "`" in text:
        text = _POSSESSIVE.sub("", text).translate(_QUOTES)  # "Referrer's telephone" is the "Referrer telephone"
    text = text.replace("&", " and ").replace("+", " ")
    if not keep_parens:
        text = _PARENS.sub(" ", text)
    lead = text.lstrip()[:1]
    if lead and lead in _BULLETS:
        text = text.lstrip().lstrip(_BULLETS)  # "• 2. Accommodation": a typed bullet before the numbering
    text = _NUMBERING.sub("", text)
    words = _WORD.findall(text)
    if "child" in text or not _SYNONYM_WORDS.isdisjoint(words):
        words = _SYNONYM_RE.sub(lambda m: _SYNONYM_FOR[m.lastgroup or ""], " ".join(words)).split()
    if not _CONJUNCTIONS.isdisjoint(words):
        # "&", "and", "/" and "or" join alternatives interchangeably in real labels.
        words = [word for word in words if word not in _CONJUNCTIONS]
    return " ".join(words)


_CONJUNCTIONS = frozenset(("and", "or"))
# The words a synonym can start with (besides "child…"): where none occurs, no synonym applies.
_SYNONYM_WORDS = frozenset(
    "young cyp yp d do dob date birth tel telephone e email organisation organization carer carers parent parents "
    "indicator indicators".split()
)


def label_forms(text: str) -> frozenset[str]:
    """The normal forms a label cell may be matched by (with and without parentheticals)."""
    return _first_line_forms(text.strip().split("\n", 1)[0])


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _first_line_forms(first: str) -> frozenset[str]:
    if len(first) > 300:
        return frozenset()  # prose, never a label
    forms = {norm(first)}
    if _BRACKETS.search(unicodedata.normalize("NFKC", first)):
        forms.add(norm(first, keep_parens=False))
    forms.update(_without_noise(f) for f in list(forms) if _NOISE_HINT.search(f))
    # Word order varies too ("Agency & team" / "Team and agency").
    forms.update("~" + " ".join(sorted(f.split())) for f in list(forms) if " " in f)
    return frozenset(f for f in forms if f)


_BRACKETS = re.compile(r"[(\[]")
_NOISE_HINT = re.compile(r"mandatory|required|optional|if known|if applicable|please")  # before the exact test
_NOISE = re.compile(r"\b(?:mandatory|required|optional|if known|if applicable|please (?:state|specify|provide|give|tick|describe))\b")


def _without_noise(text: str) -> str:
    return re.sub(r"\s+", " ", _NOISE.sub(" ", text)).strip()


@dataclass(frozen=True)
class FieldSpec:
    key: str
    aliases: tuple[str, ...]
    forms: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        forms = set()
        for alias in self.aliases:
            forms.update(label_forms(alias))
        object.__setattr__(self, "forms", frozenset(forms))


@dataclass(frozen=True)
class TickItem:
    key: str
    aliases: tuple[str, ...]
    forms: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "forms", frozenset(norm(a) for a in self.aliases))


@dataclass
class Profile:
    """One form's vocabulary: fields, sections, tick lists, indicators, levels."""

    form: str
    detect: tuple[str, ...]
    fields: dict[str, FieldSpec]
    sections: dict[str, FieldSpec]
    tick_lists: dict[str, tuple[TickItem, ...]]
    indicators: dict[str, FieldSpec] = field(default_factory=dict)
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    section_fields: dict[str, dict[str, FieldSpec]] = field(default_factory=dict)
    _all_forms: frozenset[str] = frozenset()
    cache: dict = field(default_factory=dict)  # per-text results of pure lookups (headings)

    def __post_init__(self) -> None:
        forms: set[str] = set()
        groups = [self.fields, self.sections, self.indicators, *self.section_fields.values()]
        for group in groups:
            for spec in group.values():
                forms.update(spec.forms)
        self._all_forms = frozenset(forms)

    def is_label(self, text: str) -> bool:
        """True if a cell's text is (only) some label of this profile."""
        if not text.strip() or MERGE_PLACEHOLDER.fullmatch(text):
            return False  # "«Worker»": a mail merge's field left unmerged is a blank value, not the label "Worker"
        return (bool(label_forms(text) & self._all_forms) or _ends_like_label(text) or section_heading(text)
                or self.sided_label(text) is not None)

    def sided_label(self, text: str) -> str | None:
        """The side that is a label of this profile, of a label written in two languages ("Child's name /
        Enw'r plentyn", "Dyddiad geni / Date of birth"): one side a label, the other not, no figures."""
        if " / " not in text:
            return None
        # Figures are a value's ("Mother / 07700 900123"); not the numbering ("1. Name / Enw") or a note in
        # brackets ("(If yes, dial 999)").
        first = text.split("\n", 1)[0]
        if any(ch.isdigit() for ch in first) and any(ch.isdigit() for ch in _BRACKETED.sub("", _NUMBERED.sub("", first))):
            return None
        for pair in sides(text):
            found = [side for side in pair if label_forms(side) & self._all_forms]
            if len(found) == 1:
                return found[0]
        return None

    def is_labelled(self, text: str) -> bool:
        """True if a cell starts "Some label: …" ("Age: 11"): another field, not a value."""
        first = text.split("\n", 1)[0]
        head, sep, _ = first.partition(":")
        if not sep:
            head, sep, _ = first.partition("?")
        if not sep:
            head, sep, tail = first.strip().partition("\t")  # "Age<tab>11": a known label only
            if sep and tail.strip():
                return bool(label_forms(head) & self._all_forms)
        if not sep or not head.strip():
            return False
        words = head.split()
        return bool(label_forms(head) & self._all_forms) or (
            len(words) <= 6 and not any(ch.isdigit() for ch in head) and "@" not in head)

    @classmethod
    def from_data(cls, form: str, data: dict[str, Any]) -> "Profile":
        def specs(table: dict[str, Any]) -> dict[str, FieldSpec]:
            return {k: FieldSpec(k, tuple(v)) for k, v in table.items()}

        tick_lists = {
            name: tuple(TickItem(k, tuple(v)) for k, v in items.items())
            for name, items in data.get("tick_lists", {}).items()
        }
        return cls(
            form=form,
            detect=tuple(data.get("detect", ())),
            fields=specs(data.get("fields", {})),
            sections=specs(data.get("sections", {})),
            tick_lists=tick_lists,
            indicators=specs(data.get("indicators", {})),
            levels={k: tuple(v) for k, v in data.get("levels", {}).items()},
            section_fields={k: specs(v) for k, v in data.get("section_fields", {}).items()},
        )


_SECTION = re.compile(r"^\s*(?:section|part)\s+(?:\d{1,2}|[a-h]|[ivx]{1,4})\s*(?:[:.)\-–]|$)", re.IGNORECASE)


_NUMBERED = re.compile(r"^\s*(?:[qQ]\s?)?\d{1,3}(?:\.\d{1,2})*[.):]?\s+")  # "1. ", "1.1 ", "Q1 ", "Q 6)"
_BRACKETED = re.compile(r"\([^()]*\)")
MERGE_PLACEHOLDER = re.compile(r"\s*(?:«[^«»\n]*»|<<[^<>\n]*>>)\s*")


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def sides(text: str) -> tuple[tuple[str, str], ...]:
    """The two sides of a first line that may be one label in two languages, split at a spaced slash
    ("Child's name / Enw'r plentyn"), at each spaced slash when there are several ("Parent / carer name /
    Enw rhiant"). Empty for a line without one, or too long to be a label."""
    first = text.strip().split("\n", 1)[0]
    if " / " not in first or len(first) > 2 * _SIDE_MAX:
        return ()
    parts = first.split(" / ")
    pairs = ((" / ".join(parts[:k]).strip(), " / ".join(parts[k:]).strip()) for k in range(1, len(parts)))
    return tuple((a, b) for a, b in pairs if a and b and len(a) <= _SIDE_MAX and len(b) <= _SIDE_MAX)


_SIDE_MAX = 120


def section_heading(text: str) -> bool:
    """"Section 3: Parents / carers and household", "Part B": a heading of the form, never a value."""
    first = text.strip().split("\n", 1)[0]
    return len(first) <= 100 and bool(_SECTION.match(first))


def _ends_like_label(text: str) -> bool:
    """A short cell ending in ':' or a question mark reads as a label, known or not."""
    stripped = text.strip()
    return (len(stripped) <= 80 and "\n" not in stripped and stripped.endswith((":", "?"))
            and any(ch.isalpha() for ch in stripped))  # "?" typed for an unknown date is no label


def matches(text: str, spec: FieldSpec) -> bool:
    return bool(label_forms(text) & spec.forms)


# What ends a label written before its value in the same cell or line: "Label: value", "Label - value",
# "Question? Yes", "Label<tab>value", "Level of risk – Significant", "Assessed level = Moderate".
LABEL_SEPARATORS = (":", " - ", "?", "\t", " – ", " — ", "=")


def split_inline(text: str, spec: FieldSpec) -> str | None:
    """For "Label: value" in one cell or paragraph, the value; else None."""
    first, _, rest = text.partition("\n")
    for sep in LABEL_SEPARATORS:
        head, found, tail = first.partition(sep)
        if found and head.strip() and label_forms(head) & spec.forms:
            value = tail.strip()
            if value and not any(ch.isalnum() or ch in MARKERS for ch in value):
                value = ""  # "D.O.B.:*": the label's decoration, not a value
            return value or rest.strip()
    answered = answer_split(first)
    if answered and label_forms(answered[0]) & spec.forms:
        return answered[1]
    return None


_ANSWERED = re.compile(r"^((?:\S+\s+){2,}?\S+?)\s+((?:yes|no|y|n)\b.*)$", re.IGNORECASE)


def answer_split(first: str) -> tuple[str, str] | None:
    """"Are parents aware of this referral No – it would increase risk": a question of three words or more
    with its answer typed after it, no separator between: (question, answer)."""
    if len(first) > 300 or not (" y" in first.lower() or " n" in first.lower()):
        return None
    match = _ANSWERED.match(first.strip())
    if not match:
        return None
    return match.group(1), re.split(r"\s{3,}|\t", match.group(2))[0]  # "…Police   Yes   Known to YOS   No"

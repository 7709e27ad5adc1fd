"""Where labels sit in a document: an exact index of every cell's leading label, and a fuzzy one.

Built once per document and shared by every reader (form detection and the form's own reader).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from parsers.labels import LABEL_SEPARATORS, TEXT_CACHE_SIZE, FieldSpec, Profile, answer_split, label_forms, norm
from parsers.wordml import Document


@dataclass(frozen=True)
class Hit:
    row: int
    cell: int
    inline: str | None  # value found in the label's own cell
    aside: str | None = None  # words after the label that read as a label themselves ("Role: GP"), set aside


_FILLER = frozenset(
    "a an the of to for in on at with by from is are was has have been be this that your any please if yes no "
    "referral form details name child carer parent".split()
)


class FuzzyIndex:
    """Second-chance label matching: a label holding all of an alias's words and at most one more."""

    def __init__(self, doc: Document) -> None:
        self.entries: list[tuple[int, int, frozenset[str], str | None]] = []
        self.by_token: dict[str, list[int]] = {}
        entries, by_token = self.entries, self.by_token
        for i, row in enumerate(doc.rows):
            for j, cell in enumerate(row.cells):
                if cell.merged_above or not cell.text:
                    continue
                for tokens, tail in _fuzzy_heads(cell.text):  # none for a blank cell
                    n = len(entries)
                    entries.append((i, j, tokens, tail))
                    for token in tokens:
                        places = by_token.get(token)
                        if places is None:
                            by_token[token] = [n]
                        else:
                            places.append(n)

    def find(self, spec: FieldSpec) -> list[Hit]:
        found: dict[tuple[int, int], Hit] = {}
        for form in spec.forms:
            words = frozenset(form.split())
            if form.startswith("~") or len(words) < 2:
                continue
            postings = sorted((self.by_token.get(w, ()) for w in words), key=len)
            candidates = set(postings[0]).intersection(*postings[1:])
            for n in candidates:
                i, j, tokens, tail = self.entries[n]
                if len(tokens - words - _FILLER) <= 1 and _better(tail, found.get((i, j))):
                    found[(i, j)] = Hit(i, j, tail)
        return [found[k] for k in sorted(found)]


def _better(tail: str | None, hit: Hit | None) -> bool:
    """Of two readings of one cell, the one that leaves a value, and of those the one that splits it earliest
    ("Is the child at immediate risk? Yes – see below": the value is "Yes – see below", not "see below")."""
    if hit is None:
        return True
    return tail is not None and (hit.inline is None or len(tail) > len(hit.inline))


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _fuzzy_heads(text: str) -> tuple[tuple[frozenset[str], str | None], ...]:
    """A cell's candidate labels as word sets (2 to 14 words), each with the value after it; computed once
    per distinct cell text (labels recur from form to form)."""
    first, _, rest = text.strip().partition("\n")
    found = []
    for head, tail in _heads(first, rest):
        if len(head) > _LABEL_MAX:
            continue
        tokens = frozenset(norm(head, keep_parens=False).split())
        if 2 <= len(tokens) <= 14:
            found.append((tokens, tail))
    return tuple(found)


def _heads(first: str, rest: str) -> list[tuple[str, str | None]]:
    """A cell's possible labels and the value after each: the whole line, or before ':' / '?' / ' - '."""
    heads = [(first, rest.strip() or None)]
    for sep in LABEL_SEPARATORS:
        head, found, tail = first.partition(sep)
        if found and head.strip():
            heads.append((head, (tail.strip() or rest.strip()) or None))
    answered = answer_split(first)
    if answered:
        heads.append(answered)
    return heads


_LABEL_MAX = 140
_LABEL_INDEXED = 130  # the longest real label seen is ~105 characters (a probation form's question)


def build_index(doc: Document) -> dict[str, list[tuple[int, int]]]:
    """Normal form of a cell's leading label (alone, or before ':' / ' - ' / '?') → cells, in document order."""
    index: dict[str, list[tuple[int, int]]] = {}
    for i, row in enumerate(doc.rows):
        for j, cell in enumerate(row.cells):
            if cell.merged_above or not cell.text or cell.text.isspace():
                continue
            for form in _cell_forms(cell.text):
                places = index.get(form)
                if places is None:
                    index[form] = [(i, j)]
                else:
                    places.append((i, j))
    return index


def sided_index(doc: Document, profile: Profile) -> dict[str, list[tuple[int, int, str]]]:
    """Normal form → cells, for labels written in two languages: the forms of the side that is a label of
    ``profile`` ("Child's name" of "Child's name / Enw'r plentyn"), with the cell's text as that side alone
    would read (then any value in the cell)."""
    index: dict[str, list[tuple[int, int, str]]] = {}
    for i, row in enumerate(doc.rows):
        for j, cell in enumerate(row.cells):
            if cell.merged_above or "/" not in cell.text:
                continue
            # A label wrapped over lines ("Referrer's⏎name / Enw'r atgyfeiriwr") is read as one line; one with its
            # value after a colon ("Agency / Asiantaeth: Durham Constabulary") keeps the value.
            lines = [line.strip() for line in cell.text.split("\n") if line.strip()]
            first, _, below = cell.text.strip().partition("\n")
            found = None
            if 2 <= len(lines) <= 4 and sum(map(len, lines)) <= 240:
                found = _sided(profile, " ".join(lines))
            if found is None:  # one line, or the label's first line with a value on the lines below it
                found = _sided(profile, first)
                if found is not None and below.strip():
                    found = found[0], f"{found[1]}\n{below}"
            if found is not None:
                for form in _cell_forms(found[0]):
                    index.setdefault(form, []).append((i, j, found[1]))
    return index


def _sided(profile: Profile, label: str) -> tuple[str, str] | None:
    """(the side that is a label, the text as that side alone reads) for one line; a value after a colon stays
    ("Agency / Asiantaeth: Durham Constabulary" reads "Agency: Durham Constabulary")."""
    head, colon, tail = label.partition(":")
    valued = bool(colon and tail.strip())
    side = profile.sided_label(label) or (profile.sided_label(head) if valued else None)
    if side is None:
        return None
    return side, f"{side}: {tail.strip()}" if valued and side in head else side


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _cell_forms(text: str) -> tuple[str, ...]:
    """Every normal form a cell's text may be looked up by (label texts recur from form to form)."""
    first = text.strip().split("\n", 1)[0]
    if len(first) > _LABEL_MAX:
        first = first[:_LABEL_MAX]  # prose: only a "Label:" at its start can matter
    heads = {first}
    for sep in LABEL_SEPARATORS:
        head, found, _ = first.partition(sep)
        if found and head.strip():
            heads.add(head)
    answered = answer_split(first)
    if answered:
        heads.add(answered[0])
    forms: set[str] = set()
    for head in heads:
        if len(head) <= _LABEL_INDEXED:  # longer is prose; its "Label:" start, if any, is among the heads
            forms.update(label_forms(head))
    joined = joined_label(text)
    if joined:
        forms.update(label_forms(joined))
    return tuple(sorted(forms))


def joined_label(text: str) -> str | None:
    """A short cell of two to four lines as one line: a label Word wrapped or broken over lines
    ("PROVIDE" / "EVIDENCE" / "(Mandatory)", "Child's full name" / "(+ aliases)")."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not 2 <= len(lines) <= 4:
        return None
    joined = " ".join(lines)
    return joined if len(joined) <= _LABEL_INDEXED else None

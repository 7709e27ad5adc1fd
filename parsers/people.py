"""A child's name, aliases and age as forms write them ("Jane Smith (aka JJ)", "14 yrs")."""

from __future__ import annotations

import re
from datetime import date

from parsers.dates import age_on
from parsers.wordml import TICK_ON, Document, strip_markers


def form_age(dob: date | None, dated: date | None, written: int | None) -> int | None:
    """SPEC: the age on the form's own date (assessment / referral), else the form's Age field.

    (Ages for routing are computed at receipt, in routing/assess.py.)"""
    if dob is not None and dated is not None:
        age = age_on(dob, dated)
        if age is not None:
            return age
    return written


def join_names(forename: str | None, surname: str | None) -> str | None:
    """A name given as "Forename" and "Surname" fields, as one ("Riley Green")."""
    parts = [" ".join(p.split()) for p in (forename, surname) if p and p.strip()]
    return " ".join(parts) or None


def unreadable_date(key: str, text: str | None, parsed: date | None) -> list[str]:
    """A date was written but is no date (31/02/2012, "March"): say so, beside the field in ``missing``
    (the text itself is not repeated: a date of birth stays out of the warning)."""
    if parsed is not None or not text or not any(ch.isdigit() for ch in text):
        return []
    return [f"{key}: what is written is not a date this parser can read (an impossible or unrecognised date)"]


def dob_warning(dob: date | None, dated: date | None, today: date) -> list[str]:
    """A date of birth after the form's date (else the day it is read): a typing error, or an unborn child."""
    on = dated or today
    if dob is None or dob <= on:
        return []
    return [f"child.dob: {dob.isoformat()} is after the form's date ({on.isoformat()}); "
            "check it (a typing error, or a pre-birth referral)"]


# The words that introduce a child's other names ("aka", "known as", "street name" …), also read by extract.py.
ALIAS_WORDS = r"a\.?k\.?a\.?|also known as|known as|goes by|aliases|alias|nick ?names?|street names?"
_ALIAS_WORDS = re.compile(rf"\b(?:{ALIAS_WORDS})(?![\w.])[:\s]*", re.I)


def split_name(text: str | None) -> tuple[str | None, list[str]]:
    """"Jane Smith (aka JJ, Janey)" → ("Jane Smith", ["JJ", "Janey"])."""
    if not text:
        return None, []
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    first, rest = lines[0], lines[1:]
    aliases: list[str] = []
    for inner in re.findall(r"\(([^)]*)\)", first):
        aliases.extend(split_aliases(inner))
    first = re.sub(r"\([^)]*\)", " ", first)
    match = _ALIAS_WORDS.search(first)
    if match:
        aliases.extend(split_aliases(first[match.end():]))
        first = first[:match.start()]
    for line in rest:
        aliases.extend(split_aliases(line))
    name = re.sub(r"\s+", " ", first).strip(" ,;/-–")
    return (name or None), [a for a in aliases if a]


def split_aliases(text: str) -> list[str]:
    text = _ALIAS_WORDS.sub("", text)
    parts = re.split(r"[,;/]|\band\b|\bor\b", text)
    return [p.strip(" \"'“”‘’-–.") for p in parts if p.strip(" \"'“”‘’-–.")]


# -- tables of people (household, parents, professionals) ------------------------------------

_RELATION = re.compile(r"\b(?:relationship|relation|relationship to (?:the )?child|role)\b", re.IGNORECASE)
_RELATION_HEADING = re.compile(r"(?:relationship|relation)(?:\s+to\s+(?:the\s+)?(?:child|young person))?\s*:?|role\s*:?",
                               re.IGNORECASE)
_SUBJECT = re.compile(r"\(\s*(?:subject\s+)?child\s*\)|\bsubject(?:\s+child|\s+of\s+(?:the\s+)?referral)?\b",
                      re.IGNORECASE)


def people_table_header(doc: Document, i: int) -> bool:
    """A row heading a table of people (household, parents, professionals): it names a relationship or role.

    Two columns ("Name | Relationship") head such a table only when both cells are column headings, so that
    a label beside its value ("Who has parental responsibility? | Mother") is not taken for one.
    """
    row = doc.rows[i]
    if row.table is None:
        return False
    if len(row.cells) >= 3:
        if any(_RELATION.search(cell.text) for cell in row.cells if len(cell.text) < 60):
            return True
        # "Name | D.O.B. | Age | Lives with child?" under "Siblings / other children in the household"
        return any(_column(c.text) == "name" for c in row.cells) and _titled_people(doc, i)
    return len(row.cells) == 2 and any(_column(c.text) == "name" for c in row.cells) and any(
        _RELATION_HEADING.fullmatch(strip_markers(c.text).strip()) for c in row.cells)


_PEOPLE = re.compile(r"\b(?:siblings?|household|other children|family members?|brothers?|sisters?|parents?|"
                     r"carers?|professionals?|agencies|people|adults?|associates?|friends?|peers?)\b", re.IGNORECASE)


def _titled_people(doc: Document, i: int) -> bool:
    """Whether the row above a table's column headings (a title row of the table, or the paragraph before it)
    names a group of people."""
    for k in range(i - 1, max(-1, i - 3), -1):
        texts = [c.text.strip() for c in doc.rows[k].cells if c.text.strip()]
        if not texts:
            continue
        return len(texts) == 1 and len(texts[0]) <= 100 and bool(_PEOPLE.search(texts[0]))
    return False


def subject_child(doc: Document) -> dict[str, str]:
    """The child from a household table, for a form with no child's details of its own: the one row marked
    "Subject child" (in any cell) or "(child)" after the name; its Name, DOB and Address columns."""
    rows = doc.rows
    for i, row in enumerate(rows):
        if not people_table_header(doc, i):
            continue
        columns = {key: c.col for c in row.cells if (key := _column(c.text))}
        if "name" not in columns:
            continue
        marked = []
        for below in rows[i + 1:]:
            if below.table != row.table:
                break
            flag = below.cell_at(columns["subject"]) if "subject" in columns else None
            if flag is not None:  # a "Subject of referral" column: Y / Yes / ☒
                if " ".join(strip_markers(flag.text).lower().split()) in ("y", "yes") or TICK_ON in flag.text:
                    marked.append(below)
            elif any(_SUBJECT.search(c.text) for c in below.cells):
                marked.append(below)
        if len(marked) == 1:  # one subject, or the mark means nothing
            cells = {key: marked[0].cell_at(col) for key, col in columns.items()}
            found = {key: " ".join(_SUBJECT.sub("", strip_markers(cell.text)).split()) for key, cell in cells.items()
                     if cell and key != "subject"}
            return {key: value for key, value in found.items() if value}
    return {}


def _column(header: str) -> str | None:
    """Which of a household table's columns a header names."""
    words = " ".join(strip_markers(header).lower().split())
    if words.startswith("subject"):
        return "subject"
    if re.search(r"\b(?:dob|d\.o\.b\.?|date of birth)(?:\W|$)", words):
        return "dob"
    if "address" in words:
        return "address"
    if re.fullmatch(r"(?:full )?names?|name of (?:person|household member)", words.strip(" :")):
        return "name"
    return None


_POINTER = re.compile(r"^\s*(?:see|refer to|as (?:above|below)|please see)\b", re.IGNORECASE)


def pointer(text: str | None) -> bool:
    """"See household table", "As above": the value is elsewhere, not this text."""
    return bool(text) and bool(_POINTER.match(text or ""))

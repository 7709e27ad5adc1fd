"""A child's name, aliases and age as forms write them ("Jane Smith (aka JJ)", "14 yrs")."""

from __future__ import annotations

import re
from datetime import date

from parsers.dates import age_on


def form_age(dob: date | None, dated: date | None, written: int | None) -> int | None:
    """SPEC: the age on the form's own date (assessment / referral), else the form's Age field.

    (Ages for routing are computed at receipt, in routing/assess.py.)"""
    if dob is not None and dated is not None:
        age = age_on(dob, dated)
        if age is not None:
            return age
    return written


_ALIAS_WORDS = re.compile(r"\b(?:a\.?k\.?a\.?|also known as|known as|aliases|alias|nicknames?)\b[:\s]*", re.I)


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

"""UK dates and ages from free text: day before month, always.

Accepts dd/mm/yyyy, d/m/yy, dd.mm.yy, dd-mm-yyyy, ISO yyyy-mm-dd, "1st March
2010", "1 Mar 10", "March 1, 2010". A numeric date is never read US-style.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?[\s\-/.,]*({_MONTH_RE})\.?[\s\-/.,]*(\d{{4}}|\d{{2}})\b", re.I)
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)


def parse_uk_date(text: str | None, *, today: date | None = None) -> date | None:
    """The first date in ``text`` read the UK way, or None."""
    if not text:
        return None
    text = text.strip()
    for pattern, order in ((_ISO, "ymd"), (_NUMERIC, "dmy"), (_DAY_MONTH, "dMy"), (_MONTH_DAY, "Mdy")):
        match = pattern.search(text)
        if match:
            found = _build(match.groups(), order, today or date.today())
            if found is not None:
                return found
    return None


def _build(groups: tuple[str, ...], order: str, today: date) -> date | None:
    values = dict(zip(order, groups))
    try:
        day = int(values["d"])
        month = int(values["m"]) if "m" in values else _MONTHS[values["M"].lower().rstrip(".")]
        year = _year(values["y"], today)
        return date(year, month, day)
    except (ValueError, KeyError):
        return None


def _year(text: str, today: date) -> int:
    year = int(text)
    if len(text) == 2:
        # Two-digit years: a date of birth or an assessment is never in the future.
        year += 2000 if year <= today.year % 100 else 1900
    return year


def age_on(dob: date, on: date) -> int | None:
    """Whole years of age on a day; None if the day precedes the birth."""
    if on < dob:
        return None
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def parse_age(text: str | None) -> int | None:
    """The age in years written in a field ("14", "14 yrs", "14 years 3 months")."""
    if not text:
        return None
    match = re.search(r"(?<![\d.,/])(\d{1,2})(?![\d.,/:])", text)  # "14", "14 yrs", "14yrs"; not "14.5" or a date
    if match:
        age = int(match.group(1))
    else:
        words = re.findall(r"[a-z]+", text.lower())[:2]  # "fourteen", "fifteen years old", "twenty one"
        age = _AGE_WORDS.get("-".join(words), _AGE_WORDS.get(words[0])) if words else None
        if age is None:
            return None
    return age if age <= 25 else None


_AGE_WORDS = {word: n for n, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four twenty-five".split())}

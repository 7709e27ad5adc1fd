"""The CE Matrix: header, child, 14 indicators, factors, types, overall level.

Completeness follows SPEC.md's mandatory list; the effective level is the
higher of the declared overall level and the highest indicator level.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from parsers.ce_lists import exploitation_types, factors, section_end
from parsers.dates import parse_age, parse_uk_date
from parsers.extract import Reader, clean, given, guidance
from parsers.label_index import Hit, joined_label
from parsers.labels import TEXT_CACHE_SIZE, FieldSpec, Profile, label_forms, matches, norm
from parsers.levels import LevelReader, choose, level_in, written_level
from parsers.results import INDICATOR_KEYS, Child, FormType, Indicator, Level, ParseResult
from parsers.people import (dob_warning, form_age, join_names, pointer, split_aliases, split_name, subject_child,
                            unreadable_date)
from parsers.wordml import MARKERS, Cell, Document

_TERMINATOR_FIELDS = ("voice_of_child", "views_of_parent", "suspects", "overall_level", "exploitation_types",
                      "line_manager_verification")
_TERMINATOR_SECTIONS = ("factors", "what_next", "review")
_RISK_INDICATOR = re.compile(r"^(?:risk indicator|indicator)\s*(?:\d{1,2}\s*)?")


@dataclass
class _Segment:
    key: str
    start: int
    end: int
    inline: str | None
    copies: list[_Segment] = field(default_factory=list)  # the indicator's table again (a worker copied it)


def read_ce_matrix(doc: Document, profile: Profile, file: str, today: date) -> ParseResult:
    reader = Reader(doc, profile)
    result = ParseResult(file=file, form=FormType.CE_MATRIX)
    levels = LevelReader(reader, profile.levels)
    segments = _segments(reader, profile)
    for key in INDICATOR_KEYS:
        seg = segments.get(key)
        result.indicators[key] = _indicator(reader, levels, seg, result.warnings) if seg else Indicator()
    result.overall_level = _overall(reader, levels, profile, segments, result.warnings)
    result.effective_level = Level.highest([result.overall_level, *(i.level for i in result.indicators.values())])
    added = _added(reader, levels, segments.get(ADDED), result)
    if added:
        result.extra["added_indicators"] = added
    header = _header(reader, profile, today)
    result.child = _child(reader, profile, header.get("assessment_date"), today, result.warnings)
    result.warnings.extend(dob_warning(result.child.dob, header.get("assessment_date"), today))
    result.exploitation_types = exploitation_types(reader, profile, result.warnings)
    result.extra.update(_extras(reader, profile, header, result.child))
    result.missing = _missing(result, header)
    return result


# -- indicators --------------------------------------------------------------

def _added(reader: Reader, levels: LevelReader, seg: _Segment | None, result: ParseResult) -> list[dict]:
    """Indicators a worker added to the fourteen ("15. Risk Indicator - Other (please specify)"), each read like
    one of them. A level ticked there above every other level raises the effective level, with a warning: it
    is a risk the worker recorded (SPEC principle 2)."""
    out = []
    for part in (seg, *seg.copies) if seg else ():
        title = clean(next((c.text for c in reader.doc.rows[part.start].cells if c.text.strip()), ""))
        if part.inline and title.endswith(part.inline):  # "15. Other: Gambling — Level: Significant — Evidence: …"
            title = title[:-len(part.inline)].rstrip(" –—-:")
        indicator = _indicator(reader, levels, part, result.warnings)
        if indicator.level is None and not indicator.evidence:
            continue
        out.append({"title": title, "level": indicator.level.value if indicator.level else None,
                    "evidence": indicator.evidence})
        raised = Level.highest([result.effective_level, indicator.level])
        if raised is not result.effective_level:
            result.warnings.append(f"an indicator added to the form ({title}) is ticked {raised.value}, above "
                                   f"every other level; the effective level is {raised.value}")
            result.effective_level = raised
    return out


def heading_key(text: str, profile: Profile) -> tuple[str, str | None] | None:
    """The indicator a heading cell names (and a level written after a colon)."""
    key = ("heading", text)
    found = profile.cache.get(key, _UNSEEN)
    if found is _UNSEEN:
        found = _find_heading(text, profile)
        if len(profile.cache) > TEXT_CACHE_SIZE:  # bounded: a daemon reads forms for months
            kept = {name: profile.cache[name] for name in _PROFILE_TABLES if name in profile.cache}
            profile.cache.clear()
            profile.cache.update(kept)
        profile.cache[key] = found
    return found  # type: ignore[return-value]


_UNSEEN = object()


def _find_heading(text: str, profile: Profile) -> tuple[str, str | None] | None:
    found = _first_line_heading(text.split("\n")[0], profile)
    if found is None and "\n" in text.strip() and (joined := joined_label(text)):
        found = _first_line_heading(joined, profile)  # "1. Risk Indicator -⏎Family and peer relationships"
    return found


def _first_line_heading(first: str, profile: Profile,
                        lookup: Callable[[str], str | None] | None = None) -> tuple[str, str | None] | None:
    """(indicator, level written after it) for a heading's first line; ``lookup`` names the indicator a title
    is (by default: one of the aliases, exactly)."""
    if lookup is None:
        table = _heading_table(profile)
        lookup = lambda text: _lookup(text, table)  # noqa: E731
    if len(first) > 160:
        return _level_line(first, profile, lookup)  # prose, not a heading, unless a title and its level open it
    key = lookup(first)
    if key is not None:
        return key, None
    head, sep, tail = first.partition(":")
    if sep:
        key = lookup(head)
        if key is not None:
            tail = tail.strip().lstrip("–—-").strip()  # "Accommodation: — Level: Moderate — Evidence: …"
            if _sentence(tail) and level_in(tail, profile.levels) is None and _inline(tail, profile) == (None, None):
                return None  # "Education: see the chronology below." opens evidence; it is no heading
            return key, tail or None
    # "Coercion / control – Level: Significant", "6. Risk Indicator - Running away - Level: Moderate - Evidence: …":
    # the level on the title line, after its last dash, or after the first that ends a title ("Accommodation –
    # Moderate – see below")
    head, dash, tail = max((first.rpartition(dash) for dash in (" – ", " - ", " — ")), key=lambda part: len(part[0]))
    splits = [(head, tail)] if dash else []
    splits += [(first[:m.start()], first[m.end():]) for m in _THEN.finditer(first) if m[0].strip()[:1] in "–—-"]
    for head, tail in splits:
        key = lookup(head)
        if key is not None:
            return key, tail.strip() or None
    return None


def _level_line(first: str, profile: Profile, lookup: Callable[[str], str | None]) -> tuple[str, str | None] | None:
    """A line that opens with an indicator's title and its level (or its level's label, left blank), then runs on
    with the evidence (a bulleted list of the fourteen: "• Education – Moderate – Attendance fell to 61% …"):
    (indicator, what follows the title), else None."""
    split = _level_split(first, profile)
    key = lookup(split[0]) if split else None
    return (key, split[1]) if split and key is not None else None


def _level_split(text: str, profile: Profile) -> tuple[str, str] | None:
    """(title, what follows it) for a line that runs on from a title to its level ("13. Weapons – Level:
    Significant – Evidence: …"), whatever the title says; else None."""
    for match in _TITLE_END.finditer(text, 0, 100):
        tail = text[match.end():].lstrip(" –—-")
        if _opens_with_level(tail, profile) and _inline(tail, profile) != (None, None):
            return text[:match.start()], tail.strip()
    return None


def _may_open_with_level(text: str, profile: Profile) -> bool:
    """A cheap test before reading a long cell as a title and its level: a separator near its start with a level's
    first word after it."""
    return any(_opens_with_level(text[match.end():].lstrip(" –—-"), profile) for match in _TITLE_END.finditer(text, 0, 100))


def _opens_with_level(text: str, profile: Profile) -> bool:
    word = text.split(None, 1)[0].lower().strip(":;,.–-") if text.strip() else ""
    return word in _level_openers(profile) or word in ("level", "risk", "assessed")


def _inline(text: str | None, profile: Profile) -> tuple[Level | None, str | None]:
    """What follows an indicator's title on its line: the level written there, and the evidence written after
    it ("Moderate – Attendance fell …", "Level: Moderate – Evidence: …"; a pointer, "see below", is none)."""
    if not text:
        return None, None
    head, *rest = _THEN.split(text.strip(), 1)
    label, colon, value = head.partition(":")
    value = value.strip() if colon and len(label.split()) <= 8 else head  # "Level of risk: Moderate", "Rating: Low"
    level = written_level(value, profile.levels) if value else None
    if rest and (level is not None or not value):  # a level, or its label left blank ("Level:  — Evidence: …")
        said = _EVIDENCE_LEAD.sub("", rest[0]).strip()
        return level, None if not said or pointer(said) else said
    return level if level is not None else written_level(text, profile.levels), None


# Between a title, its level and its evidence on one line: a spaced dash, or ";" / "|".
_THEN = re.compile(r"\s+[–—-]\s+|\s*[;|]\s+")
_TITLE_END = re.compile(r"\s+[–—-]\s+|\s*:\s*")
_EVIDENCE_LEAD = re.compile(r"^\s*(?:provide\s+)?evidence(?:\s*\([^)]{0,30}\))?\s*[:–—-]\s*", re.IGNORECASE)


def _sentence(text: str) -> bool:
    """Words ending like a sentence (five or more, then a full stop): prose."""
    text = text.strip()
    return len(text.split()) >= 5 and text[-1:] in ".!?"


_PROFILE_TABLES = ("heading_table", "field_forms", "alias_words", "header_forms")  # built once per profile, kept when the text cache is cleared


def _field_forms(profile: Profile) -> frozenset[str]:
    """Every normal form of every field label, built once per profile."""
    forms = profile.cache.get("field_forms")
    if forms is None:
        forms = profile.cache["field_forms"] = frozenset().union(*(spec.forms for spec in profile.fields.values()))
    return forms


def _heading_table(profile: Profile) -> dict[str, str]:
    """Every normal form of every indicator alias → its key, built once per profile."""
    table = profile.cache.get("heading_table")
    if table is None:
        table = {form: key for key, spec in profile.indicators.items() for form in spec.forms}
        profile.cache["heading_table"] = table
    return table


def _lookup(text: str, table: dict[str, str]) -> str | None:
    forms = set(label_forms(text))
    # "1. Risk Indicator - Family and peer relationships": the numbering and prefix are decoration.
    forms |= {_RISK_INDICATOR.sub("", norm(text)), _RISK_INDICATOR.sub("", norm(text, keep_parens=False))}
    for form in forms:
        if form in table:
            return table[form]
    return None


def indicators_found(doc: Document, profile: Profile) -> int:
    """How many of the fourteen the matrix reading finds, titles reworded or placed by number included."""
    return sum(1 for key in _segments(Reader(doc, profile), profile) if key in INDICATOR_KEYS)


def _segments(reader: Reader, profile: Profile) -> dict[str, _Segment]:
    cached = reader.memo.get("segments")
    if cached is None:
        cached = reader.memo["segments"] = _find_segments(reader, profile)
    return cached


def indicator_headings(doc: Document, profile: Profile) -> list[tuple[int, list[tuple[str, str | None]]]]:
    """Rows whose first or second cell names an indicator: (row, [(key, inline level), ...] in cell order).

    Scanned once per document and profile: form detection counts the indicators, the reader cuts segments.
    """
    memo_key = ("indicator_headings", id(profile))
    found_rows = doc.memo.get(memo_key)
    if found_rows is None:
        found_rows = []
        fields = _field_forms(profile)
        for i, row in enumerate(doc.rows):
            # The second cell after a number or an empty cell ("13. | Physical risks"), never a field's value
            # ("PROVIDE EVIDENCE | Education: see the chronology …").
            cells = row.cells[:1] if row.cells and label_forms(row.cells[0].text) & fields else row.cells[:2]
            found = [hit for cell in cells if cell.text.strip()
                     and (len(cell.text) <= 200 or _may_open_with_level(cell.text, profile))
                     and (hit := heading_key(cell.text, profile))]
            if found:
                found_rows.append((i, found))
        doc.memo[memo_key] = found_rows
    return found_rows


# An indicator a worker added to the matrix ("15. Risk Indicator - Other (please specify)", "Other risk
# indicator"): none of the fourteen, so it must not run on as the evidence and ticks of the one above it.
# Only "Other": a title Word wrapped ("5. Risk Indicator - Experience of") is one of the fourteen.
_ADDED_INDICATOR = re.compile(r"^\s*(?:\d{1,2}\s*[.):]\s*)?(?:risk\s+indicator\s*(?:\d{1,2})?\s*[-–—:]\s*other\b"
                              r"|other\s+(?:risk\s+)?indicator\b)"
                              # in a row placed as the indicators are: "15. Other", "Other (please specify): …"
                              r"|^\s*[•▪◦‣∙·●○■➢➤►*-]?\s*(?:(?:1[5-9]|2\d)\s*[.):]?\s*other\b|other\s*\(\s*please\s+specify)",
                              re.IGNORECASE)
ADDED = "other"  # the key of an added indicator's segment


# "2. Risk Indicator - Accommodation and living situation", "Indicator 7: Associates & hotspots": a row that says
# it is an indicator, whatever its title.
TITLED = re.compile(r"^\s*(?:\d{1,2}\s*[.):]?\s*)?(?:risk\s+indicator\s*(?:\d{1,2}\s*)?|indicator\s*\d{1,2}\s*)"
                     r"[-–—:.]\s*\w", re.IGNORECASE)
# The number a title gives its indicator: "7. Risk Indicator - …", "Indicator 7: …".
_TITLE_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.):]?\s*(?:risk\s+)?indicator\b|^\s*(?:risk\s+)?indicator\s*(\d{1,2})\b"
                           r"|^\s*(\d{1,2})\s*[.)](?:\s|$)", re.IGNORECASE)
# "13. Weapons": a numbered title of a few words in a table of indicator rows.
_NUMBERED_TITLE = re.compile(r"\d{1,2}\s*[.)]\s+[^\W\d][^\d:?]{0,58}")


def _other_headings(reader: Reader, profile: Profile, named: list[tuple[int, str, str | None]],
                    again: bool = True) -> list[tuple[int, str, str | None]]:
    """The indicator headings no alias names, found by the headings that are (``named``):

    - a title reworded ("Accommodation and living situation", "Use of controlled substances"): the one
      indicator whose alias's words it holds, with at most three more, if no heading names it yet; only in a
      row placed as the named ones are (their table, or the first row of a table of its own), or titled
      "Risk Indicator - …";
    - a title abbreviated past any alias ("13. Risk Indicator - Weapons", "Indicator 7: Associates & hotspots")
      in a form that numbers the named ones as Appendix 7 does: the indicator its number gives;
    - an indicator added to the form ("15. Risk Indicator - Other (please specify)"), or one titled
      "Risk Indicator - …" that is none of the fourteen: read as added (``ADDED``).

    Either way it must not run on as the ticks and evidence of the indicator above it. Titles found reworded
    count as named for the number and place rules (``again``: a second look, when one is left as added)."""
    rows = reader.doc.rows
    taken = {i for i, _, _ in named}
    unnamed = set(INDICATOR_KEYS) - {key for _, key, _ in named}
    tables = {rows[i].table for i in taken} - {None}
    own_tables = all(rows[i].table is not None and rows[i].index == 0 for i in taken)
    first = min(taken)
    lines = all(rows[i].table is None for i in taken)  # titles in paragraphs: maybe one a line
    start = _lines_before(rows, first, profile) if lines else first  # the title lines before the first named
    reworded = lambda title: _reworded(title, profile, unnamed)  # noqa: E731
    where = {key: i for i, key, _ in reversed(named)}  # each named indicator's (first) title row
    numbered = bool(unnamed) and _appendix_numbering(rows, named)
    ordered = bool(unnamed) and _appendix_order(named)
    grid = ordered and _grid_rows(rows, named)
    found = []
    for i, row in enumerate(rows):
        cells = row.cells  # (_title_text, inlined: every row passes here)
        text = cells[0].text if cells and cells[0].text.strip() else next((c.text for c in cells[1:2] if c.text.strip()), "")
        if text[:1].isdigit() and len(cells) > 1 and _BARE_NUMBER.fullmatch(text.strip()):
            text = cells[1].text  # "1 | Family and peer relationships at home": the number in a column of its own
        tail = None
        if lines and row.table is None and i >= start and i not in taken \
                and (unnamed or _ADDED_INDICATOR.match(text)) and (split := _level_split(text, profile)):
            text, tail = split  # "13. Weapons – Level: Significant – Evidence: …": a title line among title lines
        in_place = row.table in tables or (own_tables and row.table is not None and row.index == 0) or tail is not None
        placed = bool(unnamed) and in_place
        if i in taken or not (placed or "ndicator" in text or "NDICATOR" in text
                              or (in_place and _ADDED_INDICATOR.match(text))):
            continue  # (most rows: one test each)
        if "\n" in text.strip():
            text = joined_label(text) or ""  # "14. Risk Indicator - Engagement with⏎services / professionals"
        if not text or len(text) > 120 or any(m in text for m in MARKERS):
            continue
        titled = bool(TITLED.match(text))
        heading = _first_line_heading(text.strip(), profile, reworded) if unnamed and (titled or placed) else None
        if heading is None and titled and tail is None and (more := _title_goes_on(rows, i)):  # (no level on it)
            if i + 1 in taken:
                continue  # its second line names the indicator ("Violence"): the heading is there
            # "5. Risk Indicator - Experience of" ⏎ "Violence": a title a converter broke into two paragraphs
            heading = heading_key(f"{text.strip()} {more}", profile) or (
                _first_line_heading(f"{text.strip()} {more}", profile, reworded) if unnamed else None)
        if heading is None and numbered and (titled or (placed and _NUMBERED_TITLE.fullmatch(text.strip()))) \
                and not _ADDED_INDICATOR.match(text):
            heading = _by_number(text, i, profile, unnamed, where)  # "13. Risk Indicator - Weapons"
        if heading is None and ordered and placed and not titled and not reader.is_label(text):
            heading = _by_place(reader, i, text, unnamed, where, grid)  # "Being controlled by others" after 8
        if heading is not None:
            found.append((i, heading[0], heading[1] or tail))
            continue
        if i > first and ((titled and heading_key(text, profile) is None) or _ADDED_INDICATOR.match(text)):
            found.append((i, ADDED, tail))
    resolved = [heading for heading in found if heading[1] != ADDED]
    if again and resolved and (len(resolved) < len(found) or unnamed - {key for _, key, _ in resolved}):
        # "7. Risk Indicator - Risky people and places" among titles all reworded ("1. … at home"): numbered, or
        # placed, as Appendix 7 has them once the reworded ones count
        return resolved + _other_headings(reader, profile, sorted(named + resolved), again=False)
    return found


def _lines_before(rows: list, first: int, profile: Profile) -> int:
    """Where the run of title lines ("1. Family and peer relationships at home – Level: Low – Evidence: …") that
    the first named one continues starts: the paragraphs right above it that run on from a title to a level."""
    at = first
    while at > 0 and rows[at - 1].table is None and rows[at - 1].cells and (
            _level_split(rows[at - 1].cells[0].text, profile) or not rows[at - 1].cells[0].text.strip()):
        at -= 1
    return at


def _title_text(row) -> str:
    """A heading row's title: its first cell, or its second after an empty or numbered first."""
    cells = row.cells
    text = cells[0].text if cells and cells[0].text.strip() else next((c.text for c in cells[1:2] if c.text.strip()), "")
    return cells[1].text if len(cells) > 1 and _BARE_NUMBER.fullmatch(text.strip()) else text


_BARE_NUMBER = re.compile(r"\d{1,2}[.)]?")


def _appendix_numbering(rows: list, named: list[tuple[int, str, str | None]]) -> bool:
    """Whether the form numbers its indicators as Appendix 7 does: at least three of the named titles carry a
    number, each its indicator's own ("7. Risk Indicator - Contact with abusive adults …"); not when
    unnumbered, or renumbered after a reordering."""
    numbers = [(_title_number(_title_text(rows[i])), key) for i, key, _ in named]
    numbers = [(n, key) for n, key in numbers if n is not None]
    return len(numbers) >= 3 and all(0 < n <= len(INDICATOR_KEYS) and INDICATOR_KEYS[n - 1] == key for n, key in numbers)


def _appendix_order(named: list[tuple[int, str, str | None]]) -> bool:
    """Whether the named titles run in Appendix 7's order, each once."""
    order = [INDICATOR_KEYS.index(key) for _, key, _ in named]
    return all(a < b for a, b in zip(order, order[1:]))


def _grid_rows(rows: list, named: list[tuple[int, str, str | None]]) -> bool:
    """Whether the named titles are the rows of a grid: most of them right under the one before, in one table."""
    at = [i for i, _, _ in named]
    adjacent = sum(1 for a, b in zip(at, at[1:]) if b == a + 1 and rows[a].table == rows[b].table is not None)
    return adjacent * 2 >= len(at)


def _by_place(reader: Reader, i: int, text: str, unnamed: set[str], where: dict[str, int],
              grid: bool) -> tuple[str, str | None] | None:
    """The indicator a title naming none is by its place, in a matrix whose named titles run in Appendix 7's
    order: the one row of a grid between indicator 8's row and 10's is 9 ("Being controlled by others"), so
    is the one table between theirs when each has a table of its own; the grid's row after 13's is 14. Its
    words must name no other indicator."""
    rows = reader.doc.rows
    row = rows[i]
    for key in unnamed:
        n = INDICATOR_KEYS.index(key)
        before = where.get(INDICATOR_KEYS[n - 1]) if n > 0 else None
        after = where.get(INDICATOR_KEYS[n + 1]) if n + 1 < len(INDICATOR_KEYS) else None
        if before is None or not before < i < (after if after is not None else len(rows)):
            continue
        same_grid = grid and rows[before].table == row.table and i == before + 1
        if after is not None:
            own_table = row.index == 0 and rows[after].index == 0 and rows[before].index == 0 and not any(
                rows[k].index == 0 and rows[k].table is not None and rows[k].depth == row.depth
                for k in range(before + 1, after) if k != i)
            fits = (same_grid and rows[after].table == row.table and after == i + 1) or own_table
        else:
            fits = same_grid  # the last indicator: only right under 13's row in the same grid
        if fits:
            return None if _names_another(text, key, reader.profile) else (key, None)
    return None


def _names_another(title: str, key: str, profile: Profile) -> bool:
    """Whether a title's words hold the words of some indicator's alias, none of them ``key``'s ("2. Missing
    from education" for Accommodation): then neither its number nor its place can make it ``key``."""
    words = _title_words(title)
    named = {k for k, alias in _alias_words(profile) if alias <= words}
    return bool(named) and key not in named


def _title_number(text: str) -> int | None:
    match = _TITLE_NUMBER.match(text)
    return int(match.group(1) or match.group(2) or match.group(3)) if match else None


def _by_number(text: str, i: int, profile: Profile, unnamed: set[str],
               where: dict[str, int]) -> tuple[str, str | None] | None:
    """The indicator an abbreviated title ("Indicator 7: Associates & hotspots", "13. Weapons") is by its number,
    in a form numbering the others as Appendix 7 does: if no title names that indicator, the title stands
    between its neighbours' (after 6's, before 8's) and its words name no other indicator ("2. Missing from
    education" is not Accommodation)."""
    n = _title_number(text)
    if n is None or not 0 < n <= len(INDICATOR_KEYS) or INDICATOR_KEYS[n - 1] not in unnamed \
            or _names_another(text, INDICATOR_KEYS[n - 1], profile):
        return None
    before = INDICATOR_KEYS[n - 2] if n > 1 else None
    after = INDICATOR_KEYS[n] if n < len(INDICATOR_KEYS) else None
    if (before in where and where[before] > i) or (after in where and where[after] < i):
        return None
    return INDICATOR_KEYS[n - 1], None


def _title_goes_on(rows: list, i: int) -> str | None:
    """The next row's text, if it is a short paragraph of its own (a title's second line)."""
    if i + 1 >= len(rows) or rows[i + 1].table is not None or len(rows[i + 1].cells) != 1:
        return None
    more = rows[i + 1].cells[0].text.strip()
    return more if more and len(more) <= 60 and "\n" not in more else None


def _reworded(title: str, profile: Profile, unnamed: set[str]) -> str | None:
    """The indicator a reworded title names: the only one with an alias all of whose words it holds, with at
    most three more ("Running away or going missing from home or care"); None if that one is named elsewhere
    already, or if two indicators could be meant ("Missing from education")."""
    words = _title_words(title)
    if not words or len(words) > 12:
        return None
    keys = {key for key, alias in _alias_words(profile) if alias <= words and len(words - alias) <= 3}
    key = keys.pop() if len(keys) == 1 else None
    return key if key in unnamed else None


def _title_words(text: str) -> frozenset[str]:
    """A title's words, singular, without its "Risk Indicator" prefix, numbering and little words."""
    plain = _RISK_INDICATOR.sub("", norm(text, keep_parens=False))
    return frozenset(_singular(word) for word in plain.split() if word not in _LITTLE_WORDS)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


_LITTLE_WORDS = frozenset("a an the of to for in on at with by from including include use using".split())


def _alias_words(profile: Profile) -> list[tuple[str, frozenset[str]]]:
    """(indicator, the words of one of its aliases), built once per profile."""
    found = profile.cache.get("alias_words")
    if found is None:
        found = profile.cache["alias_words"] = [
            (key, words) for key, spec in profile.indicators.items() for alias in spec.aliases
            if (words := _title_words(alias))]
    return found  # type: ignore[return-value]


def _find_segments(reader: Reader, profile: Profile) -> dict[str, _Segment]:
    ordered = [(i, *found[0]) for i, found in indicator_headings(reader.doc, profile)]
    if not ordered:
        return {}
    ordered = sorted(ordered + _other_headings(reader, profile, ordered))
    stops = _terminators(reader, profile, ordered[0][0])
    segments: dict[str, _Segment] = {}
    for n, (row, key, inline) in enumerate(ordered):
        nxt = ordered[n + 1][0] if n + 1 < len(ordered) else len(reader.doc.rows)
        segment = _Segment(key, row, min([nxt] + [s for s in stops if s > row]), inline)
        if key in segments:
            segments[key].copies.append(segment)  # every copy's ticks count (the higher level wins)
        else:
            segments[key] = segment
    return segments


def _terminators(reader: Reader, profile: Profile, after: int) -> list[int]:
    rows: set[int] = set()
    for name in _TERMINATOR_FIELDS:
        spec = profile.fields.get(name)
        if spec:
            rows.update(h.row for h in reader.find(spec, after + 1, fuzzy=False))  # boundaries: exact
    for name in _TERMINATOR_SECTIONS:
        spec = profile.sections.get(name)
        if spec:
            rows.update(r for r in reader.heading_rows(spec) if r > after)
            # Or the section's name as the label of a row ("Other child(ren) & family factors to consider. |
            # • Family: …"): the last indicator's evidence ends there too.
            rows.update(h.row for h in reader.find(spec, after + 1, fuzzy=False) if h.cell == 0)
    return sorted(rows)


def _indicator(reader: Reader, levels: LevelReader, seg: _Segment, warnings: list[str]) -> Indicator:
    profile = reader.profile
    parts = [(part, *_bounds(reader, levels, part)) for part in (seg, *seg.copies)]
    # Level rows a form put below the evidence row are ticks, not evidence.
    late = {part.start: _level_rows(reader, levels, evidence_row + 1, part.end) for part, evidence_row, _ in parts}
    marks = [mark for part, evidence_row, _ in parts
             for i in [*range(part.start, evidence_row), *late[part.start]] for mark in levels.row_marks(i)]
    level, notes = choose(marks, f"indicators.{seg.key}")
    if level is None:  # no tick: a level written instead ("Level: Moderate"), the highest of the copies'
        level = Level.highest([_inline(part.inline, profile)[0] or _labelled_level(reader, part, row)
                               or _written_beside(reader, levels, part.start + 1, row) for part, row, _ in parts])
    if seg.copies:
        notes.insert(0, f"indicators.{seg.key}: the indicator appears {len(parts)} times; "
                        "every copy is read and the highest level used")
    evidence = [_evidence(reader, hit, part.end, late[part.start]) if hit
                else _grid_evidence(reader, part) or _line_evidence(reader, part) for part, _, hit in parts]
    # The template's own instruction left in the evidence cell is no evidence, nor is "N/A" or "Not known".
    evidence = [e for e in evidence if e and given(e) and not guidance(e)
                and not (len(e) <= 80 and "\n" not in e and matches(e, profile.fields["evidence"]))]
    openers = _level_openers(profile)
    restated = Level.highest([level_in(first, profile.levels) for e in evidence
                              if (first := _LEVEL_LEAD.sub("", e.split("\n", 1)[0]).strip())
                              and first.split(None, 1)[0].lower().strip(":;,.–-") in openers])
    if level is None and restated is not None:
        level = restated  # nothing ticked or written as the level: "Moderate – seen with older males" says it
    elif restated is not None and level is not None and restated.rank > level.rank:
        # "Significant – see below" under a tick on Low: conflicting signals route by the higher (SPEC principle 2).
        notes.append(f"indicators.{seg.key}: the evidence begins with {restated.value}, above the ticked "
                      f"{level.value}; using {restated.value}")
        level = restated
    warnings.extend(notes)
    return Indicator(level=level, evidence="\n".join(evidence) or None)


# "Level: Low risk" opening a cell headed "Level of risk and evidence": the level, then the evidence.
_LEVEL_LEAD = re.compile(r"^\s*(?:(?:assessed\s+)?(?:risk\s+)?level(?:\s+of\s+risk)?|risk)\s*[:–—-]\s*", re.IGNORECASE)


def _level_openers(profile: Profile) -> frozenset[str]:
    """The first words of the level names ("significant", "high", "no", ...): a cheap test before reading one."""
    found = profile.cache.get("level_openers")
    if found is None:
        found = profile.cache["level_openers"] = frozenset(
            name.split()[0].lower() for names in profile.levels.values() for name in names if name.split())
    return found  # type: ignore[return-value]


def _bounds(reader: Reader, levels: LevelReader, seg: _Segment) -> tuple[int, Hit | None]:
    """Where one copy of an indicator's ticks end (its evidence label's row), and that label."""
    hits = [h for h in reader.find(reader.profile.fields["evidence"], seg.start, seg.end)
            if not levels.is_header(h.row)  # a grid's header repeated mid-table
            and not _next_tables_header(reader, seg, h)]
    return (hits[0].row, hits[0]) if hits else (seg.end, None)


def _next_tables_header(reader: Reader, seg: _Segment, hit: Hit) -> bool:
    """The column headings of the next table of indicator rows ("Risk indicator | Level of risk | Evidence"),
    right under the last indicator of the table before: the next indicator's, not this one's evidence label."""
    rows = reader.doc.rows
    row = rows[hit.row]
    return (hit.cell > 0 and row.index == 0 and row.table != rows[seg.start].table and hit.row + 1 == seg.end
            and seg.end < len(rows) and rows[seg.end].table == row.table)


def _labelled_level(reader: Reader, seg: _Segment, end: int) -> Level | None:
    spec = reader.profile.fields.get("level")
    hits = reader.find(spec, seg.start, end, fuzzy=False) if spec else []
    # A value holding tick boxes is a list of the levels, not one written: its first line is no answer.
    value = next((clean(v) for h in hits if (v := reader.value(h)) and clean(v) and not any(m in v for m in MARKERS)),
                 None)
    return written_level(value, reader.profile.levels)


def _written_beside(reader: Reader, levels: LevelReader, start: int, end: int) -> Level | None:
    """A level written as the value of a row of its own under the unticked level rows ("Assessed level for
    this indicator | Significant"), whatever the label says: the one such row, else None."""
    found = []
    for i in range(start, end):
        cells = [c for c in reader.doc.rows[i].cells if c.text.strip() and not c.merged_above]
        if len(cells) != 2 or len(cells[0].text) > 80 or any(m in c.text for c in cells for m in MARKERS):
            continue
        if levels.bare_level(cells[0]) is None and (level := levels.bare_level(cells[1])) is not None:
            found.append(level)
    return found[0] if len(found) == 1 else None


def _level_rows(reader: Reader, levels: LevelReader, start: int, end: int) -> list[int]:
    """Rows of the template's level list (a level's bare name and its tick) in [start, end), and a row labelled
    as the level ("Level of risk | Moderate", "Level of risk | ☐ Low ☒ Moderate …" under the evidence row)."""
    found = []
    spec = reader.profile.fields.get("level")
    for i in range(start, end):
        row = reader.doc.rows[i]
        named = next((c for c in row.cells if c.text.strip() and not c.merged_above), None)
        if row.table is not None and named is not None and (
                (levels.bare_level(named) is not None and levels.row_marks(i))
                or (spec is not None and _labelled_row(row, named, spec))):
            found.append(i)
    return found


def _labelled_row(row, label: Cell, spec: FieldSpec) -> bool:  # type: ignore[no-untyped-def]
    """A row whose first filled cell is the label and holds nothing else, with something beside it."""
    return label is not row.cells[-1] and "\n" not in label.text.strip() and matches(label.text, spec)


def _evidence(reader: Reader, hit, end: int, skip: list[int] | None = None) -> str | None:
    parts: list[str] = []
    if hit.inline:
        parts.append(hit.inline + reader.rest_of_cell(hit))  # "Evidence: Attendance fell.⏎• Further note."
    row = reader.doc.rows[hit.row]
    parts.extend(c.text for c in row.cells[hit.cell + 1:] if not c.merged_above)
    for i in range(hit.row + 1, end):
        if not skip or i not in skip:
            parts.extend(c.text for c in reader.doc.rows[i].cells if not c.merged_above)
    text = clean("\n".join(parts))
    return text or None


def _grid_evidence(reader: Reader, seg: _Segment) -> str | None:
    """Evidence in a column headed "Evidence" of a table whose rows are indicators (with a table pasted into the
    evidence cell: its rows follow the indicator's, nested deeper)."""
    rows = reader.doc.rows
    row = rows[seg.start]
    if row.table is None:
        return None
    spec = reader.profile.fields["evidence"]
    for i in range(seg.start - 1, -1, -1):
        above = rows[i]
        if above.depth > row.depth:
            continue  # a table nested in an indicator's cell above (an incident log pasted as evidence)
        if above.table != row.table:
            break
        for cell in above.cells:
            if matches(cell.text, spec):
                target = row.cell_at(cell.col)
                parts = [target.text] if target is not None else []
                for k in range(seg.start + 1, seg.end):
                    if rows[k].depth > row.depth:
                        parts.extend(c.text for c in rows[k].cells if not c.merged_above)
                    elif (more := _continued(rows[k], row.table, cell.col)) is not None:
                        parts.append(more)
                    else:
                        break
                return clean("\n".join(parts)) or None
    return None


def _line_evidence(reader: Reader, seg: _Segment) -> str | None:
    """Evidence written on the indicator's title line after its level, with what follows it up to the next
    indicator ("2. Accommodation — Level: Moderate — Evidence: Lives with mum …" then "Further: seen …")."""
    said = _inline(seg.inline, reader.profile)[1]
    if said is None:
        return None
    rows = reader.doc.rows
    return clean("\n".join([said, *(c.text for i in range(seg.start + 1, seg.end) for c in rows[i].cells
                                    if not c.merged_above)])) or None


def _continued(row, table: int | None, col: int) -> str | None:  # type: ignore[no-untyped-def]
    """The evidence column's text in a row that only continues the indicator above (every other cell blank or
    merged down from it: "|  |  | Continued (ref EDU2)."), else None."""
    if row.table != table:
        return None
    evidence = row.cell_at(col)
    if evidence is None or any(c.text.strip() and not c.merged_above for c in row.cells if c is not evidence):
        return None
    return evidence.text


# -- overall level -----------------------------------------------------------

def _overall(reader: Reader, levels: LevelReader, profile: Profile, segments: dict, warnings: list[str]) -> Level | None:
    spec = profile.fields["overall_level"]
    last_indicator = max((s.start for s in segments.values()), default=-1)
    hits = [h for h in reader.find(spec) if h.row > last_indicator] or reader.find(spec)
    found: list[Level] = []
    for hit in hits:
        end = _header_row_after(reader, profile, hit.row + 1, section_end(reader, profile, hit.row, _indicator_rows(segments)))
        level, notes = _overall_at(reader, levels, profile, hit, end)
        if level is not None:
            found.append(level)
            warnings.extend(n for n in notes if n not in warnings)
    if len(set(found)) > 1:  # e.g. last review's matrix left above this one: never the lower
        chosen = Level.highest(list(found))
        listed = ", ".join(lvl.value for lvl in found)
        warnings.append(f"overall_level: the document records several overall levels ({listed}); "
                        f"using the highest, {chosen.value if chosen else None}")
        return chosen
    return found[0] if found else None


def _header_row_after(reader: Reader, profile: Profile, start: int, end: int) -> int:
    """The first row in [start, end) that a header or child field's label leads ("Disability | None" under a blank
    overall level put first: the child's, not a level), else ``end``."""
    forms = profile.cache.get("header_forms")
    if forms is None:
        forms = profile.cache["header_forms"] = frozenset().union(*(
            spec.forms for key, spec in profile.fields.items() if key.startswith(_HEADER_FIELDS)))
    for i in range(start, end):
        first = next((c.text for c in reader.doc.rows[i].cells if c.text.strip()), "")
        if first and label_forms(first) & forms:  # type: ignore[operator]
            return i
    return end


_HEADER_FIELDS = ("child.", "worker.", "line_manager.", "date", "assessment_date")


def _indicator_rows(segments: dict[str, _Segment]) -> list[int]:
    """Where every indicator (and every copy of one) starts."""
    return sorted(part.start for seg in segments.values() for part in (seg, *seg.copies))


def _overall_at(reader: Reader, levels: LevelReader, profile: Profile, hit: Hit,
                end: int) -> tuple[Level | None, list[str]]:
    """The overall level one overall-level label records: written inline, ticked below it, or written beside."""
    if hit.inline and (written := written_level(hit.inline, profile.levels)):
        return written, []
    if hit.inline and (between := levels.two_written(hit.inline)):
        return choose(between, "overall_level")  # "Overall level: Moderate/Low": the higher, with a warning
    own = levels.row_marks(hit.row)
    if len(own) == 1 and own[0][1] is None:  # "Overall level | Significant Risk", the level rows below unticked
        beside = own[0][0]
        ticked, notes = choose(levels.marks(hit.row + 1, end), "overall_level")
        if ticked is None or ticked == beside:
            return beside, notes
        higher = Level.highest([beside, ticked])
        return higher, notes + [f"overall_level: {beside.value} is written beside the label and {ticked.value} "
                                f"ticked below it; using the higher, {higher.value if higher else None}"]
    marks = levels.marks(hit.row, end)
    level, notes = choose(marks, "overall_level")
    if level is not None:
        return level, notes
    if not marks:
        return written_level(reader.value(hit), profile.levels), []
    # The template's rows left unticked and the level written in a row of its own ("Assessed level | Low")
    return _written_beside(reader, levels, hit.row + 1, end), []


# -- header and child --------------------------------------------------------

def _header(reader: Reader, profile: Profile, today: date) -> dict:
    fields = profile.fields
    worker, worker_hit = reader.field(fields["worker.name"])
    manager_hits = reader.find(fields["line_manager.name"])
    group_end = manager_hits[0].row if manager_hits and worker_hit and manager_hits[0].row > worker_hit.row else None
    agency = date_text = None
    own_agency_cell = own_date_cell = False
    if worker_hit is not None:
        end = group_end if group_end is not None else worker_hit.row + 6
        agency = _after(reader, fields["worker.agency"], worker_hit, end)
        date_text = _after(reader, fields["date"], worker_hit, end)
        # The worker's own agency cell (beside the worker, or in the rows of the worker's part of the header)
        # left blank is missing: never filled from the line manager's.
        own_agency_cell = any((hit.row > worker_hit.row or hit.cell > worker_hit.cell) and not _says(reader, hit, "manager")
                              for hit in reader.find(fields["worker.agency"], worker_hit.row, end))
        own_date_cell = any(hit.row > worker_hit.row or hit.cell > worker_hit.cell
                            for hit in reader.find(fields["date"], worker_hit.row, end))
        if date_text is None and not own_date_cell:
            date_text = _dated_beside(reader, worker_hit, today)  # "Date of CE matrix | 03/03/2026"
    if agency is None:
        agency = _nearest(reader, fields["worker.agency"], worker_hit, manager_hits,
                          _first_indicator_row(reader, profile), managers_too=not own_agency_cell)
    assessed, asked = reader.field(fields["assessment_date"], fuzzy=False)  # else the worker's "Date"
    if not assessed and asked is None and not date_text and not own_date_cell:  # (asked and blank: missing)
        # Rows shuffled so the worker's "Date" is not beside the worker: the header's first date, never the
        # line manager's (the date the manager signed is not the assessment's: better missing than wrong). A
        # manager signs once: of the dates in a manager's part, the first is the manager's, the next someone's.
        dates = reader.find(fields["date"], 0, _first_indicator_row(reader, profile))
        signed = {next((hit for hit in dates if _managers_date(hit, m, worker_hit)), None) for m in manager_hits}
        for hit in dates:
            if hit in signed:
                continue
            if text := _given_value(reader, hit):
                date_text = text
                break
    assessment_date = parse_uk_date(assessed, today=today) or parse_uk_date(date_text, today=today)
    manager = _given_value(reader, manager_hits[0]) if manager_hits else ""
    return {"worker_name": worker, "worker_agency": agency, "assessment_date": assessment_date,
            "line_manager": manager or None}


def _nearest(reader: Reader, spec: FieldSpec, worker, managers: list, end: int, *,
             managers_too: bool = True) -> str | None:
    """With header rows shuffled: the filled value nearest the worker; one in a manager's row only as a
    last resort, and not at all (``managers_too=False``) when the worker's own cell was left blank."""
    best: tuple[tuple[bool, bool, int], str] | None = None
    for hit in reader.find(spec, 0, end):
        says_worker = _says(reader, hit, "worker")
        # Right of the manager, or in the rows of the manager's part of the header, it is probably the
        # manager's own: used only if nothing else is filled.
        managers_own = not says_worker and any(_in_managers_part(hit, m, worker) for m in managers)
        if managers_own and not managers_too:
            continue
        text = _given_value(reader, hit)
        rank = (managers_own, not says_worker, abs(hit.row - worker.row) if worker is not None else hit.row)
        if text and (best is None or rank < best[0]):
            best = (rank, text)
    return best[1] if best else None


def _says(reader: Reader, hit: Hit, word: str) -> bool:
    """Whether a label names whose it is ("Worker agency", "Manager contact details & agency")."""
    return word in norm(reader.doc.rows[hit.row].cells[hit.cell].text.split(":")[0])


def _in_managers_part(hit: Hit, manager: Hit, worker: Hit | None) -> bool:
    """Beside the manager, or within the four rows after the manager's (unless the worker's part starts)."""
    if hit.row == manager.row:
        return hit.cell > manager.cell
    after_worker = worker is not None and manager.row < worker.row <= hit.row
    return manager.row < hit.row <= manager.row + 4 and not after_worker


def _first_indicator_row(reader: Reader, profile: Profile) -> int:
    segments = _segments(reader, profile)
    return min((seg.start for seg in segments.values()), default=len(reader.doc.rows))


def _managers_date(hit: Hit, manager: Hit, worker: Hit | None) -> bool:
    """A date that is surely the line manager's: in the manager's part of the header, where that part is
    the manager's row or comes after the worker's (in a header shuffled otherwise, the rows are anyone's)."""
    return _in_managers_part(hit, manager, worker) and (
        hit.row == manager.row or (worker is not None and worker.row < manager.row))


def _dated_beside(reader: Reader, worker: Hit, today: date) -> str | None:
    """A date in the worker's row, right of the worker, under a label that starts with "Date" but is none of
    the profile's ("Date of CE matrix | 03/03/2026")."""
    cells = reader.doc.rows[worker.row].cells
    for k in range(worker.cell + 1, len(cells) - 1):
        label = norm(cells[k].text.split(":")[0])
        if label.split(" ", 1)[0] == "date" and len(label.split()) <= 5:
            value = cells[k + 1].text
            if parse_uk_date(clean(value), today=today) is not None:
                return clean(value)
    return None


def _after(reader: Reader, spec: FieldSpec, anchor, end: int) -> str | None:
    for hit in reader.find(spec, anchor.row, end):
        if hit.row == anchor.row and hit.cell <= anchor.cell:
            continue
        text = _given_value(reader, hit)
        if text:
            return text + _lines_on(reader, hit.row) if _CONTACT_ONLY.fullmatch(text) else text
    return None


def _given_value(reader: Reader, hit: Hit) -> str:
    """A header field's value as written, "" where it is blank or says none was given ("Not known")."""
    return given(clean(reader.value(hit) or ""))


def _lines_on(reader: Reader, at: int) -> str:
    """"Contact Details & Agency: Tel: 0191 388 2222⏎Email: …⏎Park View School", a paragraph's lines broken by
    hand: the lines after a value of contact details alone, up to the next label (none but contact details)."""
    rows = reader.doc.rows
    more = []
    for i in range(at + 1, min(at + 4, len(rows))):
        text = rows[i].cells[0].text.strip() if rows[i].table is None and rows[i].cells else ""
        if not text or (not _CONTACT_ONLY.fullmatch(text) and reader.is_label(text)):
            break
        more.append(text)
        if not _CONTACT_ONLY.fullmatch(text):
            break  # the agency's name, after its telephone and e-mail
    return "".join("\n" + line for line in more) if more and not _CONTACT_ONLY.fullmatch(more[-1]) else ""


# A value of nothing but a telephone number and / or an e-mail address, each maybe after its word ("Tel: …").
_CONTACT_ONLY = re.compile(r"(?:\s*(?:(?:tel|telephone|phone|mob|mobile|email|e-mail)\.?\s*[:\-]?\s*)?"
                           r"(?:\+?[\d()][\d ()-]{6,}\d|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)[,;]?\s*)+", re.IGNORECASE)


def _child(reader: Reader, profile: Profile, assessed: date | None, today: date, warnings: list[str]) -> Child:
    fields = profile.fields
    raw_name, _ = reader.field(fields["child.name"], not_people=True)
    raw_name = None if pointer(raw_name) else raw_name  # "See household table"
    if not raw_name:  # "Forename | Surname" as two fields
        raw_name = join_names(*(reader.field(fields.get(f"child.{part}"), fuzzy=False, not_people=True)[0]
                                for part in ("forename", "surname")))
    listed = {} if raw_name else subject_child(reader.doc)  # only in a household table, marked as the subject
    name, aliases = split_name(raw_name or listed.get("name"))
    if name and not aliases:  # "Child's name | Riley Walker" of a referral before the matrix's "Riley Walker (aka Dee)"
        for hit in reader.find(fields["child.name"]):
            other, more = split_name(clean(reader.value(hit) or ""))
            if more and other and other.casefold() == name.casefold():
                aliases = more
                break
    alias_text, _ = reader.field(fields["child.aliases"], fuzzy=False)
    if alias_text:
        aliases.extend(a for a in split_aliases(alias_text) if a not in aliases)
    dob_text = reader.field(fields["child.dob"], not_people=True)[0] or listed.get("dob")
    dob = parse_uk_date(dob_text, today=today)
    warnings.extend(unreadable_date("child.dob", dob_text, dob))
    age_text, _ = reader.field(fields["child.age"])
    age = form_age(dob, assessed, parse_age(age_text))
    details = {}
    for key in ("address", "gender", "disability", "ethnicity", "language", "legal_status", "gp", "school",
                "agency_reference", "known_to_police", "known_to_yos", "known_to_camhs"):
        spec = fields.get(f"child.{key}")
        details[key] = reader.field(spec, fuzzy=False, not_people=True)[0] if spec else None  # exact labels only
    details["address"] = details["address"] or listed.get("address")
    for key in ("known_to_police", "known_to_yos", "known_to_camhs"):
        hit = _first(reader, fields.get(f"child.{key}"))
        question = reader.question_at(hit) if hit is not None else None
        if question is not None and (details[key] is None or question.offered):
            # "Yes ☐ No ☒", or Yes and No in cells of their own: the ticked one, not the printed "Yes No".
            details[key] = None if question.answer is None else "Yes" if question.answer else "No"
    # In the matrix's own header, if it asks there: a referral form in the same file may ask again.
    spec = fields.get("child.open_to_csc")
    own = reader.answer(spec, end=_first_indicator_row(reader, profile))
    details["open_to_csc"] = own.answer if own.answer is not None else reader.answer(spec).answer
    return Child(name=name, dob=dob, age=age, aliases=aliases, details=details)


def _first(reader: Reader, spec: FieldSpec | None):
    hits = reader.find(spec) if spec else []
    return hits[0] if hits else None


# -- tick lists and extras ---------------------------------------------------

_LD_SHORT = frozenset({"ld", "mld", "sld", "pmld"})


def _extras(reader: Reader, profile: Profile, header: dict, child: Child) -> dict:
    child_factors, family_factors = factors(reader, profile, _indicator_rows(_segments(reader, profile)))
    header_end = _first_indicator_row(reader, profile)
    stage = reader.ticked_items(profile.tick_lists.get("stage", ()), 0, header_end, fuzzy=False)
    disability = norm(child.details.get("disability") or "")
    # "Learning disability", "LD", "SEN – MLD" (moderate / severe / profound and multiple learning difficulties)
    named = "learning" in disability or bool(_LD_SHORT & set(disability.split()))
    ld = "learning_disabilities" in child_factors or (
        named and not disability.startswith(("no ", "none", "nil", "not ")))
    assessed = header.get("assessment_date")
    return {
        "stage": stage[0] if stage else None,
        "worker": {"name": header.get("worker_name"), "agency": header.get("worker_agency")},
        "line_manager": header.get("line_manager"),
        "assessment_date": assessed.isoformat() if assessed else None,
        "open_to_csc": child.details.get("open_to_csc"),
        "child_factors": child_factors,
        "family_factors": family_factors,
        "learning_disability": ld,
    }


def _missing(result: ParseResult, header: dict) -> list[str]:
    missing = []
    if not result.child.name:
        missing.append("child.name")
    if result.child.dob is None:
        missing.append("child.dob")
    if not header.get("worker_name"):
        missing.append("worker.name")
    if not header.get("worker_agency"):
        missing.append("worker.agency")
    if header.get("assessment_date") is None:
        missing.append("assessment_date")
    if result.overall_level is None:
        missing.append("overall_level")
    for key in INDICATOR_KEYS:
        indicator = result.indicators[key]
        if indicator.level is None:
            missing.append(f"indicators.{key}.level")
        if not indicator.evidence:
            missing.append(f"indicators.{key}.evidence")
    return missing

"""Which risk level a stretch of a form records, however the tick was typed.

A level may be ticked in its own row (check box, legacy field, glyph, "X",
"Yes"), ticked in a grid whose columns are levels, marked by a glyph before
the level's label, or simply written as text ("Level of risk | Moderate").
Several levels ticked → the highest, with a warning.
"""

from __future__ import annotations

import re
from functools import lru_cache

from parsers.extract import Reader
from parsers.label_index import joined_label
from parsers.ticks import ITEM_SEPARATOR, edge_tick, segments, side_tick, tick_state
from parsers.labels import TEXT_CACHE_SIZE, label_forms, norm
from parsers.results import Level
from parsers.wordml import MARKERS, TICK_OFF, TICK_ON, Cell, Row, strip_markers

_X_BEFORE = re.compile(r"^\s*[xX]\s+(\S.*)$", re.S)
_X_AFTER = re.compile(r"^(.*\S)\s+[xX]\s*$", re.S)
_RISK_OF = re.compile(r"^(.{1,40}?\brisks?)\s+(?:of|for|to|from)\b", re.IGNORECASE | re.S)
# A column heading that names an earlier assessment's level ("Previous level (last review)", "Level at last review"),
# not one that only mentions it ("Level of risk (if changed since the last review, say why)").
_EARLIER = re.compile(r"^\W*(?:previous|prior|earlier|initial|original|last\s+(?:review|assessment))\b"
                      r"|\b(?:at|from|on)\s+(?:the\s+)?(?:last|previous|prior|initial)\s+(?:review|assessment)\b",
                      re.IGNORECASE)
_BETWEEN = re.compile(r"\s*(?:/|\\|,|&|\+|\bor\b|\band\b|\bto\b|\s[-–]\s)\s*", re.IGNORECASE)


class LevelReader:
    def __init__(self, reader: Reader, levels: dict[str, tuple[str, ...]]) -> None:
        self.reader = reader
        self.levels = levels
        self._key = _levels_key(levels)
        self._grids = self._grid_headers()
        self._earlier = self._earlier_columns()

    def level_in(self, text: str, strict: bool = False) -> Level | None:
        return _level_in(text, self._key, strict)

    def _grid_headers(self) -> dict[int, tuple[int, dict[int, Level]]]:
        """Per table, a header row whose cells are level names (columns of ticks below)."""
        grids: dict[int, tuple[int, dict[int, Level]]] = {}
        for i, row in enumerate(self.reader.doc.rows):
            if row.table is None or row.table in grids:
                continue
            cols = {c.col: lvl for c in row.cells if (lvl := self.bare_level(c)) is not None}
            if len(set(cols.values())) >= 3:
                grids[row.table] = (i, cols)
        return grids

    def _earlier_columns(self) -> dict[int, frozenset[int]]:
        """Per table, the columns its first row heads as an earlier assessment's level ("Previous level (last
        review)", "Level at last review"): a record of the past, not the level recorded now."""
        found: dict[int, frozenset[int]] = {}
        for row in self.reader.doc.rows:
            if row.table is not None and row.index == 0:
                cols = frozenset(c.col for c in row.cells if len(c.text) <= 60 and _EARLIER.search(c.text.strip()))
                if cols and len(cols) < len(row.cells):
                    found[row.table] = cols
        return found

    def bare_level(self, cell: Cell) -> Level | None:
        if len(cell.text) > 60 or any(m in cell.text for m in MARKERS) or "\n" in cell.text.strip():
            return None
        return self.level_in(cell.text, strict=True)

    def is_header(self, i: int) -> bool:
        """A row of level names heading a grid of ticks (repeated mid-table when a grid spans pages)."""
        row = self.reader.doc.rows[i]
        return row.table is not None and len({lvl for c in row.cells if (lvl := self.bare_level(c))}) >= 3

    def marks(self, start: int, end: int) -> list[tuple[Level, bool | None]]:
        out: list[tuple[Level, bool | None]] = []
        for i in range(start, end):
            out.extend(self.row_marks(i))
        return out

    def row_marks(self, i: int) -> list[tuple[Level, bool | None]]:
        row = self.reader.doc.rows[i]
        grid = self._grids.get(row.table) if row.table is not None else None
        if grid is not None and grid[0] != i and self.is_header(i):
            return []  # the grid's header again: names, not ticks
        if grid is not None and grid[0] != i:
            marks = self._grid_marks(row, grid[1])
            if marks:
                return marks
        marks = []
        earlier = self._earlier.get(row.table, ()) if row.table is not None else ()
        cells = [(j, c) for j, c in enumerate(row.cells) if not c.merged_above and c.text.strip() and c.col not in earlier]
        found = []
        for j, cell in cells:
            multi = self._multi(cell)
            if multi:
                marks.extend(multi)
                continue
            level, state = self._cell_level(cell)
            if level is not None:
                found.append((j, level, state))
        if not found and not marks:  # no level name in the row: a level written as a phrase ("… risk of CCE")
            for j, cell in cells:
                text = cell.text.strip()
                level = (_level_phrase(text, self._key)
                         if "\n" not in text and not any(m in text for m in MARKERS) else None)
                if level is not None and len(text) <= 80:
                    found.append((j, level, None))
        for j, level, state in found:
            if state is None:
                state = self._row_tick(row, j) if len(found) == 1 else side_tick(row, j)
            marks.append((level, state))
        if not marks and row.table is not None and row.cells and row.cells[0].merged_above:
            marks = self._continued_level(i)
        return marks

    def _continued_level(self, i: int) -> list[tuple[Level, bool | None]]:
        """A level's row split over two or more rows (its name merged down the first column): a tick in a
        continuation row is that level's."""
        rows = self.reader.doc.rows
        row = rows[i]
        col = row.cells[0].col
        k = i
        while k > 0 and rows[k - 1].table == row.table and rows[k - 1].index == rows[k].index - 1:
            k -= 1
            origin = rows[k].cell_at(col)
            if origin is None:
                return []
            if not origin.merged_above:
                level = self.bare_level(origin)
                states = [s for c in row.cells[1:] if (s := tick_state(c.text)) is not None]
                if not states:
                    states = [s for c in row.cells[1:] if c.text.strip() and (s := edge_tick(c.text)) is not None]
                return [(level, any(states))] if level is not None and states else []
        return []

    def _grid_marks(self, row: Row, cols: dict[int, Level]) -> list[tuple[Level, bool | None]]:
        marks = []
        for col, level in cols.items():
            cell = row.cell_at(col)
            if cell is not None:
                state = tick_state(cell.text)
                if state is not None:
                    marks.append((level, state))
        return marks

    def _multi(self, cell: Cell) -> tuple[tuple[Level, bool | None], ...]:
        return _multi(cell.text, self._key)

    def two_written(self, first: str) -> tuple[tuple[Level, bool | None], ...]:
        return _two_written(first, self._key)

    def _cell_level(self, cell: Cell) -> tuple[Level | None, bool | None]:
        return _cell_level(cell.text, self._key)

    def _row_tick(self, row: Row, j: int) -> bool | None:
        """The tick recorded beside level cell j: a cell holding only a tick, else one typed into
        another cell's text at its start or end (the descriptor beside the level's name)."""
        others = [c.text for k, c in enumerate(row.cells) if k != j and not c.merged_above]
        states = [s for s in map(tick_state, others) if s is not None]
        if not states:
            states = [s for s in map(edge_tick, others) if s is not None]
        return any(states) if states else None



@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _multi(text: str, key: tuple) -> tuple[tuple[Level, bool | None], ...]:
    """"☐ Low ☒ Moderate …" in one paragraph, or one level per paragraph of the cell."""
    first = text.split("\n")[0]
    pairs: list[tuple[bool | None, Level | None]] = []
    for para in text.split("\n"):
        listed = _level_list(para, key)
        if listed is not None:
            pairs.extend((state, level) for level, state in listed)
        else:
            pairs.extend((s, _level_in(label, key, True)) for s, label in segments(para))
    pairs = [(s, lvl) for s, lvl in pairs if lvl is not None]
    if len(pairs) >= 2 and any(s is not None for s, _ in pairs):
        return tuple((lvl, s) for s, lvl in pairs)
    return _two_written(first, key)




def _level_list(para: str, key: tuple) -> list[tuple[Level, bool | None]] | None:
    """The levels printed in one line as a list ("No risk identified / Low / X Moderate / Significant",
    "Low     Moderate     ☒ Significant"), each with the mark inside its own item; None if the line is no
    such list (fewer than two different levels, or an item that is no level)."""
    head, colon, tail = para.partition(":")
    if colon and _level_in(head, key, True) is None:
        para = tail  # "Level of risk: No risk identified / ☒ Low / …"
    parts = [p.strip() for p in ITEM_SEPARATOR.split(para) if p.strip()]
    if len(parts) < 2:
        return None
    found: list[tuple[Level, bool | None]] = []
    for part in parts:
        on, off = TICK_ON in part, TICK_OFF in part
        name = strip_markers(part).strip()
        typed = _X_BEFORE.match(name) or _X_AFTER.match(name)  # a typed "X" beside its level
        if typed and _level_in(name, key, True) is None:
            name, on = typed.group(1), True
        level = _level_in(name, key, True)
        if level is None or (on and off):
            return None
        found.append((level, True if on else False if off else None))
    return found if len({level for level, _ in found}) >= 2 else None


def _two_written(first: str, key: tuple) -> tuple[tuple[Level, bool | None], ...]:
    """"Low / Moderate", "Moderate or significant": a level written between two, both recorded
    (so the higher is used, with a warning). Three or more names are a list of options, not an answer."""
    if any(m in first for m in MARKERS) or len(first) > 60:
        return ()
    return _two_levels(first.strip(), key)


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _cell_level(text: str, key: tuple) -> tuple[Level | None, bool | None]:
    first = text.split("\n")[0]
    head, colon, tail = first.partition(":")
    if colon and tail.strip() and _level_in(head, key, True) is None and _level_in(tail, key, True) is not None:
        return _cell_level(tail.strip(), key)  # "Level of risk: ☒ No risk identified"
    if "\n" in text and sum(1 for line in text.split("\n") if _level_in(line, key, True)) >= 2:
        return None, None  # the levels listed one per line, none of them marked: no answer
    listed = _level_list(first, key)
    if listed is not None and len(listed) >= 3:
        return None, None  # the levels printed in one line, none of them marked: the options, no answer
    for pattern, strict in ((_X_BEFORE, False), (_X_AFTER, True)):
        # "X Moderate", "X Moderate  • Carer(s) lack …" (the level, then its descriptor), "Moderate X"
        match = pattern.match(first)
        if match and (level := _level_in(match.group(1), key, strict)):
            return level, True
    for separator in (":", " – ", " - ", " — ", "="):  # "Significant: ☒", "Moderate – No", "Low = Y"
        head, sep, tail = first.partition(separator)
        if sep and tick_state(tail) is not None:
            level = _level_in(head, key, True)
            if level is not None:
                return level, tick_state(tail)
    level = _level_in(text, key, False)
    if level is None and (joined := joined_label(text)) and len(joined) <= 60:
        level = _level_in(joined, key, True)  # "No exploitation" / "concerns": one name over two lines
    if level is None:
        return None, None
    if any(m in first for m in MARKERS):
        return level, TICK_ON in first
    return level, None


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _two_levels(first: str, levels: tuple) -> tuple[tuple[Level, bool], ...]:
    of = _RISK_OF.match(first)  # "Moderate/Low risk of exploitation"
    parts = [p for p in _BETWEEN.split(of.group(1) if of else first) if p.strip()]
    if len(parts) != 2 or any(norm(p) in ("yes", "no", "y", "n") for p in parts):
        return ()  # "Low – No" (or "Low - No:") is Low answered No, not "Low or no risk"
    found = [_level_in(p, levels, True) or _level_in(f"{p} risk", levels, True) for p in parts]
    if None in found or found[0] == found[1]:
        return ()
    return tuple((lvl, True) for lvl in found if lvl is not None)


def choose(marks: list[tuple[Level, bool | None]], where: str) -> tuple[Level | None, list[str]]:
    """The recorded level from a list of (level, ticked) marks, with warnings."""
    ticked = [lvl for lvl, state in marks if state]
    distinct = {lvl for lvl, _ in marks}
    if ticked:
        chosen = max(ticked, key=lambda lvl: lvl.rank)
        names = sorted({lvl for lvl in ticked}, key=lambda lvl: lvl.rank)
        if len(names) > 1:
            listed = ", ".join(lvl.value for lvl in names)
            return chosen, [f"{where}: several levels ticked ({listed}); using the highest, {chosen.value}"]
        return chosen, []
    if len(distinct) == 1 and all(state is None for _, state in marks):
        return next(iter(distinct)), []  # the level written as text
    return None, []


def written_level(text: str | None, levels: dict[str, tuple[str, ...]]) -> Level | None:
    """A level written as a value ("Moderate", "Moderate risk", "High", "Significant risk of exploitation")."""
    if not text or sum(text.count(m) for m in MARKERS) >= 2:
        return None  # boxes: a list of levels to tick ("☐ Low ☐ Moderate X Significant"), read as ticks
    clean = strip_markers(text).strip()
    key = _levels_key(levels)
    lines = [line for line in clean.split("\n") if line.strip()]
    if sum(1 for line in lines if _level_in(line, key, True)) >= 2:
        return None  # "No risk identified / Low / Moderate / Significant" one per line: the options, unanswered
    if len(norm(clean).split()) > 8:
        return None
    return _level_phrase(clean, key)


def level_in(text: str, levels: dict[str, tuple[str, ...]], *, strict: bool = False) -> Level | None:
    """The level a cell names: exactly, or followed by its description."""
    return _level_in(text, _levels_key(levels), strict)


class _LevelsKey(tuple):
    """A profile's level names as a cache key: a tuple that hashes once (the caches below are hit hundreds of
    times per form, and a tuple of tuples hashes every string again each time)."""

    def __new__(cls, items: tuple) -> "_LevelsKey":
        key = super().__new__(cls, items)
        key._hash = tuple.__hash__(key)
        return key

    def __hash__(self) -> int:
        return self._hash


_KEYS: dict[int, tuple[dict, _LevelsKey]] = {}  # id(levels) → (that dict, kept alive so the id stays its own; key)


def _levels_key(levels: dict[str, tuple[str, ...]]) -> _LevelsKey:
    """The key of a profile's levels (a profile is not changed once loaded), built once per dict."""
    known = _KEYS.get(id(levels))
    if known is not None and known[0] is levels:
        return known[1]
    if len(_KEYS) > 64:  # profiles are few; a test suite makes many
        _KEYS.clear()
    key = _LevelsKey(tuple((k, tuple(v)) for k, v in levels.items()))
    _KEYS[id(levels)] = (levels, key)
    return key


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _level_in(text: str, levels: tuple, strict: bool) -> Level | None:
    first = strip_markers(text.split("\n")[0]).strip(" •-–:*\t")
    if not first:
        return None
    forms = label_forms(first)
    table, pattern = _level_table(levels)
    for form in forms:
        if form in table:
            return table[form]
    if strict:
        return None
    match = pattern.match(first)
    return table[norm(match.group(1))] if match else None


def _level_phrase(text: str, levels: tuple) -> Level | None:
    """A level written as a phrase: "Significant risk of exploitation", "No risk of CCE identified" — the
    level, then what it is a risk of. Only where a level is expected as a value: beside a level's own name
    the same words describe it ("No identified risk to others")."""
    listed = _level_list(text.split("\n")[0], levels)
    if listed is not None and len(listed) >= 3:
        return None  # the levels printed in one line: the options, no answer
    found = _level_in(text, levels, False)
    if found is None:
        of = _RISK_OF.match(strip_markers(text.split("\n")[0]).strip())
        found = _level_in(of.group(1), levels, True) if of else None
    return found


@lru_cache(maxsize=8)
def _level_table(levels: tuple) -> tuple[dict[str, Level], re.Pattern[str]]:
    """Normal form → level, and a pattern for a level name followed by its description."""
    table: dict[str, Level] = {}
    aliases: list[str] = []
    for key, names in levels:
        for name in names:
            table.setdefault(norm(name), Level(key))
            aliases.append(name)
    alternatives = "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True))
    return table, re.compile(rf"^({alternatives})\s*(?:[:\-–•]|\s{{2,}})", re.IGNORECASE)

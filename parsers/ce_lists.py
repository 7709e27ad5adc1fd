"""The CE Matrix's tick lists: exploitation types suspected and the child's / family's factors.

Items may be ticked (any encoding), or written as text ("Types: CCE, County Lines").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from parsers.extract import Reader, clean, item_key
from parsers.labels import Profile, matches, split_inline
from parsers.wordml import MARKERS


def exploitation_types(reader: Reader, profile: Profile, warnings: list[str]) -> list[str]:
    items = profile.tick_lists.get("exploitation_types", ())
    spec = profile.fields["exploitation_types"]
    hits = reader.find(spec)
    found: list[str] = []
    for hit in hits:
        ticked = reader.ticked_items(items, hit.row, min(hit.row + 12, len(reader.doc.rows)))
        found.extend(ticked)
        value = hit.inline if hit.inline is not None else reader.value_beside(hit)
        if value and not ticked and not any(m in value for m in MARKERS):
            written = _written_items(value, items)  # "Exploitation types: CCE, County Lines"
            if len(set(written)) >= max(4, len(items) - 2):
                # "CSE / CCE / County Lines / … / Financial": the template's list of types, none marked
                warnings.append("exploitation_types: the types are listed with none marked; read as none chosen")
            else:
                found.extend(written)
        if not ticked:  # no box ticked: the types highlighted instead (the form asks to highlight)
            found.extend(_highlighted(reader, items, hit.row, min(hit.row + 12, len(reader.doc.rows))))
    if not found:  # no label, or nothing ticked near one: the types ticked wherever they are listed
        found = reader.ticked_items(items, fuzzy=False)
    order = [item.key for item in items]
    return sorted(set(found), key=order.index)


def _highlighted(reader: Reader, items: tuple, start: int, end: int) -> list[str]:
    """The items on highlighted lines in rows [start, end), if none of those rows holds a box."""
    rows = reader.doc.rows[start:end]
    if any(m in cell.text for row in rows for cell in row.cells for m in MARKERS):
        return []
    keys = []
    for row in rows:
        for cell in row.cells:
            for k, line in enumerate(cell.text.split("\n")):
                if k in cell.highlighted and (key := item_key(clean(line).strip(" •▪"), items)):
                    keys.append(key)
    return keys


def _written_items(text: str, items: tuple) -> list[str]:
    keys = []
    for part in re.split(r"[,;|\n()]|\band\b|\s[-–—]\s", clean(text)):  # "OCG – county lines", "CCE (county lines)"
        if not part.strip():
            continue
        whole = item_key(part, items, fuzzy="/" not in part)
        if whole is None and "/" in part:  # "CSE / CCE", but "Trafficking / Modern Slavery" is one item
            keys.extend(key for side in part.split("/") if side.strip() and (key := item_key(side, items)))
        elif whole:
            keys.append(whole)
    return keys


def factors(reader: Reader, profile: Profile, indicator_rows: Sequence[int] = ()) -> tuple[list[str], list[str]]:
    """Ticked child and family factors; ``indicator_rows``: where indicators start (a section placed before
    them ends at the first)."""
    heading = profile.sections.get("factors")
    starts = reader.heading_rows(heading) if heading else []
    hits = reader.find(heading) if heading else []
    start = starts[0] if starts else (hits[0].row if hits else None)
    if start is None:
        return reader.ticked_items(profile.tick_lists.get("child_factors", ()), fuzzy=False), []
    end = section_end(reader, profile, start, indicator_rows)
    end = min([end] + [h.row for name in ("voice_of_child", "exploitation_types")
                       for h in reader.find(profile.fields[name], start + 1, fuzzy=False)])
    return _factor_lists(reader, profile, start, end)


def _factor_lists(reader: Reader, profile: Profile, start: int, end: int) -> tuple[list[str], list[str]]:
    child_items = profile.tick_lists.get("child_factors", ())
    family_items = profile.tick_lists.get("family_factors", ())
    child_spec, family_spec = profile.sections["factors.child"], profile.sections["factors.family"]
    current: str | None = None  # no "Child" / "Family" sub-heading seen yet
    columns: dict[int, str] = {}  # grid column → group, under "Family: | Child:" headings side by side
    columns_table: int | None = None
    child: list[str] = []
    family: list[str] = []
    seen: dict[str, str | None] = {}

    def group_of(text: str) -> str | None:  # each text's reading once (a cell's and its one paragraph's)
        if text not in seen:
            seen[text] = _group(text, child_spec, family_spec)
        return seen[text]

    for i in range(start, end):
        row = reader.doc.rows[i]
        heads = {cell.col: group for cell in row.cells if "\n" not in cell.text.strip() and (group := group_of(cell.text))}
        if row.table is not None and len(set(heads.values())) == 2:
            columns = {cell.col + k: heads[cell.col] for cell in row.cells if cell.col in heads
                       for k in range(cell.span)}
            columns_table = row.table
            continue
        if row.table != columns_table:
            columns = {}
        for j, cell in enumerate(row.cells):
            group = columns.get(cell.col, current)
            # "Family:" and "Child:" sub-headings may share one cell with their items: paragraph by paragraph.
            lines = [k for k, line in enumerate(cell.text.split("\n")) if line.strip()]
            for (para, items), line in zip(reader.paragraph_items(row, j, cell), lines):
                named = group_of(para)
                if named:
                    current = group = named
                for label, state in items:
                    if state is None and line in cell.highlighted:
                        state = True  # the form asks to "highlight if any are relevant"
                    if state:
                        _record(label.strip(" •▪"), group, child_items, family_items, child, family)
    return child, family


def _group(text: str, child_spec, family_spec) -> str | None:  # type: ignore[no-untyped-def]
    """"child" / "family" for a factors sub-heading ("Family:", "Child: …"), else None."""
    head = text.strip(" •▪-:\t")
    if matches(head, child_spec) or split_inline(text, child_spec) is not None:
        return "child"
    if matches(head, family_spec) or split_inline(text, family_spec) is not None:
        return "family"
    return None


def _record(label: str, current: str | None, child_items: tuple, family_items: tuple,
            child: list[str], family: list[str]) -> None:
    """File one ticked factor under the child or the family."""
    if current is None:  # one list for child and family: the child's unless it names a parent
        key = None if _PARENT.search(label) else item_key(label, child_items)
        target = child if key else family
        key = key or item_key(label, family_items)
    else:
        target, items = (child, child_items) if current == "child" else (family, family_items)
        key = item_key(label, items)
    if key and key not in target:
        target.append(key)


_PARENT = re.compile(r"\b(?:parent|parents|parental|carer|carers|mother|father|mum|dad|sibling|siblings)\b", re.I)


def section_end(reader: Reader, profile: Profile, start: int, indicator_rows: Sequence[int] = ()) -> int:
    """Where a closing section (overall level, factors) ends: the next of the sections that follow it, or the
    next indicator where a form puts the section before the indicators."""
    stops = [row for row in indicator_rows if row > start]
    for name in ("line_manager_verification", "voice_of_child", "views_of_parent", "suspects"):
        spec = profile.fields.get(name)
        if spec:
            stops.extend(h.row for h in reader.find(spec, start + 1, fuzzy=False))
    for name in ("review", "factors"):
        spec = profile.sections.get(name)
        if spec:
            stops.extend(r for r in reader.heading_rows(spec) if r > start)
    return min(stops, default=len(reader.doc.rows))

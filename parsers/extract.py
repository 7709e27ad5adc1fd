"""Label-driven reading of a flattened document: find a label, read its value.

Values sit to the right of their label, below it (a header row of labels over
a row of values), after a colon in the same cell, or in the paragraphs that
follow. Ticks sit before or after an item's label, or in a neighbouring cell
that holds nothing but the tick ("☒", "X", "Yes").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.label_index import FuzzyIndex, Hit, build_index, joined_label, sided_index
from parsers.people import ALIAS_WORDS, people_table_header
from parsers.labels import (MERGE_PLACEHOLDER, FieldSpec, Profile, label_forms, matches, norm, section_heading,
                            split_inline)
from parsers.ticks import ITEM_SEPARATOR, segments, side_tick, sided_segments, tick_state
from parsers.wordml import MARKERS, TICK_ON, Cell, Document, Row, strip_markers

def clean(text: str) -> str:
    """Text for output: markers dropped, whitespace tidied."""
    text = strip_markers(text)
    lines = [re.sub(r"[ \t\u00a0\u2002]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


class Reader:
    """Queries over one document with one profile."""

    def __init__(self, doc: Document, profile: Profile) -> None:
        self.doc = doc
        self.profile = profile
        self._label_cache: dict[str, bool] = {}
        if doc.index is None:  # shared by every reader of this document
            doc.index = build_index(doc)
        self._index = doc.index
        self._fuzzy: FuzzyIndex | None = None
        self._fuzzy_found: dict[FieldSpec, list[Hit]] = {}
        self._headings: dict[FieldSpec, list[int]] = {}
        self._exact_hits: dict[FieldSpec, list[Hit]] = {}
        self._sided_hits: dict[FieldSpec, list[Hit]] = {}
        self._heading_texts: dict[int, bool] = {}  # row → whether its one cell names a section
        self._side_cells: dict[int, bool] = {}  # row → whether its first cell is a section's name down the side
        self._section_texts: dict[str, bool] = {}  # text → whether it names a section
        self._heading_hits: dict[int, list[Hit]] = {}  # id of a field → its exact hits that are sections' headings
        self.memo: dict[str, object] = {}  # per-document results form readers compute once

    def is_label(self, text: str) -> bool:
        """A known label, or a cell that starts with one ("Age: 11"): never another field's value."""
        cached = self._label_cache.get(text)
        if cached is None:
            if any(m in text for m in MARKERS):
                # A cell holding tick boxes is an answer, whatever its words, unless a known question leads it:
                # "Is an interpreter needed? ☐ Yes ☒ No" is that question's labelled answer, not a value here.
                lead = re.split(f"[{MARKERS}]", text, maxsplit=1)[0].strip()
                cached = bool(lead) and (self.profile.is_label(lead) or self.profile.is_labelled(lead))
            else:
                cached = self.profile.is_label(text) or self.profile.is_labelled(text) or bool(
                    "\n" in text.strip() and (joined := joined_label(text)) and self.profile.is_label(joined))
            self._label_cache[text] = cached  # (the last: a label Word wrapped, "Home Address and contact⏎number")
        return cached

    # -- labels and values -------------------------------------------------

    def find(self, spec: FieldSpec, start: int = 0, end: int | None = None, *, fuzzy: bool = True) -> list[Hit]:
        """Every cell labelled ``spec`` in rows [start, end), in document order.

        With ``fuzzy`` and no exact match, labels holding all of an alias's words are tried.
        """
        stop = len(self.doc.rows) if end is None else min(end, len(self.doc.rows))
        hits = [hit for hit in self._exact(spec) if start <= hit.row < stop]
        rows = self.doc.rows
        if hits and ((headings := [hit for hit in self._headings_of(spec) if start <= hit.row < stop])
                     or any(rows[hit.row].depth > 0 for hit in hits)):
            # "1. Referrer", "Section D – Concerns": the section's heading is also a label of its first field; "What
            # happened" heads a log pasted into another field's answer. The field's own labels come first
            # ("Referrer's name / Enw'r atgyfeiriwr | Jo Whitfield"), the heading or the log's column last.
            weak = headings + [hit for hit in hits if hit not in headings and self._in_answer(hit)]
            if weak:
                own = [hit for hit in hits if hit not in weak]
                hits = (own or [hit for hit in self._sided(spec) if start <= hit.row < stop]) + weak
        elif not hits:
            hits = [hit for hit in self._sided(spec) if start <= hit.row < stop]
        if not hits and fuzzy:
            hits = self._fuzzy_hits(spec, start, stop)
        return hits

    def labelled(self, spec: FieldSpec) -> list[Hit]:
        """Every cell an exact or a two-language ("Patient / child name") label of ``spec`` leads, in order."""
        hits = {(h.row, h.cell): h for h in self._sided(spec)}
        hits.update({(h.row, h.cell): h for h in self._exact(spec)})
        return [hits[k] for k in sorted(hits)]

    def _sided(self, spec: FieldSpec) -> list[Hit]:
        """Hits for ``spec`` on one side of a label written in two languages ("Enw'r plentyn / Child's name"),
        read as if that side were the whole label; computed once per reader and field."""
        hits = self._sided_hits.get(spec)
        if hits is None:
            memo_key = ("sided", id(self.profile))
            places = self.doc.memo.get(memo_key)
            if places is None:
                places = self.doc.memo[memo_key] = sided_index(self.doc, self.profile)
            found: dict[tuple[int, int], Hit] = {}
            for form in places.keys() & spec.forms:
                for i, j, text in places[form]:
                    hit = self._hit(i, j, Cell(text, self.doc.rows[i].cells[j].col), spec)
                    if hit is not None and (i, j) not in found:
                        found[i, j] = hit
            hits = self._sided_hits[spec] = [found[k] for k in sorted(found)]
        return hits

    def _in_answer(self, hit: Hit) -> bool:
        """A label hit in a table nested in another field's answer (a log pasted into the account: "Date | What
        happened"): the cell it sits in holds words that are no label, beside a label or under a label's row."""
        rows = self.doc.rows
        row = rows[hit.row]
        if row.depth == 0 or row.within is None:
            return False
        k = hit.row - 1
        while k >= 0 and rows[k].depth >= row.depth:
            k -= 1
        if k < 0:
            return False
        parent = rows[k]
        cell = parent.cell_at(row.within)
        if cell is None or not cell.text.strip() or self.is_label(cell.text):
            return False
        left = [c for c in parent.cells if c.col < cell.col and c.text.strip()]
        if left:
            return self.is_label(left[-1].text)
        above = rows[k - 1] if k > 0 else None
        return above is not None and above.table == parent.table and len(above.cells) == 1 and self.is_label(
            above.cells[0].text)

    def _headings_of(self, spec: FieldSpec) -> list[Hit]:
        """The exact hits for ``spec`` that are a section's heading (none for a section's own spec), once per field."""
        found = self._heading_hits.get(id(spec))  # (by id: a spec's hash walks all its forms)
        if found is None:
            own = not self.profile.sections or spec is self.profile.sections.get(spec.key)
            found = self._heading_hits[id(spec)] = [] if own else [h for h in self._exact(spec) if self._heading_only(h)]
        return found

    def _heading_only(self, hit: Hit) -> bool:
        """A label hit that is a section's heading: alone in its row, nothing after it ("1. Referrer"), or its
        name down the side of its rows, a label beside it ("Referrer | Caller / referrer name | Ruth Carr")."""
        if hit.inline is not None or not self.profile.sections or hit.cell != 0:
            return False
        row = self.doc.rows[hit.row]
        beside = next((c for c in row.cells[1:] if c.text.strip()), None)
        if len(row.cells) != 1 and (len(row.cells) < 3 or beside is None or not self.is_label(beside.text)):
            return False  # (a label whose value cell was left blank is no heading)
        known = self._heading_texts.get(hit.row)
        if known is None:
            known = self._heading_texts[hit.row] = self._heading(row.cells[0].text)
        return known

    def _fuzzy_hits(self, spec: FieldSpec, start: int, stop: int) -> list[Hit]:
        """The looser hits for ``spec`` in rows [start, stop), found once per reader and field."""
        hits = self._fuzzy_found.get(spec)
        if hits is None:
            if self._fuzzy is None:
                self._fuzzy = FuzzyIndex(self.doc)
            hits = self._fuzzy_found[spec] = [
                Hit(h.row, h.cell, None if h.inline and (self._label_like(h.inline) or _not_an_answer(h.inline))
                    else h.inline)
                for h in self._fuzzy.find(spec)]
        return [h for h in hits if start <= h.row < stop]

    def _exact(self, spec: FieldSpec) -> list[Hit]:
        """Every exact hit for ``spec`` in the document, computed once per reader."""
        hits = self._exact_hits.get(spec)
        if hits is None:
            index = self._index
            places = sorted({pos for form in index.keys() & spec.forms for pos in index[form]})  # the smaller set walked, in C
            found = (self._hit(i, j, self.doc.rows[i].cells[j], spec) for i, j in places)
            hits = self._exact_hits[spec] = [hit for hit in found if hit is not None]
        return hits

    def _hit(self, i: int, j: int, cell: Cell, spec: FieldSpec) -> Hit | None:
        if cell.merged_above or not cell.text.strip() or MERGE_PLACEHOLDER.fullmatch(cell.text.strip()):
            return None  # (a mail merge's field left unmerged, "«Agency»", is a blank value, never the label)
        first, _, rest = cell.text.partition("\n")
        # (a first line that holds the label and a value is no label wrapped over lines: "Evidence: Involved in a
        # fight …⏎Incident log:")
        joined = joined_label(cell.text) if rest and not _answered(split_inline(first, spec)) else None
        if joined and matches(joined, spec):
            return Hit(i, j, None)  # the whole cell is the label, wrapped over lines: its value is elsewhere
        wrapped = split_inline(joined, spec) if joined else None
        if joined and ((wrapped and (self._label_like(wrapped) or _not_an_answer(wrapped)))
                       or ((side := self.profile.sided_label(joined)) and len(side) > len(first.strip())
                           and matches(side, spec))):  # (the label runs on past the first line)
            # "Reason for referral – what has⏎happened / what are you worried about?" (the question again after
            # the label), "Referrer's⏎name / Enw'r atgyfeiriwr": all label
            return Hit(i, j, None)
        inline = split_inline(cell.text, spec)
        if inline and _not_an_answer(inline):
            return Hit(i, j, None)  # "Is the child at immediate risk? Y/N": the options printed, the answer elsewhere
        if inline and not self._label_like(inline):
            return Hit(i, j, inline)
        if inline is None and wrapped and not _not_an_answer(wrapped) and not self._label_like(wrapped):
            return Hit(i, j, wrapped)  # "Child's full name⏎(+ aliases): Riley Ahmed": a wrapped label, then its value
        if inline and ":" in first and matches(first.split(":", 1)[0], spec):
            return Hit(i, j, None, inline)  # "Agency: School" (which, word order aside, reads as "School / agency")
        if matches(first, spec):
            if first.rstrip().endswith("/"):
                return Hit(i, j, None)  # "Referrer's name /⏎Enw'r atgyfeiriwr": the label goes on in another language
            return Hit(i, j, rest.strip() or None)
        if inline is not None:
            # "Reason for referral: what are you worried about?" is all label; "Role: GP" may be "GP", a value
            # that is also a label: kept aside, in case nothing else answers
            return Hit(i, j, None, inline or None)
        return None

    def _label_like(self, text: str) -> bool:
        stripped = clean(text)
        if "\t" in text.split("\n", 1)[0]:  # "D.O.B.<tab>Age<tab>…": a row of labels flattened by a converter
            lead = clean(text.split("\t", 1)[0])
            if lead and self.profile.is_label(lead) and tick_state(lead) is None:
                return True
        if not any(ch.isalnum() or ch in MARKERS for ch in stripped):
            return True  # ":" or "*" after a label: its decoration, no value
        return self.profile.is_label(stripped) and tick_state(stripped) is None

    def value(self, hit: Hit, *, prose: bool = False) -> str | None:
        """The raw text (markers kept) of the value belonging to a label hit.

        ``prose``: a free-text answer, where a long, several-line cell is the value even when its first line
        reads like a label ("Background:", a pasted email's "From:").
        """
        return self._value(hit, prose=prose)[0]

    def _value(self, hit: Hit, *, prose: bool = False) -> tuple[str | None, int]:
        """The value and the row it is in (the label's own, or the row below)."""
        if hit.inline is not None:
            return (hit.inline + self.rest_of_cell(hit) if prose else hit.inline), hit.row
        row = self.doc.rows[hit.row]
        if row.table is not None and not self._header_row(hit.row, prose=prose):
            label = row.cells[hit.cell].text
            for cell in row.cells[hit.cell + 1:]:
                if cell.merged_above:
                    continue
                if self.is_label(cell.text) and not (prose and self._prose(cell.text)):
                    own = self._own_value(cell.text, label)
                    if own is None:
                        pairs = self._fields(hit.row)
                        at = next((k for k, c in enumerate(pairs) if c is row.cells[hit.cell]), -1)
                        if len(pairs) % 2 == 0 and at % 2 == 0 and pairs[at + 1] is cell and _short_value(cell.text) \
                                and not _carries_value(cell.text) and self._pairs_table(hit.row):
                            return cell.text, hit.row  # a value that is also a label: "Agency | GP practice"
                        break
                    return own, hit.row
                if not prose and not cell.text.strip() and (nested := self._nested_in(hit.row, cell.col)):
                    return nested, hit.row  # the value typed into a table nested in the cell ("| [Jo Whitfield] |")
                more = [] if prose else self._merged_on(hit, cell)  # (an account: _under_merged_label reads it)
                return "\n".join([cell.text, *more]) if more else cell.text, hit.row
            else:
                if hit.cell + 1 < len(row.cells):
                    return "", hit.row
        at = self.doc.index_below(hit.row)
        if at is None:
            return None, hit.row
        below = self.doc.rows[at]
        col = row.cells[hit.cell].col if row.table is not None else 0
        cell = below.cell_at(col) if below.table == row.table else _first_cell(below)
        if not prose and below.table != row.table and self._heading_only(hit) \
                and sum(1 for c in below.cells if c.text.strip() and not c.merged_above) >= 2:
            return None, hit.row  # a heading over a table of "label | value" rows: its first cell is a label
        if cell is not None and self.is_label(cell.text) and not (prose and self._prose(cell.text)):
            # Under a row of column headings, "André Löwe AKA: Tiny" is the value; under a blank "Agency:" (a
            # paragraph, or a cell of "Label: value" cells) "Contact details: …" is the next field. The label again
            # below is the next record's ("Date: …").
            headings = row.table is not None and below.table == row.table and self._header_row(hit.row, prose=prose)
            own = self._own_value(cell.text, None) if headings else None
            if own is None and _short_value(cell.text) and not _carries_value(cell.text) and (
                    (headings and self._values_row(at)) or (self.boxed(at) and not self._section_cell(cell.text))):
                # "2. Rank / role" over "GP" in a row of values, "2. Role in school" over a box holding "GP": a value
                # that is also a label
                return cell.text, at
            return (None, hit.row) if own is None else (own, at)
        if cell is None:
            return None, hit.row
        if not prose and not cell.text.strip() and (nested := self._nested_in(at, cell.col)):
            return nested, at  # the answer box under the question, its value typed into a table nested in it
        return cell.text, at

    @staticmethod
    def _own_value(text: str, label: str | None) -> str | None:
        """A cell by a label that reads "Word: value" (so looks like a field of its own): still the label's value
        when the word introduces part of a value ("André Löwe AKA: Tiny", "Mob: 07700 900123", "mailto:jo@x.org")
        or is the label again beside it (``label``: "Date | Date: 16/11/2026", then only what follows it)."""
        first, _, rest = text.strip().partition("\n")
        head, sep, tail = first.partition(":")
        if not sep or not head.strip() or not any(ch.isalnum() for ch in tail):
            return None
        if label is not None and label_forms(head) & label_forms(label):
            return "\n".join(part for part in (tail.strip(), rest.strip()) if part)
        return text if _VALUE_PREFIX.search(head) else None

    def _prose(self, text: str) -> bool:
        """A free-text answer, whatever its first line says; not a label wrapped over lines."""
        joined = joined_label(text)
        return _prose(text) and not (joined and self.profile.is_label(joined))

    def long_text(self, spec: FieldSpec | None, start: int = 0, end: int | None = None, *,
                  every: bool = False) -> str | None:
        """A free-text answer: the value, plus the body paragraphs that continue it below.

        ``every``: the answers under all of the field's labels, joined ("What has happened?" and
        "What are you worried about?" as two boxes of one answer); the same text is kept once.
        """
        if spec is None:
            return None
        if every:
            texts: list[str] = []
            for hit in self.find(spec, start, end):
                text = self._answer(hit)
                if text and not any(text in t for t in texts):
                    texts = [t for t in texts if t not in text] + [text]
            return "\n\n".join(texts) or None
        for hit in self.find(spec, start, end):
            text = self._answer(hit)
            if text:
                return text
        return None

    def _answer(self, hit: Hit) -> str | None:
        """One label's answer: its value (and what is nested in its cell, or the paragraphs after it)."""
        raw, at = self._value(hit, prose=True)
        nested = self._nested_after(hit.row)
        if at != hit.row and self.doc.rows[at].table is not None:
            nested += self._nested_after(at)  # the value in the row below, and what is nested in its cell
        elif hit.inline is None:
            nested += self._under_merged_label(hit)
        if nested and (raw is None or not clean(raw)):
            # "Chronology:" then a table, inside the answer cell: the cell's own line starts the answer
            row = self.doc.rows[hit.row]
            raw = row.cells[hit.cell + 1].text if hit.cell + 1 < len(row.cells) else ""
        rows = self.doc.rows
        begin = hit.row + (1 if hit.inline is not None else 2)
        if rows[hit.row].table is None and (raw is None or not clean(raw)) and hit.inline is None \
                and not self._heading_only(hit):  # (under a section's heading, a table is the section's own)
            first = next((k for k in range(hit.row + 1, len(rows)) if any(c.text.strip() for c in rows[k].cells)), None)
            if first is not None and rows[first].table is not None and self._narrative_table(rows[first].table, first):
                raw, begin = "", first  # the account opens with a table pasted into it (a chronology)
        if (raw is None or not clean(raw)) and not nested and begin == hit.row + 2:
            return None
        parts = [raw or "", *nested]
        if rows[hit.row].table is None:
            # After a paragraph label the value is the next paragraph (or inline); more may follow, tables pasted
            # into the account (a chronology) included.
            narrative: set[int] = set()
            for k in range(begin, len(rows)):
                nxt = rows[k]
                if nxt.table is not None:
                    if nxt.table not in narrative and not self._narrative_table(nxt.table, k):
                        break
                    narrative.add(nxt.table)
                    text = "  ".join(c.text for c in nxt.cells if not c.merged_above and c.text.strip())
                    if text:
                        parts.append(text)
                    continue
                text = nxt.cells[0].text if nxt.cells else ""
                if not text.strip():
                    continue
                if self.is_label(text) or self._heading(text):
                    break
                parts.append(text)
        return clean("\n".join(parts)) or None

    def _narrative_table(self, table: int, at: int) -> bool:
        """A table that is part of a written account (a chronology: "Date | Event | Source", then rows of
        entries), not a section of the form: below its first row, no row starts with a label."""
        rows = self.doc.rows
        own = [row for row in rows[at:at + 400] if row.table == table]
        entries = [row for row in own[1:] if row.cells and any(c.text.strip() for c in row.cells)]
        heads = [c.text for c in own[0].cells if c.text.strip()] if own and own[0].cells else []
        if not entries or (len(heads) == 1 and (self._heading(heads[0]) or self.profile.is_label(heads[0]))):
            return False  # "SECTION C – PARENTS / CARERS" over blank rows: the next section
        return not any(self.is_label(_lead(row)) for row in entries)

    def _merged_rows(self, hit: Hit) -> list[int]:
        """The rows a label's cell is merged down over (one answer in several rows)."""
        rows = self.doc.rows
        row = rows[hit.row]
        if row.table is None:
            return []
        col = row.cells[hit.cell].col
        nxt = rows[hit.row + 1] if hit.row + 1 < len(rows) else None
        if nxt is None or (nxt.table == row.table and not ((cell := nxt.cell_at(col)) and cell.merged_above)):
            return []  # (most labels: the next row of the table is not under it; no search for one)
        out = []
        k = hit.row
        while (k := self.doc.index_below(k)) is not None:
            label = rows[k].cell_at(col)
            if rows[k].table != row.table or label is None or not label.merged_above:
                break
            out.append(k)
        return out

    def _merged_on(self, hit: Hit, value: Cell) -> list[str]:
        """A value's own column in the rows its label's cell is merged down over ("Address" over two rows, a line
        of the address in each)."""
        label_col = self.doc.rows[hit.row].cells[hit.cell].col
        out = []
        for k in self._merged_rows(hit):
            more = self.doc.rows[k].cell_at(value.col)
            if more is None or more.col == label_col or more.merged_above or not more.text.strip():
                continue
            if self.is_label(more.text) or _option(more.text)[0] or tick_state(more.text) is not None:
                return []  # labels, or Yes / No offered on rows of their own: no value going on over the rows
            out.append(more.text)
        return out

    def _under_merged_label(self, hit: Hit) -> list[str]:
        """The values in the rows a label's cell is merged down over (one answer in several rows)."""
        col = self.doc.rows[hit.row].cells[hit.cell].col if self.doc.rows[hit.row].table is not None else 0
        out = []
        for k in self._merged_rows(hit):
            text = "  ".join(c.text for c in self.doc.rows[k].cells if c.col > col and not c.merged_above and c.text.strip())
            if text:
                out.append(text)
            out.extend(self._nested_after(k))
        return out

    def _nested_after(self, i: int) -> list[str]:
        """The text of what is nested in row i's cells (tables, and paragraphs after them), row by row."""
        return self._nested(i) if self.doc.rows[i].table is not None else []

    def _nested_in(self, i: int, col: int) -> str:
        """The text of what is nested in row i's cell at ``col``."""
        return "\n".join(self._nested(i, col))

    def _nested(self, i: int, col: int | None = None) -> list[str]:
        """What is nested in row i's cells (or its cell at ``col``), a line per row; nothing if every such row is
        led by a label (a part of the form drawn inside the cell: no answer)."""
        rows = self.doc.rows
        depth = rows[i].depth
        out = []
        labelled = True
        within = None
        for nxt in rows[i + 1:]:
            if nxt.depth <= depth:
                break
            if nxt.depth == depth + 1:
                within = nxt.within
            if col is not None and within != col:
                continue
            filled = [c.text for c in nxt.cells if not c.merged_above and c.text.strip()]
            if filled:
                out.append("  ".join(filled))
                labelled = labelled and self.is_label(filled[0])
        return [] if out and labelled else out

    def _heading(self, text: str) -> bool:
        return any(matches(text, spec) for spec in self.profile.sections.values())

    def _fields(self, i: int) -> list[Cell]:
        """Row i's cells that hold fields: past a first cell of numbering ("1.2 | Role | GP") or of the section's
        name down the side of its rows ("CALLER / REFERRER | Caller / referrer name | …", merged down or not)."""
        cells = self.doc.rows[i].cells
        if len(cells) >= 3 and self._side_cell(i):
            return cells[1:]
        return _unnumbered(self.doc.rows[i])

    def _side_cell(self, i: int) -> bool:
        """Whether row i's first cell is a section's name down the side of its rows: merged down, blank in the
        next row of its table, or a section's name ("PART 5", "CONSENT / RISK"); decided once per row."""
        row = self.doc.rows[i]
        if row.table is None or len(row.cells) < 3 or not row.cells[0].text.strip():
            return False
        known = self._side_cells.get(i)
        if known is None:
            rows = self.doc.rows
            below = rows[i + 1] if i + 1 < len(rows) and rows[i + 1].table == row.table else None
            text = row.cells[0].text
            if below is not None and below.cells and below.cells[0].col == row.cells[0].col \
                    and below.cells[0].merged_above:
                known = True  # merged down
            elif below is not None and len(below.cells) >= 3 and not below.cells[0].text.strip() \
                    and any(c.text.strip() for c in below.cells[1:]) and not self.is_label(text):
                known = True  # blank below, beside the section's other rows
            else:
                known = self._section_cell(text)
            self._side_cells[i] = known
        return known

    def _section_cell(self, text: str) -> bool:
        """A section's name ("PART 5", "Immediate risk", "CONSENT / RISK"), as a form writes it down the side."""
        known = self._section_texts.get(text)
        if known is None:
            side = self.profile.sided_label(text)  # ("CALLER / REFERRER")
            known = self._section_texts[text] = bool(text.strip()) and (
                section_heading(text) or self._heading(text) or bool(side and self._heading(side)))
        return known

    def rest_of_cell(self, hit: Hit) -> str:
        """The paragraphs of a label's cell after its inline value ("Evidence: Attendance fell.⏎• Further note."):
        a written answer goes on there."""
        if not hit.inline:
            return ""
        text = self.doc.rows[hit.row].cells[hit.cell].text
        at = text.find(hit.inline)
        rest = text[at + len(hit.inline):] if at >= 0 else ""
        return rest.rstrip() if rest.strip() else ""

    def value_beside(self, hit: Hit) -> str | None:
        """The value in the label's own row (to its right), if any."""
        row = self.doc.rows[hit.row]
        for cell in row.cells[hit.cell + 1:]:
            if cell.merged_above:
                continue
            return self._own_value(cell.text, row.cells[hit.cell].text) if self.is_label(cell.text) else cell.text
        return None

    def _header_row(self, i: int, *, prose: bool = False) -> bool:
        """A row of labels whose values sit in the row below (a section's name merged down its first column
        is no label of that row)."""
        cells = self._fields(i)
        labels = [self.is_label(c.text) and not (prose and self._prose(c.text)) and not _carries_value(c.text)
                  for c in cells]
        if sum(labels) < 2 or (len(cells) % 2 == 0 and self._pairs_table(i)):
            return False  # (in a table of "label | value" rows, "Agency | GP practice" is one more of them)
        adjacent = any(a and b for a, b in zip(labels, labels[1:]))
        others = sum(1 for c, is_lab in zip(cells, labels) if not is_lab and c.text.strip())
        if adjacent and sum(labels) >= others:
            return True
        # "Referrer's name | Your role / job title | Agency" over "Jo Whitfield | Youth Worker | Durham …": a
        # label last in the row has its value below, so the row is headings, the one between too.
        return labels[0] and labels[-1] and self._values_below(i)

    def _values_row(self, i: int) -> bool:
        """Whether most of row i's filled cells are values, not labels."""
        filled = [c.text for c in self._fields(i) if c.text.strip()]
        return sum(1 for text in filled if not self.is_label(text)) * 2 > len(filled)

    def _values_below(self, i: int) -> bool:
        """Whether the next row of row i's table has as many cells and no label among them."""
        at = self.doc.index_below(i)
        if at is None or self.doc.rows[at].table != self.doc.rows[i].table:
            return False
        below = self.doc.rows[at].cells
        return len(below) == len(self.doc.rows[i].cells) and not any(
            c.text.strip() and self.is_label(c.text) for c in below)

    def _pairs_table(self, i: int) -> bool:
        """Whether row i's table is one of "label | value" rows, or "label | value | label | value" (two other rows
        at least): its value columns hold values, whatever they read like."""
        pairs = self.memo.get("pairs")
        if pairs is None:  # table → its "label | value" rows, found once per reader
            pairs = self.memo["pairs"] = {}
            for k, row in enumerate(self.doc.rows):
                n = len(row.cells) if row.table is not None else 0  # (2 or 4 cells; 3 or 5 after a numbering or side cell)
                cells = row.cells if n in (2, 4) else self._fields(k) if n in (3, 5) else []
                if len(cells) in (2, 4) and all(c.text.strip() for c in cells[1::2]) \
                        and all(self.is_label(c.text) for c in cells[::2]) \
                        and not any(self.is_label(c.text) for c in cells[1::2]):
                    pairs.setdefault(row.table, set()).add(k)
        return len(pairs.get(self.doc.rows[i].table, set()) - {i}) >= 2  # type: ignore[union-attr]

    def _merged_down(self, i: int, j: int) -> bool:
        """Whether cell j of row i is merged down into the row below."""
        row = self.doc.rows[i]
        below = self.doc.row_below(i) if row.table is not None else None
        cell = below.cell_at(row.cells[j].col) if below is not None and below.table == row.table else None
        return cell is not None and cell.merged_above

    def field(self, spec: FieldSpec | None, start: int = 0, end: int | None = None,
              *, fuzzy: bool = True, not_people: bool = False, prose: bool = False) -> tuple[str | None, Hit | None]:
        """First non-empty value of a field in a range; (None, hit) if labelled but empty.

        ``not_people``: a child's own field, never a column of a table of other people
        ("Name | Relationship | DOB": the household, the professionals).
        ``prose``: a field written in words, so a value of tick boxes ("Yes ☒ No ☐") answers another question.
        """
        if spec is None:
            return None, None
        first_hit: Hit | None = None
        for hit in self.find(spec, start, end, fuzzy=fuzzy):
            if not_people and people_table_header(self.doc, hit.row):
                continue
            first_hit = first_hit or hit
            raw = self.value(hit)
            if prose and raw is not None and any(m in raw for m in MARKERS):
                continue
            text = clean(raw) if raw is not None else ""
            if text and NON_ANSWER.fullmatch(text):
                return None, hit  # answered "unknown": as blank, and no other place's value (a sibling's age)
            if text:
                return text, hit
        if first_hit is not None and not prose:
            for hit in self.find(spec, start, end, fuzzy=fuzzy):
                if hit.aside and _short_value(hit.aside, spec):
                    return clean(hit.aside), hit
        return None, first_hit

    # -- sections ----------------------------------------------------------

    def heading_rows(self, spec: FieldSpec) -> list[int]:
        """Rows that are headings (a single non-empty cell) matching a section."""
        cached = self._headings.get(spec)
        if cached is None:
            cached = self._headings[spec] = [
                hit.row for hit in self.find(spec, fuzzy=False)
                if (sum(1 for c in self.doc.rows[hit.row].cells if c.text.strip()) == 1 or self._side_heading(hit))
                and matches(self.doc.rows[hit.row].cells[hit.cell].text, spec)
            ]
        return list(cached)

    def _side_heading(self, hit: Hit) -> bool:
        """A section's name in a first column merged down beside its rows ("About the young person | Full name |
        Ella Morgan", then the same column merged over the section's other rows)."""
        return hit.cell == 0 and len(self.doc.rows[hit.row].cells) >= 3 and self._merged_down(hit.row, 0)

    # -- yes / no and tick lists -------------------------------------------

    def answer(self, spec: FieldSpec | None, narrative: tuple[int, int] | None = None,
               start: int = 0, end: int | None = None, *, every: bool = False) -> Answer:
        """A yes/no question's answer over every place its label appears.

        The label's words also turn up elsewhere: written in another question's answer ("If not, why not? |
        Open to Children's Social Care: no (case closed)") or in the concerns ("Is the child at immediate risk?
        Mum said no"). So an answer chosen between Yes and No (boxes, or options of their own) wins over a
        written one, and a written one beside its own label over one inside another label's value; among
        equals the first. So does a written one in the rows of ``narrative`` (the form's free-text account), which
        may quote the question. With no answer under the exact labels (or always, with ``every``: a question whose
        every answer matters), the looser ones are tried. Only rows [start, end) are read.
        """
        if spec is None:
            return Answer(None, [], False)
        stop = len(self.doc.rows) if end is None else min(end, len(self.doc.rows))
        hits = self.find(spec, start, stop)
        questions = [(hit, self.question_at(hit)) for hit in hits]
        if (every or all(q.answer is None for _, q in questions)) and hits == self.find(spec, start, stop, fuzzy=False):
            looser = [hit for hit in self._sided(spec) if start <= hit.row < stop] + self._fuzzy_hits(spec, start, stop)
            questions += [(hit, self.question_at(hit)) for hit in looser if hit not in hits]

        def aside(hit: Hit) -> bool:
            return self.inside_value(hit) or (narrative is not None and narrative[0] <= hit.row < narrative[1])

        # A quoted question is written; boxes chosen under a question are an answer wherever it sits.
        answered = [(not q.offered, not q.offered and aside(hit), q.answer) for hit, q in questions if q.answer is not None]
        if not answered:
            return Answer(None, [], any(q.both for _, q in questions))
        best = min(answered, key=lambda a: a[:2])
        return Answer(best[2], sorted({a[2] for a in answered if a[:2] == best[:2]}), False,
                      tuple(sorted({a[2] for a in answered if not a[1]})))

    def boxed(self, i: int) -> bool:
        """Whether row i is an answer box under its question: a table of one cell right under a paragraph (or a
        question's own one-cell row above it, a web form's table a question), the box its table's last row."""
        rows = self.doc.rows
        row = rows[i]
        if row.table is None or len(row.cells) != 1 or i == 0 or (i + 1 < len(rows) and rows[i + 1].table == row.table
                                                                   and rows[i + 1].depth == row.depth):
            return False
        above = rows[i - 1]
        if above.table is None:
            return row.index == 0 and bool(above.cells and self.is_label(above.cells[0].text))
        return above.table == row.table and row.index == 1 and len(above.cells) == 1 and self.is_label(above.cells[0].text)

    def inside_value(self, hit: Hit) -> bool:
        """Whether a label hit sits in a cell that is another label's value (to the right of a label)."""
        row = self.doc.rows[hit.row]
        if row.table is None:
            return False
        if hit.cell == 0 and self.boxed(hit.row):
            return True  # "Organisation*" over "School": the box under a question holds its answer
        for cell in reversed(row.cells[:hit.cell]):
            if not cell.merged_above and cell.text.strip():
                return self.is_label(cell.text) and not (cell is row.cells[0] and self._side_cell(hit.row))
        return False

    def question_at(self, hit: Hit) -> YesNo:
        """The labelled question's answer, and how it was given, including "Yes" and "No" offered in cells or on
        rows of their own, each with its own box ("Question | Yes | ☐ | No | ☒", or " | No | ☐" / " | Yes | ☒" below)."""
        offered, answer, ticks = self._split_choice(hit)
        if not offered:
            offered, answer, ticks = self._column_choice(hit)
        if not offered:
            offered, answer, ticks = self._paragraph_choice(hit)
        if not offered:
            raw = self.value(hit)
            answer, ticks = self.yes_no(raw), _yes_no_ticks(raw)
            offered = bool(ticks) or _printed_choices(raw)
        return YesNo(answer, offered, ticks.get("yes", False) and ticks.get("no", False))

    def _split_choice(self, hit: Hit) -> tuple[bool, bool | None, dict[str, bool]]:
        """(whether the question offers Yes and No with boxes of their own, the answer they record, each box's
        state). Offered but neither (or both) ticked is no answer: never the printed word "Yes"."""
        rows = self.doc.rows
        row = rows[hit.row]
        if row.table is None or hit.inline is not None:
            return False, None, {}
        label_col = row.cells[hit.cell].col
        alone = not any(c.text.strip() for c in row.cells if c.col > label_col)  # the options on rows below it
        answers: dict[str, bool] = {}
        offered: set[str] = set()
        for i in range(hit.row, min(hit.row + 4, len(rows))):
            below = rows[i]
            if below.table != row.table:
                break
            if i > hit.row:
                first = below.cell_at(label_col)
                if first is None or (first.text.strip() and not (alone and _option(first.text)[0])):
                    break  # the next question
            options = _options(below, label_col, inclusive=alone and i > hit.row)
            for k in options:
                word, own = _option(below.cells[k].text)
                offered.add(word)
                state = own if own is not None else _box_after(below, k, options)
                if state is not None:
                    answers[word] = answers.get(word, False) or state
        if offered != {"yes", "no"}:
            # One word ("Yes" under its question, in a row of labels over a row of values): an answer written,
            # never a box whose state a neighbour's value ("No", another question's answer) gives.
            return False, None, {}
        if not answers:
            return True, None, answers  # "Yes" and "No" each in a cell of their own, nothing marked: unanswered
        return True, _verdict(answers), answers

    def _column_choice(self, hit: Hit) -> tuple[bool, bool | None, dict[str, bool]]:
        """Yes and No as column headings over a table of questions, each answered by a box (or a typed mark)
        under the one it means: "  | Yes | No" over "Are parents aware? | ☒ | ☐"."""
        rows = self.doc.rows
        row = rows[hit.row]
        if row.table is None or hit.inline is not None:
            return False, None, {}
        label_col = row.cells[hit.cell].col
        boxes = [c for c in row.cells if c.col > label_col and not c.merged_above]
        if not boxes or any(c.text.strip() and (tick_state(c.text) is None or _option(c.text)[0]) for c in boxes):
            return False, None, {}  # a written answer ("Yes"), or another question
        for i in range(hit.row - 1, max(-1, hit.row - 16), -1):
            above = rows[i]
            if above.table != row.table:
                break
            right = [c for c in above.cells if c.col > label_col and c.text.strip()]
            if not right or any(word is None or own is not None for word, own in map(_option, (c.text for c in right))):
                continue  # not a row of nothing but the printed words Yes and No
            heads = [(_option(h.text)[0] if (h := above.cell_at(c.col)) is not None else None, c) for c in boxes]
            if {"yes", "no"} <= {word for word, _ in heads}:
                answers: dict[str, bool] = {}
                for word, cell in heads:
                    state = tick_state(cell.text)
                    if word and state is not None:
                        answers[word] = answers.get(word, False) or state
                return True, _verdict(answers) if answers else None, answers
        return False, None, {}

    def _paragraph_choice(self, hit: Hit) -> tuple[bool, bool | None, dict[str, bool]]:
        """A question as a paragraph, then "Yes" and "No" as paragraphs of their own, the answer marked
        ("☐ Yes" / "☒ No", or "Yes" / "✔ No" typed): the marked one (the printed "Yes" was read as the answer)."""
        rows = self.doc.rows
        if rows[hit.row].table is not None or (hit.inline and hit.inline.strip()):
            return False, None, {}
        options: dict[str, bool | None] = {}
        for row in rows[hit.row + 1:hit.row + 4]:
            word, own = _option(row.cells[0].text) if row.table is None and len(row.cells) == 1 else (None, None)
            if word is None or word in options:
                break
            options[word] = own
        if set(options) != {"yes", "no"}:
            return False, None, {}
        marked = {word: state for word, state in options.items() if state is not None}
        if marked and any(marked.values()):  # a typed mark on one: the other, left bare, is not chosen
            marked = {word: bool(state) for word, state in options.items()}
        return True, _verdict(marked) if marked else None, marked

    def yes_no(self, raw: str | None) -> bool | None:
        """Read a yes/no answer: ticks next to Yes/No, or the word itself."""
        if raw is None:
            return None
        answers = _yes_no_ticks(raw)
        if answers:
            return _verdict(answers)
        if _printed_choices(raw):
            return None  # the printed choices "Yes / No", neither marked
        text = clean(raw)
        answer = _written_yes_no(text)
        if answer is None and " / " in text and not _not_known(text):
            # "Ie / Yes", "Na / No": the answer in two languages, one of them English
            found = {_written_yes_no(side) for side in text.split("\n", 1)[0].split(" / ")} - {None}
            answer = found.pop() if len(found) == 1 else None
        return answer

    def ticked_items(self, items: tuple, start: int = 0, end: int | None = None, *, fuzzy: bool = True) -> list[str]:
        """Keys of tick-list items ticked in a row range (``fuzzy``: labels may contain an alias)."""
        found: list[str] = []
        stop = len(self.doc.rows) if end is None else end
        for i in range(start, stop):
            row = self.doc.rows[i]
            boxes = self._box_row_below(i)
            for j, cell in enumerate(row.cells):
                keys = _marked_list_keys(cell.text, items, fuzzy)
                if keys is None:
                    keys = [item_key(label, items, fuzzy=fuzzy) for label, state in
                            self._cell_items(row, j, cell, boxes) if state]
                for key in keys:
                    if key and key not in found:
                        found.append(key)
        return found

    def ticked_labels(self, start: int, end: int) -> list[str]:
        """The label text of every ticked item in a range (for open-ended lists)."""
        out: list[str] = []
        for i in range(start, end):
            row = self.doc.rows[i]
            for j, cell in enumerate(row.cells):
                for label, state in self._cell_items(row, j, cell):
                    text = clean(label).rstrip(":")
                    if state and text and text not in out:
                        out.append(text)
        return out

    def _cell_items(self, row: Row, j: int, cell: Cell, boxes: Row | None = None) -> list[tuple[str, bool | None]]:
        """(label, ticked) for each item in a cell; ``boxes``: a row of nothing but tick boxes under this one."""
        return [item for _, items in self.paragraph_items(row, j, cell, boxes) for item in items]

    def paragraph_items(self, row: Row, j: int, cell: Cell,
                        boxes: Row | None = None) -> list[tuple[str, list[tuple[str, bool | None]]]]:
        """Each non-empty paragraph of a cell with its (label, ticked) items, in order."""
        out: list[tuple[str, list[tuple[str, bool | None]]]] = []
        paragraphs = [p for p in cell.text.split("\n") if p.strip()]
        for para in paragraphs:
            items: list[tuple[str, bool | None]] = []
            for state, label in segments(para):
                if state is None:
                    head, sep, tail = label.partition(":")
                    if sep and tick_state(tail) is not None:
                        state, label = tick_state(tail), head
                    elif len(paragraphs) == 1:
                        state = self._neighbour_tick(row, j)
                        if state is None and boxes is not None and (under := boxes.cell_at(cell.col)) is not None:
                            state = tick_state(under.text)  # "Referral | Review | Final" over "☐ | ☒ | ☐"
                items.append((label, state))
            out.append((para, items))
        return out

    def _box_row_below(self, i: int) -> Row | None:
        """The next row of the same table when every filled cell of it is a lone tick box."""
        rows = self.doc.rows
        if i + 1 >= len(rows) or rows[i].table is None or rows[i + 1].table != rows[i].table:
            return None
        below = rows[i + 1]
        filled = [c for c in below.cells if c.text.strip()]
        return below if filled and all(tick_state(c.text) is not None for c in filled) else None

    def _neighbour_tick(self, row: Row, j: int) -> bool | None:
        if tick_state(row.cells[j].text) is not None:
            return None  # this cell is itself the tick
        if row.cells and tick_state(row.cells[0].text) is not None:
            # "☐ | Neglect | ☒ | Child exploitation": a row that starts with a box puts boxes before labels
            for k in (j - 1, j + 1):
                if 0 <= k < len(row.cells) and (state := tick_state(row.cells[k].text)) is not None:
                    return state
            return None
        labels = [k for k, c in enumerate(row.cells) if c.text.strip() and tick_state(c.text) is None]
        return _box_after(row, j, labels)


@dataclass(frozen=True)
class Answer:
    """A yes/no question's answer, read over every place it appears."""

    answer: bool | None
    given: list[bool]  # the answers given in the places of the chosen kind (both True and False: a conflict)
    both: bool  # no answer, and Yes and No both ticked somewhere
    anywhere: tuple[bool, ...] = ()  # the answers given in every place, ticked or written, not inside another answer


@dataclass(frozen=True)
class YesNo:
    """A yes/no question as the form answers it."""

    answer: bool | None
    offered: bool  # chosen between Yes and No (boxes, cells of their own, or both words printed), not written
    both: bool  # Yes and No both ticked: no answer


def _verdict(ticks: dict[str, bool]) -> bool | None:
    yes, no = ticks.get("yes", False), ticks.get("no", False)
    return True if yes and not no else False if no and not yes else None


def _printed_choices(raw: str | None) -> bool:
    """"Yes / No" printed at the start of the value: the choices, not an answer."""
    return {"yes", "no"} <= set(norm(clean(raw or "")).split(" ")[:4])


def _written_yes_no(text: str) -> bool | None:
    """A yes/no answer written as words: by its first word."""
    words = norm(text).split(" ")
    if words[0] in ("yes", "y"):
        return True
    if _not_known(text):
        return None  # "Open to CSC - not known", "N/A": unanswered, not a No
    if words[0] in ("no", "n", "not", "nope", "nah"):
        return False
    return None


def _not_known(text: str) -> bool:
    return norm(text).split(" ")[:2] in (["not", "known"], ["not", "sure"], ["not", "applicable"], ["n", "a"], ["n", "k"])


def _yes_no_ticks(raw: str | None) -> dict[str, bool]:
    """"Yes ☒ No ☐" in one value: whether each of Yes and No is ticked (only those with a box)."""
    answers: dict[str, bool] = {}
    for para in (raw or "").split("\n"):
        for state, label in segments(para):
            word = norm(label).split(" ")[0] if norm(label) else ""
            if word in ("yes", "no") and state is not None:
                answers[word] = answers.get(word, False) or state
    return answers


def _answered(value: str | None) -> bool:
    """Whether what follows a label on its first line is a whole answer ("Evidence: Involved in a fight at the
    park (ref E13)."), not the label's own words going on to the next line ("Reason for referral – what has⏎
    happened …", "PROVIDE EVIDENCE – what,⏎when, who was involved")."""
    text = (value or "").strip()
    return len(text.split()) >= 4 and (text[-1:] in ".!)\"'" or any(ch.isdigit() for ch in text)) \
        and not guidance(text)


def _lead(row: Row) -> str:
    """A row's first filled cell's text, past a cell of numbering alone ("1.1 | Are parents aware? | Yes")."""
    return next((c.text for c in _unnumbered(row) if c.text.strip()), "")


def _unnumbered(row: Row) -> list[Cell]:
    """A row's cells past a first cell of numbering alone ("1.2 | Role | GP")."""
    cells = row.cells
    return cells[1:] if len(cells) > 1 and _NUMBER_ONLY.fullmatch(cells[0].text.strip()) else cells


def _first_cell(row: Row) -> Cell | None:
    """A row's first cell, past a cell of numbering alone beside others ("1.2 | Role | GP" under a label)."""
    cells = _unnumbered(row)
    return cells[0] if cells else None


_NUMBER_ONLY = re.compile(r"\(?(?:\d{1,2}(?:\.\d{1,2})*[.)]?|[a-zA-Z][.)])")


def _option(text: str) -> tuple[str | None, bool | None]:
    """("yes" / "no", its own box's state) for a cell offering one answer ("Yes", "No ☒", "☐ Yes", "Y", "N"), else
    None."""
    items = segments(text.replace("\n", " "))
    word = _OPTION_WORDS.get(norm(items[0][1])) if len(items) == 1 else None
    return (word, items[0][0]) if word else (None, None)


_OPTION_WORDS = {"yes": "yes", "no": "no", "y": "yes", "n": "no"}


def _options(row: Row, label_col: int, *, inclusive: bool) -> list[int]:
    """The cells offering "Yes" / "No" right of a question's column (from it, ``inclusive``), up to the next
    question ("Q1 | No | Q2 | Yes" offers nothing: those are two answers written as text)."""
    found = []
    for k, cell in enumerate(row.cells):
        if cell.col < label_col or (cell.col == label_col and not inclusive):
            continue
        if _option(cell.text)[0]:
            found.append(k)
        elif cell.text.strip() and tick_state(cell.text) is None:
            break  # another question
    return found


def _box_after(row: Row, k: int, labels: list[int]) -> bool | None:
    """The box of the item in cell k. In a row of "label | box" pairs the box is the next cell, and a blank
    one is unticked (a typed mark leaves the other boxes empty); otherwise the tick cell on either side."""
    cells = row.cells
    if k + 1 < len(cells):
        state = tick_state(cells[k + 1].text)
        if state is not None:
            return state
        if not cells[k + 1].text.strip() and any(
                m != k and m + 1 < len(cells) and tick_state(cells[m + 1].text) is not None for m in labels):
            return False
    return side_tick(row, k)


_LIST_TYPED_X = re.compile(r"(^|[/|,;:\t]\s*|\s{2,})[xX](?=\s+[A-Za-z(])")


def _marked_list_keys(text: str, items: tuple, fuzzy: bool) -> list[str | None] | None:
    """The items marked in a cell that lists them on one line, split by ``ITEM_SEPARATOR`` ("CSE / X
    CCE / County lines / ☒ Online / Financial"); None if the cell holds no such list. A box's label runs only to the next
    separator, not over the unmarked items after it (and a typed X is a mark there too), unless the whole
    label is one item ("☒ Trafficking / Modern Slavery")."""
    if sum(text.count(separator) for separator in ("/", "|", ",", ";", "\t", "  ")) < 2:
        return None  # most cells: no list on a line
    keys: list[str | None] = []
    listed = False
    for para in text.split("\n"):
        if len(ITEM_SEPARATOR.findall(para.strip())) < 2:
            keys.extend(item_key(label, items, fuzzy=fuzzy) for state, label in segments(para) if state)
            continue
        typed = _LIST_TYPED_X.sub(lambda m: m.group(1) + TICK_ON, para)
        sided = sided_segments(typed)
        listed = listed or any(state is not None for state, _, _ in sided)
        for state, label, side in sided:
            if not state:
                continue
            parts = [p for p in ITEM_SEPARATOR.split(label) if p.strip()]
            whole = item_key(label, items, fuzzy=False)
            mine = parts[0] if side == "before" else parts[-1]
            keys.append(whole or item_key(mine, items, fuzzy=fuzzy))
    return keys if listed else None


# The options a question prints after itself: "Y/N", "(Yes/No)", "Yes / No" — no answer.
_OPTIONS = re.compile(r"\(?\s*(?:y|yes)\s*/\s*(?:n|no)\s*\)?\s*[.:*]?", re.IGNORECASE)
# The template's guidance after a question, left in its label cell: "(If yes, dial 999)", "If no, please say why
# not", "(please give details of what, when, who was involved)". Part of the label, never its answer.
_GUIDANCE = re.compile(
    r"\(\s*(?:if\b|please\b|e\.?g\b|for example\b|includ(?:e|ing)\b|give\b|provide\b|tick\b|state\b|specify\b"
    r"|describe\b|delete\b|circle\b|select\b|who\b|what\b|when\b|where\b|how\b|required\b|mandatory\b"
    r"|optional\b|only\b|must\b|attach\b|to be\b)[^()]*\)\s*[.:*]?"
    r"|(?:if (?:yes|no|so|not)\b|please (?:give|provide|state|specify|describe|say|explain|tick|include)\b)[^\n]*"
    r"|(?:what|when|where|who|why|how)\s*[,/]\s*(?:and\s+)?(?:what|when|where|who|why|how)\b[^\n]*",  # "what, when, who was involved"
    re.IGNORECASE)


def guidance(text: str) -> bool:
    """Whether a short text is only the template's guidance: "(please give details)", "If yes, dial 999", or an
    example list left in the box ("e.g. missing episodes, …", cut short or not)."""
    text = text.strip()
    return len(text) <= 120 and "\n" not in text and bool(_GUIDANCE.fullmatch(text) or _EXAMPLE.match(text))


_EXAMPLE = re.compile(r"\(?\s*(?:e\.\s?g\.?|eg\.|for example)(?:\s|,|:|$)", re.IGNORECASE)


def _not_an_answer(inline: str) -> bool:
    """The question's printed options ("Y/N"), its guidance ("(If yes, dial 999)"), or the question again in
    another language ("… at immediate risk? / A yw'r plentyn …?") after it: no answer there. A required
    field's asterisk may come first ("? * (required)")."""
    text = inline.strip().lstrip("*").strip()
    return bool(text) and (bool(_OPTIONS.fullmatch(text) or _GUIDANCE.fullmatch(text)) or text[:2] == "/ ")

# Words that introduce part of a value, not a field: an alias, a kind of phone number, a link, a note.
_VALUE_PREFIX = re.compile(rf"(?:^|[\s(\-–])(?:{ALIAS_WORDS}|mob(?:ile)?|tel|office|work|home|ext|mailto|fax|landline|"
                           r"direct(?: line)?|switchboard|note|nb|[mtewh])\s*$", re.IGNORECASE)

# What a form says when it gives no value: the field is as good as blank (and so missing, if mandatory). Also a
# mail merge's field left unmerged ("«ChildName»").
NON_ANSWER = re.compile(r"(?:unknown|not known|n\s*/\s*k|nk|tbc|tba|to be (?:confirmed|advised)|n\s*/\s*a|"
                        rf"not applicable|none given|not given|\?+|[-–—]+|{MERGE_PLACEHOLDER.pattern})\.?", re.IGNORECASE)


def given(text: str) -> str:
    """A value as read, or "" where it says none was given ("Not known", "TBC", "N/A")."""
    return "" if NON_ANSWER.fullmatch(text) else text


def _carries_value(text: str) -> bool:
    """"Date: 16/11/2026": a field written with its value, not a column heading."""
    head, sep, tail = text.strip().split("\n", 1)[0].partition(":")
    return bool(sep) and bool(head.strip()) and any(ch.isalnum() for ch in tail)


def _short_value(text: str, spec: FieldSpec | None = None) -> bool:
    """Words after a label (set aside, or in the next cell) that may still be its value although they read like
    a label ("Role: GP", "Agency | GP practice"): short, not a question or another "Label:", not the label
    again."""
    text = clean(text)
    return (0 < len(text.split()) <= 3 and text[-1:] not in ":?" and "\n" not in text
            and not (spec is not None and matches(text, spec)) and not any(m in text for m in MARKERS))


def _prose(text: str) -> bool:
    """A first line, then sentences (five words or more): an answer, whatever its first line says."""
    first, _, rest = text.strip().partition("\n")
    return len(rest.split()) >= 5


def item_key(label: str, items: tuple, *, fuzzy: bool = True) -> str | None:
    """The tick-list item a label names: exactly, else (``fuzzy``) the longest alias it contains."""
    forms = label_forms(label)
    for item in items:
        if forms & item.forms:
            return item.key
    if not fuzzy:
        return None
    text = norm(label, keep_parens=False)
    if len(text) > 120:
        return None
    best: tuple[int, str] | None = None
    for item in items:
        for form in item.forms:
            if len(form) >= 3 and re.search(rf"\b{re.escape(form)}\b", text):
                if best is None or len(form) > best[0]:
                    best = (len(form), item.key)
    return best[1] if best else None


"""WordprocessingML → a flat list of rows of cells, with every tick resolved.

A form's meaning lives in table cells and paragraphs; how a value or a tick
was typed does not matter to the extractors. The main document part is
reduced in C by ``flatten.xsl`` (libxslt, no network or file access) to one
string: the plain text of paragraphs, tables, rows and cells, marked out by
private-use characters, in which every check box, whatever its encoding, is
one of two marker characters:

- ``TICK_ON`` / ``TICK_OFF`` for check-box content controls (``w14:checked``,
  never the glyph shown), legacy FORMCHECKBOX fields (``w:checked`` overrides
  ``w:default``) and typed or symbol-font glyphs (☒ ☑ ✓ ✔ / ☐).

Deleted text in tracked changes is dropped, inserted text kept; placeholder
text and blank FORMTEXT results read as empty. This module splits that
string and lays out the rows: nested tables become rows after the row that
contains them, so text "under" a label includes them. (python-docx cannot see content controls
and is slow, so it is not used.)
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

from lxml import etree

TICK_ON = "\ue001"
TICK_OFF = "\ue000"
MARKERS = TICK_ON + TICK_OFF

W_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)

GLYPHS_ON = set("☒☑✓✔✗✘⊠⌧☓√✅") | {"\U0001F5F8", "\U0001F5F9"}  # … 🗸 🗹
GLYPHS_OFF = set("☐□▢")
# Symbol fonts: the private-use code Word stores (F0xx) or the bare byte, per font.
_SYMBOLS = {
    "wingdings": {0xFC: True, 0xFB: True, 0xFE: True, 0xFD: True, 0x78: True, 0xA8: False, 0x6F: False, 0x71: False},
    "wingdings 2": {0x50: True, 0x52: True, 0x53: True, 0x54: True, 0x4F: True, 0xA3: False, 0x2A: False, 0x99: False},
}
PLACEHOLDERS = (
    "click or tap here to enter text.",
    "click here to enter text.",
    "click or tap to enter a date.",
    "click here to enter a date.",
    "choose an item.",
    "enter text here",
)
_PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS), re.IGNORECASE)


@dataclass(slots=True)
class Cell:
    text: str  # paragraphs joined by "\n", ticks as markers
    col: int  # first grid column
    span: int = 1
    merged_above: bool = False  # a vMerge continuation: its content is the cell above's
    highlighted: frozenset[int] = frozenset()  # lines of ``text`` from paragraphs that hold highlighted text

    @property
    def paragraphs(self) -> list[str]:
        return self.text.split("\n")


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    table: int | None  # None for body paragraphs
    index: int  # row index within its table
    depth: int = 0
    within: int | None = None  # nested in a cell (a table's row, or a paragraph after it): that cell's column

    def cell_at(self, col: int) -> Cell | None:
        for cell in self.cells:
            if cell.col <= col < cell.col + cell.span:
                return cell
        return None


@dataclass
class Document:
    rows: list[Row] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    index: dict | None = None  # label index, built once by the first reader (parsers.extract)
    memo: dict = field(default_factory=dict)  # other per-document scans shared by detection and the readers

    def row_below(self, at: int) -> Row | None:
        """The next row of the same table (or the next body paragraph)."""
        below = self.index_below(at)
        return None if below is None else self.rows[below]

    def index_below(self, at: int) -> int | None:
        """Where ``row_below`` is."""
        row = self.rows[at]
        for k in range(at + 1, len(self.rows)):
            nxt = self.rows[k]
            if nxt.table == row.table and (row.table is None or nxt.index == row.index + 1):
                return k
            if row.table is None and nxt.table is not None:
                return k  # a label paragraph followed by a table holding its value
        return None

    def all_text(self) -> str:
        return "\n".join(c.text for r in self.rows for c in r.cells)


_TRANSITIONAL = W_NAMESPACES[0]
_XSL = "{http://www.w3.org/1999/XSL/Transform}"
_F = "{urn:hoth-intake:flatten}"
_SHEET_SOURCE = resources.files("parsers").joinpath("flatten.xsl").read_bytes()


# flatten.xsl's parts a document pays for only if it holds what they read (its f:needs / f:true-without marks),
# each by the name that shows it (an element's, with any prefix or none: a deletion, w:del, always has
# attributes; a font's). (Merged cells and gridBefore are common: a search of the bytes, 20 µs, would cost
# more than their tests save.)
_FEATURES = {"symbols": b"Wingdings", "boxes": b"txbxContent", "highlights": b"highlight", "joins": b"del "}
_EVERY_FEATURE = frozenset(_FEATURES)


def _holds(source: bytes, name: bytes, element: bool) -> bool:
    """Whether the bytes hold ``name``, as an element's name if ``element`` (not the word in the text: the
    CE Matrix asks to "highlight if any are relevant"). One search of the bytes, more only where it is found."""
    at = source.find(name)
    while at >= 0 and element and source[at - 1:at] not in (b":", b"<"):
        at = source.find(name, at + 1)
    return at >= 0


def _features(source: bytes | None) -> frozenset[str]:
    """What the part may hold, by one search of its bytes per name (all of it when they cannot tell: UTF-16)."""
    if source is None or not _ascii_compatible(source):
        return _EVERY_FEATURE
    return frozenset(name for name, tag in _FEATURES.items() if _holds(source, tag, name != "symbols"))


@functools.cache  # at most 2**5 versions, each compiled the first time a document needs it
def _stylesheet(features: frozenset[str], private: bool) -> etree.XSLT:
    """``flatten.xsl`` for a kind of part: without the parts that read what it does not hold (``features``),
    and deleting from every text node the private-use characters the result uses for structure only if the
    part may hold them (``private``; else text nodes are copied as they are, a quarter of the transform).
    None may read or write files or the network."""
    sheet = etree.fromstring(_SHEET_SOURCE)
    for node in list(sheet.iter(f"{_XSL}*")):
        if node.get(f"{_F}needs", "") not in ("", *features):
            node.getparent().remove(node)
        elif node.get(f"{_F}true-without", "") not in ("", *features):
            parent = node.getparent()
            at = parent.index(node)
            parent.remove(node)
            parent[at:at] = list(node)
    if not private:
        for template in sheet.iterchildren(f"{_XSL}template"):
            if template.get("mode") == "text" and template.get("match") == "w:t":
                template[0].set("select", ".")
    return etree.XSLT(sheet, access_control=etree.XSLTAccessControl.DENY_ALL)


def _ascii_compatible(source: bytes) -> bool:
    """Whether byte tests can read the part: UTF-8 or ASCII, with or without a BOM (not UTF-16)."""
    return (source[:1] == b"<" and source[1:2] != b"\x00") or source[:4] == b"\xef\xbb\xbf<"


def _may_hold_private_use(source: bytes) -> bool:
    """Whether the part's text may hold characters U+E000–U+E03F (the markers the skeleton is made of):
    written in UTF-8, as a character reference, or in an encoding this byte test cannot read."""
    if not _ascii_compatible(source) or b"\xee" in source:  # the lead byte of U+E000–U+EFFF in UTF-8
        return True
    at = source.find(b"&")  # single bytes: memchr, where b"&#" in source takes a hundred times as long
    while at >= 0:
        if source[at + 1:at + 2] == b"#":
            return True
        at = source.find(b"&", at + 1)
    return False


def read_document(root: etree._Element, source: bytes | None = None) -> Document:
    """Flatten a parsed main document part (``w:document``, parsed from ``source`` when given) into rows.

    The WordprocessingML is reduced in C (``flatten.xsl``) to one string in which private-use characters
    mark paragraphs, tables, rows and cells; this module splits it and lays out the rows.
    """
    if etree.QName(root).namespace != _TRANSITIONAL:
        root = _as_transitional(root)
        source = None
    # (A character reference cannot write an element's name: the byte tests hold for any part they can read.)
    sheet = _stylesheet(_features(source), source is None or _may_hold_private_use(source))
    flat = _resolved(str(sheet(root)))
    doc = Document()
    walker = _Walker(doc, flat)
    walker.blocks(_blocks(flat), 0)
    walker.lone_columns()
    return doc


# What flatten.xsl writes around the text (characters it deletes from the document's own text):
# a paragraph (its text follows; HIGHLIGHTED first if it holds highlighted text), a table and its end,
# a row (its gridBefore follows), a cell ("span" or "span,vMerge value", then ATTRIBUTES_END, then its
# blocks), and a symbol character (font, char and the run's font, between SYMBOL and SYMBOL_END).
PARAGRAPH, HIGHLIGHTED, TABLE, TABLE_END, ROW = "\ue010", "\ue011", "\ue012", "\ue013", "\ue014"
CELL, ATTRIBUTES_END, SYMBOL, SYMBOL_SEPARATOR, SYMBOL_END = "\ue016", "\ue017", "\ue018", "\ue019", "\ue01a"
FIELD_BEGIN, FIELD_RESULT, FIELD_END = "\ue01b", "\ue01c", "\ue01d"
_FIELD_MARKS = re.compile(f"([{FIELD_BEGIN}{FIELD_RESULT}{FIELD_END}])")
_STRUCTURE_CHARS = re.compile("[\ue010-\ue01a]")
_INSTRUCTION = re.compile(f"{FIELD_BEGIN}[^{FIELD_RESULT}{FIELD_END}]")  # something between a field's start and result
_STRUCTURE = re.compile(f"([{PARAGRAPH}{TABLE}{TABLE_END}{ROW}{CELL}])")
_SYMBOL_RE = re.compile(f"{SYMBOL}([^{SYMBOL_SEPARATOR}{SYMBOL_END}]*){SYMBOL_SEPARATOR}"
                        f"([^{SYMBOL_SEPARATOR}{SYMBOL_END}]*){SYMBOL_SEPARATOR}([^{SYMBOL_END}]*){SYMBOL_END}")


def _blocks(flat: str) -> list:
    """The flattened text as nested lists. A list of blocks holds paragraphs (str) and tables; a table is a
    list of rows; a row is ``[gridBefore, cell, ...]``; a cell is ``[attributes, block, ...]``."""
    body: list = []
    blocks: list | None = body  # where a paragraph or table goes (None: between a table's rows and cells)
    table: list | None = None
    row: list | None = None
    outer: list[tuple[list | None, list | None, list | None]] = []
    parts = _STRUCTURE.split(flat)
    for mark, text in zip(parts[1::2], parts[2::2]):
        if mark == PARAGRAPH:
            if blocks is not None:
                blocks.append(text)
        elif mark == CELL:
            if row is not None:
                blocks = [text[:-1] if text[-1:] == ATTRIBUTES_END else text.partition(ATTRIBUTES_END)[0]]
                row.append(blocks)
        elif mark == ROW:
            if table is not None:
                row = [text]
                table.append(row)
                blocks = None
        elif mark == TABLE:
            if blocks is not None:
                outer.append((blocks, table, row))
                table, row = [], None
                blocks.append(table)
                blocks = None
        elif outer:  # TABLE_END
            blocks, table, row = outer.pop()
    return body


def _field_results(flat: str) -> str:
    """Only what complex fields show: the text between a field's start and its result (its instruction, and
    what nested fields show inside it: "IF { MERGEFIELD Risk } = "Y" "Yes" "No"") is dropped, the structure
    kept."""
    if not _INSTRUCTION.search(flat):  # every field's start right before its result or end (check boxes, form
        # text, plain fields): nothing to drop but the marks (replace: translate walks every character in Python)
        return flat.replace(FIELD_BEGIN, "").replace(FIELD_RESULT, "").replace(FIELD_END, "")
    out: list[str] = []
    shown: list[bool] = []  # per open field, whether its result has started
    for k, part in enumerate(_FIELD_MARKS.split(flat)):
        if k % 2:
            if part == FIELD_BEGIN:
                shown.append(False)
            elif part == FIELD_RESULT:
                if shown:
                    shown[-1] = True
            elif shown:
                shown.pop()
        elif all(shown):
            out.append(part)
        else:
            out.append("".join(_STRUCTURE_CHARS.findall(part)))
    return "".join(out)


# Characters Word shows as nothing, that some editors leave inside words (labels included): soft hyphen,
# zero-width space, word joiner, byte-order mark.
_INVISIBLE = "\u00ad\u200b\u2060\ufeff"


def _resolved(flat: str) -> str:
    """The flattened document with symbol-font characters resolved, placeholder texts dropped and typed
    box and tick glyphs as markers: done once for the whole text, each only if the text holds it."""
    if FIELD_BEGIN in flat:
        flat = _field_results(flat)
    if SYMBOL in flat:
        flat = _SYMBOL_RE.sub(lambda m: _symbol(m[1] or m[3], m[2]), flat)
    if "\xa0" in flat:
        flat = flat.replace("\xa0", " ")  # a no-break space is a space ("PROVIDE EVIDENCE\u00a0– what, when")
    for invisible in _INVISIBLE:  # "Ref\u00aderrer name" reads as it looks: "Referrer name" (a regex: 30 times as long)
        if invisible in flat:
            flat = flat.replace(invisible, "")
    if "lick" in flat or "hoose" in flat or "nter text" in flat:
        flat = _PLACEHOLDER_RE.sub("", flat)
    for glyph, marker in _GLYPH_MARKERS:
        if glyph in flat:
            flat = flat.replace(glyph, marker)
    if "[" in flat or "( )" in flat or "(\u2022)" in flat or "(\u25cf)" in flat:
        # Boxes typed by web forms and converters: "[x] Moderate", "[ ] Low", radio marks "(•)" / "( )"
        flat = _TYPED_BOX.sub(lambda m: TICK_ON if (m[1] if m[1] is not None else m[2]).strip() else TICK_OFF, flat)
    return flat


class _Walker:
    def __init__(self, doc: Document, flat: str) -> None:
        self.doc = doc
        self.tables = 0
        self.runs: dict[int, list[tuple[int, str | None]]] = {}  # tabbed run → its rows (where, text if spaced)

    def lone_columns(self) -> None:
        """A single line laid out in space-separated columns, between ordinary paragraphs, stays a paragraph
        (a page header "Safeguarding Referral Form      Page 2 of 4" is no table) unless its columns are fields
        ("Label: value"): only runs of such lines are a table."""
        for rows in self.runs.values():
            if len(rows) == 1 and rows[0][1] is not None:
                at, text = rows[0]
                if sum(1 for cell in self.doc.rows[at].cells if ":" in cell.text) >= 2:
                    continue  # "Name: Dr Helen Ng      Role: GP": two fields side by side
                old = self.doc.rows[at]
                self.doc.rows[at] = Row([Cell(text, 0)], None, at, old.depth)

    def blocks(self, blocks: list, depth: int) -> None:
        tabbed: tuple[int, int] | None = None  # (table id, next row index) of a run of tab-separated paragraphs
        for block in blocks:
            if block.__class__ is str:
                whole = self.text(block)
                # A body paragraph's lines broken by hand (w:br, as pasted text arrives) are lines of the form;
                # in a line of tab-separated columns, a break is inside a column.
                highlighted = block.startswith(HIGHLIGHTED)
                # "Agency:<tab>" and nothing after: a label whose value was left blank (a converted form)
                # (a FORMTEXT's blank default, five en-spaces, after the tab: blank too)
                open_end = "\t" not in whole and block.rstrip(_SPACES).endswith("\t")
                lines = whole.split("\n") if "\n" in whole and "\t" not in whole else [whole]
                for n, text in enumerate(lines, 1):
                    line = text.strip()
                    tabbed = self.line(line, highlighted, depth, tabbed, blank_value=open_end and n == len(lines) and bool(line))
            else:
                tabbed = None
                self.table(block, depth)

    def line(self, text: str, highlighted: bool, depth: int, tabbed: tuple[int, int] | None, *,
             blank_value: bool = False) -> tuple[int, int] | None:
        """One line of a body paragraph as a row; returns the run of tab-separated lines it continues.
        ``blank_value``: the line ended in a tab, nothing after it (the label's value cell, left blank)."""
        spaced = None
        if "   " in text and not any(m in text for m in MARKERS):
            spaced, text = text, _columns(text)
        if blank_value and "\t" not in text:
            text += "\t"
        if "\t" in text and not blank_value and _NUMBER_TAB.match(text):
            text = _NUMBER_TAB.sub(r"\1 ", text)  # "4.2<tab>What has happened?": a numbered line, not two columns
        if "\t" in text and (_TABBED.search(text) or blank_value):
            # "Child's name<tab>Riley Green": a table a converter flattened into paragraphs (PDF to
            # Word, plain-text pastes). Consecutive such lines are rows again, columns by tab.
            if tabbed is None:
                self.tables += 1
                tabbed = (self.tables, 0)
            cells = [Cell(part.strip(), k) for k, part in enumerate(re.split(r"\t+", text))]  # blank: "" last
            self.runs.setdefault(tabbed[0], []).append((len(self.doc.rows), spaced if spaced != text else None))
            self.doc.rows.append(Row(cells, tabbed[0], tabbed[1], depth))
            return tabbed[0], tabbed[1] + 1
        if text:
            tabbed = None  # an empty paragraph (spacing) does not end the run
        marked = _lines(text) if highlighted and text else frozenset()
        self.doc.rows.append(Row([Cell(text, 0, highlighted=marked)], None, len(self.doc.rows), depth))
        return tabbed

    def table(self, table: list, depth: int) -> None:
        if _boxed_options(table):
            # A form's section drawn as a box (a one-column table, as web forms write each question): its
            # paragraphs are the form's lines, as if not boxed ("☐ Low" / "☒ Moderate" / "Evidence: …").
            for row in table:
                self.blocks(row[1][1:], depth)
            return
        self.tables += 1
        table_id = self.tables
        rows = self.doc.rows
        for index, row in enumerate(table):
            cells, trailing = self.row_cells(row)
            rows.append(Row(cells, table_id, index, depth))
            for col, block in trailing:  # a cell's nested tables and what follows them, in order
                if block.__class__ is not str:
                    start = len(rows)
                    self.table(block, depth + 1)
                    for nested in rows[start:]:
                        if nested.depth == depth + 1:
                            nested.within = col
                else:
                    text = self.text(block)
                    marked = _lines(text) if text and block.startswith(HIGHLIGHTED) else frozenset()
                    rows.append(Row([Cell(text, 0, highlighted=marked)], None, len(rows), depth + 1, col))

    def row_cells(self, row: list) -> tuple[list[Cell], list]:
        before = row[0]
        col = _int(before, 0) if before else 0
        cells: list[Cell] = []
        trailing: list = []
        text = self.text
        for at in range(1, len(row)):
            cell = row[at]
            if cell[0]:  # most cells neither span nor merge
                span_text, merge_mark, merge = cell[0].partition(",")
                span = max(1, _int(span_text, 1)) if span_text else 1
                merged = bool(merge_mark) and merge in ("", "continue")
            else:
                span, merged = 1, False
            if len(cell) == 2 and cell[1].__class__ is str and cell[1][:1] != HIGHLIGHTED:  # one plain paragraph
                cells.append(Cell("" if merged else cell[1].strip(), col, span, merged))
                col += span
                continue
            paras: list[str] = []
            marked: list[int] = []  # the lines of highlighted paragraphs (a cell may list the same item twice)
            line = 0
            nested = False
            for k in range(1, len(cell)):
                block = cell[k]
                if not nested and block.__class__ is str:
                    para = text(block)
                    paras.append(para)
                    lines = para.count("\n") + 1
                    if para and block.startswith(HIGHLIGHTED):
                        marked.extend(range(line, line + lines))
                    line += lines
                else:
                    nested = True
                    trailing.append((col, block))
            if merged:
                content = ""
            elif len(paras) == 1:
                content = paras[0]
            else:
                joined = "\n".join(paras)
                content = joined.strip("\n")
                dropped = len(joined) - len(joined.lstrip("\n"))  # empty paragraphs before the first line
                if dropped and marked:
                    marked = [m - dropped for m in marked]
            cells.append(Cell(content, col, span, merged, frozenset(marked) if marked and not merged else frozenset()))
            col += span
        return cells, trailing

    @staticmethod
    def text(raw: str) -> str:
        """A paragraph's text (``_resolved`` has done the rest)."""
        return (raw[1:] if raw.startswith(HIGHLIGHTED) else raw).strip()  # also a FORMTEXT field's blank default


_SPACES = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace() and ch != "\t")  # every space but the tab


def _boxed_options(table: list) -> bool:
    """A table of one to three rows of one cell each, holding three or more paragraphs and nothing else, with
    options to tick (two paragraphs that start with a box, or a line of two boxes or more): a section drawn in a
    box, not a table of values."""
    if not 1 <= len(table) <= 3 or any(len(row) != 2 for row in table):
        return False
    paragraphs = [block for row in table for block in row[1][1:]]
    if any(block.__class__ is not str for block in paragraphs) or len(paragraphs) < 2:
        return False
    lined = any(block.count(TICK_ON) + block.count(TICK_OFF) >= 2 for block in paragraphs)
    if len(paragraphs) == 2:  # "URGENT CHECK" ⏎ "Is the child at immediate risk?  ☒ Yes ☐ No": a heading, then a question
        heading = paragraphs[0].lstrip(HIGHLIGHTED).strip()
        return len(table) == 1 and 0 < len(heading) <= 40 and not any(m in heading for m in MARKERS) and (
            lined or "?" in paragraphs[1])
    boxed = sum(1 for block in paragraphs if (first := block.lstrip(HIGHLIGHTED + " \t")[:1]) and first in MARKERS)
    return boxed >= 2 or lined


def _lines(text: str) -> frozenset[int]:
    return frozenset(range(text.count("\n") + 1))


def _as_transitional(root: etree._Element) -> etree._Element:
    """Strict OOXML uses another namespace for the same vocabulary: rename it (rare, so simple)."""
    root = etree.fromstring(etree.tostring(root))
    strict = etree.QName(root).namespace or ""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{" + strict + "}"):
            element.tag = "{" + _TRANSITIONAL + "}" + element.tag.split("}", 1)[1]
        for name in [n for n in element.attrib if n.startswith("{" + strict + "}")]:
            element.set("{" + _TRANSITIONAL + "}" + name.split("}", 1)[1], element.attrib.pop(name))
    return root


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _symbol(font: str | None, char: str) -> str:
    try:
        code = int(char, 16)
    except ValueError:
        return ""
    if code >= 0xF000:
        code -= 0xF000
    if 0xE010 <= code <= 0xE01D:
        return ""  # the private-use characters the flattened text's structure is written in
    table = _SYMBOLS.get((font or "").lower())
    if table is None:
        return chr(code) if code >= 0x20 else ""
    state = table.get(code)
    if state is None:
        return ""
    return TICK_ON if state else TICK_OFF


_GLYPH_TABLE = str.maketrans({**{ch: TICK_ON for ch in GLYPHS_ON}, **{ch: TICK_OFF for ch in GLYPHS_OFF}})
_STRIP_MARKERS = str.maketrans("", "", MARKERS)
def _columns(text: str) -> str:
    """"Child's name      Riley Green": columns a PDF converter laid out with runs of spaces, as tabs. Not the
    choices of a question ("Yes     No", "Yes     X No"): those are read as one answer."""
    spaced = _SPACED.sub("\t", text)
    parts = [part.strip() for part in spaced.split("\t")]
    if any(_CHOICE.match(part) for part in parts[1:]) or any(part in ("x", "X") for part in parts):
        return text
    return spaced


# Boxes typed as text, converted once for the whole document: "[x]", "[ ]", radio marks "(•)" / "( )". ("(x)" may
# number a list: ticks.typed_ticks reads it, and the rest, only where a tick is looked for.)
_TYPED_BOX = re.compile("\\[( ?[xX\u2713\u2714\u2022\u25cf] ?| *)\\]|\\(( +|[\u2022\u25cf])\\)")
_CHOICE = re.compile(r"^(?:[xX]\s+)?(?:yes|no|y|n)\b", re.IGNORECASE)
_SPACED = re.compile(r"(?<=\S)[ \u00a0]{3,}(?=\S)")
# A paragraph's numbering and one tab before the rest of its line, no other tab: "4.2<tab>Label", "(b)<tab>Label".
_NUMBER_TAB = re.compile(r"^((?:\d{1,2}(?:\.\d{1,2})*\.?|\(?[a-zA-Z0-9]{1,2}[.)]))[ ]*\t+(?=[^\t]*\S[^\t]*$)")
_TABBED = re.compile(r"\S[ ]*\t+[ ]*\S")  # text on both sides of a tab
_GLYPH_MARKERS = tuple(sorted([(glyph, TICK_ON) for glyph in GLYPHS_ON] + [(glyph, TICK_OFF) for glyph in GLYPHS_OFF]))


def normalise_glyphs(text: str) -> str:
    """Typed box/tick glyphs become markers (☒ ☑ ✓ ✔ → on, ☐ → off)."""
    return text.translate(_GLYPH_TABLE)


def strip_markers(text: str) -> str:
    return text.translate(_STRIP_MARKERS)



"""WordprocessingML → a flat list of rows of cells, with every tick resolved.

A form's meaning lives in table cells and paragraphs; how a value or a tick
was typed does not matter to the extractors. The main document part is
reduced in C by ``flatten.xsl`` (libxslt, no network or file access) to a
skeleton of paragraphs, tables, rows and cells holding plain text, in which
every check box, whatever its encoding, is one of two marker characters:

- ``TICK_ON`` / ``TICK_OFF`` for check-box content controls (``w14:checked``,
  never the glyph shown), legacy FORMCHECKBOX fields (``w:checked`` overrides
  ``w:default``) and typed or symbol-font glyphs (☒ ☑ ✓ ✔ / ☐).

Deleted text in tracked changes is dropped, inserted text kept; placeholder
text and blank FORMTEXT results read as empty. This module walks the
skeleton: nested tables become rows after the row that contains them, so
text "under" a label includes them. (python-docx cannot see content controls
and is slow, so it is not used.)
"""

from __future__ import annotations

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
    "ms gothic": {},
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


def _stylesheets() -> tuple[etree.XSLT, etree.XSLT]:
    """``flatten.xsl``, and the same without its symbol-font run templates (for most documents: a test of
    every run saved). Neither may read or write files or the network."""
    sheet = etree.fromstring(resources.files("parsers").joinpath("flatten.xsl").read_bytes())
    full = etree.XSLT(sheet, access_control=etree.XSLTAccessControl.DENY_ALL)
    for template in sheet.iterchildren(_XSL + "template"):
        if template.get("mode") == "text" and "w:rFonts" in template.get("match", ""):
            sheet.remove(template)
    return full, etree.XSLT(sheet, access_control=etree.XSLTAccessControl.DENY_ALL)


_FLATTEN, _FLATTEN_PLAIN = _stylesheets()
_RFONTS = f"{{{_TRANSITIONAL}}}rFonts"
_FONT_ATTRIBUTES = (f"{{{_TRANSITIONAL}}}ascii", f"{{{_TRANSITIONAL}}}hAnsi")


def _symbol_fonts(root: etree._Element) -> bool:
    """Whether any run is set in a Wingdings font (what the symbol-font templates match)."""
    return any((fonts.get(name) or "").startswith("Wingdings")
               for fonts in root.iter(_RFONTS) for name in _FONT_ATTRIBUTES)


def read_document(root: etree._Element) -> Document:
    """Flatten a parsed main document part (``w:document``) into rows.

    The WordprocessingML is reduced to a skeleton of paragraphs, tables, rows
    and cells in C (``flatten.xsl``); this module only walks that skeleton.
    """
    if etree.QName(root).namespace != _TRANSITIONAL:
        root = _as_transitional(root)
    skeleton = (_FLATTEN if _symbol_fonts(root) else _FLATTEN_PLAIN)(root).getroot()
    doc = Document()
    if skeleton is not None:
        walker = _Walker(doc, skeleton)
        walker.blocks(skeleton, 0)
        walker.lone_columns()
    return doc


class _Walker:
    def __init__(self, doc: Document, skeleton: etree._Element) -> None:
        self.doc = doc
        self.tables = 0
        # Whole-document checks, so that most paragraphs need no per-paragraph work:
        # glyphs may come from the text or from a symbol character.
        whole = etree.tostring(skeleton, method="text", encoding=str)
        self.glyphs = any(glyph in whole for glyph in _GLYPHS) or skeleton.find(".//sym") is not None
        self.placeholders = "lick" in whole or "hoose" in whole or "nter text" in whole
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

    def blocks(self, parent: etree._Element, depth: int) -> None:
        tabbed: tuple[int, int] | None = None  # (table id, next row index) of a run of tab-separated paragraphs
        for child in parent:
            if child.tag == "p":
                whole = self.text(child)
                # A body paragraph's lines broken by hand (w:br, as pasted text arrives) are lines of the form;
                # in a line of tab-separated columns, a break is inside a column.
                for text in whole.split("\n") if "\n" in whole and "\t" not in whole else (whole,):
                    tabbed = self.line(text.strip(), child.get("hl"), depth, tabbed)
            elif child.tag == "tbl":
                tabbed = None
                self.table(child, depth)

    def line(self, text: str, highlighted: str | None, depth: int,
             tabbed: tuple[int, int] | None) -> tuple[int, int] | None:
        """One line of a body paragraph as a row; returns the run of tab-separated lines it continues."""
        spaced = None
        if "   " in text and not any(m in text for m in MARKERS):
            spaced, text = text, _columns(text)
        if "\t" in text and _TABBED.search(text):
            # "Child's name<tab>Riley Green": a table a converter flattened into paragraphs (PDF to
            # Word, plain-text pastes). Consecutive such lines are rows again, columns by tab.
            if tabbed is None:
                self.tables += 1
                tabbed = (self.tables, 0)
            cells = [Cell(part.strip(), k) for k, part in enumerate(re.split(r"\t+", text))]
            self.runs.setdefault(tabbed[0], []).append((len(self.doc.rows), spaced if spaced != text else None))
            self.doc.rows.append(Row(cells, tabbed[0], tabbed[1], depth))
            return tabbed[0], tabbed[1] + 1
        if text:
            tabbed = None  # an empty paragraph (spacing) does not end the run
        marked = _lines(text) if highlighted and text else frozenset()
        self.doc.rows.append(Row([Cell(text, 0, highlighted=marked)], None, len(self.doc.rows), depth))
        return tabbed

    def table(self, tbl: etree._Element, depth: int) -> None:
        self.tables += 1
        table_id = self.tables
        rows = self.doc.rows
        for index, tr in enumerate(tbl.iterchildren("tr")):
            cells, trailing = self.row_cells(tr)
            rows.append(Row(cells, table_id, index, depth))
            for block in trailing:  # a cell's nested tables and what follows them, in order
                if block.tag == "tbl":
                    self.table(block, depth + 1)
                else:
                    text = self.text(block)
                    marked = _lines(text) if block.get("hl") and text else frozenset()
                    rows.append(Row([Cell(text, 0, highlighted=marked)], None, len(rows), depth + 1))

    def row_cells(self, tr: etree._Element) -> tuple[list[Cell], list[etree._Element]]:
        before = tr.get("before")
        col = _int(before, 0) if before else 0
        cells: list[Cell] = []
        trailing: list[etree._Element] = []
        text = self.text
        for tc in tr.iterchildren("tc"):
            span_text = tc.get("span")
            span = max(1, _int(span_text, 1)) if span_text else 1
            merged = tc.get("vmerge") == "1" and tc.get("merge") in ("", "continue", None)
            paras: list[str] = []
            marked: list[int] = []  # the lines of highlighted paragraphs (a cell may list the same item twice)
            line = 0
            nested = False
            for block in tc:
                tag = block.tag
                nested = nested or tag == "tbl"
                if nested:
                    trailing.append(block)
                elif tag == "p":
                    para = text(block)
                    paras.append(para)
                    lines = para.count("\n") + 1
                    if block.get("hl") and para:
                        marked.extend(range(line, line + lines))
                    line += lines
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

    def text(self, p: etree._Element) -> str:
        """A skeleton paragraph's text, symbol-font characters resolved, placeholders dropped."""
        if len(p):
            parts = [p.text or ""]
            for child in p:
                parts.append(_symbol(child.get("font") or child.get("runfont"), child.get("char", "")))
                parts.append(child.tail or "")
            text = "".join(parts)
        else:
            text = p.text or ""
        if self.placeholders and ("lick" in text or "hoose" in text or "nter text" in text):
            text = _PLACEHOLDER_RE.sub("", text)
        text = text.strip()  # also a FORMTEXT field's blank default
        return text.translate(_GLYPH_TABLE) if self.glyphs else text


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


_CHOICE = re.compile(r"^(?:[xX]\s+)?(?:yes|no|y|n)\b", re.IGNORECASE)
_SPACED = re.compile(r"(?<=\S)[ \u00a0]{3,}(?=\S)")
_TABBED = re.compile(r"\S[ ]*\t+[ ]*\S")  # text on both sides of a tab
_GLYPHS = tuple(sorted(GLYPHS_ON | GLYPHS_OFF))


def normalise_glyphs(text: str) -> str:
    """Typed box/tick glyphs become markers (☒ ☑ ✓ ✔ → on, ☐ → off)."""
    return text.translate(_GLYPH_TABLE)


def strip_markers(text: str) -> str:
    return text.translate(_STRIP_MARKERS)



"""WordprocessingML → a flat list of rows of cells, with every tick resolved.

A form's meaning lives in table cells and paragraphs; how a value or a tick
was typed does not matter to the extractors. So this module reads the main
document part once (lxml, no python-docx: it cannot see content controls and
is slow) and renders each cell as plain text in which every check box,
whatever its encoding, becomes one of two marker characters:

- ``TICK_ON`` / ``TICK_OFF`` for check-box content controls (``w14:checked``,
  never the glyph shown), legacy FORMCHECKBOX fields (``w:checked`` overrides
  ``w:default``) and typed or symbol-font glyphs (☒ ☑ ✓ ✔ / ☐).

Deleted text in tracked changes is dropped, inserted text kept; placeholder
text and blank FORMTEXT results read as empty. Nested tables are emitted as
rows after the row that contains them, so text "under" a label includes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

TICK_ON = "\ue001"
TICK_OFF = "\ue000"
MARKERS = TICK_ON + TICK_OFF

W_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

GLYPHS_ON = set("☒☑✓✔✗✘⊠⌧☓")
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
_FORMTEXT_BLANK = re.compile(r"^[\s\u2002\u00a0\u2003\u2007\u202f]+$")


@dataclass
class Cell:
    text: str  # paragraphs joined by "\n", ticks as markers
    col: int  # first grid column
    span: int = 1
    merged_above: bool = False  # a vMerge continuation: its content is the cell above's

    @property
    def paragraphs(self) -> list[str]:
        return self.text.split("\n")


@dataclass
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

    def row_below(self, at: int) -> Row | None:
        """The next row of the same table (or the next body paragraph)."""
        row = self.rows[at]
        for nxt in self.rows[at + 1:]:
            if nxt.table == row.table and (row.table is None or nxt.index == row.index + 1):
                return nxt
            if row.table is None and nxt.table is not None:
                return nxt  # a label paragraph followed by a table holding its value
        return None

    def all_text(self) -> str:
        return "\n".join(c.text for r in self.rows for c in r.cells)


class _Tags:
    """Clark-notation tag names in the document's namespace, built once per name."""

    def __init__(self, namespace: str) -> None:
        self._ns = namespace

    def __getattr__(self, name: str) -> str:
        tag = f"{{{self._ns}}}{name.rstrip('_')}"
        setattr(self, name, tag)
        return tag


class _Reader:
    def __init__(self, w: str) -> None:
        self.w = w
        self.t = _Tags(w)
        self.doc = Document()
        self.tables = 0

    def q(self, tag: str) -> str:
        return getattr(self.t, tag)

    # -- block level -------------------------------------------------------

    def blocks(self, parent: etree._Element, depth: int) -> None:
        for child in self._unwrap(parent):
            if child.tag == self.t.p:
                text = self.paragraph(child)
                self.doc.rows.append(Row([Cell(text, 0)], None, len(self.doc.rows), depth))
            elif child.tag == self.t.tbl:
                self.table(child, depth)

    def _unwrap(self, parent: etree._Element):
        """Children, looking through content controls, custom XML and insertions."""
        for child in parent:
            tag = child.tag
            if tag == self.t.sdt:
                content = child.find(self.t.sdtContent)
                if content is not None:
                    yield from self._unwrap(content)
            elif tag in (self.t.customXml, self.t.ins, self.t.moveTo):
                yield from self._unwrap(child)
            elif tag in (self.t.del_, self.t.moveFrom):
                continue
            else:
                yield child

    def table(self, tbl: etree._Element, depth: int) -> None:
        self.tables += 1
        table_id = self.tables
        rows = [tr for tr in self._unwrap(tbl) if tr.tag == self.t.tr]
        out_index = 0
        for tr in rows:
            if tr.find(f"{self.q('trPr')}/{self.q('del')}") is not None:
                continue  # a row deleted with tracked changes
            cells, trailing = self.row_cells(tr)
            self.doc.rows.append(Row(cells, table_id, out_index, depth))
            out_index += 1
            for block in trailing:  # a cell's nested tables and what follows them, in order
                if block.tag == self.t.tbl:
                    self.table(block, depth + 1)
                else:
                    self.doc.rows.append(Row([Cell(self.paragraph(block), 0)], None, len(self.doc.rows), depth + 1))

    def row_cells(self, tr: etree._Element) -> tuple[list[Cell], list[etree._Element]]:
        col = 0
        before = tr.find(f"{self.q('trPr')}/{self.q('gridBefore')}")
        if before is not None:
            col = _int(before.get(self.t.val), 0)
        cells: list[Cell] = []
        trailing: list[etree._Element] = []
        for tc in self._unwrap(tr):
            if tc.tag != self.t.tc:
                continue
            span, merged = self._cell_props(tc)
            paras: list[str] = []
            nested = False
            for block in self._unwrap(tc):
                nested = nested or block.tag == self.t.tbl
                if nested and block.tag in (self.t.p, self.t.tbl):
                    trailing.append(block)
                elif block.tag == self.t.p:
                    paras.append(self.paragraph(block))
            text = "" if merged else "\n".join(paras).strip("\n")
            cells.append(Cell(text, col, span, merged))
            col += span
        return cells, trailing

    def _cell_props(self, tc: etree._Element) -> tuple[int, bool]:
        if not len(tc) or tc[0].tag != self.t.tcPr:  # schema order: tcPr comes first
            return 1, False
        span, merged = 1, False
        for prop in tc[0]:
            if prop.tag == self.t.gridSpan:
                span = max(1, _int(prop.get(self.t.val), 1))
            elif prop.tag == self.t.vMerge:
                merged = prop.get(self.t.val, "continue") == "continue"
        return span, merged

    # -- inline level ------------------------------------------------------

    def paragraph(self, p: etree._Element) -> str:
        state = _FieldState()
        parts: list[str] = []
        self.inline(p, parts, state)
        text = "".join(parts)
        if "lick" in text or "hoose" in text or "nter text" in text:  # cheap pre-check
            text = _PLACEHOLDER_RE.sub("", text)
        return text.strip(" \t\u00a0")

    def inline(self, parent: etree._Element, out: list[str], state: "_FieldState") -> None:
        for child in parent:
            tag = child.tag
            if tag == self.t.r:
                self.run(child, out, state)
            elif tag == self.t.sdt:
                self.inline_sdt(child, out, state)
            elif tag in (self.t.del_, self.t.moveFrom, self.t.pPr):
                continue
            elif tag == f"{{{MC}}}AlternateContent":
                choice = child[0] if len(child) else None
                if choice is not None:
                    self.inline(choice, out, state)
            elif tag == self.t.txbxContent:
                for block in self._unwrap(child):
                    if block.tag == self.t.p:
                        out.append(self.paragraph(block) + "\n")
            elif isinstance(tag, str):
                self.inline(child, out, state)  # hyperlink, ins, smartTag, fldSimple, drawing wrappers

    def inline_sdt(self, sdt: etree._Element, out: list[str], state: "_FieldState") -> None:
        props = sdt.find(self.t.sdtPr)
        if props is not None:
            box = props.find(f"{{{W14}}}checkbox")
            if box is not None:
                checked = box.find(f"{{{W14}}}checked")
                on = checked is not None and _truthy(checked.get(f"{{{W14}}}val"), default=True)
                out.append(TICK_ON if on else TICK_OFF)
                return
            if props.find(self.t.showingPlcHdr) is not None:
                return
        content = sdt.find(self.t.sdtContent)
        if content is not None:
            self.inline(content, out, state)

    def run(self, r: etree._Element, out: list[str], state: "_FieldState") -> None:
        t = self.t
        for child in r:
            tag = child.tag
            if tag == self.t.fldChar:
                self.field_char(child, out, state)
            elif tag == self.t.instrText:
                state.code.append(child.text or "")
            elif state.hide_text:
                continue
            elif tag == t.t:
                text = child.text or ""
                # Symbol-font ticks are one or two characters; only then is the font worth reading.
                out.append(self._text(text, self._run_font(r)) if len(text) <= 2 else text)
            elif tag == t.sym:
                out.append(_symbol(child.get(t.font) or self._run_font(r), child.get(t.char, "")))
            elif tag == self.t.tab:
                out.append(" ")
            elif tag in (self.t.br, self.t.cr):
                out.append("\n")
            elif tag == self.t.noBreakHyphen:
                out.append("-")
            elif isinstance(tag, str) and tag.endswith("}AlternateContent"):
                self.inline(child, out, state)

    def _run_font(self, r: etree._Element) -> str:
        props = r[0] if len(r) and r[0].tag == self.t.rPr else None
        fonts = props.find(self.t.rFonts) if props is not None else None
        if fonts is None:
            return ""
        return (fonts.get(self.t.ascii) or fonts.get(self.t.hAnsi) or "").lower()

    def _text(self, text: str, font: str) -> str:
        if font in ("wingdings", "wingdings 2") and text:
            return "".join(_symbol(font, f"{ord(ch):X}") if ord(ch) < 0x100 else ch for ch in text)
        return text

    def field_char(self, fc: etree._Element, out: list[str], state: "_FieldState") -> None:
        kind = fc.get(self.t.fldCharType)
        if kind == "begin":
            state.begin(fc.find(self.t.ffData), self)
        elif kind == "separate":
            state.separate(out)
        elif kind == "end":
            state.end(out)


class _FieldState:
    """Tracks a complex field (begin … separate … end) across runs."""

    def __init__(self) -> None:
        self.stack: list[dict] = []
        self.code: list[str] = []

    @property
    def hide_text(self) -> bool:
        if not self.stack:
            return False
        top = self.stack[-1]
        return not top["in_result"] or top["checkbox"] is not None

    def begin(self, ffdata: etree._Element | None, reader: _Reader) -> None:
        self.code = []
        checkbox = None
        if ffdata is not None:
            box = ffdata.find(reader.t.checkBox)
            if box is not None:
                checkbox = _legacy_checked(box, reader)
        self.stack.append({"in_result": False, "checkbox": checkbox, "result": []})

    def separate(self, out: list[str]) -> None:
        if self.stack:
            self.stack[-1]["in_result"] = True
            self.stack[-1]["mark"] = len(out)

    def end(self, out: list[str]) -> None:
        if not self.stack:
            return
        top = self.stack.pop()
        code = "".join(self.code).upper()
        if top["checkbox"] is not None or "FORMCHECKBOX" in code:
            out.append(TICK_ON if top["checkbox"] else TICK_OFF)
            return
        mark = top.get("mark")
        if mark is not None and "FORMTEXT" in code:
            result = "".join(out[mark:])
            if _FORMTEXT_BLANK.match(result or " "):
                del out[mark:]


def _legacy_checked(box: etree._Element, reader: _Reader) -> bool:
    checked = box.find(reader.t.checked)
    if checked is not None:
        return _truthy(checked.get(reader.t.val), default=True)
    default = box.find(reader.t.default)
    return default is not None and _truthy(default.get(reader.t.val), default=True)


def _truthy(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "on")


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


def normalise_glyphs(text: str) -> str:
    """Typed box/tick glyphs become markers (☒ ☑ ✓ ✔ → on, ☐ → off)."""
    return text.translate(_GLYPH_TABLE)


def strip_markers(text: str) -> str:
    return text.translate(_STRIP_MARKERS)


def read_document(root: etree._Element) -> Document:
    """Flatten a parsed main document part (``w:document``) into rows."""
    namespace = etree.QName(root).namespace or W_NAMESPACES[0]
    reader = _Reader(namespace)
    body = root.find(reader.t.body)
    if body is not None:
        reader.blocks(body, 0)
    for row in reader.doc.rows:
        for cell in row.cells:
            cell.text = normalise_glyphs(cell.text)
    return reader.doc

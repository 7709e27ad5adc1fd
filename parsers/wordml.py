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

    def _unwrap(self, parent: etree._Element) -> etree._Element:
        """Children; `_rewrite` has already lifted content controls, custom XML and insertions."""
        return parent

    def table(self, tbl: etree._Element, depth: int) -> None:
        self.tables += 1
        table_id = self.tables
        rows = [tr for tr in self._unwrap(tbl) if tr.tag == self.t.tr]
        out_index = 0
        for tr in rows:
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
        """A paragraph's text: after `_rewrite`, just its w:t elements in order (a C-level walk)."""
        text = "".join(p.itertext(self.t.t, with_tail=False))
        if "lick" in text or "hoose" in text or "nter text" in text:  # cheap pre-check
            text = _PLACEHOLDER_RE.sub("", text)
        return text.strip()  # also a FORMTEXT field's blank default (five en spaces)


def _rewrite(root: etree._Element, t: _Tags) -> None:
    """Reduce every special construct to plain w:t text, in place, so paragraphs read as w:t runs.

    Deleted revisions vanish; check boxes (content controls, legacy fields, symbol
    fonts) become marker characters; placeholders become empty; tabs and breaks
    become spaces and newlines; only the first choice of alternate content stays.
    """
    for row in [r for r in root.iter(t.tr) if r.find(f"{t.trPr}/{t.del_}") is not None]:
        _remove(row)  # a table row deleted with tracked changes
    for gone in list(root.iter(t.del_, t.moveFrom, f"{{{MC}}}Fallback")):
        _remove(gone)
    for sdt in list(root.iter(t.sdt)):
        _rewrite_sdt(sdt, t)
    for wrapper in list(root.iter(t.sdt, t.customXml, t.ins, t.moveTo)):
        _lift(wrapper, t)
    _rewrite_fields(root, t)
    for fonts in list(root.iter(t.rFonts)):
        font = (fonts.get(t.ascii) or fonts.get(t.hAnsi) or "").lower()
        if font.startswith("wingdings"):
            run = fonts.getparent().getparent() if fonts.getparent() is not None else None
            for text in run.iter(t.t) if run is not None and run.tag == t.r else ():
                text.text = "".join(_symbol(font, f"{ord(ch):X}") if ord(ch) < 0x100 else ch for ch in text.text or "")
    for special in list(root.iter(t.sym, t.tab, t.br, t.cr, t.noBreakHyphen)):
        if special.tag == t.sym:
            run = special.getparent()
            font = special.get(t.font) or (_run_font(run, t) if run is not None else "")
            _as_text(special, t, _symbol(font, special.get(t.char, "")))
        elif special.getparent() is not None and special.getparent().tag == t.r:
            _as_text(special, t, " " if special.tag == t.tab else "-" if special.tag == t.noBreakHyphen else "\n")


def _rewrite_sdt(sdt: etree._Element, t: _Tags) -> None:
    props, content = sdt.find(t.sdtPr), sdt.find(t.sdtContent)
    if props is None or content is None:
        return
    box = props.find(f"{{{W14}}}checkbox")
    if box is not None:
        checked = box.find(f"{{{W14}}}checked")
        on = checked is not None and _truthy(checked.get(f"{{{W14}}}val"), default=True)
        texts = list(content.iter(t.t))
        for text in texts[1:]:
            _remove(text)
        if texts:
            texts[0].text = TICK_ON if on else TICK_OFF  # w14:checked, never the glyph shown
        else:
            content.append(_run(t, TICK_ON if on else TICK_OFF))
    elif props.find(t.showingPlcHdr) is not None:
        for text in list(content.iter(t.t)):
            _remove(text)


def _rewrite_fields(root: etree._Element, t: _Tags) -> None:
    """Legacy FORMCHECKBOX fields become a marker; their shown result, if any, is dropped."""
    stack: list[dict] = []
    for element in list(root.iter(t.fldChar, t.t, t.instrText)):
        if element.tag == t.fldChar:
            kind = element.get(t.fldCharType)
            if kind == "begin":
                box = element.find(f"{t.ffData}/{t.checkBox}")
                stack.append({"box": box, "code": [], "result": False, "marked": False})
            elif kind == "separate" and stack:
                stack[-1]["result"] = True
            elif kind == "end" and stack:
                field = stack.pop()
                is_box = field["box"] is not None or "FORMCHECKBOX" in "".join(field["code"]).upper()
                if is_box:
                    on = field["box"] is not None and _legacy_checked(field["box"], t)
                    element.addprevious(_text(t, TICK_ON if on else TICK_OFF))
        elif element.tag == t.instrText:
            if stack:
                stack[-1]["code"].append(element.text or "")
        elif stack and stack[-1]["result"] and (
                stack[-1]["box"] is not None or "FORMCHECKBOX" in "".join(stack[-1]["code"]).upper()):
            _remove(element)  # a glyph someone put in a check box field's result


def _lift(wrapper: etree._Element, t: _Tags) -> None:
    """Put a wrapper's content where the wrapper was (a control's content, an insertion's runs)."""
    parent = wrapper.getparent()
    if parent is None:
        return
    content = wrapper.find(t.sdtContent) if wrapper.tag == t.sdt else wrapper
    index = parent.index(wrapper)
    kids = [] if content is None else [c for c in content if c.tag not in (t.sdtPr, t.sdtEndPr, t.customXmlPr)]
    for offset, child in enumerate(kids):
        parent.insert(index + offset, child)
    parent.remove(wrapper)


def _remove(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _text(t: _Tags, value: str) -> etree._Element:
    element = etree.Element(t.t)
    element.text = value
    return element


def _run(t: _Tags, value: str) -> etree._Element:
    run = etree.Element(t.r)
    run.append(_text(t, value))
    return run


def _as_text(element: etree._Element, t: _Tags, value: str) -> None:
    element.tag = t.t
    element.attrib.clear()
    element.text = value


def _run_font(run: etree._Element, t: _Tags) -> str:
    fonts = run.find(f"{t.rPr}/{t.rFonts}")
    if fonts is None:
        return ""
    return (fonts.get(t.ascii) or fonts.get(t.hAnsi) or "").lower()


def _legacy_checked(box: etree._Element, t: _Tags) -> bool:
    checked = box.find(t.checked)
    if checked is not None:
        return _truthy(checked.get(t.val), default=True)
    default = box.find(t.default)
    return default is not None and _truthy(default.get(t.val), default=True)


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
    _rewrite(root, reader.t)
    body = root.find(reader.t.body)
    if body is not None:
        reader.blocks(body, 0)
    for row in reader.doc.rows:
        for cell in row.cells:
            cell.text = normalise_glyphs(cell.text)
    return reader.doc

"""A small WordprocessingML writer for test fixtures.

python-docx cannot write content controls, legacy form fields or tracked
changes, and those are exactly the encodings real copies of the forms use, so
the fixtures are written as XML text and zipped here. Two string subclasses
keep the two levels of the body apart: ``Inline`` is run-level content (runs,
inline content controls, fields, ``w:ins``/``w:del``), ``Block`` is body-level
content (paragraphs, tables, block content controls). A plain ``str`` passed
where content is expected is literal text.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from dataclasses import dataclass
from typing import Iterable, Literal, Sequence
from xml.sax.saxutils import escape, quoteattr

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"

PLACEHOLDER_TEXT = "Click or tap here to enter text."
# Word's default result for an empty legacy text field: five en spaces.
FORMTEXT_BLANK = "\u2002" * 5
BALLOT_CHECKED = "\u2612"  # ☒
BALLOT_UNCHECKED = "\u2610"  # ☐
WINGDINGS_TICK = "F0FC"  # renders as ✓
WINGDINGS_BOX_X = "F0FE"  # renders as ☒
WINGDINGS_BOX = "F0A8"  # renders as an empty box

BULLET_NUM_ID = 1
DECIMAL_NUM_ID = 2

_ids = itertools.count(1000)
_AUTHOR = 'w:author="Case Worker" w:date="2025-03-04T10:15:00Z"'


class Inline(str):
    """Run-level WordprocessingML (goes inside a ``w:p``)."""


class Block(str):
    """Body-level WordprocessingML (goes inside ``w:body``, ``w:tc`` or ``w:sdtContent``)."""


InlineLike = str | Inline
BlockLike = str | Inline | Block


def _text_el(text: str, tag: str = "w:t") -> str:
    return f'<{tag} xml:space="preserve">{escape(text)}</{tag}>'


def _rpr(bold: bool = False, font: str | None = None, size: int | None = None,
         color: str | None = None, style: str | None = None) -> str:
    parts = []
    if style:
        parts.append(f'<w:rStyle w:val="{style}"/>')
    if font:
        parts.append(f'<w:rFonts w:ascii="{font}" w:eastAsia="{font}" w:hAnsi="{font}" w:hint="eastAsia"/>')
    if bold:
        parts.append("<w:b/><w:bCs/>")
    if color:
        parts.append(f'<w:color w:val="{color}"/>')
    if size:
        parts.append(f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>')
    return f"<w:rPr>{''.join(parts)}</w:rPr>" if parts else ""


def run(text: str, *, bold: bool = False, font: str | None = None, size: int | None = None,
        color: str | None = None, style: str | None = None) -> Inline:
    """One run; newlines become ``w:br`` and tabs ``w:tab`` as Word stores them."""
    pieces: list[str] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            pieces.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                pieces.append("<w:tab/>")
            if chunk:
                pieces.append(_text_el(chunk))
    return Inline(f"<w:r>{_rpr(bold, font, size, color, style)}{''.join(pieces)}</w:r>")


def inline(*content: InlineLike) -> Inline:
    """Concatenate run-level content, turning plain strings into runs."""
    return Inline("".join(c if isinstance(c, Inline) else run(c) for c in content if c != ""))


def glyph(ch: str) -> Inline:
    """A typed tick glyph; box glyphs get MS Gothic as Word's symbol picker does."""
    font: str | None = "MS Gothic" if ch in (BALLOT_CHECKED, BALLOT_UNCHECKED, "\u2611") else "Segoe UI Symbol"
    if ch in ("X", "x", "Y", "Yes"):
        font = None
    return run(ch, font=font)


def wingdings(char: str) -> Inline:
    """A symbol inserted from the Wingdings font: a private-use code, no text."""
    return Inline(f'<w:r><w:rPr><w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/></w:rPr>'
                  f'<w:sym w:font="Wingdings" w:char="{char}"/></w:r>')


def sdt_text(value: str | None, *, tag: str | None = None, alias: str | None = None) -> Inline:
    """An inline plain-text content control; ``None`` shows Word's placeholder."""
    props = [f'<w:id w:val="{next(_ids)}"/>']
    if alias:
        props.insert(0, f"<w:alias w:val={quoteattr(alias)}/>")
    if tag:
        props.insert(0, f"<w:tag w:val={quoteattr(tag)}/>")
    if value is None:
        props.append('<w:placeholder><w:docPart w:val="DefaultPlaceholder_-1854013440"/></w:placeholder>')
        props.append("<w:showingPlcHdr/>")
        content = run(PLACEHOLDER_TEXT, style="PlaceholderText")
    else:
        content = run(value)
    props.append("<w:text/>")
    return Inline(f"<w:sdt><w:sdtPr>{''.join(props)}</w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>")


def sdt_text_raw(content: Inline) -> Inline:
    """An inline rich-text content control around arbitrary run content (e.g. tracked changes)."""
    return Inline(f'<w:sdt><w:sdtPr><w:id w:val="{next(_ids)}"/></w:sdtPr>'
                  f"<w:sdtContent>{content}</w:sdtContent></w:sdt>")


def sdt_block(blocks: Sequence[BlockLike], *, placeholder: bool = False) -> Block:
    """A block-level (rich text) content control wrapping whole paragraphs."""
    props = f'<w:id w:val="{next(_ids)}"/>'
    body: str
    if placeholder:
        props += ('<w:placeholder><w:docPart w:val="DefaultPlaceholder_-1854013440"/></w:placeholder>'
                  "<w:showingPlcHdr/>")
        body = paragraph(run(PLACEHOLDER_TEXT, style="PlaceholderText"))
    else:
        body = "".join(as_blocks(blocks))
    return Block(f"<w:sdt><w:sdtPr>{props}</w:sdtPr><w:sdtContent>{body}</w:sdtContent></w:sdt>")


def sdt_checkbox(checked: bool, *, shown: bool | None = None, content: Inline | None = None) -> Inline:
    """A check-box content control. ``shown`` is the glyph displayed, which real
    documents sometimes get out of step with ``w14:checked`` (copied controls,
    edits in other editors); the parser must trust ``w14:checked``."""
    shown = checked if shown is None else shown
    body = content if content is not None else run(BALLOT_CHECKED if shown else BALLOT_UNCHECKED, font="MS Gothic")
    props = (f'<w:id w:val="{next(_ids)}"/>'
             f'<w14:checkbox><w14:checked w14:val="{1 if checked else 0}"/>'
             '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
             '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>')
    return Inline(f"<w:sdt><w:sdtPr>{props}</w:sdtPr><w:sdtContent>{body}</w:sdtContent></w:sdt>")


def _fld(ffdata: str, instr: str, result: Inline | None) -> Inline:
    begin = f'<w:r><w:fldChar w:fldCharType="begin">{ffdata}</w:fldChar></w:r>'
    instr_run = f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
    sep = '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    return Inline(begin + instr_run + sep + (result or "") + end)


def legacy_checkbox(*, default: bool, checked: bool | None = None) -> Inline:
    """A legacy FORMCHECKBOX field; ``checked`` (when written) overrides ``default``."""
    name = f"Check{next(_ids)}"
    state = "" if checked is None else ("<w:checked/>" if checked else '<w:checked w:val="0"/>')
    ffdata = (f'<w:ffData><w:name w:val="{name}"/><w:enabled/><w:calcOnExit w:val="0"/>'
              f'<w:checkBox><w:sizeAuto/><w:default w:val="{1 if default else 0}"/>{state}</w:checkBox></w:ffData>')
    return _fld(ffdata, "FORMCHECKBOX", None)


def legacy_text(value: str | None) -> Inline:
    """A legacy FORMTEXT field; ``None`` leaves Word's default blank result."""
    name = f"Text{next(_ids)}"
    ffdata = (f'<w:ffData><w:name w:val="{name}"/><w:enabled/><w:calcOnExit w:val="0"/>'
              "<w:textInput/></w:ffData>")
    result = run(FORMTEXT_BLANK if value is None else value)
    return _fld(ffdata, "FORMTEXT", result)


def _as_deleted(content: str) -> str:
    # Text inside w:del must be w:delText / w:delInstrText or Word calls the file corrupt.
    content = re.sub(r"<w:t( [^>]*)?>", r"<w:delText\1>", content).replace("</w:t>", "</w:delText>")
    content = re.sub(r"<w:instrText( [^>]*)?>", r"<w:delInstrText\1>", content)
    return content.replace("</w:instrText>", "</w:delInstrText>")


def deleted(*content: InlineLike) -> Inline:
    """A tracked deletion: still in the file, not in the document's current text."""
    if not any(content):
        return Inline("")
    return Inline(f'<w:del w:id="{next(_ids)}" {_AUTHOR}>{_as_deleted(inline(*content))}</w:del>')


def inserted(*content: InlineLike) -> Inline:
    """A tracked insertion: part of the document's current text."""
    if not any(content):
        return Inline("")
    return Inline(f'<w:ins w:id="{next(_ids)}" {_AUTHOR}>{inline(*content)}</w:ins>')


def tracked(old: InlineLike, new: InlineLike) -> Inline:
    """Old content deleted and new content inserted, as Word records an edit."""
    return Inline(deleted(old) + inserted(new))


ListKind = Literal["bullet", "number"]


def paragraph(*content: InlineLike, bold: bool = False, style: str | None = None,
              list_kind: ListKind | None = None, level: int = 0, align: str | None = None,
              keep_next: bool = False) -> Block:
    """A paragraph; ``bold`` makes the plain-text parts bold (headings)."""
    ppr: list[str] = []
    if style:
        ppr.append(f'<w:pStyle w:val="{style}"/>')
    if keep_next:
        ppr.append("<w:keepNext/>")
    if list_kind:
        if not style:
            ppr.insert(0, '<w:pStyle w:val="ListParagraph"/>')
        num_id = BULLET_NUM_ID if list_kind == "bullet" else DECIMAL_NUM_ID
        ppr.append(f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>')
    if align:
        ppr.append(f'<w:jc w:val="{align}"/>')
    body = "".join(c if isinstance(c, Inline) else run(c, bold=bold) for c in content if c != "")
    ppr_xml = f"<w:pPr>{''.join(ppr)}</w:pPr>" if ppr else ""
    return Block(f"<w:p>{ppr_xml}{body}</w:p>")


def heading(text: str, level: int = 1) -> Block:
    return paragraph(run(text, bold=True), style=f"Heading{level}", keep_next=True)


def bullet(*content: InlineLike, level: int = 0) -> Block:
    return paragraph(*content, list_kind="bullet", level=level)


def numbered(*content: InlineLike, level: int = 0) -> Block:
    return paragraph(*content, list_kind="number", level=level)


def as_blocks(content: BlockLike | Sequence[BlockLike] | None) -> list[Block]:
    """Normalise cell or body content: text and inline content become paragraphs."""
    if content is None:
        return []
    items: Iterable[BlockLike] = [content] if isinstance(content, str) else content
    out: list[Block] = []
    for item in items:
        if isinstance(item, Block):
            out.append(item)
        elif isinstance(item, Inline):
            out.append(paragraph(item))
        else:
            out.extend(paragraph(line) for line in item.split("\n"))
    return out


VMerge = Literal["restart", "continue"]


@dataclass
class Cell:
    """One table cell: block content, horizontal span and vertical merge state."""

    content: BlockLike | Sequence[BlockLike] | None = None
    span: int = 1
    vmerge: VMerge | None = None
    shade: str | None = None
    bold: bool = False


CellLike = Cell | BlockLike | Sequence[BlockLike] | None


def _as_cell(value: CellLike) -> Cell:
    return value if isinstance(value, Cell) else Cell(value)


def _cell_xml(cell: Cell, width: int) -> str:
    tcpr = [f'<w:tcW w:w="{width}" w:type="dxa"/>']
    if cell.span > 1:
        tcpr.append(f'<w:gridSpan w:val="{cell.span}"/>')
    if cell.vmerge == "restart":
        tcpr.append('<w:vMerge w:val="restart"/>')
    elif cell.vmerge == "continue":
        tcpr.append("<w:vMerge/>")
    if cell.shade:
        tcpr.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{cell.shade}"/>')
    content = cell.content
    if cell.bold and isinstance(content, str) and not isinstance(content, (Inline, Block)):
        content = paragraph(content, bold=True)
    blocks = as_blocks(content) if cell.vmerge != "continue" else []
    # A cell must end with a paragraph, including one whose last block is a nested table.
    if not blocks or blocks[-1].startswith("<w:tbl>"):
        blocks.append(paragraph())
    return f"<w:tc><w:tcPr>{''.join(tcpr)}</w:tcPr>{''.join(blocks)}</w:tc>"


def table(rows: Sequence[Sequence[CellLike]], *, widths: Sequence[int] | None = None,
          total_width: int = 9600) -> Block:
    """A bordered table. Column count is the widest row (counting spans); rows
    that are short are padded so every row covers the grid, as Word requires."""
    cells = [[_as_cell(c) for c in row] for row in rows]
    ncols = max(sum(c.span for c in row) for row in cells)
    grid = list(widths) if widths else [total_width // ncols] * ncols
    if len(grid) != ncols:
        raise ValueError(f"widths has {len(grid)} columns, the rows need {ncols}")
    body = []
    for row in cells:
        covered = sum(c.span for c in row)
        if covered < ncols:
            row = row[:-1] + [Cell(row[-1].content, row[-1].span + ncols - covered, row[-1].vmerge,
                                   row[-1].shade, row[-1].bold)]
        col = 0
        xml_cells = []
        for c in row:
            xml_cells.append(_cell_xml(c, sum(grid[col:col + c.span])))
            col += c.span
        body.append(f"<w:tr>{''.join(xml_cells)}</w:tr>")
    borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
                      for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    tblpr = (f'<w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(grid)}" w:type="dxa"/>'
             f'<w:tblBorders>{borders}</w:tblBorders><w:tblLook w:val="04A0"/></w:tblPr>')
    tblgrid = "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in grid) + "</w:tblGrid>"
    return Block(f"<w:tbl>{tblpr}{tblgrid}{''.join(body)}</w:tbl>")


def document(blocks: Sequence[BlockLike]) -> str:
    """``word/document.xml`` text. Adjacent tables get an empty paragraph between
    them, as Word itself does (otherwise they render as one table)."""
    out: list[str] = []
    for block in as_blocks(list(blocks)):
        if out and out[-1].startswith("<w:tbl>") and block.startswith("<w:tbl>"):
            out.append(paragraph())
        out.append(block)
    sect = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
            '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" '
            'w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}" xmlns:w14="{W14_NS}" '
            f'xmlns:mc="{MC_NS}" mc:Ignorable="w14"><w:body>{"".join(out)}{sect}</w:body></w:document>')


_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:cs="Arial"/>
<w:sz w:val="20"/><w:szCs w:val="20"/><w:lang w:val="en-GB"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="60" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>
<w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/>
<w:outlineLvl w:val="0"/></w:pPr>
<w:rPr><w:b/><w:sz w:val="28"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/>
<w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="200" w:after="80"/>
<w:outlineLvl w:val="1"/></w:pPr>
<w:rPr><w:b/><w:sz w:val="24"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/>
<w:qFormat/><w:pPr><w:ind w:left="720"/></w:pPr></w:style>
<w:style w:type="character" w:styleId="PlaceholderText"><w:name w:val="Placeholder Text"/>
<w:rPr><w:color w:val="808080"/></w:rPr></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>
<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:left w:w="108" w:type="dxa"/>
<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/></w:style>
</w:styles>"""

_NUMBERING = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W_NS}">
<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="hybridMultilevel"/>
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/>
<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\u25aa"/><w:lvlJc w:val="left"/>
<w:pPr><w:ind w:left="1440" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>
<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="hybridMultilevel"/>
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>
<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>
<w:num w:numId="{BULLET_NUM_ID}"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="{DECIMAL_NUM_ID}"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"""

_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _content_types(macro_enabled: bool) -> str:
    extra = ('<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
             if macro_enabled else "")
    main = _DOCM_MAIN if macro_enabled else _DOCX_MAIN
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>' + extra +
            f'<Override PartName="/word/document.xml" ContentType="{main}"/>'
            '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.styles+xml"/>'
            '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.numbering+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
            'package.core-properties+xml"/>'
            "</Types>")


_PKG_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships/officeDocument" Target="word/document.xml"/>'
             '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
             'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
             "</Relationships>")


def _doc_rels(macro_enabled: bool) -> str:
    vba = ('<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/'
           'vbaProject" Target="vbaProject.bin"/>' if macro_enabled else "")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/styles" Target="styles.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/numbering" Target="numbering.xml"/>' + vba + "</Relationships>")


def _core(title: str) -> str:
    # Fictional fixture metadata only; real copies carry author names here.
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(title)}</dc:title><dc:creator>hoth-intake test builder</dc:creator>"
            "</cp:coreProperties>")


# Not a real VBA project: the parser must never open, let alone run, it.
_FAKE_VBA = b"hoth-intake test fixture: stands in for a VBA project and is never executed\n"


def package(document_xml: str, *, macro_enabled: bool = False, title: str = "") -> bytes:
    """Zip the parts of a .docx (or, with ``macro_enabled``, a .docm)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _content_types(macro_enabled))
        zf.writestr("_rels/.rels", _PKG_RELS)
        zf.writestr("docProps/core.xml", _core(title))
        zf.writestr("word/_rels/document.xml.rels", _doc_rels(macro_enabled))
        zf.writestr("word/document.xml", document_xml)
        zf.writestr("word/styles.xml", _STYLES)
        zf.writestr("word/numbering.xml", _NUMBERING)
        if macro_enabled:
            zf.writestr("word/vbaProject.bin", _FAKE_VBA)
    return buf.getvalue()

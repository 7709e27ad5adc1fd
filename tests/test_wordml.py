"""The WordprocessingML reader on inputs the form corpus does not cover."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from parsers.forms import parse_document
from tests.builders import forms as F

STRICT = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
TRANSITIONAL = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"


_with_main_part = F.with_main_part


def test_strict_ooxml_reads_like_transitional():
    """A form saved as Strict Open XML (another namespace) parses to the same result."""
    data = F.build_ce_matrix(F.sample_ce_matrix(3), F.Variant(tick="legacy_checked"))
    strict = _with_main_part(data, lambda body: body.replace(TRANSITIONAL, STRICT))
    plain, converted = parse_document(data, "a.docx").to_json(), parse_document(strict, "a.docx").to_json()
    assert converted["form"] == "ce_matrix"
    assert converted["indicators"] == plain["indicators"]
    assert converted["missing"] == plain["missing"]


@pytest.mark.parametrize("named_by", ["ascii", "hAnsi"])
def test_wingdings_text_run_named_by_either_font_attribute(named_by):
    """A Wingdings tick typed as text is read whichever of w:ascii / w:hAnsi names the font (the flattener
    skips its symbol-font templates only for documents that name no Wingdings font at all)."""
    spec = F.sample_ce_matrix(7, multi_ticks=False)
    data = F.build_ce_matrix(spec, F.Variant(tick="wingdings", layout="pairs"))
    other = "hAnsi" if named_by == "ascii" else "ascii"

    def as_text(body: bytes) -> bytes:
        body = body.replace(f'w:{other}="Wingdings"'.encode(), f'w:{other}="Arial"'.encode())
        return re.sub(rb'<w:sym w:font="Wingdings" w:char="(F0[0-9A-F]{2})"/>',
                      lambda m: b"<w:t>&#x" + m.group(1) + b";</w:t>", body)

    rewritten = _with_main_part(data, as_text)
    main = zipfile.ZipFile(io.BytesIO(rewritten)).read("word/document.xml")
    assert b"w:sym" not in main and f'w:{other}="Wingdings"'.encode() not in main
    plain, read = parse_document(data, "a.docx").to_json(), parse_document(rewritten, "a.docx").to_json()
    assert read["indicators"] == plain["indicators"]
    assert any(i["level"] for i in read["indicators"].values())


@pytest.mark.parametrize("font", ["MS Gothic", "Segoe UI Symbol", "Arial Unicode MS"])
def test_box_inserted_as_a_symbol_of_a_unicode_font(font):
    """Insert > Symbol with a Unicode font stores the box itself (w:sym w:char="2612", ☒): read like the typed
    glyph, whichever font. (MS Gothic, the font Word's own check boxes use, was dropped: an under-triage.)"""
    spec = F.sample_ce_matrix(7, multi_ticks=False)
    data = F.build_ce_matrix(spec, F.Variant(tick="wingdings", layout="pairs"))

    def as_unicode(body: bytes) -> bytes:
        body = body.replace(b'"Wingdings"', f'"{font}"'.encode())
        return re.sub(rb'w:char="F0([0-9A-F]{2})"',
                      lambda m: b'w:char="2612"' if m.group(1) in (b"FC", b"FB", b"FE", b"FD", b"78") else b'w:char="2610"',
                      body)

    rewritten = _with_main_part(data, as_unicode)
    main = zipfile.ZipFile(io.BytesIO(rewritten)).read("word/document.xml")
    assert f'w:font="{font}" w:char="2612"'.encode() in main and b"Wingdings" not in main
    plain, read = parse_document(data, "a.docx").to_json(), parse_document(rewritten, "a.docx").to_json()
    assert read["indicators"] == plain["indicators"]
    assert read["overall_level"] == plain["overall_level"] and read["effective_level"] == plain["effective_level"]
    assert any(i["level"] for i in read["indicators"].values())


def test_row_deleted_with_tracked_changes_is_ignored():
    """A table row deleted with tracked changes (w:trPr/w:del) contributes nothing; kept, it would."""
    spec = F.with_overrides(F.sample_ce_matrix(4), child_name=None, aliases=[])
    data = F.build_ce_matrix(spec, F.Variant(layout="pairs"))
    cells = (b"<w:tc><w:p><w:r><w:t>Child's name</w:t></w:r></w:p></w:tc>"
             b"<w:tc><w:p><w:r><w:t>Removed Name</w:t></w:r></w:p></w:tc></w:tr>")
    deleted = b'<w:tr><w:trPr><w:del w:id="99" w:author="x" w:date="2026-01-01T00:00:00Z"/></w:trPr>' + cells
    kept = b"<w:tr>" + cells

    def name(row: bytes) -> str | None:
        changed = _with_main_part(data, lambda body: body.replace(b"<w:tr>", row + b"<w:tr>", 1))
        return parse_document(changed, "a.docx").to_json()["child"]["name"]

    assert name(deleted) is None
    assert name(kept) == "Removed Name"  # the control: the same row, not deleted, is read


def test_wingdings_private_use_characters_as_libreoffice_writes_them():
    """LibreOffice stores a Wingdings tick as a U+F0xx character in a Wingdings run, not a w:sym."""
    import re

    spec = F.sample_ce_matrix(7, multi_ticks=False)
    data = F.build_ce_matrix(spec, F.Variant(tick="wingdings", layout="pairs"))
    as_text = _with_main_part(data, lambda body: re.sub(
        rb'<w:sym w:font="Wingdings" w:char="(F0[0-9A-F]{2})"/>', lambda m: b"<w:t>&#x" + m.group(1) + b";</w:t>", body))
    assert b"w:sym" not in zipfile.ZipFile(io.BytesIO(as_text)).read("word/document.xml")
    plain, rewritten = parse_document(data, "a.docx").to_json(), parse_document(as_text, "a.docx").to_json()
    assert rewritten["indicators"] == plain["indicators"]
    assert rewritten["overall_level"] == plain["overall_level"]
    assert any(i["level"] for i in rewritten["indicators"].values())


@pytest.mark.parametrize("written", ["utf-8", "reference", "symbol"])
def test_private_use_characters_in_the_text_cannot_forge_structure(written):
    """The flattened text marks paragraphs, tables, rows, cells and fields with private-use characters U+E010–U+E01D;
    the same characters in a document's own text (typed, as a character reference, or as a w:sym) are
    dropped, so they can neither split a cell nor open a table."""
    spec = F.sample_ce_matrix(4)
    data = F.build_ce_matrix(spec, F.Variant(layout="pairs"))
    name = spec.child_name.encode()
    first, _, last = spec.child_name.partition(" ")
    forged = {
        "utf-8": first.encode() + "\ue016\ue017\ue010\ue012\ue014\ue01b".encode() + b" " + last.encode(),
        "reference": first.encode() + b"&#xE016;&#xE017;&#xE010;&#xE012;&#xE014;&#xE01B; " + last.encode(),
        "symbol": first.encode() + b'</w:t></w:r><w:r><w:sym w:font="Arial" w:char="E014"/><w:t xml:space="preserve"> '
        + last.encode(),
    }[written]

    def forge(body: bytes) -> bytes:
        assert name in body
        return body.replace(name, forged)

    plain, read = parse_document(data, "a.docx").to_json(), parse_document(_with_main_part(data, forge), "a.docx").to_json()
    assert read["child"]["name"] == spec.child_name
    assert read["indicators"] == plain["indicators"]
    assert read["missing"] == plain["missing"]

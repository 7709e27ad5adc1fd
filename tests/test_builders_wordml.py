"""The fixture builders themselves, checked without the parser.

Every generated document must be a well-formed package that python-docx opens,
must carry the encoding its variant names, and must say what its spec says
according to a tiny independent reader (current text only, tick boxes counted
from ``w14:checked``). If these fail, corpus failures are the builder's fault.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from datetime import date

import docx
import pytest
from lxml import etree

from parsers.results import INDICATOR_KEYS
from tests.builders import wordml as w
from tests.builders.forms import (
    DATE_FORMATS,
    EMPTY_FIELDS,
    EVIDENCE_STYLES,
    GLYPHS,
    LABEL_STYLES,
    LAYOUTS,
    TEXT_FIELDS,
    TICK_ENCODINGS,
    CEMatrixSpec,
    Indicators,
    ReferralSpec,
    Variant,
    build_ce_matrix,
    build_referral,
    expected,
    format_date,
    norm_text,
    sample_ce_matrix,
    sample_referral,
    slug,
    with_overrides,
)

W = f"{{{w.W_NS}}}"
W14 = f"{{{w.W14_NS}}}"


def _variants() -> list[Variant]:
    """Every tick encoding × layout × label style, other dimensions cycled through."""
    out = []
    for i, (tick, layout, labels) in enumerate(itertools.product(TICK_ENCODINGS, LAYOUTS, LABEL_STYLES)):
        out.append(Variant(tick=tick, layout=layout, labels=labels, glyph=GLYPHS[i % len(GLYPHS)],
                           merged_cells=i % 2 == 0, single_indicator_table=i % 5 == 0,
                           evidence=EVIDENCE_STYLES[i % 4], text_fields=TEXT_FIELDS[(i // 2) % 4],
                           empty_fields=EMPTY_FIELDS[i % 3], tracked_changes=i % 3 == 0, reorder=i % 4 == 1,
                           extra_rows=i % 4 == 2, date_format=DATE_FORMATS[i % 5], docm=i % 11 == 0, seed=i))
    return out


VARIANTS = _variants()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {name: zf.read(name) for name in zf.namelist()}


def _current_text(document_xml: bytes) -> str:
    """The document's current text: ``w:del`` content and field codes dropped."""
    root = etree.fromstring(document_xml)
    for gone in root.iter(f"{W}del", f"{W}instrText"):
        gone.getparent().remove(gone)
    chunks = []
    for el in root.iter(f"{W}t", f"{W}p", f"{W}tc"):
        chunks.append(el.text or "" if el.tag == f"{W}t" else " ")
    return norm_text("".join(chunks)) or ""


def _checked_boxes(document_xml: bytes) -> int:
    root = etree.fromstring(document_xml)
    return sum(el.get(f"{W14}val") == "1" for el in root.iter(f"{W14}checked"))


def _check_package(data: bytes, docm: bool) -> dict[str, bytes]:
    parts = _parts(data)
    for name, body in parts.items():
        if name.endswith((".xml", ".rels")):
            etree.fromstring(body)  # raises on malformed XML
    assert {"[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels", "word/document.xml",
            "word/styles.xml"} <= set(parts)
    assert (b"macroEnabled" in parts["[Content_Types].xml"]) is docm
    assert ("word/vbaProject.bin" in parts) is docm
    if not docm:
        # python-docx refuses the macro-enabled main content type, so .docm is only checked as XML.
        document = docx.Document(io.BytesIO(data))
        assert document.tables or document.paragraphs
    return parts


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: f"{v.tick}-{v.layout}-{v.labels}")
def test_ce_matrix_package_and_text(variant: Variant) -> None:
    """Scenario: every CE Matrix variant is a valid package whose current text holds the spec's values."""
    spec = sample_ce_matrix(variant.seed, multi_ticks=variant.tick != "level_text")
    parts = _check_package(build_ce_matrix(spec, variant), variant.docm)
    text = _current_text(parts["word/document.xml"])
    if spec.child_name:
        assert spec.child_name in text
    for key in INDICATOR_KEYS:
        evidence = norm_text(spec.indicators[key][1])
        if evidence:
            # Evidence is contiguous in reading order, whatever its cells and lists.
            assert evidence in text, key
    if spec.dob:
        assert format_date(spec.dob, variant.date_format) in text
    assert "wrong child’s record" not in text


@pytest.mark.parametrize("variant", VARIANTS[::3], ids=lambda v: f"{v.tick}-{v.layout}-{v.labels}")
def test_referral_package_and_text(variant: Variant) -> None:
    """Scenario: every referral variant is a valid package whose current text holds the spec's values."""
    spec = sample_referral(variant.seed)
    parts = _check_package(build_referral(spec, variant), variant.docm)
    text = _current_text(parts["word/document.xml"])
    for value in (spec.child_name, spec.referrer_name, spec.referrer_email, norm_text(spec.concerns)):
        if value:
            assert value in text


@pytest.mark.parametrize("tick", ["content_control", "content_control_glyph_mismatch"])
def test_checkbox_count_matches_spec(tick: str) -> None:
    """Scenario: the number of w14:checked="1" boxes equals the ticks the spec implies."""
    for seed in range(5):
        spec = sample_ce_matrix(seed)
        data = build_ce_matrix(spec, Variant(tick=tick, seed=seed))
        ticks = sum(len({lvl for lvl in (spec.indicators[k][0], *spec.extra_ticks.get(k, ())) if lvl})
                    for k in INDICATOR_KEYS)
        ticks += 1 + (spec.overall_level is not None) + len(spec.child_factors) + len(spec.family_factors)
        ticks += len(spec.exploitation_types)
        assert _checked_boxes(_parts(data)["word/document.xml"]) == ticks


def test_glyph_mismatch_shows_the_opposite_glyph() -> None:
    """Scenario: in the mismatch variant a ticked control shows ☐ and an unticked one ☒."""
    xml = _parts(build_ce_matrix(sample_ce_matrix(1), Variant(tick="content_control_glyph_mismatch")))[
        "word/document.xml"]
    root = etree.fromstring(xml)
    for sdt in root.iter(f"{W}sdt"):
        checked = sdt.find(f".//{W14}checked")
        if checked is None:
            continue
        shown = "".join(sdt.find(f"{W}sdtContent").itertext())
        assert shown == (w.BALLOT_UNCHECKED if checked.get(f"{W14}val") == "1" else w.BALLOT_CHECKED)


@pytest.mark.parametrize(("tick", "needles"), [
    ("content_control", [b'w14:checked w14:val="1"', b"MS Gothic"]),
    ("legacy_checked", [b"FORMCHECKBOX", b'<w:default w:val="0"/><w:checked/>']),
    ("legacy_default", [b'<w:default w:val="1"/></w:checkBox>']),
    ("legacy_checked_overrides_default", [b'<w:default w:val="1"/><w:checked w:val="0"/>',
                                          b'<w:default w:val="0"/><w:checked/>']),
    ("wingdings", [b'w:font="Wingdings"']),
    ("glyph", ["\u2612".encode()]),
    ("level_text", [b"Level of risk"]),
])
def test_raw_xml_carries_the_encoding(tick: str, needles: list[bytes]) -> None:
    """Scenario: the raw XML contains the tick encoding the variant names."""
    spec = sample_ce_matrix(2, multi_ticks=False)
    xml = _parts(build_ce_matrix(spec, Variant(tick=tick)))["word/document.xml"]
    for needle in needles:
        assert needle in xml, needle


def test_placeholders_formtext_tracked_and_merges_in_raw_xml() -> None:
    """Scenario: placeholders, FORMTEXT blanks, tracked changes, spans, merges and nested tables are written."""
    spec = with_overrides(sample_ce_matrix(4), worker_name=None)
    xml = _parts(build_ce_matrix(spec, Variant(text_fields="content_control", empty_fields="placeholder",
                                               tracked_changes=True, merged_cells=True,
                                               evidence="nested_table")))["word/document.xml"]
    for needle in (b"<w:showingPlcHdr/>", w.PLACEHOLDER_TEXT.encode(), b"<w:delText", b"<w:ins ",
                   b"w:gridSpan", b'w:vMerge w:val="restart"', b"<w:vMerge/>"):
        assert needle in xml, needle
    root = etree.fromstring(xml)
    assert root.xpath("//w:tc//w:tbl", namespaces={"w": w.W_NS}), "no nested table"
    blank = _parts(build_ce_matrix(spec, Variant(empty_fields="formtext")))["word/document.xml"]
    assert b"FORMTEXT" in blank and w.FORMTEXT_BLANK.encode() in blank


def test_uk_date_formats() -> None:
    """Scenario: dates are written UK order in every format."""
    d = date(2010, 4, 3)
    assert [format_date(d, f) for f in DATE_FORMATS] == [
        "03/04/2010", "3 April 2010", "03.04.10", "2010-04-03", "3rd April 2010"]
    assert format_date(date(2010, 3, 1), "ordinal") == "1st March 2010"


def test_expected_levels_missing_and_warnings() -> None:
    """Scenario: expected() takes the highest tick, the higher of overall and indicators, and the mandatory gaps."""
    indicators: Indicators = {k: ("low", "Some evidence.") for k in INDICATOR_KEYS}
    indicators["education"] = ("moderate", None)
    indicators["rewards"] = (None, "Evidence without a level.")
    spec = CEMatrixSpec(child_name="Ann Example", dob=date(2012, 5, 1), worker_name="W", worker_agency="A",
                        assessment_date=date(2025, 4, 30), indicators=indicators,
                        extra_ticks={"physical_risks": ("significant",)}, overall_level=None, age=99)
    exp = expected(spec)
    assert exp["indicators"]["physical_risks"]["level"] == "significant"
    assert exp["effective_level"] == "significant"
    assert exp["child"]["age"] == 12
    assert exp["missing"] == ["indicators.education.evidence", "indicators.rewards.level", "overall_level"]
    assert exp["warnings_mention"] == ["physical_risks"]
    assert expected(with_overrides(spec, dob=None))["child"]["age"] == 99


def test_expected_referral_contact_and_categories() -> None:
    """Scenario: a referral with neither phone nor email misses referrer.contact; categories are slugs."""
    spec = ReferralSpec(referrer_name="R", referrer_agency="A", child_name="C", dob=date(2015, 1, 2),
                        address="1 Road", concerns="Worried.", parents_informed=None,
                        categories=["Child exploitation / harm outside the home"])
    exp = expected(spec)
    assert exp["missing"] == ["parents_informed", "referrer.contact"]
    assert exp["categories"] == ["child_exploitation_harm_outside_the_home"]
    assert slug("CHILD EXPLOITATION / HARM OUTSIDE THE HOME") == exp["categories"][0]
    assert "referrer.contact" not in expected(with_overrides(spec, referrer_email="r@x.example"))["missing"]


def test_norm_text_ignores_layout_noise() -> None:
    """Scenario: bullets, cell separators and line breaks do not change compared text."""
    assert norm_text("• One.\n- Two |\tThree\u00a0four") == "One. Two Three four"
    assert norm_text(w.FORMTEXT_BLANK) is None

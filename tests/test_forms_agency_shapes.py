"""Shapes found by an independent acceptance corpus, each once wrong (built here with python-docx).

- CE Matrix in Appendix 7's own layout (level name | descriptor, no tick column) with the tick typed
  into the descriptor cell: at its start, at its end, or on a line of its own.
- A level written between two ("Low / Moderate"): the higher, with a warning.
- A check-box content control around a whole paragraph (block level): ``w14:checked``, not the glyph.
- A referral without section headings: generic labels ("Agency", "Date of birth") read in the table
  that holds the section's specific label ("Referrer name", "Child's name").
- Yes and No offered on rows of their own under the question, each with its tick cell.
- A zip with content types but no Word part: a damaged document (``unreadable``), not another Office file.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile

import docx
import pytest
from docx.oxml import parse_xml

from parsers.forms import parse_document
from tests.builders.forms import with_main_part
from tests.test_forms_python_docx import INDICATORS, _pairs

ROW_LEVELS = ["No risk identified", "Low", "Moderate", "Significant"]
KEYS = ["none", "low", "moderate", "significant"]
LEVELS = ["low", "moderate", "none", "significant", "low", "moderate", "low", "none", "moderate", "low", "none",
          "low", "moderate", "low"]
W14 = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"')


def _save(d: docx.document.Document) -> bytes:
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


GRID_HEADS = ["Risk indicator", "No risk", "Low", "Moderate", "Significant", "Evidence"]


def _grid(d: docx.document.Document, mark: str = "X"):  # type: ignore[no-untyped-def]
    """The compact CE Matrix grid: one row per indicator, a column per level, ``mark`` in LEVELS' column."""
    table = d.add_table(rows=1, cols=6)
    for cell, head in zip(table.rows[0].cells, GRID_HEADS):
        cell.text = head
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        cells = table.add_row().cells
        cells[0].text, cells[5].text = f"{n}. {name}", f"Ev {n}"
        for i, key in enumerate(KEYS, 1):
            cells[i].text = mark if key == level else ""
    return table


def _header(d: docx.document.Document, overall: str | None = "Low") -> None:
    d.add_heading("Child Exploitation Risk Assessment Information Form", 0)
    table = d.add_table(rows=0, cols=2)
    for label, value in [("Named worker", "Alex Green"), ("Agency", "Durham Police"), ("Date", "05/02/2026"),
                         ("Child's name", "Amy Black"), ("DOB", "10.11.11")]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    if overall is not None:
        d.add_paragraph(f"Overall assessed level of exploitation risk: {overall}")


def descriptor_matrix(where: str) -> bytes:
    """Appendix 7's layout: per indicator, rows "level | descriptor"; the tick typed in the descriptor."""
    d = docx.Document()
    _header(d, overall=None)
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        table = d.add_table(rows=0, cols=2)
        title = table.add_row().cells
        title[0].merge(title[1]).text = f"{n}.  Risk Indicator - {name}"
        for label, key in zip(ROW_LEVELS, KEYS):
            cells = table.add_row().cells
            cells[0].text = label
            mark = "☒" if key == level else "☐"
            descriptor = f"• Concerns described for {label.lower()} in this area."
            if where == "start":
                cells[1].text = f"{mark} {descriptor}"
            elif where == "end":
                cells[1].text = f"{descriptor} {mark}"
            else:  # a paragraph of its own
                cells[1].text = descriptor
                cells[1].add_paragraph(mark)
        evidence = table.add_row().cells
        evidence[0].text, evidence[1].text = "PROVIDE EVIDENCE (Mandatory)", f"Evidence {n}."
    d.add_paragraph("Overall assessed level of exploitation risk: Low")
    return _save(d)


@pytest.mark.parametrize("where", ["start", "end", "own line"])
def test_a_tick_typed_into_the_descriptor_cell_records_that_level(where: str) -> None:
    result = parse_document(descriptor_matrix(where), "m.docx").to_json()
    assert result["form"] == "ce_matrix"
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert result["overall_level"] == "low" and result["effective_level"] == "significant"


def text_level_matrix(written: dict[int, str], overall: str | None) -> bytes:
    """Indicators as rows with the level written in a "Level of risk" column."""
    d = docx.Document()
    _header(d, overall)
    table = d.add_table(rows=1, cols=3)
    for i, head in enumerate(["Risk indicator", "Level of risk", "Evidence"]):
        table.rows[0].cells[i].text = head
    for n, name in enumerate(INDICATORS, 1):
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = f"{n}. {name}", written.get(n, "Low"), f"Ev {n}"
    return _save(d)


@pytest.mark.parametrize("written, level", [("Low / Moderate", "moderate"), ("Moderate/Significant", "significant"),
                                            ("moderate or significant", "significant")])
def test_a_level_written_between_two_is_the_higher_with_a_warning(written: str, level: str) -> None:
    result = parse_document(text_level_matrix({9: written}, overall=None), "m.docx").to_json()
    assert result["indicators"]["coercion_control"]["level"] == level
    assert result["effective_level"] == level
    assert any("coercion_control" in w and "highest" in w for w in result["warnings"])


def test_a_list_of_every_level_is_not_an_answer() -> None:
    result = parse_document(text_level_matrix({9: "Low / Moderate / Significant"}, "Low"), "m.docx").to_json()
    assert result["indicators"]["coercion_control"]["level"] is None
    assert "indicators.coercion_control.level" in result["missing"]


def block_checkbox_matrix() -> bytes:
    """A grid whose tick cells hold block-level check-box controls showing the opposite glyph."""
    d = docx.Document()
    _header(d)
    table = _grid(d, mark="")
    for row, level in zip(table.rows[1:], LEVELS):
        cells = row.cells
        for i, key in enumerate(KEYS, 1):
            checked = key == level
            shown = "☐" if checked else "☒"  # the glyph lies; w14:checked does not
            tc = cells[i]._tc
            tc.remove(tc.p_lst[0])
            tc.append(parse_xml(
                f'<w:sdt {W14}><w:sdtPr><w14:checkbox><w14:checked w14:val="{int(checked)}"/></w14:checkbox>'
                f'</w:sdtPr><w:sdtContent><w:p><w:r><w:t>{shown}</w:t></w:r></w:p></w:sdtContent></w:sdt>'))
    return _save(d)


def test_a_block_level_check_box_is_read_from_its_state_not_its_glyph() -> None:
    result = parse_document(block_checkbox_matrix(), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert not any("several levels" in w for w in result["warnings"])


def headless_referral(split_yes_no: bool = False) -> bytes:
    """Two label|value tables and no section headings; generic labels below the specific ones."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    for rows in ([("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Telephone", "0191 000 0000"),
                  ("Email", "dsl@academy.sch.uk")],
                 [("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road")]):
        _pairs(d, rows)
    d.add_paragraph("What has happened / what are you worried about?")
    d.add_paragraph("Seen with older youths late at night.")
    table = d.add_table(rows=0, cols=3)
    answers = [("Are parents/carers aware of this referral?", "No"), ("Is the child at immediate risk?", "Yes")]
    for question, answer in answers:
        for n, option in enumerate(("No", "Yes")):
            cells = table.add_row().cells
            cells[0].text = question if n == 0 else ""
            cells[1].text = option if split_yes_no else (answer if n == 0 else "")
            cells[2].text = ("✔" if option == answer else "") if split_yes_no else ""
    return _save(d)


def test_generic_labels_without_section_headings_are_read_in_their_table() -> None:
    result = parse_document(headless_referral(), "r.docx", today=None).to_json()
    assert result["form"] == "referral"
    assert result["referrer"]["agency"] == "Durham Academy"
    assert result["referrer"]["phone"] == "0191 000 0000" and result["referrer"]["email"] == "dsl@academy.sch.uk"
    assert result["child"]["dob"] == "2012-04-03" and result["child"]["address"] == "2 Sample Road"
    assert result["missing"] == []


def test_yes_and_no_on_rows_of_their_own_are_read_from_their_ticks() -> None:
    result = parse_document(headless_referral(split_yes_no=True), "r.docx").to_json()
    assert result["parents_informed"] is False
    assert result["immediate_risk"] is True


def test_a_zip_with_no_word_part_is_a_damaged_document() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Default Extension="txt" ContentType="text/plain"/></Types>')
        zf.writestr("foo.txt", "hello")
    result = parse_document(out.getvalue(), "form.docx").to_json()
    assert result["status"] == "unreadable"


def factors_matrix(label: str, subheadings: bool) -> bytes:
    """A matrix whose "Other child and family factors" is one tick list (sub-headings optional)."""
    d = docx.Document()
    _header(d)
    _grid(d)
    d.add_paragraph("Other child and family factors to consider")
    rows = [("Family", "")] if subheadings else []
    rows += [("Domestic abuse", "☐"), (label, "☒"), ("Parental substance misuse", "☒")]
    _pairs(d, rows)
    return _save(d)


@pytest.mark.parametrize("label", ["Learning disabilities", "Child has learning disabilities"])
def test_one_list_of_child_and_family_factors_counts_an_item_for_the_child(label: str) -> None:
    """Never under-triage: without a "Family" sub-heading a ticked learning disability is the child's."""
    result = parse_document(factors_matrix(label, subheadings=False), "m.docx").to_json()
    assert result["child_factors"] == ["learning_disabilities"] and result["learning_disability"] is True
    assert result["family_factors"] == ["parental_substance_criminal"]


def test_a_family_sub_heading_still_makes_its_items_the_familys() -> None:
    result = parse_document(factors_matrix("Learning disabilities", subheadings=True), "m.docx").to_json()
    assert result["child_factors"] == [] and "learning_disabilities" in result["family_factors"]
    assert result["learning_disability"] is False


# -- round two: encodings python-docx cannot write, added as raw WordprocessingML ----------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
DRAWING = (W + ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
           ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
           ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
           ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
           ' xmlns:v="urn:schemas-microsoft-com:vml"')


def _dropdown(entries: list[str], chosen: int | None) -> str:
    """A legacy FORMDROPDOWN field (Word stores the chosen index, no text)."""
    result = f'<w:result w:val="{chosen}"/>' if chosen is not None else ""
    listed = "".join(f'<w:listEntry w:val="{e}"/>' for e in entries)
    return (f'<w:p {W}><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Dropdown1"/><w:enabled/>'
            f'<w:ddList>{result}{listed}</w:ddList></w:ffData></w:fldChar></w:r>'
            '<w:r><w:instrText xml:space="preserve"> FORMDROPDOWN </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def _set_cell(cell, xml: str) -> None:  # type: ignore[no-untyped-def]
    tc = cell._tc
    for p in list(tc.p_lst):
        tc.remove(p)
    tc.append(parse_xml(xml))


def dropdown_matrix() -> bytes:
    """Levels chosen in FORMDROPDOWN fields, "Select level" first (index 0)."""
    d = docx.Document()
    _header(d, overall=None)
    entries = ["Select level", "No risk identified", "Low", "Moderate", "Significant"]
    table = d.add_table(rows=1, cols=3)
    for i, head in enumerate(["Risk indicator", "Level of risk", "Evidence"]):
        table.rows[0].cells[i].text = head
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        cells = table.add_row().cells
        cells[0].text, cells[2].text = f"{n}. {name}", f"Ev {n}"
        _set_cell(cells[1], _dropdown(entries, KEYS.index(level) + 1))
    return _save(d)


def test_levels_chosen_in_legacy_drop_downs_are_read() -> None:
    result = parse_document(dropdown_matrix(), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert result["effective_level"] == "significant"


def textbox_matrix() -> bytes:
    """The overall level's table sits in a text box (DrawingML, with the VML copy as fallback)."""
    d = docx.Document()
    _header(d, overall=None)
    grid = d.add_table(rows=1, cols=3)
    for i, head in enumerate(["Risk indicator", "Level of risk", "Evidence"]):
        grid.rows[0].cells[i].text = head
    for n, name in enumerate(INDICATORS, 1):
        cells = grid.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = f"{n}. {name}", "Moderate" if n == 3 else "Low", f"Ev {n}"
    rows = "".join(f'<w:tr><w:tc><w:p><w:r><w:t>{label}</w:t></w:r></w:p></w:tc>'
                   f'<w:tc><w:p><w:r><w:t>{mark}</w:t></w:r></w:p></w:tc></w:tr>'
                   for label, mark in [("Low", "☐"), ("Moderate", "☐"), ("Significant", "☒")])
    box = ('<w:txbxContent><w:p><w:r><w:t>Overall assessed level of exploitation risk</w:t></w:r></w:p>'
           f'<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>{rows}</w:tbl><w:p/></w:txbxContent>')
    d.element.body.insert(len(d.element.body) - 1, parse_xml(
        f'<w:p {DRAWING}><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
        '<a:graphic><a:graphicData><wps:wsp><wps:txbx>' + box + '</wps:txbx></wps:wsp></a:graphicData>'
        '</a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>'
        + box + '</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>'))
    return _save(d)


def test_a_table_in_a_text_box_is_read_once() -> None:
    result = parse_document(textbox_matrix(), "m.docx").to_json()
    assert result["overall_level"] == "significant" and result["effective_level"] == "significant"
    assert not any("several levels" in w for w in result["warnings"])  # the VML copy is not read again


def date_picker_referral() -> bytes:
    """A date of birth picked in a date control showing US order; the stored date is unambiguous."""
    d = docx.Document()
    d.add_heading("Safeguarding Referral Form", 0)
    d.add_heading("Referrer details", 1)
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Telephone", "0191")])
    d.add_paragraph("What has happened / what are you worried about?")
    d.add_paragraph("Seen with older youths late at night.")
    d.add_heading("Child details", 1)
    table = d.add_table(rows=0, cols=2)
    for label, value in [("Child's name", "Riley Green"), ("Date of birth", None), ("Address", "2 Sample Road")]:
        cells = table.add_row().cells
        cells[0].text = label
        if value is None:
            _set_cell(cells[1], f'<w:sdt {W}><w:sdtPr><w:date w:fullDate="2012-04-03T00:00:00Z">'
                                '<w:dateFormat w:val="M/d/yyyy"/><w:lid w:val="en-US"/></w:date></w:sdtPr>'
                                '<w:sdtContent><w:p><w:r><w:t>4/3/2012</w:t></w:r></w:p></w:sdtContent></w:sdt>')
        else:
            cells[1].text = value
    return _save(d)


def test_a_date_picker_gives_its_stored_date_not_its_display() -> None:
    result = parse_document(date_picker_referral(), "r.docx").to_json()
    assert result["child"]["dob"] == "2012-04-03"


def test_a_square_root_sign_is_a_typed_tick() -> None:
    d = docx.Document()
    _header(d, overall="Moderate")
    _grid(d, mark="√")
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS


def test_one_table_for_referrer_and_child_without_headings() -> None:
    """label|value|label|value, the referrer's rows then the child's, in one table."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    table = d.add_table(rows=0, cols=4)
    for row in [("Referrer name", "Jane Teacher", "Role", "DSL"), ("Agency", "Durham Academy", "Telephone", "0191"),
                ("Child's name", "Riley Green", "Date of birth", "03/04/2012"),
                ("Gender", "Female", "Address", "2 Sample Road")]:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["agency"] == "Durham Academy" and result["referrer"]["phone"] == "0191"
    assert result["child"]["dob"] == "2012-04-03" and result["child"]["address"] == "2 Sample Road"
    assert result["child"]["gender"] == "Female"


def test_a_grid_header_repeated_mid_table_is_not_evidence() -> None:
    d = docx.Document()
    _header(d, overall="Moderate")
    table = _grid(d)
    table.rows[7]._tr.addnext(copy.deepcopy(table.rows[0]._tr))  # the header again after indicator 7
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert result["indicators"]["abusive_adults_unsafe_environments"]["evidence"] == "Ev 7"
    assert not [m for m in result["missing"] if m.endswith(".evidence")]


# -- round three: values as workers type them --------------------------------------------------

@pytest.mark.parametrize("written, level", [("Significant risk of exploitation", "significant"),
                                            ("Significant risk of CCE", "significant"),
                                            ("No risk of exploitation identified", "none"),
                                            ("Moderate/Low risk of exploitation", "moderate")])
def test_a_level_written_as_a_phrase_is_read(written: str, level: str) -> None:
    """"<level> risk of …" in an indicator's level column and as the overall level."""
    result = parse_document(text_level_matrix({9: written}, overall=written), "m.docx").to_json()
    assert result["indicators"]["coercion_control"]["level"] == level
    assert result["overall_level"] == level
    assert "overall_level" not in result["missing"]


def test_a_descriptor_beside_a_level_name_is_not_another_level() -> None:
    """"Low risk | No identified risk to others. | ☒": the descriptor's words name no level of their own."""
    d = docx.Document()
    _header(d, overall="Low")
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        table = d.add_table(rows=0, cols=3)
        table.add_row().cells[0].text = f"{n}) {name}"
        for label, key in zip(["No risk", "Low risk", "Moderate risk", "Significant risk"], KEYS):
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, "No identified risk to others."
            cells[2].text = "☒" if key == level else "☐"
        evidence = table.add_row().cells
        evidence[0].text, evidence[1].text = "Provide evidence", f"Ev {n}"
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS


def contact_referral(label: str, value: str, phone_row: str | None = None) -> bytes:
    d = docx.Document()
    d.add_heading("Safeguarding Referral Form", 0)
    d.add_heading("Referrer details", 1)
    rows = [("Name", "Jane Teacher"), ("Agency", "Durham Academy"), (label, value)]
    if phone_row is not None:
        rows.append(("Telephone", phone_row))
    _pairs(d, rows)
    d.add_heading("Child details", 1)
    _pairs(d, [("Name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road")])
    d.add_paragraph("What has happened / what are you worried about?")
    d.add_paragraph("Seen with older youths late at night.")
    d.add_paragraph("Categories of concern")
    cats = d.add_table(rows=0, cols=2)
    cells = cats.add_row().cells
    cells[0].text, cells[1].text = "Categories of concern", "Neglect, Child exploitation / harm outside the home"
    return _save(d)


@pytest.mark.parametrize("label, value, phone, email", [
    ("Contact details (telephone / email)", "0191 123 4567 / jane@academy.sch.uk", "0191 123 4567",
     "jane@academy.sch.uk"),
    ("Telephone / email", "0191 123 4567, jane@academy.sch.uk", "0191 123 4567", "jane@academy.sch.uk"),
    ("Contact details", "0191 123 4567", "0191 123 4567", None),
    ("Telephone", "0191 123 4567 / jane@academy.sch.uk", "0191 123 4567", "jane@academy.sch.uk"),
])
def test_referrer_contact_under_combined_labels(label: str, value: str, phone: str, email: str | None) -> None:
    result = parse_document(contact_referral(label, value), "r.docx").to_json()
    assert (result["referrer"]["phone"], result["referrer"]["email"]) == (phone, email)
    assert "referrer.contact" not in result["missing"]


def test_categories_written_in_the_cell_beside_their_label() -> None:
    """A section heading names the categories first; the labelled cell after it lists them in words."""
    result = parse_document(contact_referral("Email", "jane@academy.sch.uk"), "r.docx").to_json()
    assert result["categories"] == ["neglect", "child_exploitation_harm_outside_the_home"]


def test_a_blank_worker_agency_is_missing_not_the_line_managers() -> None:
    d = docx.Document()
    d.add_heading("Child Exploitation Risk Assessment Information Form", 0)
    header = d.add_table(rows=0, cols=6)
    for row in [("Named worker leading on the Risk Assessment", "PC Alex Carter", "Contact Details & Agency", "",
                 "Date", "05/02/2026"),
                ("Authorising line manager", "DS Morgan Lee", "Contact Details & Agency", "Durham Constabulary",
                 "Date", "05/02/2026")]:
        for cell, text in zip(header.add_row().cells, row):
            cell.text = text
    _pairs(d, [("Child's name", "Amy Black"), ("DOB", "10.11.11"), ("Disability", "SEN – MLD")])
    _grid(d)
    d.add_paragraph("Type of exploitation suspected: OCG – county lines")
    d.add_paragraph("Overall assessed level of exploitation risk: Significant")
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["worker"] == {"name": "PC Alex Carter", "agency": None}
    assert "worker.agency" in result["missing"]
    assert result["learning_disability"] is True  # "MLD": moderate learning difficulties
    assert result["exploitation_types"] == ["county_lines", "organised_crime"]


def test_items_over_a_row_of_tick_boxes() -> None:
    """"Referral | Review | Final" with the boxes in the row under them (stage, and types the same way)."""
    d = docx.Document()
    stage = d.add_table(rows=2, cols=3)
    for i, (label, box) in enumerate([("Referral", "☐"), ("Review", "☒"), ("Final", "☐")]):
        stage.rows[0].cells[i].text, stage.rows[1].cells[i].text = label, box
    _header(d, overall="Low")
    _grid(d)
    d.add_paragraph("Type of exploitation suspected")
    types = d.add_table(rows=2, cols=3)
    for i, (label, box) in enumerate([("CSE", "☒"), ("CCE", "☐"), ("County Lines", "☒")]):
        types.rows[0].cells[i].text, types.rows[1].cells[i].text = label, box
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["stage"] == "review"
    assert result["exploitation_types"] == ["cse", "county_lines"]


def test_a_highlighted_factor_counts_as_chosen() -> None:
    """Appendix 7 asks workers to "highlight if any are relevant": a highlighted item is chosen."""
    result = parse_document(highlighted_matrix(), "m.docx").to_json()
    assert result["child_factors"] == ["learning_disabilities"] and result["learning_disability"] is True
    assert result["family_factors"] == []


def highlighted_matrix() -> bytes:
    d = docx.Document()
    _header(d, overall="Low")
    _grid(d)
    d.add_paragraph("Other child(ren) & family factors to consider (please highlight if any are relevant)")
    d.add_paragraph("Child")
    for item, marked in [("Learning disabilities", True), ("Young carer", False)]:
        run = d.add_paragraph().add_run(item)
        if marked:
            run.font.highlight_color = docx.enum.text.WD_COLOR_INDEX.YELLOW
    d.add_paragraph("Family")
    d.add_paragraph("Domestic abuse")
    return _save(d)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("build", [textbox_matrix, highlighted_matrix])
def test_text_boxes_and_highlighting_are_read_in_utf16_too(build, encoding) -> None:
    """The flattening skips its searches for text boxes and highlighting when the part's bytes do not hold
    those names; in UTF-16 (with or without a byte-order mark) a byte test cannot see them, so they are
    searched for."""
    data = build()

    def recode(body: bytes) -> bytes:
        text = re.sub(r"encoding=['\"]UTF-8['\"]", 'encoding="UTF-16"', body.decode("utf-8"), count=1)
        assert 'encoding="UTF-16"' in text
        return text.encode(encoding)

    plain, recoded = parse_document(data, "m.docx").to_json(), parse_document(with_main_part(data, recode), "m.docx").to_json()
    assert recoded["status"] == "parsed" and recoded["warnings"] == plain["warnings"]
    for key in ("overall_level", "effective_level", "child_factors", "learning_disability"):
        assert recoded[key] == plain[key]


# -- round four: Appendix 7 filled in by hand ---------------------------------------------------

def test_a_copied_indicator_table_is_read_too() -> None:
    """A worker copied "Running away" and ticked the copy higher: both count, the higher wins, with a warning;
    the copy is not swallowed into the first table's evidence."""
    body = descriptor_matrix("start")
    d = docx.Document(io.BytesIO(body))
    tables = d.tables
    six = next(t for t in tables if "Running away" in t.rows[0].cells[0].text)
    copy_of_six = copy.deepcopy(six._tbl)
    six._tbl.addnext(copy_of_six)
    copied = docx.table.Table(copy_of_six, six._parent)
    for row, key in zip(copied.rows[1:5], KEYS):
        row.cells[1].text = ("☒ " if key == "significant" else "☐ ") + "• Concerns described."
    copied.rows[5].cells[1].text = "Ev copy."
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["missing_episodes"]["level"] == "significant"
    assert result["effective_level"] == "significant"
    assert any("missing_episodes" in w and "appears 2 times" in w for w in result["warnings"])
    assert result["indicators"]["missing_episodes"]["evidence"] == "Evidence 6.\nEv copy."


def test_family_and_child_sub_headings_in_one_cell() -> None:
    """Appendix 7's factor list: "Family:" items then "Child:" items, all in one cell."""
    d = docx.Document()
    _header(d, overall="Low")
    _grid(d)
    cell = d.add_table(rows=1, cols=1).rows[0].cells[0]
    cell.text = "Other child(ren) & family factors to consider."
    for line in ["Family:", "Parental mental health.", "☒ Learning disabilities.", "Child:",
                 "Learning disabilities.", "☒ Young carer."]:
        cell.add_paragraph(line)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["family_factors"] == ["learning_disabilities"]
    assert result["child_factors"] == ["young_carer"] and result["learning_disability"] is False


def _descriptor_doc(where: str = "start") -> docx.document.Document:
    return docx.Document(io.BytesIO(descriptor_matrix(where)))


def _evidence_cell(d: docx.document.Document, title: str):  # type: ignore[no-untyped-def]
    table = next(t for t in d.tables if title in t.rows[0].cells[0].text)
    return table.rows[-1].cells[1]


def test_evidence_that_restates_a_higher_level_raises_it_with_a_warning() -> None:
    """Low ticked, evidence "Significant – see below": conflicting signals route by the higher (principle 2)."""
    d = _descriptor_doc()
    _evidence_cell(d, "Family and peer").text = "Significant – see below. Seen with older males nightly."
    _evidence_cell(d, "Accommodation").text = "Low – it was lower last year."  # lower than ticked: no change
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["family_peer_relationships"]["level"] == "significant"
    assert result["indicators"]["accommodation"]["level"] == "moderate"
    assert any("family_peer_relationships: the evidence begins with significant" in w for w in result["warnings"])


def test_the_templates_instruction_left_as_evidence_is_missing_evidence() -> None:
    d = _descriptor_doc()
    _evidence_cell(d, "Education").text = "Provide evidence (mandatory)"
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["education"]["evidence"] is None
    assert "indicators.education.evidence" in result["missing"]


def test_types_ticked_in_appendix_7s_own_list() -> None:
    """Appendix 7 lists the types under "'Child Exploitation' includes:"; workers tick them there."""
    d = _descriptor_doc()
    intro = d.paragraphs[1]
    for line in reversed(["‘Child Exploitation’ includes:", "☐ Child Sexual Exploitation (CSE)",
                          "☒ Child Criminal Exploitation (CCE)", "☒ County Lines"]):
        intro.insert_paragraph_before(line)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["exploitation_types"] == ["cce", "county_lines"]


# -- round five: referral forms as councils and practitioners write them ----------------------

def marf(numbered: bool = True, concerns: list[tuple[str, str]] | None = None, household: bool = True,
         dob: str = "03/04/2012", boxes_first: bool = False) -> bytes:
    """A multi-agency referral form: "1.1 Label" rows, a household table, several concerns boxes."""
    n = (lambda s, t: f"{s} {t}") if numbered else (lambda s, t: t)
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    d.add_paragraph("Multi-Agency Referral Form (MARF)")
    _pairs(d, [(n("1.1", "Name of referrer"), "Jane Teacher"), (n("1.2", "Agency / organisation"), "Durham Academy"),
               (n("1.3", "Telephone / mobile"), "0191 000 0000")])
    _pairs(d, [(n("2.1", "Child's full name"), "Riley Green"), (n("2.2", "Date of birth"), dob),
               (n("2.3", "Home address"), "2 Sample Road"), (n("2.4", "Age"), "13")])
    if household:
        d.add_paragraph("Family and household members")
        people = d.add_table(rows=0, cols=4)
        for row in [("Name", "Relationship to child", "DOB", "Address"), ("Sam Green", "Mother", "14/07/1985", "2 Sample Road")]:
            for cell, text in zip(people.add_row().cells, row):
                cell.text = text
    d.add_paragraph("Categories of concern")
    grid = d.add_table(rows=0, cols=4)
    pairs = [("Neglect", False), ("Child exploitation / harm outside the home", True)]
    cells = grid.add_row().cells
    for k, (label, ticked) in enumerate(pairs):
        box, text = ("☒" if ticked else "☐"), label
        cells[2 * k].text, cells[2 * k + 1].text = (box, text) if boxes_first else (text, box)
    boxes = concerns or [("What has happened / what are you worried about?", "Seen with older males at night.")]
    _pairs(d, [(n(f"3.{i}", label), text) for i, (label, text) in enumerate(boxes, 1)])
    _pairs(d, [(n("4.1", "Do parents/carers know you are making this referral?"), "Yes"),
               (n("4.2", "Is the child at immediate risk?"), "Yes")])
    return _save(d)


def test_a_marf_with_1_1_numbered_labels() -> None:
    result = parse_document(marf(), "r.docx").to_json()
    assert result["referrer"]["name"] == "Jane Teacher" and result["referrer"]["agency"] == "Durham Academy"
    assert result["referrer"]["phone"] == "0191 000 0000"
    assert result["concerns"] == "Seen with older males at night."
    assert result["parents_informed"] is True and result["immediate_risk"] is True
    assert result["missing"] == []


def test_a_blank_child_dob_is_missing_not_the_mothers() -> None:
    result = parse_document(marf(dob=""), "r.docx").to_json()
    assert result["child"]["dob"] is None and result["child"]["age"] == 13  # the form's Age field
    assert "child.dob" in result["missing"]


def test_concerns_in_several_boxes_and_with_a_heading_line() -> None:
    boxes = [("What has happened?", "Found in a flat with older males on 3 February."),
             ("What are you worried about?", "Background:\nWe think she is being groomed for sexual exploitation.")]
    result = parse_document(marf(concerns=boxes), "r.docx").to_json()
    assert "Found in a flat" in result["concerns"] and "groomed for sexual exploitation" in result["concerns"]
    assert "concerns" not in result["missing"]


def test_category_boxes_before_their_labels() -> None:
    result = parse_document(marf(boxes_first=True), "r.docx").to_json()
    assert result["categories"] == ["child_exploitation_harm_outside_the_home"]


def test_another_questions_ticked_answer_is_not_this_fields_value() -> None:
    """"Child's address:" left blank beside "Is an interpreter needed? ☐ Yes ☒ No": the address is missing."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    d.add_paragraph("Section 1: Referrer details")
    _pairs(d, [("Referrer name: Jane Teacher", "Organisation: Durham Academy"), ("Tel. no.: 0191 000 0000", "")])
    d.add_paragraph("Section 2: Child / young person")
    _pairs(d, [("Child's address:", "Is an interpreter needed? ☐ Yes ☒ No"),
               ("Date of Birth: 03/04/2012", "Child's full name: Riley Green")])
    d.add_paragraph("Reason for referral: what are you worried about?")
    d.add_paragraph("Seen with older males.")
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"].get("address") is None and "child.address" in result["missing"]
    assert result["child"]["interpreter"] is False


# -- round six: exported and converted forms ----------------------------------------------------

def test_one_level_per_paragraph_in_the_level_cell() -> None:
    """"Level of risk | ☐ No risk identified ¶ ☒ Low ¶ ☐ Moderate ¶ ☐ Significant": the ticked paragraph's level."""
    d = docx.Document()
    _header(d, overall="Low")
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        d.add_paragraph(f"{n}.  Risk Indicator - {name}")
        table = d.add_table(rows=0, cols=2)
        cells = table.add_row().cells
        cells[0].text = "Level of risk"
        cells[1].text = "\n".join(("☒ " if key == level else "☐ ") + label
                                  for label, key in zip(ROW_LEVELS, KEYS))
        evidence = table.add_row().cells
        evidence[0].text, evidence[1].text = "PROVIDE EVIDENCE (Mandatory)", f"Ev {n}"
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS


def test_a_referral_whose_child_is_only_the_marked_household_row() -> None:
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Name of referrer", "Jane Teacher"), ("Agency", "Durham Academy"), ("Telephone", "0191 000 0000")])
    d.add_paragraph("Family and household members")
    people = d.add_table(rows=0, cols=4)
    for row in [("Name", "Relationship to child", "DOB", "Address"), ("Sam Green", "Mother", "14/07/1985", "2 Sample Road"),
                ("Riley Green (Subject child)", "Subject child", "03/04/2012", "2 Sample Road"),
                ("Alex Green", "Brother", "22/09/2009", "2 Sample Road")]:
        for cell, text in zip(people.add_row().cells, row):
            cell.text = text
    d.add_paragraph("What has happened / what are you worried about?")
    d.add_paragraph("Seen with older males at night.")
    result = parse_document(_save(d), "r.docx").to_json()
    assert (result["child"]["name"], result["child"]["dob"], result["child"]["address"]) == (
        "Riley Green", "2012-04-03", "2 Sample Road")


@pytest.mark.parametrize("marked", ["name", "column"])
def test_a_ce_matrix_whose_child_is_only_the_marked_household_row(marked: str) -> None:
    """Never the mother's details for the child's: the subject is the marked row (or the child is missing)."""
    d = docx.Document()
    d.add_heading("Child Exploitation Risk Assessment Information Form", 0)
    _pairs(d, [("Named worker leading on the Risk Assessment", "Sarah Mitchell"), ("Date", "10/02/2026")])
    d.add_paragraph("Family composition / household members")
    heads = ["Name", "Relationship", "D.O.B.", "Address"] + (["Subject of referral"] if marked == "column" else [])
    people = d.add_table(rows=0, cols=len(heads))
    rows = [("Kerry Green", "Mother", "12/05/1985", "4 Hill Terrace", "N"),
            ("Riley Green (subject child)" if marked == "name" else "Riley Green", "Son", "03/09/2011",
             "4 Hill Terrace", "Y")]
    for row in [tuple(heads)] + [r[:len(heads)] for r in rows]:
        for cell, text in zip(people.add_row().cells, row):
            cell.text = text
    _grid(d)
    d.add_paragraph("Overall assessed level of exploitation risk: Significant")
    result = parse_document(_save(d), "m.docx").to_json()
    assert (result["child"]["name"], result["child"]["dob"], result["child"]["age"]) == ("Riley Green", "2011-09-03", 14)


def test_a_form_flattened_to_tab_separated_lines_is_read_as_tables() -> None:
    """PDF-to-Word output: "Label<tab>value" lines, and a labels line over a values line, no table at all."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    for line in ["Name of referrer\tJane Teacher", "Agency\tDurham Academy", "Telephone\t0191 000 0000", "",
                 "Child’s name\tDate of birth\tAddress", "Riley Green\t03/04/2012\t2 Sample Road", "",
                 "What has happened / what are you worried about?\tSeen with older males at night.",
                 "Are parents/carers aware of this referral?\tYes"]:
        d.add_paragraph(line)
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["name"] == "Jane Teacher" and result["referrer"]["agency"] == "Durham Academy"
    assert (result["child"]["name"], result["child"]["dob"], result["child"]["address"]) == (
        "Riley Green", "2012-04-03", "2 Sample Road")
    assert result["concerns"] == "Seen with older males at night." and result["missing"] == []


def test_levels_listed_one_per_line_with_no_mark_are_no_answer() -> None:
    """A converter dropped the ticks: "No risk identified ¶ Low ¶ Moderate ¶ Significant" is not "none"."""
    d = docx.Document()
    _header(d, overall=None)
    for n, name in enumerate(INDICATORS, 1):
        d.add_paragraph(f"{n}.  Risk Indicator - {name}")
        _pairs(d, [("Level of risk", "\n".join(ROW_LEVELS)), ("PROVIDE EVIDENCE (Mandatory)", f"Ev {n}")])
    result = parse_document(_save(d), "m.docx").to_json()
    assert {result["indicators"][k]["level"] for k in result["indicators"]} == {None}
    assert result["effective_level"] is None


def test_a_name_that_points_elsewhere_is_no_name() -> None:
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Name of referrer", "Jane Teacher"), ("Agency", "Durham Academy"), ("Telephone", "0191 000 0000")])
    _pairs(d, [("Child's name", "See household table"), ("Date of birth", "03/04/2012")])
    d.add_paragraph("What has happened / what are you worried about?")
    d.add_paragraph("Seen with older males at night.")
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["name"] is None and "child.name" in result["missing"]


# -- round seven: what is and is not a form -----------------------------------------------------

def test_a_referral_with_no_category_ticked_has_none() -> None:
    d = docx.Document(io.BytesIO(contact_referral("Email", "jane@academy.sch.uk")))
    cats = d.tables[-1]
    cats.rows[0].cells[1].text = "☐"
    cats.rows[0].cells[0].text = "Physical abuse"
    for label in ("Neglect", "Child exploitation / harm outside the home"):
        cells = cats.add_row().cells
        cells[0].text, cells[1].text = label, "☐"
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["categories"] == []


@pytest.mark.parametrize("opening", ["Strategy Meeting Minutes", "Dear Mr and Mrs Robson,"])
def test_minutes_or_a_letter_about_a_child_are_no_form(opening: str) -> None:
    """A table of indicators with levels in meeting minutes, or a letter naming the forms: a human reads it."""
    d = docx.Document()
    d.add_paragraph(opening)
    d.add_paragraph("A Safeguarding Referral Form has been sent to First Contact; the CE Matrix found Low Risk.")
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Risk indicator", "Level discussed"
    for name, level in zip(INDICATORS, LEVELS):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = name, level.capitalize()
    result = parse_document(_save(d), "minutes.docx").to_json()
    assert result["form"] == "unknown"


def test_last_reviews_matrix_left_above_this_one_never_lowers_the_overall_level() -> None:
    """Two matrices in one file (an old review's, then the current): both overall levels read, the highest used."""
    old = _descriptor_doc()
    old.add_paragraph("Overall assessed level of exploitation risk: Low")
    current = _descriptor_doc()
    current.paragraphs[-1].text = "Overall assessed level of exploitation risk: Significant"
    for element in list(current.element.body):
        if element.tag.endswith("}sectPr"):
            continue
        old.element.body.insert(len(old.element.body) - 1, copy.deepcopy(element))
    result = parse_document(_save(old), "m.docx").to_json()
    assert result["overall_level"] == "significant" and result["effective_level"] == "significant"
    assert any("several overall levels" in w for w in result["warnings"])


# -- round eight: field-by-field details --------------------------------------------------------

def yes_no_cells_referral(parents: str | None, risk: str | None, box: str = "☒") -> bytes:
    """"Question | Yes ☒ | No ☐": each answer in a cell of its own with its own box (None: neither ticked)."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk")])
    _pairs(d, [("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road")])
    _pairs(d, [("What are you worried about?", "Seen with older youths late at night.")])
    table = d.add_table(rows=0, cols=3)
    for question, answer in (("Are parents/carers aware of this referral?", parents),
                             ("Is the child at immediate risk of significant harm?", risk)):
        cells = table.add_row().cells
        cells[0].text = question
        for cell, option in zip(cells[1:], ("Yes", "No")):
            cell.text = f"{option}  {box if option == answer else '☐'}"
    return _save(d)


@pytest.mark.parametrize("parents, risk", [("Yes", "Yes"), ("No", "Yes"), ("Yes", "No"), ("No", "No")])
def test_yes_and_no_in_cells_of_their_own_each_with_its_box(parents: str, risk: str) -> None:
    result = parse_document(yes_no_cells_referral(parents, risk), "r.docx").to_json()
    assert result["parents_informed"] is (parents == "Yes")
    assert result["immediate_risk"] is (risk == "Yes")
    assert "parents_informed" not in result["missing"]


def test_yes_and_no_cells_with_neither_ticked_are_no_answer() -> None:
    result = parse_document(yes_no_cells_referral(None, None), "r.docx").to_json()
    assert result["parents_informed"] is None and result["immediate_risk"] is None
    assert "parents_informed" in result["missing"]


@pytest.mark.parametrize("label", ["D.O.B.:*", "Date of birth:*", "DOB: *", "Date of birth :**"])
def test_a_label_decorated_after_its_colon_is_still_the_label(label: str) -> None:
    """"D.O.B.:*" over the value: the asterisk marks a mandatory field, it is not the child's date of birth."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("What are you worried about?", "Seen with older youths late at night."),
               ("Are parents/carers aware of this referral?", "Yes")])
    table = d.add_table(rows=2, cols=3)
    for col, (head, value) in enumerate(zip(["Child's name", label, "Address"],
                                            ["Riley Green", "01/02/2011", "2 Sample Road"])):
        table.cell(0, col).text, table.cell(1, col).text = head, value
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["dob"] == "2011-02-01"
    assert "child.dob" not in result["missing"]


def _overall_rows(d: docx.document.Document, ticked: str | None, beside: str = "") -> None:
    """The template's overall-level table: the label (a level written beside it or not), then a row per level."""
    table = d.add_table(rows=0, cols=3)
    title = table.add_row().cells
    title[0].text, title[1].text = "Overall Assessed Level of exploitation Risk", beside
    for label, key in zip(["No exploitation concerns", "Low Risk", "Moderate Risk", "Significant Risk"], KEYS):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, f"What {label.lower()} means."
        cells[2].text = "☒" if key == ticked else "☐"


def test_an_overall_level_section_before_the_indicators_reads_only_its_own_ticks() -> None:
    """Sections reordered: the overall level ticked Low above the indicators, whose ticks are not its."""
    d = docx.Document()
    _header(d, overall=None)
    _overall_rows(d, ticked="low")
    _grid(d)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["overall_level"] == "low" and result["effective_level"] == "significant"
    assert not any(w.startswith("overall_level") for w in result["warnings"])


@pytest.mark.parametrize("ticked, expected", [(None, "significant"), ("significant", "significant"),
                                              ("low", "significant")])
def test_a_level_written_beside_the_overall_label_over_unticked_rows(ticked: str | None, expected: str) -> None:
    """"Overall level | Significant Risk" with the level rows left below it: the written level counts, and a
    lower tick below never lowers it."""
    d = docx.Document()
    _header(d, overall=None)
    _grid(d)
    _overall_rows(d, ticked=ticked, beside="Significant Risk")
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["overall_level"] == expected and "overall_level" not in result["missing"]
    assert any("written beside the label" in w for w in result["warnings"]) is (ticked == "low")


def test_a_date_of_birth_after_the_forms_date_is_kept_with_a_warning() -> None:
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Date", "05/02/2026"), ("Child's name", "Riley Green"), ("Date of birth", "01/06/2026"),
               ("Address", "2 Sample Road"), ("What are you worried about?", "Mother's partner is violent."),
               ("Are parents/carers aware of this referral?", "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["dob"] == "2026-06-01" and result["child"]["age"] is None
    assert [w for w in result["warnings"] if w.startswith("child.dob")] == [
        "child.dob: 2026-06-01 is after the form's date (2026-02-05); check it (a typing error, or a pre-birth referral)"]


# -- round nine: the XML around ordinary text --------------------------------------------------

def _wrap_label(cell, parts: list[str], how: str) -> None:  # type: ignore[no-untyped-def]
    """A label cell's text over several paragraphs ("paragraphs") or lines of one paragraph ("breaks")."""
    if how == "paragraphs":
        cell.text = parts[0]
        for part in parts[1:]:
            cell.add_paragraph(part)
    else:
        cell.text = "\n".join(parts)  # python-docx writes w:br between the lines


@pytest.mark.parametrize("how", ["paragraphs", "breaks"])
def test_ce_matrix_labels_wrapped_over_lines_in_their_cell(how: str) -> None:
    """"Child’s full name" / "(+ aliases)", "PROVIDE" / "EVIDENCE" / "(Mandatory)", "No exploitation" /
    "concerns": Word wraps the template's labels, and workers break them by hand."""
    d = _descriptor_doc()
    d.paragraphs[-1].text = ""  # no overall level written: it is ticked below
    name_row = next(row for table in d.tables for row in table.rows if row.cells[0].text == "Child's name")
    _wrap_label(name_row.cells[0], ["Child’s full name", "(+ aliases)"], how)
    evidence_row = next(t for t in d.tables if "Family" in t.rows[0].cells[0].text).rows[-1]
    _wrap_label(evidence_row.cells[0], ["PROVIDE", "EVIDENCE", "(Mandatory)"], how)
    table = d.add_table(rows=0, cols=2)
    table.add_row().cells[0].text = "Overall Assessed Level of exploitation Risk"
    for parts, mark in ((["No exploitation", "concerns"], "☒"), (["Low", "Risk"], "☐")):
        cells = table.add_row().cells
        _wrap_label(cells[0], parts, how)
        cells[1].text = mark
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["child"]["name"] == "Amy Black" and result["child"]["aliases"] == []
    assert result["indicators"]["family_peer_relationships"]["evidence"]
    assert result["overall_level"] == "none"
    assert result["missing"] == []


@pytest.mark.parametrize("how", ["paragraphs", "breaks"])
def test_referral_labels_wrapped_over_lines_in_their_cell(how: str) -> None:
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    rows = [(["Referrer name"], "Jane Teacher"), (["Agency"], "Durham Academy"), (["Email"], "dsl@academy.sch.uk"),
            (["Child’s", "full name"], "Riley Green"), (["Date of birth"], "03/04/2012"), (["Address"], "2 Sample Road"),
            (["What has happened /", "what are you worried about?"], "Seen with older youths late at night."),
            (["Are parents/carers aware", "of this referral?"], "No")]
    table = d.add_table(rows=0, cols=2)
    for parts, value in rows:
        cells = table.add_row().cells
        _wrap_label(cells[0], parts, how)
        cells[1].text = value
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["name"] == "Riley Green"
    assert result["concerns"] == "Seen with older youths late at night."
    assert result["parents_informed"] is False
    assert result["missing"] == []


def test_an_emoji_as_word_2016_stores_it_is_kept() -> None:
    """w16se:symEx holds only a code point; its fallback holds the character."""
    d = _descriptor_doc()
    cell = _evidence_cell(d, "Family")
    cell.paragraphs[0].add_run(" living the dream")
    cell.paragraphs[0]._p.append(parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:w16se="http://schemas.microsoft.com/office/word/2015/wordml/symex">'
        '<mc:AlternateContent><mc:Choice Requires="w16se"><w16se:symEx w16se:font="Segoe UI Emoji" '
        'w16se:char="1F4B0"/></mc:Choice><mc:Fallback><w:t>\U0001F4B0</w:t></mc:Fallback></mc:AlternateContent></w:r>'))
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["family_peer_relationships"]["evidence"].endswith("living the dream\U0001F4B0")


# -- round ten: answers and tick lists -----------------------------------------------------------

def _answer_referral(question_rows: list[list[str]], extra: list[list[str]] | None = None) -> bytes:
    """A complete referral whose parents-informed question is laid out as ``question_rows`` (cells per row)."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths late at night.")])
    for rows in (question_rows, *([extra] if extra else [])):
        width = max(len(r) for r in rows)
        table = d.add_table(rows=0, cols=width)
        for cells_text in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, cells_text):
                cell.text = text
    return _save(d)


Q = "Are parents/carers aware of this referral?"


@pytest.mark.parametrize("rows, expected", [
    ([[Q, "Yes", "☐", "No", "☐"]], None),  # offered, unanswered: never the printed "Yes"
    ([[Q, "Yes", "", "No", ""]], None),  # the boxes for typed marks, none typed
    ([[Q, "Yes", "", "No", "☒"]], False),
    ([[Q, "Yes", "X", "No", ""]], True),  # a typed mark leaves the other box blank: not "both"
    ([[Q], ["Yes", "☐"], ["No", "☒"]], False),  # the options on rows of their own, in the question's column
    ([[Q], ["Yes", ""], ["No", ""]], None),
    ([[Q, "Yes"]], True),  # the answer written as text
    ([[Q, "No", "Has consent been obtained?", "Yes"]], False),  # two questions in a row, answered as text
])
def test_yes_and_no_offered_in_cells_of_their_own(rows: list[list[str]], expected: bool | None) -> None:
    result = parse_document(_answer_referral(rows), "r.docx").to_json()
    assert result["parents_informed"] is expected
    assert ("parents_informed" in result["missing"]) is (expected is None)


def test_a_typed_mark_in_a_two_column_tick_grid_ticks_only_its_own_item() -> None:
    """"Physical abuse | ☒ | Emotional abuse | ␣": the blank cell is Emotional abuse's box, unticked."""
    grid = [["Categories of concern (tick all that apply)"],
            ["Physical abuse", "☒", "Emotional abuse", ""],
            ["Sexual abuse", "", "Neglect", ""],
            ["Child exploitation / harm outside the home", "✓", "Domestic abuse", ""]]
    result = parse_document(_answer_referral([[Q, "Yes ☒ No ☐"]], extra=grid), "r.docx").to_json()
    assert sorted(result["categories"]) == sorted(["physical_abuse", "child_exploitation_harm_outside_the_home"])


def test_a_ce_matrix_not_open_to_social_care_in_separate_cells() -> None:
    d = _descriptor_doc()
    table = d.add_table(rows=1, cols=5)
    for cell, text in zip(table.rows[0].cells, ["Open to Children’s Social Care", "Yes", "☐", "No", "☒"]):
        cell.text = text
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["child"]["open_to_csc"] is False


def _agency_header(rows: list[tuple[str, ...]]) -> dict:
    d = docx.Document()
    d.add_heading("Child Exploitation Risk Assessment Information Form", 0)
    header = d.add_table(rows=0, cols=max(len(r) for r in rows))
    for row in rows:
        for cell, text in zip(header.add_row().cells, row):
            cell.text = text
    _pairs(d, [("Child's name", "Amy Black"), ("DOB", "10.11.11")])
    _grid(d)
    d.add_paragraph("Overall assessed level of exploitation risk: Significant")
    return parse_document(_save(d), "m.docx").to_json()


def test_the_only_agency_field_is_the_workers_even_beside_the_manager() -> None:
    """Header cells shuffled, the worker's part with no agency box of its own: the form's one "Agency" is used."""
    result = _agency_header([("Date of assessment: 05/02/2026", "Worker contact details: 07700 900276"),
                             ("Authorising manager: DS Morgan Lee", "Agency: Oakridge Youth Justice Service"),
                             ("Named worker: PC Alex Carter", "")])
    assert result["worker"] == {"name": "PC Alex Carter", "agency": "Oakridge Youth Justice Service"}
    assert "worker.agency" not in result["missing"]


@pytest.mark.parametrize("rows", [
    # one field per row (a vertical label | value table), worker first or manager first
    [("Named worker", "PC Alex Carter"), ("Contact Details & Agency", ""), ("Date", "05/02/2026"),
     ("Authorising line manager", "DS Morgan Lee"), ("Contact Details & Agency", "Durham Constabulary, 101")],
    [("Authorising line manager", "DS Morgan Lee"), ("Contact Details & Agency", "Durham Constabulary, 101"),
     ("Named worker", "PC Alex Carter"), ("Contact Details & Agency", ""), ("Date", "05/02/2026")],
    # separate "Agency" boxes in each person's row
    [("Named worker", "PC Alex Carter", "Contact details", "101", "Agency", "", "Date", "05/02/2026"),
     ("Authorising line manager", "DS Morgan Lee", "Contact details", "101", "Agency", "Durham Constabulary")],
])
def test_the_workers_blank_agency_is_missing_whatever_the_header_layout(rows: list[tuple[str, ...]]) -> None:
    result = _agency_header(rows)
    assert result["worker"] == {"name": "PC Alex Carter", "agency": None}
    assert "worker.agency" in result["missing"]


@pytest.mark.parametrize("rows", [[[Q, "Yes ☒   No ☒"]], [[Q, "Yes", "☒", "No", "☒"]]])
def test_both_yes_and_no_ticked_is_no_answer_with_a_warning(rows: list[list[str]]) -> None:
    result = parse_document(_answer_referral(rows), "r.docx").to_json()
    assert result["parents_informed"] is None and "parents_informed" in result["missing"]
    assert "parents_informed: both Yes and No are ticked; read as no answer" in result["warnings"]


def test_known_to_services_answered_with_boxes_gives_the_ticked_answer() -> None:
    d = _descriptor_doc()
    table = d.add_table(rows=0, cols=5)
    for texts in (["Known to Police", "Yes", "☒", "No", "☐"], ["Known to YOS", "Yes ☐  No ☒", "", "", ""],
                  ["Known to CAMHS", "Yes", "☐", "No", "☐"]):
        for cell, text in zip(table.add_row().cells, texts):
            cell.text = text
    child = parse_document(_save(d), "m.docx").to_json()["child"]
    assert (child["known_to_police"], child["known_to_yos"], child["known_to_camhs"]) == ("Yes", "No", None)


@pytest.mark.parametrize("at", [0, 2])
def test_level_rows_below_the_evidence_row_are_still_ticks(at: int) -> None:
    """The evidence row moved above the level rows (``at`` 0) or among them (2): the ticks below it count, and
    the level rows are not evidence."""
    d = _descriptor_doc("start")
    for table in d.tables[1:]:
        rows = list(table._tbl.tr_lst)
        evidence = rows[-1]
        table._tbl.remove(evidence)
        rows[1 + at].addprevious(evidence)
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    for n, key in enumerate(result["indicators"], 1):
        assert result["indicators"][key]["evidence"] == f"Evidence {n}."
    assert result["effective_level"] == "significant"


def test_possessive_labels_are_the_plain_labels() -> None:
    """"Referrer's telephone" is "Referrer telephone" (Word's curly apostrophe too)."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer's name", "Jane Teacher"), ("Referrer’s agency", "Durham Academy"),
               ("Referrer's telephone", "0191 000 0000"), ("Child’s name", "Riley Green"),
               ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths."), (Q, "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["phone"] == "0191 000 0000" and result["missing"] == []


def test_a_blank_field_before_the_next_section_heading_is_missing() -> None:
    """"Name of child:" left blank, then "Section 3: Parents / carers and household": no child's name."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    for text in ("Referrer name: Jane Teacher", "Agency: Durham Academy", "Email: dsl@academy.sch.uk",
                 "Date of birth: 03/04/2012", "Address: 2 Sample Road", "Name of child/young person*:",
                 "Section 3: Parents / carers and household", "What are you worried about? Seen with older youths.",
                 f"{Q} Yes"):
        d.add_paragraph(text)
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["name"] is None and "child.name" in result["missing"]


def _child_referral(child: list[tuple[str, ...]], household: list[tuple[str, ...]] | None = None) -> bytes:
    """A referral of label | value tables: referrer, the child's rows, then a household table (its own columns)."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk")])
    d.add_paragraph("Child / young person’s details")
    _pairs(d, child)
    if household:
        d.add_paragraph("Parents / carers and household")
        _pairs(d, household, cols=len(household[0]))
    _pairs(d, [("What are you worried about?", "Seen with older youths."), (Q, "Yes")])
    return _save(d)


def test_forename_and_surname_fields_make_the_childs_name() -> None:
    result = parse_document(_child_referral(
        [("Forename", "Riley"), ("Surname", "Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road")],
        [("Name", "Relationship", "Date of birth"), ("Sam Green", "Mother", "14/07/1985")]), "r.docx").to_json()
    assert result["child"]["name"] == "Riley Green" and result["missing"] == []
    matrix = _descriptor_doc()
    table = next(t for t in matrix.tables if any(r.cells[0].text == "Child's name" for r in t.rows))
    row = next(r for r in table.rows if r.cells[0].text == "Child's name")
    row.cells[0].text, row.cells[1].text = "Forename", "Amy"
    cells = table.add_row().cells
    cells[0].text, cells[1].text = "Surname", "Black"
    result = parse_document(_save(matrix), "m.docx").to_json()
    assert result["child"]["name"] == "Amy Black" and "child.name" not in result["missing"]


# -- session four ---------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [("Name", "Relationship"), ("Full name", "Relationship to child"),
                                    ("Name", "Role")])
def test_a_two_column_household_table_is_not_the_childs_details(header: tuple[str, str]) -> None:
    """The child's name left blank and a "Name | Relationship" household table below: the name is missing
    (it was read as "Relationship", the table's other heading), and the mother is not the child."""
    data = _child_referral([("Child's name", ""), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road")],
                           [header, ("Sam Green", "Mother"), ("Jo Green", "Brother")])
    result = parse_document(data, "r.docx").to_json()
    assert result["child"]["name"] is None and "child.name" in result["missing"]


def test_a_two_column_label_and_value_naming_a_relationship_is_still_read() -> None:
    """A label beside its value that happens to be a relationship is a field, not a people table's heading."""
    data = _child_referral([("Name", "Riley Green"), ("Relationship", "Mother"), ("Date of birth", "03/04/2012"),
                            ("Address", "2 Sample Road")])
    assert parse_document(data, "r.docx").to_json()["child"]["name"] == "Riley Green"


@pytest.mark.parametrize("highlighted, child, family", [
    ("family", [], ["learning_disabilities"]),
    ("child", ["learning_disabilities"], []),
])
def test_a_highlighted_factor_listed_for_both_family_and_child_is_only_the_one_highlighted(
        highlighted: str, child: list[str], family: list[str]) -> None:
    """Appendix 7's one cell lists "Learning disabilities." under Family: and again under Child:; highlighting the
    parent's must not choose the child's (the learning-disability flag is the child's alone)."""
    d = docx.Document()
    _header(d, overall="Low")
    _grid(d)
    cell = d.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "Other child(ren) & family factors to consider."
    part = None
    for line in ("(Please highlight if any are relevant.)", "", "Family:", "Parental mental health.",
                 "Learning disabilities.", "Child:", "Learning disabilities.", "Young carer."):
        part = {"Family:": "family", "Child:": "child"}.get(line, part)
        run = cell.add_paragraph().add_run(line)
        if line == "Learning disabilities." and part == highlighted:
            run.font.highlight_color = docx.enum.text.WD_COLOR_INDEX.YELLOW
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["child_factors"] == child and result["family_factors"] == family
    assert result["learning_disability"] is bool(child)


_NAMES = {"none": "No risk identified", "low": "Low", "moderate": "Moderate", "significant": "Significant"}


def _one_line_levels(line) -> dict:  # type: ignore[no-untyped-def]
    """Every indicator's four level rows replaced by one "Level of risk | <the four names in one line>" row."""
    d = _descriptor_doc()
    for n, table in enumerate(d.tables[1:]):
        rows = list(table._tbl.tr_lst)
        for tr in rows[2:5]:
            table._tbl.remove(tr)
        first = table.rows[1].cells
        first[0].text, first[1].text = "Level of risk", line(LEVELS[n])
    return parse_document(_save(d), "m.docx").to_json()


@pytest.mark.parametrize("separator", [" / ", "     ", " | ", ", "])
@pytest.mark.parametrize("mark", ["X {}", "x {}", "☒ {}", "✓ {}", "{} X", "{} ☒"])
def test_the_four_levels_printed_in_one_line_with_one_marked(separator: str, mark: str) -> None:
    """"No risk identified / Low / X Moderate / Significant": the marked level, whatever the separator and the
    mark (a printed "No risk identified" followed by spaces was read as a written "none": under-triage)."""
    result = _one_line_levels(lambda level: separator.join(
        mark.format(name) if key == level else name for key, name in _NAMES.items()))
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert result["effective_level"] == "significant"


@pytest.mark.parametrize("separator", [" / ", "     "])
def test_the_four_levels_printed_in_one_line_with_each_boxed(separator: str) -> None:
    """"☐ No risk identified / ☐ Low / ☐ Moderate / ☒ Significant": the box after a separator is the next
    level's (it was given to the level before it: one level too low)."""
    result = _one_line_levels(lambda level: separator.join(
        ("☒ " if key == level else "☐ ") + name for key, name in _NAMES.items()))
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS


def test_the_four_levels_printed_in_one_line_none_marked_are_no_answer() -> None:
    result = _one_line_levels(lambda level: "     ".join(_NAMES.values()))
    assert all(result["indicators"][k]["level"] is None for k in result["indicators"])
    assert "indicators.family_peer_relationships.level" in result["missing"]


def _unticked_family_indicator():  # type: ignore[no-untyped-def]
    """The descriptor matrix with "Family and peer relationships" left unticked: (document, that table)."""
    d = _descriptor_doc()
    table = next(t for t in d.tables if "Family and peer" in t.rows[0].cells[0].text)
    for row in table.rows[1:5]:
        row.cells[1].text = "☐ • " + row.cells[1].text.lstrip("☐☒ •")
    return d, table


@pytest.mark.parametrize("tick", ["☒", "X", "✓"])
def test_a_level_row_split_over_two_rows_ticked_in_the_second(tick: str) -> None:
    """"Significant" merged down over two rows (its descriptor ran long), the tick typed in the second row's
    descriptor: Significant (the tick had no level and was dropped: under-triage)."""
    d, table = _unticked_family_indicator()
    significant = table.rows[4]._tr
    continuation = copy.deepcopy(significant)
    significant.addnext(continuation)
    table.rows[4].cells[0].merge(table.rows[5].cells[0])
    table.rows[4].cells[0].text = "Significant"
    table.rows[5].cells[1].text = f"{tick} • Known to be with adults who exploit children."
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["family_peer_relationships"]["level"] == "significant"
    assert "Known to be with adults" not in (result["indicators"]["family_peer_relationships"]["evidence"] or "")


@pytest.mark.parametrize("label, written, expected", [
    ("Assessed level for this indicator", "Significant", "significant"),
    ("Level assessed", "Moderate risk", "moderate"),
    ("Worker's judgement", "No risk identified", "none"),
])
def test_a_level_written_in_a_row_of_its_own_under_unticked_level_rows(label: str, written: str,
                                                                        expected: str) -> None:
    """The template's level rows left unticked and the level written below them, as the value of a row of its
    own: that level (the indicator came out with no level, and a significant one under-triaged the child)."""
    d, table = _unticked_family_indicator()
    evidence = table.rows[5]._tr
    written_row = copy.deepcopy(evidence)
    evidence.addprevious(written_row)
    table.rows[5].cells[0].text, table.rows[5].cells[1].text = label, written
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["family_peer_relationships"]["level"] == expected
    assert "indicators.family_peer_relationships.level" not in result["missing"]


def _concerns_below(label: str):  # type: ignore[no-untyped-def]
    """A referral of label | value rows, then the concerns' label in a full-width row and its answer cell under it."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
               (Q, "Yes")])
    table = d.add_table(rows=2, cols=1)
    table.cell(0, 0).text = label
    return d, table.cell(1, 0)


def test_concerns_in_the_row_below_their_label_run_past_a_nested_table() -> None:
    """The concerns in the full-width row under their label: a paragraph, a chronology table, another paragraph.
    All of it is the answer (it stopped at the nested table)."""
    d, answer = _concerns_below("What has happened / what are you worried about?")
    answer.text = "Riley was seen getting into a car with two adult men."
    chronology = answer.add_table(rows=2, cols=2)
    for r, (day, event) in enumerate([("01/10/2026", "First seen with older males."),
                                      ("12/11/2026", "Came back with cash.")]):
        chronology.cell(r, 0).text, chronology.cell(r, 1).text = day, event
    answer.add_paragraph("Parents agree a referral is needed.")
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["concerns"].startswith("Riley was seen")
    assert "Came back with cash." in result["concerns"]
    assert result["concerns"].endswith("Parents agree a referral is needed.")


def test_concerns_beside_a_label_merged_down_over_two_rows() -> None:
    """The concerns label merged down over two rows, one paragraph of the answer in each: both are the answer."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road")])
    table = d.add_table(rows=3, cols=2)
    label = table.cell(0, 0).merge(table.cell(1, 0))
    label.text = "What has happened / what are you worried about?"
    table.cell(0, 1).text = "Riley has been going missing overnight."
    table.cell(1, 1).text = "She has been found in Gateshead with adults."
    table.cell(2, 0).text, table.cell(2, 1).text = Q, "Yes"
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["concerns"] == ("Riley has been going missing overnight.\n"
                                  "She has been found in Gateshead with adults.")
    assert result["parents_informed"] is True


def test_a_section_named_in_a_first_column_merged_down_beside_its_rows() -> None:
    """"About the young person" merged down the first column beside "Full name | Ella Morgan", "Date of birth |
    …": the section's first row is read like the others (its name was taken for a label over values below)."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk")])
    rows = [("Full name", "Ella Morgan"), ("Date of birth", "05/10/2009"), ("Address", "9 Bridge Street")]
    table = d.add_table(rows=len(rows), cols=3)
    table.cell(0, 0).merge(table.cell(len(rows) - 1, 0)).text = "About the young person"
    for r, (label, value) in enumerate(rows):
        table.cell(r, 1).text, table.cell(r, 2).text = label, value
    d.add_paragraph("Parents / carers")
    _pairs(d, [("Name", "Relationship", "Phone"), ("Julie Morgan", "Mother", "07700 900654")], cols=3)
    _pairs(d, [("What are you worried about?", "Staying with an adult man."), (Q, "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["name"] == "Ella Morgan" and result["missing"] == []


@pytest.mark.parametrize("yes, no", [("☒", "☐"), ("X", ""), ("✓", ""), ("☐", "☒"), ("", "X")])
def test_yes_and_no_as_column_headings_with_the_mark_under_the_answer(yes: str, no: str) -> None:
    """"  | Yes | No" heading a table of questions, each answered by a box or a typed mark in the column it means."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths.")])
    _pairs(d, [("", "Yes", "No"), (Q, yes, no), ("Is the child at immediate risk of significant harm?", no, yes),
               ("Other agencies involved", "School nurse", "")], cols=3)
    result = parse_document(_save(d), "r.docx").to_json()
    answer = "☒" in yes or yes in ("X", "✓")
    assert result["parents_informed"] is answer and result["immediate_risk"] is (not answer)
    assert "parents_informed" not in result["missing"]


def test_yes_written_beside_a_question_is_no_column_heading_for_the_next_row() -> None:
    """Two questions a row, answered in words: the row above is answers, not the headings "Yes" / "No"."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths.")])
    _pairs(d, [(Q, "Yes", "Is the child open to Children’s Social Care?", "No"),
               ("Is the child at immediate risk?", "Yes", "", "")], cols=4)
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["parents_informed"] is True and result["open_to_csc"] is False and result["immediate_risk"] is True


@pytest.mark.parametrize("answer", ["{name} – {yn}", "{name} - {yn}", "{name} = {yn}", "{name}: {yn}"])
def test_each_level_answered_yes_or_no_after_a_dash(answer: str) -> None:
    """"No risk identified – No", …, "Significant – Yes": the level answered Yes (it was read as the first level
    written, one too low)."""
    d = _descriptor_doc()
    for n, table in enumerate(d.tables[1:]):
        for row, (key, name) in zip(table.rows[1:5], _NAMES.items()):
            row.cells[0].text = answer.format(name=name, yn="Yes" if key == LEVELS[n] else "No")
            row.cells[1].text = row.cells[1].text.lstrip("☐☒ •")
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS


@pytest.mark.parametrize("separator", [" – ", " — ", " = "])
def test_a_label_and_its_value_after_a_dash_or_equals(separator: str) -> None:
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    for label, value in [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"),
                         ("Email", "dsl@academy.sch.uk"), ("Child's name", "Riley Green"),
                         ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
                         ("What are you worried about?", "Seen with older youths."), (Q, "Yes"),
                         ("Is the child at immediate risk", "Yes")]:
        d.add_paragraph(f"{label.rstrip('?')}{separator}{value}")
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["agency"] == "Durham Academy" and result["child"]["name"] == "Riley Green"
    assert result["immediate_risk"] is True and result["missing"] == []


@pytest.mark.parametrize("yes, no, expected", [
    ("☐ Yes", "☒ No", False), ("Yes", "✔ No", False), ("X Yes", "No", True), ("☒ Yes", "☐ No", True),
    ("Yes", "No", None), ("☐ Yes", "☐ No", None),
])
def test_a_question_paragraph_then_yes_and_no_paragraphs(yes: str, no: str, expected: bool | None) -> None:
    """"Is the child at immediate risk?" then "Yes" and "✔ No" as paragraphs: No (the printed "Yes" was read as
    the answer: a false immediate-risk alarm)."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    for text in ("Referrer name: Jane Teacher", "Agency: Durham Academy", "Email: dsl@academy.sch.uk",
                 "Child's name: Riley Green", "Date of birth: 03/04/2012", "Address: 2 Sample Road",
                 "What are you worried about? Seen with older youths.", f"{Q} Yes",
                 "Is the child at immediate risk?", yes, no, "Thank you for your referral."):
        d.add_paragraph(text)
    assert parse_document(_save(d), "r.docx").to_json()["immediate_risk"] is expected


# -- forms without their tables (round sixteen) ------------------------------------------------------

_REFERRAL_LINES = ["Referrer name: Jane Teacher", "Agency: Durham Academy", "Email: dsl@academy.sch.uk",
                   "Child's name: Riley Green", "Date of birth: 03/04/2012", "Address: 2 Sample Road"]


def test_pasted_text_with_line_breaks_inside_one_paragraph() -> None:
    """Text pasted as one paragraph per block, its lines joined by soft breaks (w:br): each line is read."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    block = d.add_paragraph()
    for n, line in enumerate(_REFERRAL_LINES + [f"{Q} Yes"]):
        run = block.add_run(line)
        if n < len(_REFERRAL_LINES):
            run.add_break()
    d.add_paragraph("What are you worried about?")
    d.add_paragraph("Seen with older youths.")
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["agency"] == "Durham Academy" and result["child"]["dob"] == "2012-04-03"
    assert result["missing"] == []


def test_two_fields_on_a_line_in_columns_of_spaces() -> None:
    """A PDF converted to Word: "Name: Dr Helen Ng      Role: GP Partner" is two fields, and a lone page header
    "Safeguarding Referral Form      Page 2 of 4" inside the concerns is no table that ends them."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    for line in ("Referrer details", "Name: Dr Helen Ng      Role: GP Partner", "Agency: Claypath Medical Practice",
                 "Telephone: 0191 000 2222      Email: helen.ng@nhs.net", "Child details",
                 "Child's name: Riley Green      Date of birth: 03/04/2012", "Address: 2 Sample Road",
                 f"{Q} Yes", "What are you worried about?", "Seen with older youths.",
                 "Safeguarding Referral Form – First Contact          Page 2 of 4", "She has a new phone."):
        d.add_paragraph(line)
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["name"] == "Dr Helen Ng" and result["referrer"]["role"] == "GP Partner"
    assert result["child"]["name"] == "Riley Green" and result["child"]["dob"] == "2012-04-03"
    assert result["concerns"].endswith("She has a new phone.") and result["missing"] == []


def test_labels_and_values_in_columns_of_spaces_without_colons() -> None:
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    for line in _REFERRAL_LINES:
        d.add_paragraph(line.replace(": ", "      "))
    d.add_paragraph(f"{Q} Yes")
    d.add_paragraph("What are you worried about? Seen with older youths.")
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["name"] == "Jane Teacher" and result["child"]["address"] == "2 Sample Road"
    assert result["missing"] == []


def test_a_question_answered_in_a_column_of_spaces_is_not_split() -> None:
    """"Is the child at immediate risk?      Yes     X No": one answer, the marked No."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    for line in _REFERRAL_LINES + [f"{Q} Yes", "What are you worried about? Seen with older youths.",
                                   "Is the child at immediate risk?      Yes     X No"]:
        d.add_paragraph(line)
    assert parse_document(_save(d), "r.docx").to_json()["immediate_risk"] is False


def _paragraph_matrix(level_line=None, indicator_lines=None) -> dict:  # type: ignore[no-untyped-def]
    """A CE Matrix typed as paragraphs: the header, then per indicator its lines (by default its title, one
    level line, "PROVIDE EVIDENCE" and its evidence)."""
    d = docx.Document()
    for line in ("Child Exploitation Risk Assessment Information Form", "Named worker: Sam Carter",
                 "Contact Details & Agency: Durham Youth Justice", "Date: 12/11/2026",
                 "Child's full name: Riley Green", "D.O.B.: 03/04/2012"):
        d.add_paragraph(line)
    for n, title in enumerate(INDICATORS):
        lines = indicator_lines(n, title) if indicator_lines else [
            f"{n + 1}. Risk Indicator – {title}", level_line(LEVELS[n]), "PROVIDE EVIDENCE (Mandatory)"]
        for line in [*lines, f"Evidence {n + 1}."]:
            d.add_paragraph(line)
    d.add_paragraph("Overall Assessed Level of exploitation Risk: Significant")
    return parse_document(_save(d), "m.docx").to_json()


@pytest.mark.parametrize("separator", ["\t", "     ", " / "])
def test_a_typed_matrix_with_each_level_line_after_a_label(separator: str) -> None:
    """"Level of risk: ☒ No risk identified⇥☐ Low⇥☐ Moderate⇥☐ Significant": the box after the label's colon is
    the first level's (it was the label's, and the first level could not be ticked)."""
    result = _paragraph_matrix(lambda level: "Level of risk: " + separator.join(
        ("☒ " if key == level else "☐ ") + name for key, name in _NAMES.items()))
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert result["missing"] == []


@pytest.mark.parametrize("mark", ["X ", "x ", "☒ "])
def test_a_typed_matrix_with_a_mark_before_the_level_and_its_descriptor(mark: str) -> None:
    """The seed's own line shape, "X Moderate  • Carer(s) lack understanding …": the marked level."""
    result = _paragraph_matrix(lambda level: "\n".join(
        ("" if key != level else mark) + f"{name}  • Concerns described for this level."
        for key, name in _NAMES.items()))
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS


@pytest.mark.parametrize("title", ["{title} – Level: {name}", "{title} - {name}", "{n}. {title} — Level of risk: {name}",
                                   "{n}.  Risk Indicator - {title} - Level: {name}",
                                   "{n}. Risk Indicator – {title} – Level of risk: {name}"])
def test_a_typed_matrix_with_the_level_on_each_title_line(title: str) -> None:
    """"Engagement with services – Level: Significant": the level is the indicator's, its evidence under it
    (the title was not recognised: the level was lost and the evidence given to the indicator above)."""
    result = _paragraph_matrix(indicator_lines=lambda n, name: [
        title.format(n=n + 1, title=name, name=_NAMES[LEVELS[n]]), "Evidence"])
    assert result["form"] == "ce_matrix"
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert [result["indicators"][k]["evidence"] for k in result["indicators"]] == [
        f"Evidence {n + 1}." for n in range(14)]


def _referral_then_matrix() -> bytes:
    """A referral form with the CE Matrix pasted after it, in one .docx (immediate risk: Yes)."""
    d = _descriptor_doc()
    body = d.element.body
    first = body[0]
    for text in ("SAFEGUARDING REFERRAL FORM", "Referrer name: Jane Teacher", "Agency: Durham Academy",
                 "Email: dsl@academy.sch.uk", "Categories of concern: Child exploitation / harm outside the home",
                 "What are you worried about? Seen with older youths.", f"{Q} Yes",
                 "Is the child at immediate risk of significant harm? Yes"):
        first.addprevious(d.add_paragraph(text)._p)
    return _save(d)


def test_a_referral_and_a_matrix_in_one_file_are_both_read() -> None:
    """Both forms in one file: the matrix is the file's form, the referral is read too (its answers lifted to
    the file's object and listed under "also"), so its immediate-risk Yes is not lost."""
    result = parse_document(_referral_then_matrix(), "both.docx").to_json()
    assert result["form"] == "ce_matrix" and result["effective_level"] == "significant"
    (referral,) = result["also"]
    assert referral["form"] == "referral" and referral["immediate_risk"] is True
    assert result["immediate_risk"] is True and result["referrer"]["name"] == "Jane Teacher"
    assert any("both are read" in w for w in result["warnings"])
    plain = parse_document(_save(_descriptor_doc()), "m.docx").to_json()
    assert "also" not in plain and "immediate_risk" not in plain


@pytest.mark.parametrize("written, expected", [("Significant", "significant"), ("Low", "low")])
def test_an_overall_level_written_in_a_row_of_its_own_under_unticked_rows(written: str, expected: str) -> None:
    """The overall table's boxes left unticked and "Assessed level | Low" added below them: that level."""
    d = docx.Document()
    _header(d, overall=None)
    _grid(d)
    _overall_rows(d, ticked=None)
    cells = d.tables[-1].add_row().cells
    cells[0].text, cells[1].text = "Assessed level", written
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["overall_level"] == expected and "overall_level" not in result["missing"]


@pytest.mark.parametrize("family, child", [("Parent / carer factors:", "Young person factors:"),
                                           ("Parental factors", "Child / young person factors")])
def test_reworded_factor_headings_keep_the_parents_learning_disability_the_parents(family: str, child: str) -> None:
    d = docx.Document()
    _header(d, overall="Low")
    _grid(d)
    table = d.add_table(rows=0, cols=2)
    for label, box in [("Other child(ren) & family factors to consider.", ""), (family, ""),
                       ("Parental mental health.", "☐"), ("Learning disabilities.", "☒"), (child, ""),
                       ("Learning disabilities.", "☐"), ("Young carer.", "☒")]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, box
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["family_factors"] == ["learning_disabilities"] and result["child_factors"] == ["young_carer"]
    assert result["learning_disability"] is False


@pytest.mark.parametrize("side_by_side_cells", [False, True])
def test_family_and_child_factors_side_by_side(side_by_side_cells: bool) -> None:
    """"Family: | Child:" as column headings over two lists (or each heading atop its own list in one cell of a
    row): each ticked item is its column's, so the parent's learning disability is not the child's."""
    d = docx.Document()
    _header(d, overall="Low")
    _grid(d)
    family = ["☐ Parental mental health.", "☒ Learning disabilities."]
    child = ["☐ Learning disabilities.", "☒ Young carer."]
    table = d.add_table(rows=0, cols=2)
    table.add_row().cells[0].text = "Other child(ren) & family factors to consider."
    if side_by_side_cells:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = "\n".join(["Family:", *family]), "\n".join(["Child:", *child])
    else:
        for left, right in [("Family:", "Child:"), *zip(family, child)]:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = left, right
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["family_factors"] == ["learning_disabilities"] and result["child_factors"] == ["young_carer"]
    assert result["learning_disability"] is False


_TYPES = ["CSE", "CCE", "County lines", "Organised crime groups", "Trafficking / Modern Slavery", "Online",
          "Financial"]


@pytest.mark.parametrize("mark, separator", [("X {}", " / "), ("☒ {}", " / "), ("{} ☒", " / "), ("X {}", " | "),
                                             ("☒ {}", "; "), ("☑ {}", "   "), ("x {}", "   ")])
@pytest.mark.parametrize("chosen, expected", [
    (["CCE", "Trafficking / Modern Slavery"], ["cce", "trafficking_modern_slavery"]),
    (["County lines", "Online"], ["county_lines", "online"]),
    (["CSE", "Organised crime groups"], ["cse", "organised_crime"]),
])
def test_exploitation_types_marked_in_a_list_on_one_line(mark: str, separator: str, chosen: list[str],
                                                         expected: list[str]) -> None:
    """"CSE / X CCE / County lines / … / X Trafficking / Modern Slavery / …": the marked items (each mark was
    given to the item two along, raising a false modern-slavery flag)."""
    d = docx.Document()
    _header(d, overall="Low")
    _grid(d)
    line = separator.join(mark.format(t) if t in chosen else t for t in _TYPES)
    cells = d.add_table(rows=1, cols=2).rows[0].cells
    cells[0].text, cells[1].text = "Exploitation types suspected (tick all that apply)", line
    assert parse_document(_save(d), "m.docx").to_json()["exploitation_types"] == expected
    inline = _descriptor_doc()
    inline.add_paragraph(f"Exploitation types suspected (tick all that apply): {line}")
    assert parse_document(_save(inline), "m.docx").to_json()["exploitation_types"] == expected


def test_a_blank_childs_dob_is_not_the_parents_under_lettered_section_headings() -> None:
    """"SECTION B – CHILD / YOUNG PERSON" with "D.O.B.:" left blank, then "SECTION C – PARENTS / CARERS" with the
    mother's date of birth: the child's is missing (the headings were not read, and the mother's was taken)."""
    d = docx.Document()
    for line in ("SAFEGUARDING REFERRAL FORM", "SECTION A – REFERRER", "Name of referrer: Dr Priya Shah",
                 "Agency: Claypath Medical Practice", "Email: priya.shah@nhs.net",
                 "SECTION B – CHILD / YOUNG PERSON", "7. Child’s full name: Kai Robson", "D.O.B.:",
                 "9. Gender: Male", "Home Address: 7 Elm Court", "11. School / nursery: Park View School",
                 "SECTION C – PARENTS / CARERS", "14. Parent / carer name: Dawn Robson",
                 "16. Date of birth: 21/03/1982", "SECTION E – REASON FOR REFERRAL",
                 "What are you worried about? Seen with older youths.", f"{Q} Yes"):
        d.add_paragraph(line)
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["dob"] is None and result["missing"] == ["child.dob"]
    assert result["child"]["school"] == "Park View School"


def test_exploitation_types_in_one_long_line_marked_with_a_typed_x() -> None:
    """"X Child Sexual Exploitation (CSE)    ☐ Child Criminal Exploitation (CCE)    X County Lines …": a line
    longer than 120 characters still has its typed marks read."""
    d = docx.Document()
    _header(d, overall="Low")
    _grid(d)
    names = ["Child Sexual Exploitation (CSE)", "Child Criminal Exploitation (CCE)", "County Lines", "Organised Crime",
             "Trafficking / Modern Slavery", "Online", "Financial"]
    d.add_paragraph("Exploitation types suspected (tick all that apply)")
    d.add_paragraph("    ".join(("X " if n in ("Child Sexual Exploitation (CSE)", "County Lines", "Financial")
                                 else "☐ ") + n for n in names))
    assert parse_document(_save(d), "m.docx").to_json()["exploitation_types"] == ["cse", "county_lines", "financial"]


def test_the_readable_summary_shows_the_other_form_in_the_file(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from intake.cli import main

    path = tmp_path / "both.docx"
    path.write_bytes(_referral_then_matrix())
    assert main(["parse", str(path)]) == 0
    out = capsys.readouterr().out
    assert "both.docx: CE Matrix — parsed" in out
    assert "also in this file: Safeguarding Referral Form" in out and "immediate_risk: yes" in out


# -- label look-alikes (round twenty-one) --------------------------------------------------------------

def _consent_referral(consent: list[tuple[str, str]], concerns: str = "Seen with older youths.") -> bytes:
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk")])
    d.add_paragraph("Child / young person’s details")
    _pairs(d, [("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road")])
    _pairs(d, [("What are you worried about?", concerns)])
    d.add_paragraph("Consent and other information")
    _pairs(d, [(Q, "Yes ☒ No ☐"), *consent])
    return _save(d)


@pytest.mark.parametrize("lookalike, question, key", [
    (("If not, why not?", "Open to Children’s Social Care: no (case closed in 2025)"),
     "Is the child open to Children’s Social Care?", "open_to_csc"),
    (("The child’s views", "Is the child at immediate risk? She says no."),
     "Is the child at immediate risk of significant harm?", "immediate_risk"),
])
def test_a_question_written_in_an_earlier_answer_does_not_answer_it(lookalike, question, key) -> None:  # type: ignore[no-untyped-def]
    """The question's words at the start of another question's answer, written, before the question itself
    with its boxes: the boxes answer it (the written look-alike came first and won)."""
    result = parse_document(_consent_referral([lookalike, (question, "Yes ☒ No ☐")]), "r.docx").to_json()
    assert result[key] is True
    alone = parse_document(_consent_referral([lookalike]), "r.docx").to_json()
    assert alone[key] is (False if key == "open_to_csc" else None)  # with nothing else, the written words count


def _paragraph_referral(narrative: list[str], answers: list[str]) -> bytes:
    d = docx.Document()
    for text in ("SAFEGUARDING REFERRAL FORM", "Referrer name: Jane Teacher", "Agency: Durham Academy",
                 "Email: dsl@academy.sch.uk", "Child's name: Riley Green", "Date of birth: 03/04/2012",
                 "Address: 2 Sample Road", "Reason for referral", "What has happened / what are you worried about?",
                 "Seen with older youths.", *narrative, "Mia was at home during school hours.",
                 "Consent and information sharing", f"{Q} Yes", *answers):
        d.add_paragraph(text)
    return _save(d)


@pytest.mark.parametrize("quoted, answer, key, expected", [
    ("Is a CE Matrix attached? Not yet", "Is a CE Matrix attached? Yes", "ce_matrix_attached", True),
    ("Open to CSC - not known", "Is the child open to Children’s Social Care? Yes", "open_to_csc", True),
    ("Is the child at immediate risk? Mum said no", "Is the child at immediate risk of significant harm? ☒ Yes ☐ No",
     "immediate_risk", True),
    ("Is the child at immediate risk? no, according to mum", "Is the child at immediate risk? Yes", "immediate_risk",
     True),
])
def test_a_question_quoted_in_the_concerns_does_not_answer_it(quoted: str, answer: str, key: str,
                                                              expected: bool) -> None:
    """A form typed as paragraphs: the account of the concerns quotes a question; the answer further on counts."""
    assert parse_document(_paragraph_referral([quoted], [answer]), "r.docx").to_json()[key] is expected


def test_not_known_is_no_answer() -> None:
    result = parse_document(_paragraph_referral([], ["Open to Children’s Social Care - not known"]), "r.docx").to_json()
    assert result["open_to_csc"] is None


@pytest.mark.parametrize("first, second", [("Yes ☐ No ☒", "Yes ☒ No ☐"), ("Yes ☒ No ☐", "Yes ☐ No ☒")])
def test_questions_answered_both_ways_on_one_form_are_read_as_immediate_risk(first: str, second: str) -> None:
    """The immediate-risk question asked twice with its boxes (in two wordings), answered Yes once and No once:
    conflicting risk signals route by the higher (SPEC principle 2), with a warning."""
    result = parse_document(_consent_referral([
        ("Is the child at immediate risk of significant harm?", first),
        ("Is the child at immediate risk?", second)]), "r.docx").to_json()
    assert result["immediate_risk"] is True
    assert any("immediate_risk: the question is answered both Yes and No" in w for w in result["warnings"])


@pytest.mark.parametrize("first_line", ["Name: (see previous referral)", "DOB: unknown to school at the time",
                                        "Is the child at immediate risk? Mum said no"])
def test_concerns_in_the_row_below_that_open_with_a_label_like_line(first_line: str) -> None:
    """The concerns in the row under their label, their first line reading like a label: still the concerns."""
    d, answer = _concerns_below("19. What has happened / what are you worried about?")
    answer.text = f"{first_line}\nKai attended surgery with a cut to his hand he said happened at work."
    result = parse_document(_save(d), "r.docx").to_json()
    assert "Kai attended surgery" in (result["concerns"] or "") and "concerns" not in result["missing"]


def test_a_label_wrapped_over_two_lines_is_not_its_own_answer() -> None:
    """"What has happened /" "what are you worried about?" in one cell, the answer beside it: the label's lines
    are not part of the concerns (under a "Reason for referral" heading row whose value is the row below)."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road")])
    table = d.add_table(rows=3, cols=2)
    table.rows[0].cells[0].text = "Reason for referral"
    table.rows[1].cells[0].text = "What has happened /\nwhat are you worried about?"
    table.rows[1].cells[1].text = "Riley has been seen getting into cars with older men after school."
    table.rows[2].cells[0].text, table.rows[2].cells[1].text = Q, "Yes"
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["concerns"] == "Riley has been seen getting into cars with older men after school."


@pytest.mark.parametrize("opening", ["Education: see the chronology below (EV).", "Education – see the chronology",
                                     "EDUCATION: attendance is fine; the worry is online."])
def test_evidence_opening_with_another_indicators_title_stays_evidence(opening: str) -> None:
    d = _descriptor_doc()
    _evidence_cell(d, "Social").text = f"{opening}\nLarge number of unknown adult followers on Snapchat."
    result = parse_document(_save(d), "m.docx").to_json()
    assert "Snapchat" in (result["indicators"]["social_networking"]["evidence"] or "")
    assert result["indicators"]["education"] == parse_document(_save(_descriptor_doc()), "m.docx").to_json()[
        "indicators"]["education"]
    assert not any("appears 2 times" in w for w in result["warnings"])


def test_a_referrer_line_above_the_form_does_not_hide_the_referrers_table() -> None:
    """"Referrer: J. Smith (on behalf of the DSL)" typed above the form: the referrer's section is still the
    table of the referrer's fields (role, agency, phone and email were lost)."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    d.add_paragraph("Referrer: J. Smith (on behalf of the DSL)")
    d.add_paragraph("Section 1 – Child / young person")
    _pairs(d, [("Full name of child", "Tyler Bell"), ("Date of birth", "22.06.11"), ("Home address", "15 North Road")])
    d.add_paragraph("Section 2 – Referring officer")
    table = d.add_table(rows=3, cols=4)
    for row, cells in zip(table.rows, [("Referrer name", "Mark Hall", "Role", "Police Constable"),
                                       ("Agency", "Durham Constabulary", "Contact telephone", "0191 375 2231"),
                                       ("Email", "mark.hall@durham.police.uk", "Date", "18.11.26")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    _pairs(d, [("What are you worried about?", "Seen with older youths."), (Q, "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"] == {"name": "Mark Hall", "role": "Police Constable", "agency": "Durham Constabulary",
                                  "phone": "0191 375 2231", "email": "mark.hall@durham.police.uk"}
    assert result["missing"] == []


@pytest.mark.parametrize("role", ["GP", "School nurse", "Social worker"])
def test_a_referrers_role_that_is_also_a_label_elsewhere_is_still_the_role(role: str) -> None:
    """"Role: GP" in a typed referrer block: "GP" is a label too (the child's GP), but nothing else answers the
    role, so it is the role; a label and its question ("Reason: what are you worried about?") still is not."""
    d = docx.Document()
    for text in ("SAFEGUARDING REFERRAL FORM", "Referrer details", "Name: Dr Helen Ng", f"Role: {role}",
                 "Agency: Claypath Medical Practice", "Email: helen.ng@nhs.net", "Child details",
                 "Child's name: Ellie Robson", "Date of birth: 23.12.12", "Address: 22 North Road",
                 "GP: Stanley Health Centre", "What are you worried about? Seen with older youths.", f"{Q} Yes"):
        d.add_paragraph(text)
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["role"] == role and result["child"]["gp"] == "Stanley Health Centre"


# -- values as people type them (round twenty-two) -----------------------------------------------------

def _ce_child_grid(name: str, dob: str = "01/02/2011", age: str = "15", date_cell: str = "16/11/2026",
                   siblings: bool = False) -> bytes:
    """The CE Matrix header and child tables in Appendix 7's layout (labels over values), then the matrix."""
    d = _descriptor_doc()
    own = d.tables[0]._tbl  # the matrix's own worker and child table: replaced
    own.getparent().remove(own)
    first = d.element.body[0]
    header = d.add_table(rows=1, cols=6)
    for cell, text in zip(header.rows[0].cells, ["Named worker leading on the Risk Assessment", "Sam Carter",
                                                 "Contact Details & Agency", "Durham Academy, 0191 000 0001",
                                                 "Date", date_cell]):
        cell.text = text
    child = d.add_table(rows=2, cols=4)
    for row, texts in zip(child.rows, [["Child’s full name (+ aliases)", "D.O.B.", "Age", "Home Address"],
                                       [name, dob, age, "12 Example Street, Durham"]]):
        for cell, text in zip(row.cells, texts):
            cell.text = text
    blocks = [header._tbl, child._tbl]
    if siblings:
        title = d.add_paragraph("Siblings / other children in the household")
        people = d.add_table(rows=2, cols=4)
        for row, texts in zip(people.rows, [["Name", "D.O.B.", "Age", "Lives with child?"],
                                            ["Alex Bloggs", "09/09/2015", "11", "Yes"]]):
            for cell, text in zip(row.cells, texts):
                cell.text = text
        blocks += [title._p, people._tbl]
    for block in blocks:
        first.addprevious(block)
    return _save(d)


@pytest.mark.parametrize("written, name, aliases", [
    ("André Löwe AKA: Tiny, JJ", "André Löwe", ["Tiny", "JJ"]),
    ("Jordan Bloggs (nickname: Smudge)", "Jordan Bloggs", ["Smudge"]),
    ("Jordan Bloggs - aliases: X", "Jordan Bloggs", ["X"]),
    ("Riley Green (street name “Ghost”)", "Riley Green", ["Ghost"]),
])
def test_a_childs_name_with_its_aliases_after_a_colon(written: str, name: str, aliases: list[str]) -> None:
    """"AKA: Tiny" inside the name's cell made the cell look like a field of its own: the name was lost."""
    child = parse_document(_ce_child_grid(written), "m.docx").to_json()["child"]
    assert (child["name"], child["aliases"]) == (name, aliases)


@pytest.mark.parametrize("date_cell", ["Date: 16/11/2026", "16/11/2026"])
def test_a_date_cell_that_repeats_its_label_keeps_the_worker(date_cell: str) -> None:
    result = parse_document(_ce_child_grid("Jordan Bloggs", date_cell=date_cell), "m.docx").to_json()
    assert result["worker"]["name"] == "Sam Carter" and result["assessment_date"] == "2026-11-16"
    assert "worker.name" not in result["missing"] and "worker.agency" not in result["missing"]


@pytest.mark.parametrize("dob, age", [("01/02/2011", "15"), ("?", "15"), ("", "15")])
def test_a_blank_childs_field_is_never_a_siblings(dob: str, age: str) -> None:
    """The child's name or DOB left blank (or "?"), a siblings table below (no relationship column): missing, not
    the sibling's."""
    blank_name = parse_document(_ce_child_grid("", dob=dob, age=age, siblings=True), "m.docx").to_json()
    assert blank_name["child"]["name"] is None and "child.name" in blank_name["missing"]
    blank_dob = parse_document(_ce_child_grid("Jordan Bloggs", dob="", siblings=True), "m.docx").to_json()
    assert blank_dob["child"]["dob"] is None and blank_dob["child"]["age"] == 15


@pytest.mark.parametrize("written, expected", [("15yrs", 15), ("15years", 15), ("14 yrs 3 mths", 14),
                                               ("fifteen", 15), ("Fifteen years old", 15), ("unknown", None),
                                               ("03/04/2012", None), ("14.5", None)])
def test_ages_as_people_type_them(written: str, expected: int | None) -> None:
    from parsers.dates import parse_age
    assert parse_age(written) == expected


@pytest.mark.parametrize("value", ["Unknown", "Not known", "N/K", "TBC", "N/A", "?"])
def test_a_mandatory_field_answered_unknown_is_missing(value: str) -> None:
    """"Unknown", "TBC", "N/A": the form gives no value, so the field is missing (and asked for); the search
    does not go on to another place's value (a sibling's age)."""
    result = parse_document(_child_referral(
        [("Child's name", value), ("Date of birth", "03/04/2012"), ("Address", value)]), "r.docx").to_json()
    assert result["child"]["name"] is None and result["child"]["address"] is None
    assert {"child.name", "child.address"} <= set(result["missing"])


@pytest.mark.parametrize("phone, email, expected_phone, expected_email", [
    ("Mob: 07700 900123", "mailto:priya.shah@nhs.net", "07700 900123", "priya.shah@nhs.net"),
    ("Tel: 0191 375 2231", "Priya Shah <priya.shah@nhs.net>", "0191 375 2231", "priya.shah@nhs.net"),
])
def test_referrer_contacts_typed_with_their_kind(phone: str, email: str, expected_phone: str,
                                                 expected_email: str) -> None:
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Dr Priya Shah"), ("Agency", "Claypath Medical Practice"),
               ("Telephone number", phone), ("Email address", email), ("Child's name", "Kai Robson"),
               ("Date of birth", "14/09/2010"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths."), (Q, "Yes")])
    referrer = parse_document(_save(d), "r.docx").to_json()["referrer"]
    assert (referrer["phone"], referrer["email"]) == (expected_phone, expected_email)


@pytest.mark.parametrize("dash", ["–", "—", "-"])
def test_yes_then_a_dash_in_a_typed_question_line(dash: str) -> None:
    assert parse_document(_paragraph_referral([], [f"Is the child at immediate risk of significant harm? Yes {dash} "
                                                   "see below"]), "r.docx").to_json()["immediate_risk"] is True


def test_an_impossible_date_of_birth_is_missing_with_a_warning() -> None:
    result = parse_document(_child_referral([("Child's name", "Riley Green"), ("Date of birth", "31/02/2012"),
                                             ("Address", "2 Sample Road")]), "r.docx").to_json()
    assert result["child"]["dob"] is None and "child.dob" in result["missing"]
    assert any(w.startswith("child.dob: what is written is not a date") for w in result["warnings"])
    assert not any("31/02" in w for w in result["warnings"])  # the written value is not repeated


# -- big, busy forms (round twenty-three) ------------------------------------------------------------------

@pytest.mark.parametrize("table_first", [False, True])
def test_a_chronology_table_pasted_into_typed_concerns_does_not_end_them(table_first: bool) -> None:
    """Concerns typed as paragraphs with a chronology table pasted among them: the account runs on past the table
    (it stopped there, or was missing when the table came first), up to the next label; the consent table after
    it, whose rows are questions, is not part of it."""
    d = docx.Document()
    for text in ("SAFEGUARDING REFERRAL FORM", "Referrer name: Jane Teacher", "Agency: Durham Academy",
                 "Email: dsl@academy.sch.uk", "Child's name: Riley Green", "Date of birth: 03/04/2012",
                 "Address: 2 Sample Road", "What has happened / what are you worried about?"):
        d.add_paragraph(text)
    if not table_first:
        d.add_paragraph("[A1] Seen with older youths.")
    chronology = d.add_table(rows=3, cols=2)
    for row, cells in zip(chronology.rows, [("Date", "Event"), ("01/10/2026", "[T1] First seen with older males."),
                                            ("12/11/2026", "[T2] Returned with cash.")]):
        row.cells[0].text, row.cells[1].text = cells
    d.add_paragraph("[A2] We are asking for a strategy discussion.")
    d.add_paragraph("The child's views")
    d.add_paragraph("Riley says they are her friends.")
    _pairs(d, [(Q, "Yes"), ("Is the child at immediate risk?", "No")])
    result = parse_document(_save(d), "r.docx").to_json()
    concerns = result["concerns"] or ""
    assert all(tag in concerns for tag in ("[T1]", "[T2]", "[A2]")) and ("[A1]" in concerns) is not table_first
    assert "views" not in concerns and Q not in concerns and "concerns" not in result["missing"]


@pytest.mark.parametrize("label", ["Is the child at immediate risk of significant harm?:",
                                   "Is the child at immediate risk of significant harm? :",
                                   "Is the child at immediate risk of significant harm?*"])
def test_a_question_label_with_decoration_after_its_question_mark(label: str) -> None:
    """"…harm?:" (round 24): the ":" after the question mark is decoration, not the answer (it was read as a
    written answer, and the boxes beside it were never looked at: immediate risk came back null)."""
    result = parse_document(_consent_referral([(label, "Yes ☒ No ☐")]), "r.docx").to_json()
    assert result["immediate_risk"] is True


@pytest.mark.parametrize("answer, expected", [("N", False), ("No – it would increase the risk to her", False),
                                              ("Yes", True), ("yes (verbal)", True)])
def test_a_typed_question_with_its_answer_after_it_and_no_separator(answer: str, expected: bool) -> None:
    """"Are parents and carers aware of this referral N" (round 25): the answer typed after the question with
    neither "?" nor ":" between them (read as no answer, and "Yes" for another question as No)."""
    result = parse_document(_paragraph_referral([], [f"Is a CE Matrix attached {answer}"]), "r.docx").to_json()
    assert result["ce_matrix_attached"] is expected


@pytest.mark.parametrize("answers", [("Yes", "No", "No:", "No:"), ("Yes:", "No:", "No :", "No:")])
def test_each_level_answered_yes_or_no_with_a_colon_after_the_answer(answers: tuple[str, ...]) -> None:
    """"Moderate - No:" (round 25) was read as "moderate or no risk", both ticked: a false Significant."""
    d = docx.Document()
    _header(d, overall="Low")
    table = d.add_table(rows=0, cols=2)
    table.add_row().cells[0].text = "1.  Risk Indicator - Family and peer relationships"
    for level, answer in zip(ROW_LEVELS, answers):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = f"{level} - {answer}", "Descriptor."
    cells = table.add_row().cells
    cells[0].text, cells[1].text = "PROVIDE EVIDENCE (Mandatory)", "Evidence."
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["family_peer_relationships"]["level"] == "none"
    assert not any("several levels" in w for w in result["warnings"])


@pytest.mark.parametrize("options", ["Y/N", "(Y/N)", "Yes / No", "(Yes/No)"])
@pytest.mark.parametrize("answer, expected", [("N", False), ("No", False), ("Y", True), ("", None)])
def test_a_question_that_prints_its_options_after_it(options: str, answer: str, expected: bool | None) -> None:
    """"Is the child at immediate risk? Y/N | N" (round 27, other councils' templates): the printed options were
    read as the answer ("Y…": Yes, whatever was written) or as the printed choices (no answer)."""
    result = parse_document(_consent_referral([(f"Is the child at immediate risk? {options}", answer)]),
                            "r.docx").to_json()
    assert result["immediate_risk"] is expected


@pytest.mark.parametrize("worker_label, date_label", [("Assessing practitioner", "Assessment completed on"),
                                                      ("Assessing worker:", "Assessed on")])
def test_other_agencies_words_for_the_worker_and_the_assessment_date(worker_label: str, date_label: str) -> None:
    """Round 29: "Assessing practitioner" is the named worker, "Assessment completed on" the assessment date."""
    d = _descriptor_doc()
    rows = d.tables[0].rows
    for row in rows:
        if row.cells[0].text == "Named worker":
            row.cells[0].text = worker_label
        elif row.cells[0].text == "Date":
            row.cells[0].text = date_label
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["worker"]["name"] == "Alex Green" and result["assessment_date"] == "2026-02-05"
    assert "worker.name" not in result["missing"] and "assessment_date" not in result["missing"]


@pytest.mark.parametrize("name, dob, address, referrer, concerns", [
    ("Patient name", "Patient DOB", "Patient address", "Referring clinician", "Safeguarding concerns"),
    ("Student", "Date of birth", "Address", "Officer name / collar number", "Incident / concern"),
])
def test_health_police_and_school_words_for_the_referrals_fields(name: str, dob: str, address: str, referrer: str,
                                                                 concerns: str) -> None:
    """Round 30: an NHS referral's "Patient name", a school log's "Student", a police notice's "Officer name / collar
    number": the block they open was not found, so its other fields (DOB, address, agency, email) were lost too."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [(referrer, "Dr Ann Lee"), ("Agency", "Belmont Surgery"), ("Email", "ann.lee@nhs.net")])
    _pairs(d, [(name, "Riley Green"), (dob, "26/01/2012"), (address, "88 North Road, Durham")])
    _pairs(d, [(concerns, "Seen with older youths."), (Q, "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert (result["child"]["name"], result["child"]["dob"], result["child"]["address"]) == (
        "Riley Green", "2012-01-26", "88 North Road, Durham")
    assert result["referrer"]["name"] == "Dr Ann Lee" and result["referrer"]["agency"] == "Belmont Surgery"
    assert result["missing"] == []


@pytest.mark.parametrize("aware, not_informed, expected", [("☒", "☐", True), ("☐", "☒", False), ("☐", "☐", None),
                                                           ("☒", "☒", None)])
def test_consent_written_as_statements_each_with_its_box(aware: str, not_informed: str, expected: bool | None) -> None:
    """Round 30: "☒ I confirm the parents/carers are aware of this referral" answers parents_informed (it was
    missing, and a reply asked for it); two ticked statements that disagree answer nothing."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths.")])
    d.add_paragraph("Consent")
    d.add_paragraph(f"{aware} I confirm the parents/carers are aware of this referral")
    d.add_paragraph(f"{not_informed} The parents/carers have NOT been informed because it would increase the risk")
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["parents_informed"] is expected
    assert ("parents_informed" in result["missing"]) is (expected is None)


@pytest.mark.parametrize("welsh_first", [False, True])
def test_labels_written_in_english_and_welsh(welsh_first: bool) -> None:
    """Round 30: a bilingual council's labels ("Child's name / Enw'r plentyn", Welsh first on some forms) and
    answers ("Ie / Yes", "Na / No") were not matched, so every field was missing and a reply asked for them."""
    def both(english: str, welsh: str) -> str:
        return f"{welsh} / {english}" if welsh_first else f"{english} / {welsh}"

    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form / Ffurflen Atgyfeirio Diogelu")
    _pairs(d, [(both("Referrer's name", "Enw'r atgyfeiriwr"), "Jane Teacher"), (both("Agency", "Asiantaeth"), "Ysgol Y Dderwen"),
               (both("Email", "E-bost"), "dsl@ysgol.cymru")])
    _pairs(d, [(both("Child's name", "Enw'r plentyn"), "Osian Jones"), (both("Date of birth", "Dyddiad geni"), "03/04/2012"),
               (both("Address", "Cyfeiriad"), "2 Heol y Bont")])
    _pairs(d, [(both("What are you worried about?", "Beth sy'n eich poeni?"), "Seen with older youths."),
               (both("Are parents/carers aware of this referral?", "A yw'r rhieni/gofalwyr yn ymwybodol?"), "Na / No"),
               (both("Is the child at immediate risk?", "A yw'r plentyn mewn perygl uniongyrchol?"), "Ie / Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert (result["child"]["name"], result["child"]["dob"], result["child"]["address"]) == (
        "Osian Jones", "2012-04-03", "2 Heol y Bont")
    assert (result["referrer"]["name"], result["referrer"]["agency"], result["referrer"]["email"]) == (
        "Jane Teacher", "Ysgol Y Dderwen", "dsl@ysgol.cymru")
    assert result["concerns"] == "Seen with older youths."
    assert result["immediate_risk"] is True and result["parents_informed"] is False
    assert result["missing"] == []


@pytest.mark.parametrize("answer, expected", [("Ie / Yes", True), ("Yes / Ydy", True), ("Na / No", False),
                                              ("No / Nac ydy", False), ("N / A", None), ("Yes / No", None),
                                              ("Ie / Na", None)])
def test_a_yes_or_no_answered_in_two_languages(answer: str, expected: bool | None) -> None:
    """One side English decides; "N / A" stays not applicable, and both choices printed stay unanswered."""
    result = parse_document(_consent_referral([("Is the child at immediate risk?", answer)]), "r.docx").to_json()
    assert result["immediate_risk"] is expected


@pytest.mark.parametrize("value", ["Mother / Father", "Teacher / DSL", "Social worker / Team manager"])
def test_a_value_with_a_spaced_slash_is_still_a_value(value: str) -> None:
    """A value whose one side happens to be a label word stays the value of the label before it."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Role", value), ("Agency", "Durham Academy"),
               ("Email", "dsl@academy.sch.uk"), ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"),
               ("Address", "2 Sample Road"), ("What are you worried about?", "Seen with older youths.")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["role"] == value and result["referrer"]["agency"] == "Durham Academy"


# -- round 32: the forms as hurried practitioners fill them in --------------------------------------

@pytest.mark.parametrize("guidance", ["(If yes, dial 999)", "If yes, dial 999", "(please give details)"])
@pytest.mark.parametrize("answer, expected", [("Yes", True), ("No", False), ("Yes ☒ No ☐", True)])
def test_the_templates_guidance_after_a_question_is_no_answer(guidance: str, answer: str, expected: bool) -> None:
    """"Is the child at immediate risk? (If yes, dial 999) | Yes": the guidance left in the label's cell was read
    as the answer, so immediate risk came back null whatever was answered beside it (an under-triage)."""
    result = parse_document(_consent_referral([(f"Is the child at immediate risk? {guidance}", answer)]),
                            "r.docx").to_json()
    assert result["immediate_risk"] is expected


@pytest.mark.parametrize("beside", [True, False])
def test_the_concerns_label_with_its_guidance_left_in(beside: bool) -> None:
    """The concerns are the answer beside or below the label, never the label's "(please give details …)"; left
    blank, they are missing."""
    label = "What are you worried about? (please give details of what, when, who was involved)"
    for concerns, expected in [("Seen getting into a grey Audi.", "Seen getting into a grey Audi."), ("", None)]:
        d = docx.Document()
        d.add_paragraph("SAFEGUARDING REFERRAL FORM")
        _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
                   ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road")])
        table = d.add_table(rows=1 if beside else 2, cols=2 if beside else 1)
        table.rows[0].cells[0].text = label
        (table.rows[0].cells[1] if beside else table.rows[1].cells[0]).text = concerns
        result = parse_document(_save(d), "r.docx").to_json()
        assert result["concerns"] == expected
        assert ("concerns" in result["missing"]) is (expected is None)


@pytest.mark.parametrize("heading", [None, "Child details", "Child details (continued)"])
@pytest.mark.parametrize("label", ["D.O.B.", "Date of birth"])
def test_the_childs_date_of_birth_in_a_small_table_of_its_own(heading: str | None, label: str) -> None:
    """The child's table, then "D.O.B. | 03/04/2012" in a table of its own (under the child's heading again, or
    none): one section, so the generic label is the child's. A parent's table after it is not."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    d.add_paragraph("Section 1: Referrer details")
    _pairs(d, [("Name of referrer", "Jo Bloggs"), ("Agency / organisation", "Humankind"),
               ("Email address", "jo@example.gov.uk")])
    d.add_paragraph("Section 2: Child details")
    _pairs(d, [("Child's full name", "Kai Nowak"), ("Address", "12 Front Street")])
    if heading:
        d.add_paragraph(heading)
    else:
        d.add_paragraph()
    _pairs(d, [(label, "03/04/2012")])
    d.add_paragraph("Section 5: What has happened / what are you worried about?")
    _pairs(d, [("What has happened / what are you worried about?", "Seen with older males."), (Q, "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["dob"] == "2012-04-03" and result["missing"] == []


def test_a_parents_table_after_the_childs_is_not_the_childs() -> None:
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    _pairs(d, [("Name of referrer", "Jo Bloggs"), ("Agency / organisation", "Humankind"),
               ("Email address", "jo@example.gov.uk")])
    _pairs(d, [("Child's full name", "Kai Nowak"), ("Date of birth", ""), ("Address", "12 Front Street")])
    d.add_paragraph()
    _pairs(d, [("Parent / carer name", "Dana Nowak"), ("Date of birth", "01/02/1985")])
    _pairs(d, [("What has happened / what are you worried about?", "Seen with older males."), (Q, "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["dob"] is None and "child.dob" in result["missing"]


def test_the_questions_twice_under_the_concerns_heading_twice_still_read_as_yes() -> None:
    """A form sent with last month's copy appended: the questions answered Yes in one and No in the other, each
    under its own concerns heading. Conflicting risk answers read as Yes (SPEC principle 2), whatever the
    headings."""
    d = docx.Document()
    for copy_, answer in [(1, "Yes ☒ No ☐"), (2, "Yes ☐ No ☒")]:
        d.add_paragraph("Safeguarding Referral Form")
        d.add_paragraph("Referrer details")
        _pairs(d, [("Name of referrer", "Jo Bloggs"), ("Agency", "Humankind"), ("Email", "jo@example.gov.uk")])
        d.add_paragraph("Child details")
        _pairs(d, [("Child's name", "Kai Nowak"), ("Date of birth", "03/04/2012"), ("Address", "12 Front Street")])
        d.add_paragraph("What are you worried about?")
        d.add_paragraph("Concerns")
        _pairs(d, [("Details", f"Copy {copy_}: seen with older males."),
                   ("Is the child at immediate risk of significant harm?", answer)])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["immediate_risk"] is True
    assert any("immediate_risk" in w for w in result["warnings"])


def _matrix_with_an_added_indicator(title: str, ticked: str) -> bytes:
    d = _descriptor_doc()
    table = d.add_table(rows=0, cols=2)
    table.add_row().cells[0].text = title
    for label, key in zip(ROW_LEVELS, KEYS):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, f"{'☒' if key == ticked else '☐'} Descriptor."
    cells = table.add_row().cells
    cells[0].text, cells[1].text = "PROVIDE EVIDENCE", "Other: knife carrying in the park"
    return _save(d)


@pytest.mark.parametrize("title", ["15.  Risk Indicator - Other (please specify)", "Other risk indicator (please specify)"])
def test_an_indicator_added_to_the_matrix_is_not_the_fourteenths(title: str) -> None:
    """A worker added "15. Risk Indicator - Other": its ticks and evidence ran on as indicator 14's (a false
    "several levels ticked"). It is read on its own, under ``added_indicators``; ticked above every other level,
    it raises the effective level, with a warning (SPEC principle 2)."""
    plain = parse_document(_save(_descriptor_doc()), "m.docx").to_json()
    for ticked in KEYS:
        result = parse_document(_matrix_with_an_added_indicator(title, ticked), "m.docx").to_json()
        assert result["indicators"] == plain["indicators"]
        assert not any("several levels" in w for w in result["warnings"])
        assert result["added_indicators"][0]["level"] == ticked
        assert result["added_indicators"][0]["evidence"] == "Other: knife carrying in the park"
        ranks = {key: rank for rank, key in enumerate(KEYS)}
        raised = ranks[ticked] > ranks[plain["effective_level"]]
        assert result["effective_level"] == (ticked if raised else plain["effective_level"])
        assert any("added to the form" in w for w in result["warnings"]) is raised


@pytest.mark.parametrize("label,value,expected", [
    ("Date", "", None),
    ("Date of CE matrix", "", None),  # (round 42: the manager's date was taken)
    ("Date of CE matrix", "03/10/2026", "2026-10-03"),
    ("Date CE Matrix completed", "3 October 2026", "2026-10-03"),
])
def test_a_blank_worker_date_is_not_the_line_managers(label: str, value: str, expected: str | None) -> None:
    """The named worker's Date left blank, the authorising manager's row dated: the assessment date is missing,
    never the manager's (as a blank worker agency already was). A date beside the worker under a label of
    its own ("Date of CE matrix") is the worker's."""
    d = docx.Document()
    d.add_paragraph("Child Exploitation Risk Assessment Information Form")
    table = d.add_table(rows=2, cols=6)
    for row, values in zip(table.rows, [
            ["Named worker leading on the Risk Assessment", "Jo Bloggs", "Contact Details & Agency", "Humankind", label,
             value],
            ["Authorising line manager", "Karen White", "Contact Details & Agency", "Durham County Council", "Date",
             "20/10/2026"]]):
        for cell, text in zip(row.cells, values):
            cell.text = text
    body = _descriptor_doc()
    for element in list(body.element.body)[2:]:  # its indicators, after its own header table
        d.element.body.append(element)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["worker"] == {"name": "Jo Bloggs", "agency": "Humankind"}
    assert result["assessment_date"] == expected and ("assessment_date" in result["missing"]) is (expected is None)


# -- round 31: the forms as other software saves them ------------------------------------------------

@pytest.mark.parametrize("invisible", ["\u00ad", "\u200b", "\u2060"])
def test_a_soft_hyphen_or_zero_width_space_inside_a_label(invisible: str) -> None:
    """WPS Office leaves soft hyphens inside words ("Ref\u00aderrer name"): the label looks the same, so it is
    matched the same; a level's name too ("Mod\u00aderate")."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [(f"Ref{invisible}errer name", "Jane Teacher"), (f"Agen{invisible}cy", "Durham Academy"),
               ("Email", "dsl@academy.sch.uk"), (f"Child{invisible}'s name", "Riley Green"),
               (f"Date of bi{invisible}rth", "03/04/2012"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths."), (Q, "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert (result["referrer"]["name"], result["referrer"]["agency"]) == ("Jane Teacher", "Durham Academy")
    assert (result["child"]["name"], result["child"]["dob"]) == ("Riley Green", "2012-04-03")
    assert result["missing"] == []


def _tabbed_lines(d: docx.document.Document, lines: list[tuple[str, str]]) -> None:
    """"Label:<tab>value" paragraphs, as a PDF converted to Word lays out a form; a label broken by hand ("\n")."""
    for label, value in lines:
        paragraph = d.add_paragraph()
        head, _, tail = label.partition("\n")
        run = paragraph.add_run(head)
        if tail:
            run.add_break()
            run = paragraph.add_run(tail)
        run.add_tab()
        if value:
            paragraph.add_run(value)


@pytest.mark.parametrize("blank", ["Referrer name:", "Role:", "Agency:", "Telephone:"])
def test_a_blank_value_in_tabbed_lines_loses_nothing_else(blank: str) -> None:
    """Round 31: one referrer line left blank ("Agency:<tab>") split the run of tabbed lines in two, and the filled
    values beside it were lost (with Telephone blank, the email too: a false "referrer.contact" missing)."""
    referrer = {"Referrer name:": "Sarah Hughes", "Role:": "Youth Worker", "Agency:": "Belmont School",
                "Telephone:": "0191 555 0182", "Email:": "hughes@belmont.sch.uk"}
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    _tabbed_lines(d, [(label, "" if label == blank else value) for label, value in referrer.items()]
                  + [("Child's name:", "Jayden Smith"), ("Date of birth:", "04/03/2011"), ("Address:", "12 Front Street"),
                     ("What are you worried about?", "Seen with older youths."), (Q, "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    keys = {"Referrer name:": "name", "Role:": "role", "Agency:": "agency", "Telephone:": "phone", "Email:": "email"}
    for label, key in keys.items():
        assert result["referrer"][key] == (None if label == blank else referrer[label])
    assert result["child"]["name"] == "Jayden Smith"
    assert [m for m in result["missing"] if m.startswith("referrer")] == (
        ["referrer.name"] if blank == "Referrer name:" else ["referrer.agency"] if blank == "Agency:" else [])


def test_a_blank_value_before_a_label_broken_over_two_lines() -> None:
    """"Named worker …:<tab>" blank, then "Contact Details / & Agency:<tab>…": the worker is missing, never the
    next label's words."""
    d = docx.Document()
    d.add_paragraph("Child Exploitation Risk Assessment Information Form")
    _tabbed_lines(d, [("Named worker leading on the Risk Assessment:", ""),
                      ("Contact Details\n& Agency:", "Durham Constabulary"), ("Date:", "05/02/2025")])
    body = _descriptor_doc()
    for element in list(body.element.body)[2:]:
        d.element.body.append(element)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["worker"]["name"] is None and "worker.name" in result["missing"]
    assert result["worker"]["agency"] == "Durham Constabulary"


# -- round 34: forms generated by systems ----------------------------------------------------------

def _field(instruction: str, result: str, nested: tuple[str, str] | None = None) -> str:
    """A complex field's runs: start, instruction (with a nested field's runs inside it), result, end."""
    def run(inner: str) -> str:
        return f"<w:r>{inner}</w:r>"
    inner = "" if nested is None else _field(*nested)
    head, _, tail = instruction.partition("{}")
    return (run('<w:fldChar w:fldCharType="begin"/>') + run(f'<w:instrText xml:space="preserve">{head}</w:instrText>')
            + inner + (run(f'<w:instrText xml:space="preserve">{tail}</w:instrText>') if tail else "")
            + run('<w:fldChar w:fldCharType="separate"/>') + run(f"<w:t>{result}</w:t>")
            + run('<w:fldChar w:fldCharType="end"/>'))


@pytest.mark.parametrize("answer, expected", [("Yes", True), ("No", False)])
def test_a_mail_merge_if_field_shows_its_result_only(answer: str, expected: bool) -> None:
    """"{ IF { MERGEFIELD Risk } = "Y" "Yes" "No" }": the nested field's result ("Y") sits inside the IF's
    instruction; it was read with the shown answer ("YYes"), so every yes/no came back null."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths."), (Q, "Yes")])
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Is the child at immediate risk?"
    _set_cell(table.rows[0].cells[1], f'<w:p {W}>' + _field(' IF {} = "Y" "Yes" "No" ', answer,
                                                            nested=(" MERGEFIELD ImmediateRisk ", answer[0])) + "</w:p>")
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["immediate_risk"] is expected


@pytest.mark.parametrize("on, off", [("[x]", "[ ]"), ("[X]", "[ ]"), ("[✓]", "[]"), ("(•)", "( )")])
@pytest.mark.parametrize("inline", [False, True])
def test_boxes_typed_by_web_forms(on: str, off: str, inline: bool) -> None:
    """"[x] Moderate" / "[ ] Low", or radio marks "(•)" / "( )": a tick and an empty box, in paragraphs or in one
    line. "[x] Moderate" read as no risk, and "[ ]" exploitation types as ticked (round 34)."""
    d = docx.Document()
    _header(d, overall=None)
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        d.add_paragraph(f"{n}. Risk Indicator - {name}")
        options = [f"{on if key == level else off} {label}" for label, key in zip(ROW_LEVELS, KEYS)]
        if inline:
            d.add_paragraph("Level of risk: " + "  ".join(options))
        else:
            for option in options:
                d.add_paragraph(option)
        d.add_paragraph(f"PROVIDE EVIDENCE: Ev {n}")
    d.add_paragraph("Overall assessed level of exploitation risk")
    for label, key in zip(["No exploitation concerns", "Low Risk", "Moderate Risk", "Significant Risk"], KEYS):
        d.add_paragraph(f"{on if key == 'significant' else off} {label}")
    d.add_paragraph("Type of exploitation: " + "  ".join(f"{off} {t}" for t in ("CSE", "CCE", "County Lines")))
    result = parse_document(_save(d), "m.docx").to_json()
    assert [v["level"] for v in result["indicators"].values()] == LEVELS
    assert result["overall_level"] == "significant" and result["exploitation_types"] == []


@pytest.mark.parametrize("placeholder", ["«ChildName»", "<<ChildName>>"])
def test_a_mail_merge_field_left_unmerged_is_blank(placeholder: str) -> None:
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", placeholder), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths."), (Q, "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["name"] is None and result["missing"] == ["child.name"]


@pytest.mark.parametrize("evidence, level", [("Moderate – seen with older males at the bus station.", "moderate"),
                                             ("Significant: found in a trap house.", "significant"),
                                             ("Seen with older males; a moderate amount of cash.", None)])
def test_a_level_written_at_the_start_of_the_evidence_when_nothing_is_ticked(evidence: str, level: str | None) -> None:
    """Round 32: the worker ticked nothing and wrote "Moderate – …" as the evidence: that is the level (a word
    inside the evidence is not)."""
    d = _descriptor_doc()
    table = next(t for t in d.tables if "Accommodation" in t.rows[0].cells[0].text)
    for row in table.rows[1:-1]:
        row.cells[1].text = row.cells[1].text.replace("☒", "☐")
    table.rows[-1].cells[1].text = evidence
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["accommodation"] == {"level": level, "evidence": evidence}
    assert ("indicators.accommodation.level" in result["missing"]) is (level is None)


@pytest.mark.parametrize("guidance", ["e.g. missing episodes, returning home late", "e.g. missing epis",
                                      "(please give details)"])
def test_evidence_that_is_only_the_templates_guidance_is_missing(guidance: str) -> None:
    d = _descriptor_doc()
    _evidence_cell(d, "Accommodation").text = guidance
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["accommodation"]["evidence"] is None
    assert "indicators.accommodation.evidence" in result["missing"]


# -- rounds 35 and 36: review copies, and the end of the CE Matrix ------------------------------------

@pytest.mark.parametrize("space", [" ", "  "])
@pytest.mark.parametrize("ticked", ["No exploitation concerns", "Low", "Moderate", "Significant"])
def test_a_one_line_list_after_its_question_gives_each_box_to_the_option_after_it(space: str, ticked: str) -> None:
    """Round 36: "Overall assessed level of risk: ☐ No exploitation concerns ☐ Low ☐ Moderate ☒ Significant" with
    single spaces gave every tick to the option before it (Significant read as Moderate: an under-triage)."""
    d = _descriptor_doc()
    for paragraph in d.paragraphs:
        if paragraph.text.startswith("Overall assessed level"):
            options = ["No exploitation concerns", "Low", "Moderate", "Significant"]
            paragraph.text = "Overall assessed level of exploitation risk:" + space + space.join(
                f"{'☒' if o == ticked else '☐'} {o}" for o in options)
    types = ["CSE", "CCE", "County Lines", "Organised Crime", "Online", "Financial"]
    d.add_paragraph("Type of exploitation suspected:" + space + space.join(
        f"{'☒' if t == 'Financial' else '☐'} {t}" for t in types))
    result = parse_document(_save(d), "m.docx").to_json()
    expected = {"No exploitation concerns": "none", "Low": "low", "Moderate": "moderate", "Significant": "significant"}
    assert result["overall_level"] == expected[ticked]
    assert result["exploitation_types"] == ["financial"]


def test_the_last_indicators_blank_evidence_does_not_run_into_the_factors() -> None:
    """Round 35: indicator 14's evidence left blank, then "Other child(ren) & family factors to consider. | • Family:
    …" (the section's name as a row's label, not a heading): that row was read as the evidence, hiding that it
    was missing."""
    d = _descriptor_doc()
    _evidence_cell(d, "Engagement with services").text = ""
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Other child(ren) & family factors to consider."
    table.rows[0].cells[1].text = "• Family: Parental mental health"
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["engagement_with_services"]["evidence"] is None
    assert "indicators.engagement_with_services.evidence" in result["missing"]


def test_a_deleted_paragraph_mark_joins_two_paragraphs() -> None:
    """Round 35: "Oska" / "r Brown" with the first paragraph's mark deleted (tracked): Word shows "Oskar Brown"."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", ""), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths."), (Q, "Yes")])
    cell = next(row.cells[1] for t in d.tables for row in t.rows if row.cells[0].text == "Child's name")
    _set_cell(cell, f'<w:p {W}><w:pPr><w:rPr><w:del w:id="1" w:author="a" w:date="2026-01-01T00:00:00Z"/></w:rPr>'
                    '</w:pPr><w:r><w:t>Oska</w:t></w:r></w:p>')
    cell._tc.append(parse_xml(f'<w:p {W}><w:r><w:t>r Brown</w:t></w:r></w:p>'))
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["name"] == "Oskar Brown"


@pytest.mark.parametrize("inline", [False, True])
def test_an_indicator_drawn_in_a_box_as_web_forms_write_it(inline: bool) -> None:
    """Round 34: each indicator in a one-cell table ("1. Risk Indicator - …", its options, "PROVIDE EVIDENCE
    (Mandatory): …" as lines of one cell): no level or evidence was read."""
    d = docx.Document()
    _header(d, overall="Low")
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        cell = d.add_table(rows=1, cols=1).rows[0].cells[0]
        cell.text = f"{n}. Risk Indicator - {name}"
        options = [f"{'☒' if key == level else '☐'} {label}" for label, key in zip(ROW_LEVELS, KEYS)]
        for line in (["Level of risk: " + "  ".join(options)] if inline else ["Level of risk", *options]):
            cell.add_paragraph(line)
        cell.add_paragraph(f"PROVIDE EVIDENCE (Mandatory): Ev {n}")
    result = parse_document(_save(d), "m.docx").to_json()
    assert [v["level"] for v in result["indicators"].values()] == LEVELS
    assert [v["evidence"] for v in result["indicators"].values()] == [f"Ev {n}" for n in range(1, 15)]


def test_a_narrative_in_a_box_stays_one_value() -> None:
    """A one-cell table holding the concerns (no boxes to tick) is still the label's value, every line of it."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"), (Q, "Yes")])
    d.add_paragraph("What are you worried about?")
    cell = d.add_table(rows=1, cols=1).rows[0].cells[0]
    cell.text = "Background: known to school since 2024."
    cell.add_paragraph("Date: 12/10/2026 seen with older males.")
    cell.add_paragraph("Tick list from the school log: ☐ none")
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["concerns"].startswith("Background: known to school since 2024.")
    assert "seen with older males" in result["concerns"]


def test_a_narrative_box_with_blank_lines_under_its_label_row_stays_one_value() -> None:
    """The label and its account in a one-column table of two rows, the account with blank lines: not a box of
    options (a blank line is no box), so the account stays whole."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"), (Q, "Yes")])
    table = d.add_table(rows=2, cols=1)
    table.rows[0].cells[0].text = "What are you worried about?"
    cell = table.rows[1].cells[0]
    cell.text = "Missed three CAMHS appointments."
    for line in ["From: Sarah Pike <sarah.pike@example.net>", "Sent: 11 October 2026 09:14", "", "", "Returned with a new phone."]:
        cell.add_paragraph(line)
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["concerns"].startswith("Missed three CAMHS appointments.")
    assert result["concerns"].endswith("Returned with a new phone.")


@pytest.mark.parametrize("line, level", [("Overall: Moderate", "moderate"), ("OVERALL - SIGNIFICANT", "significant")])
def test_the_overall_level_under_its_shortest_label(line: str, level: str) -> None:
    """Round 36: "Overall: Moderate" was not found, so the overall level was missing (and a reply asked for it)."""
    d = _descriptor_doc()
    for paragraph in d.paragraphs:
        if paragraph.text.startswith("Overall assessed level"):
            paragraph.text = line
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["overall_level"] == level and "overall_level" not in result["missing"]


def test_the_readable_summary_lists_an_added_indicator(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from intake.cli import main

    path = tmp_path / "m.docx"
    path.write_bytes(_matrix_with_an_added_indicator("15.  Risk Indicator - Other (please specify)", "significant"))
    assert main(["parse", str(path)]) == 0
    out = capsys.readouterr().out
    assert "    added: 15. Risk Indicator - Other (p significant  evidence given" in out
    assert "effective level: significant" in out


def test_exploitation_types_highlighted_instead_of_ticked() -> None:
    """Round 36: the form asks to "please highlight" the types; with no box ticked, the highlighted types are
    the answer (a type left plain is not)."""
    d = _descriptor_doc()
    d.add_paragraph("Type(s) of exploitation suspected (please highlight)")
    for name, marked in [("Child Sexual Exploitation (CSE)", False), ("County Lines", True), ("Online", False),
                         ("Financial", True)]:
        run = d.add_paragraph().add_run(name)
        if marked:
            run.font.highlight_color = docx.enum.text.WD_COLOR_INDEX.YELLOW
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["exploitation_types"] == ["county_lines", "financial"]


# -- round 37: quirks combined ------------------------------------------------------------------------

@pytest.mark.parametrize("title", ["1. Risk Indicator -\nFamily and peer relationships",
                                   "1. Risk Indicator\n- Family and peer relationships",
                                   "1. Risk\nIndicator - Family and peer relationships"])
def test_an_indicator_title_broken_over_two_lines(title: str) -> None:
    """Round 37: "1. Risk Indicator -⏎Family and peer relationships" was no heading, so the indicator was lost and
    its ticks and evidence went to the one above (an under-triage, and a false raise there)."""
    d = _descriptor_doc()
    table = next(t for t in d.tables if "Family and peer" in t.rows[0].cells[0].text)
    cell = table.rows[0].cells[0]
    head, tail = title.split("\n")
    cell.text = head
    cell.paragraphs[0].runs[0].add_break()
    cell.paragraphs[0].add_run(tail)
    plain = parse_document(descriptor_matrix("start"), "m.docx").to_json()
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"] == plain["indicators"] and result["missing"] == plain["missing"]


@pytest.mark.parametrize("mark", ["X", "x"])
def test_an_x_among_boxes_in_a_one_line_list(mark: str) -> None:
    """Round 37: "Overall assessed level of risk: ☐ No exploitation concerns ☐ Low ☐ Moderate X Significant"
    read as no risk (the first level name, as if written)."""
    d = _descriptor_doc()
    for paragraph in d.paragraphs:
        if paragraph.text.startswith("Overall assessed level"):
            paragraph.text = f"Overall assessed level of risk: ☐ No exploitation concerns ☐ Low ☐ Moderate {mark} Significant"
    d.add_paragraph(f"Type of exploitation suspected: ☐ CSE {mark} CCE ☐ County Lines")
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["overall_level"] == "significant" and result["exploitation_types"] == ["cce"]


def test_an_unmerged_worker_placeholder_is_blank_not_the_label_worker() -> None:
    """Round 37: "«Worker»" read as the label "Worker", so the header row was taken for a row of labels and the
    line manager's name below it became the worker's."""
    d = docx.Document()
    d.add_paragraph("Child Exploitation Risk Assessment Information Form")
    table = d.add_table(rows=2, cols=6)
    for row, values in zip(table.rows, [
            ["Named worker leading on the Risk Assessment", "«Worker»", "Contact Details & Agency", "Humankind", "Date",
             "04/03/2025"],
            ["Authorising line manager", "Karen Holt", "Contact Details & Agency", "Durham County Council", "Date",
             "13/03/2025"]]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    for element in list(_descriptor_doc().element.body)[2:]:
        d.element.body.append(element)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["worker"] == {"name": None, "agency": "Humankind"} and result["assessment_date"] == "2025-03-04"
    assert "worker.name" in result["missing"]


def test_labels_wrapped_over_two_lines_in_a_row_of_labels_and_with_their_value() -> None:
    """Round 37: "Home Address and contact⏎number" in a row of labels was no label, so the child's name was read
    as that label's words; "Child's full name⏎(+ aliases): Riley Ahmed" gave ": Riley Ahmed"."""
    d = _descriptor_doc()
    table = d.add_table(rows=2, cols=3)
    for row, values in zip(table.rows, [["Child’s full name (+ aliases)", "Home Address and contact\nnumber",
                                         "Agency I.D. Reference Number"],
                                        ["Jamal Charlton", "14 Front Street, Stanley", "CE-00956"]]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    header = d.tables[0]
    for row in header.rows:
        if row.cells[0].text == "Child's name":
            row.cells[0].text = "Child's nickname"  # the header's own child rows out of the way
    d.element.body.insert(1, table._tbl)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["child"]["name"] == "Jamal Charlton"

    d = docx.Document()
    _header(d, overall="Low")
    header = d.tables[0]
    for row in header.rows:
        if row.cells[0].text == "Child's name":
            row.cells[0].text = "Child’s full name\n(+ aliases): Riley Ahmed"
            row.cells[1].text = ""
    _grid(d)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["child"]["name"] == "Riley Ahmed"


def test_a_no_break_space_beside_the_dash_of_a_label() -> None:
    """Round 37: "PROVIDE EVIDENCE (Mandatory)\u00a0– what, when, who" was not the evidence label."""
    d = _descriptor_doc()
    for table in d.tables[1:]:
        for row in table.rows:
            if row.cells[0].text.startswith("PROVIDE EVIDENCE"):
                row.cells[0].text = "PROVIDE EVIDENCE (Mandatory)\u00a0– what, when, who was involved"
    result = parse_document(_save(d), "m.docx").to_json()
    assert all((v["evidence"] or "").endswith(f"Evidence {n}.") for n, v in enumerate(result["indicators"].values(), 1))
    assert not any(m.endswith(".evidence") for m in result["missing"])


# -- round 38: referral quirks combined ---------------------------------------------------------------

def _bilingual_referral(labels: dict[str, str], layout: str = "pairs") -> dict:
    """A referral whose labels are given in ``labels`` (by field), answered; parsed to JSON."""
    values = {"name": "Gary Stokes", "role": "Housing Officer", "agency": "Durham Constabulary", "phone": "0191 996 7777",
              "child": "Aisha Dunn", "dob": "17/03/2012", "address": "4 Church View, Consett",
              "concerns": "Seen getting into cars with older males.", "aware": "Yes", "risk": "☒ Yes   ☐ No"}
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form / Ffurflen Atgyfeirio Diogelu")
    rows = [(labels[key], "" if "{}" in labels[key] else value) for key, value in values.items()]
    rows = [(label.replace("{}", values[key]), value) for (label, value), key in zip(rows, values)]
    if layout == "numbered":
        rows = [("Question", "Response")] + [(f"{n}. {label}", value) for n, (label, value) in enumerate(rows, 1)]
    table = d.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = table.add_row().cells
        head, _, tail = label.partition("\n")
        cells[0].text = head
        if tail:
            cells[0].paragraphs[0].runs[0].add_break()
            cells[0].paragraphs[0].add_run(tail)
        cells[1].text = value
    return parse_document(_save(d), "r.docx").to_json()


BILINGUAL = {"name": "Referrer's name / Enw'r atgyfeiriwr", "role": "Role / Rôl", "agency": "Agency / Asiantaeth",
             "phone": "Telephone / Ffôn", "child": "Child's full name / Enw llawn y plentyn",
             "dob": "Date of birth / Dyddiad geni", "address": "Address / Cyfeiriad",
             "concerns": "What are you worried about? / Beth sy'n eich poeni?",
             "aware": "Are parents/carers aware of this referral? / A yw'r rhieni yn ymwybodol?",
             "risk": "Is the child at immediate risk? / A yw'r plentyn mewn perygl uniongyrchol?"}


@pytest.mark.parametrize("change", [
    {},
    {"risk": "Is the child at immediate risk? / A yw'r plentyn mewn perygl uniongyrchol? (If yes, dial 999)"},
    {"risk": "A yw'r plentyn mewn perygl uniongyrchol? / Is the\nchild at immediate risk? (If yes, dial 999)"},
    {"aware": "A yw'r rhieni/gofalwyr yn ymwybodol o'r\natgyfeiriad hwn? / Are parents/carers aware of this referral?"},
    {"name": "Referrer's\nname / Enw'r atgyfeiriwr"},
    {"name": "Referrer's name /\nEnw'r atgyfeiriwr:", "child": "Enw llawn y plentyn\n/ Child's full name"},
    {"agency": "Agency / Asiantaeth: {}", "phone": "Telephone / Ffôn\n{}", "role": "Rôl / Role\n{}"},
])
@pytest.mark.parametrize("layout", ["pairs", "numbered"])
def test_bilingual_labels_with_a_second_quirk(change: dict, layout: str) -> None:
    """Round 38: a bilingual label plus guidance after it, a line break in either language, numbering, or the
    answer typed into the label's cell: the label was not found (immediate risk lost, fields listed missing)."""
    result = _bilingual_referral({**BILINGUAL, **change}, layout)
    assert (result["referrer"]["name"], result["referrer"]["role"], result["referrer"]["agency"],
            result["referrer"]["phone"]) == ("Gary Stokes", "Housing Officer", "Durham Constabulary", "0191 996 7777")
    assert (result["child"]["name"], result["child"]["dob"]) == ("Aisha Dunn", "2012-03-17")
    assert result["immediate_risk"] is True and result["parents_informed"] is True
    assert result["missing"] == []


@pytest.mark.parametrize("question", ["Is a CE Matrix attached? (required where there are exploitation concerns)",
                                      "Is a CE Matrix attached? (mandatory for exploitation)"])
def test_guidance_that_says_when_a_question_is_required(question: str) -> None:
    result = parse_document(_consent_referral([(question, "Yes")]), "r.docx").to_json()
    assert result["ce_matrix_attached"] is True


@pytest.mark.parametrize("mark", ["X", "x"])
def test_a_consent_statement_ticked_with_a_typed_x(mark: str) -> None:
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"),
               ("What are you worried about?", "Seen with older youths.")])
    d.add_paragraph(f"{mark} I confirm the parents/carers are aware of this referral")
    d.add_paragraph("☐ The parents/carers have NOT been informed because it would increase the risk")
    assert parse_document(_save(d), "r.docx").to_json()["parents_informed"] is True


def test_a_concerns_label_broken_after_its_first_words() -> None:
    """Round 38: "Reason for referral – what has⏎happened / what are you worried about?" gave concerns "what has"."""
    d = docx.Document()
    d.add_paragraph("SAFEGUARDING REFERRAL FORM")
    _pairs(d, [("Referrer name", "Jane Teacher"), ("Agency", "Durham Academy"), ("Email", "dsl@academy.sch.uk"),
               ("Child's name", "Riley Green"), ("Date of birth", "03/04/2012"), ("Address", "2 Sample Road"), (Q, "Yes")])
    cells = d.add_table(rows=1, cols=2).rows[0].cells
    cells[0].text = "Reason for referral – what has"
    cells[0].paragraphs[0].runs[0].add_break()
    cells[0].paragraphs[0].add_run("happened / what are you worried about?")
    cells[1].text = "Seen getting into cars with older males."
    assert parse_document(_save(d), "r.docx").to_json()["concerns"] == "Seen getting into cars with older males."


def test_the_childs_date_of_birth_in_a_table_after_a_question_and_response_table() -> None:
    """Round 38: "Question | Response" rows, then "Child's date of birth" and a small table of its own."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [("Question", "Response"), ("1. Referrer's name", "Jo Whitfield"), ("2. Agency", "Durham Constabulary"),
               ("3. Email", "jo@example.gov.uk"), ("4. Child's full name", "Aisha Dunn"), ("5. Address", "4 Church View"),
               ("6. What has happened / what are you worried about?", "Seen with older males."), (f"7. {Q}", "Yes")])
    d.add_paragraph("Child's date of birth")
    _pairs(d, [("Date of birth", "17/03/2012")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["dob"] == "2012-03-17" and result["missing"] == []


# -- round 39: CE Matrices with quirks combined -------------------------------------------------------

def _retitled(d: docx.document.Document, n: int, title: str) -> docx.document.Document:
    table = next(t for t in d.tables if t.rows[0].cells[0].text.startswith(f"{n}.  Risk Indicator"))
    table.rows[0].cells[0].text = title
    return d


@pytest.mark.parametrize("n,title", [
    (2, "2.  Risk Indicator - Accommodation and living situation"),
    (2, "2. Risk Indicator – Accommodation / living situation"),
    (6, "6.  Risk Indicator - Running away or going missing from home or care"),
    (8, "8.  Risk Indicator - Use of controlled substances"),
    (14, "14.  Risk Indicator - Engagement with services / professionals"),
    (14, "Engagement with services and professionals"),
])
def test_an_indicator_title_reworded_with_words_added(n: int, title: str) -> None:
    """Round 39: a title with a word or two more than any alias ("Accommodation and living situation") was no
    heading: the indicator was lost (null, listed missing: an under-triage) and its ticks and evidence ran on as
    the one above's (a false "several levels ticked" and raise there)."""
    plain = parse_document(descriptor_matrix("start"), "m.docx").to_json()
    result = parse_document(_save(_retitled(_descriptor_doc(), n, title)), "m.docx").to_json()
    assert result["indicators"] == plain["indicators"] and result["missing"] == plain["missing"]
    assert result["warnings"] == plain["warnings"]


@pytest.mark.parametrize("renumbered", [False, True])
def test_an_indicator_titled_as_one_but_named_as_none_is_read_on_its_own(renumbered: bool) -> None:
    """"Risk Indicator - Stability at home" names none of the fourteen: its ticks and evidence are its own,
    read as an added indicator (a human sees its title and level), never the one above's; accommodation is
    then missing. So too when numbered "2." in a form whose numbers are not Appendix 7's."""
    plain = parse_document(descriptor_matrix("start"), "m.docx").to_json()
    d = _descriptor_doc()
    if renumbered:  # education and emotional health swapped numbers: the form's numbering is its own
        _retitled(_retitled(d, 4, "3.  Risk Indicator - Emotional Health"), 3, "4.  Risk Indicator - Education")
    title = "2.  Risk Indicator - Stability at home" if renumbered else "Risk Indicator - Stability at home"
    result = parse_document(_save(_retitled(d, 2, title)), "m.docx").to_json()
    assert result["indicators"]["family_peer_relationships"] == plain["indicators"]["family_peer_relationships"]
    assert result["indicators"]["accommodation"] == {"level": None, "evidence": None}
    assert {"indicators.accommodation.level", "indicators.accommodation.evidence"} <= set(result["missing"])
    assert result["added_indicators"] == [{"title": clean_title(title), "level": "moderate", "evidence": "Evidence 2."}]
    assert not any("several levels" in w for w in result["warnings"])


def clean_title(title: str) -> str:
    return re.sub(r"\s+", " ", title)


@pytest.mark.parametrize("n,title", [
    (2, "2.  Risk Indicator - Stability at home"),
    (13, "13.  Risk Indicator - Weapons"),
    (7, "Indicator 7: Associates & hotspots"),
    (7, "7. Associates & hotspots"),
])
def test_an_abbreviated_title_is_the_indicator_its_number_gives(n: int, title: str) -> None:
    """Round 39: a title abbreviated past every alias ("13. Risk Indicator - Weapons", "Indicator 7: Associates &
    hotspots") was read as an added indicator, or not at all, its significant tick running on as the one
    above's: the indicator was lost (listed missing). In a form that numbers the other thirteen as Appendix 7
    does, the number says which indicator it is."""
    plain = parse_document(descriptor_matrix("start"), "m.docx").to_json()
    result = parse_document(_save(_retitled(_descriptor_doc(), n, title)), "m.docx").to_json()
    assert result["indicators"] == plain["indicators"] and result["missing"] == plain["missing"]
    assert result["warnings"] == plain["warnings"] and "added_indicators" not in result


@pytest.mark.parametrize("titles,numbered", [
    ({2: "2. Accommodation and living situation", 14: "14. Engagement with services / professionals"}, True),
    ({13: "13. Weapons", 7: "7. Risk Indicator - Associates"}, True),  # by their numbers
    ({9: "Being controlled by others", 14: "Working with professionals"}, False),  # by their places (round 42)
])
def test_a_title_no_alias_names_in_a_grid_of_indicators(titles: dict[int, str], numbered: bool) -> None:
    """Rounds 39 and 42: a grid row titled in words no alias has (reworded, abbreviated, or in words of its
    own) was no heading: its ticks ran on as the indicator above's (a false "several levels" and raise there)
    and it was listed missing. Reworded, it is the indicator whose words it holds; else, in a grid whose
    titles run as Appendix 7's do, the one its number or its place gives (between 8's and 10's: 9; under
    13's: 14)."""
    d = docx.Document()
    _header(d)
    table = _grid(d)
    for n, name in enumerate(INDICATORS, 1):
        table.rows[n].cells[0].text = titles.get(n) or (f"{n}. {name}" if numbered else name)
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    keys = list(result["indicators"])
    assert all(result["indicators"][keys[n - 1]]["evidence"] == f"Ev {n}" for n in titles)
    assert not result["warnings"] and "added_indicators" not in result


def test_an_other_indicator_numbered_as_one_of_the_fourteen_stays_added() -> None:
    """"7. Risk Indicator - Other (please specify)" says it is an added indicator, whatever its number."""
    result = parse_document(_save(_retitled(_descriptor_doc(), 7, "7.  Risk Indicator - Other (please specify)")),
                            "m.docx").to_json()
    assert result["indicators"]["abusive_adults_unsafe_environments"]["level"] is None
    assert [a["title"] for a in result["added_indicators"]] == ["7. Risk Indicator - Other (please specify)"]


@pytest.mark.parametrize("title", ["2.  Risk Indicator - Missing from education", "Missing from education"])
def test_a_title_two_indicators_could_mean_is_neither(title: str) -> None:
    """"Missing from education" holds the words of "Missing" and of "Education": not read as either."""
    result = parse_document(_save(_retitled(_descriptor_doc(), 2, title)), "m.docx").to_json()
    assert result["indicators"]["accommodation"]["level"] is None
    assert result["indicators"]["education"]["level"] == LEVELS[2]
    assert result["indicators"]["missing_episodes"]["level"] == LEVELS[5]


@pytest.mark.parametrize("after", [None, "Log continues on the case file."])
def test_a_table_pasted_into_an_evidence_cell_of_a_summary_table(after: str | None) -> None:
    """Round 39: indicators as rows of one table ("indicator | level | evidence"), an incident log pasted into
    one evidence cell. The log's text was lost, and every later indicator's evidence too (listed missing)."""
    d = docx.Document(io.BytesIO(text_level_matrix({}, "Low")))
    cell = d.tables[-1].rows[7].cells[2]
    cell.add_paragraph("Incident log:")
    log = cell.add_table(rows=2, cols=2)
    for row, values in zip(log.rows, [("Date", "Incident"), ("02/02/2026", "Found in Sunderland with two older males")]):
        row.cells[0].text, row.cells[1].text = values
    if after:
        cell.add_paragraph(after)
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][key]["evidence"] for key in result["indicators"]][7:] == [
        f"Ev {n}" for n in range(8, 15)]
    evidence = result["indicators"]["abusive_adults_unsafe_environments"]["evidence"]
    assert evidence.startswith("Ev 7\nIncident log:") and "Found in Sunderland with two older males" in evidence
    assert (after or "") in evidence and not any(key.endswith(".evidence") for key in result["missing"])


@pytest.mark.parametrize("line, types, warned", [
    ("CSE / CCE / County Lines / Organised Crime / Trafficking / Modern Slavery / Online / Financial", [], True),
    ("Child Sexual Exploitation | Child Criminal Exploitation | County Lines | Organised Crime Groups | "
     "Child Trafficking / Modern Day Slavery | Online | Financial", [], True),
    ("CSE / CCE / County Lines / Organised Crime / Online / Financial", [], True),
    ("CCE / County Lines", ["cce", "county_lines"], False),
    ("Trafficking / Modern Slavery", ["trafficking_modern_slavery"], False),
    ("CCE, County Lines", ["cce", "county_lines"], False),
])
def test_exploitation_types_written_on_one_line_without_marks(line: str, types: list[str], warned: bool) -> None:
    """Round 39: the template's list of types left on one line with none marked read as one type (the one a
    fuzzy match found in the whole line: "trafficking", raising the NRM flag). Every type listed, none marked, is
    the list itself: none chosen, with a warning; a few types written are the ones chosen."""
    d = _descriptor_doc()
    d.add_paragraph(f"Exploitation type(s) suspected: {line}")
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["exploitation_types"] == types
    assert any(w.startswith("exploitation_types: the types are listed") for w in result["warnings"]) is warned


def test_a_reworded_title_broken_over_two_lines() -> None:
    """Round 39: both at once: "14. Risk Indicator - Engagement with⏎services / professionals"."""
    d = _descriptor_doc()
    cell = next(t for t in d.tables if t.rows[0].cells[0].text.startswith("14.  Risk")).rows[0].cells[0]
    cell.text = "14.  Risk Indicator - Engagement with"
    cell.paragraphs[0].runs[0].add_break()
    cell.paragraphs[0].add_run("services / professionals")
    plain = parse_document(descriptor_matrix("start"), "m.docx").to_json()
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"] == plain["indicators"] and result["missing"] == plain["missing"]


@pytest.mark.parametrize("lead", ["Level: ", "Level of risk: ", "Risk level – ", ""])
def test_the_level_written_first_in_a_level_and_evidence_cell(lead: str) -> None:
    """Round 39: one cell for both, "Level of risk and evidence (Mandatory) | Level: Low risk⏎Mum reports …": the
    level was never read (every indicator null, listed missing)."""
    d = docx.Document()
    _header(d, overall="Low")
    names = {"none": "No risk", "low": "Low risk", "moderate": "Moderate", "significant": "Significant risk"}
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        table = d.add_table(rows=2, cols=2)
        table.rows[0].cells[0].merge(table.rows[0].cells[1]).text = f"{n}.  Risk Indicator - {name}"
        cells = table.rows[1].cells
        cells[0].text = "Level of risk and evidence (Mandatory)"
        cells[1].text = f"{lead}{names[level]}"
        cells[1].add_paragraph(f"Seen with older males, case note {n}.")
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert not any(key.startswith("indicators.") for key in result["missing"])


@pytest.mark.parametrize("agency", ["GP practice", "GP", "School", "GP surgery"])
def test_an_agency_that_reads_like_a_label_in_a_table_of_label_value_rows(agency: str) -> None:
    """Round 40: "Agency | GP practice" in a table of "label | value" rows: "GP practice" is also a label (the
    child's GP), so the row was taken for a row of labels and the agency reported missing (a needless request
    for information)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    d.add_paragraph("Referrer details")
    _pairs(d, [("Referrer name", "Jo Referrer"), ("Role", "Practice nurse"), ("Agency", agency),
               ("Telephone", "0191 222 2222"), ("Email", "jo@example.nhs.uk")])
    d.add_paragraph("Child details")
    _pairs(d, [("Child's name", "Cy Probe"), ("Date of birth", "01/02/2012"), ("Address", "1 High Street"),
               ("GP", "Dr Patel"), ("What are you worried about?", "Seen with older males."), (Q, "No")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["agency"] == agency and "referrer.agency" not in result["missing"]
    assert result["referrer"]["phone"] == "0191 222 2222" and result["referrer"]["email"] == "jo@example.nhs.uk"


# -- round 42: the CE Matrix as each agency redesigned it ----------------------------------------------------

def _evidence_row(d: docx.document.Document, n: int):  # type: ignore[no-untyped-def]
    return next(t for t in d.tables if t.rows[0].cells[0].text.startswith(f"{n}.  Risk Indicator")).rows[-1]


def test_evidence_after_an_inline_label_goes_on_in_its_cell() -> None:
    """Round 42: "Evidence: Attendance fell.⏎• Further note." in one cell kept its first paragraph only; the
    rest of the cell is the evidence too."""
    d = _descriptor_doc()
    row = _evidence_row(d, 3)
    row.cells[0].text, row.cells[1].text = "Evidence: Attendance fell (EDU1).", ""
    row.cells[0].add_paragraph("• Further note (EDU2).")
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["education"]["evidence"] == "Attendance fell (EDU1).\n• Further note (EDU2)."


def test_a_written_answer_after_an_inline_label_goes_on_in_its_cell() -> None:
    """The same for a referral's account: "What has happened…?: Seen with older males.⏎Second paragraph."."""
    d = docx.Document()
    d.add_heading("Safeguarding Referral Form", 0)
    _pairs(d, [("Referrer's name", "Jo Bloggs"), ("Agency", "Ash School"), ("Phone", "0191 111 2222"),
               ("Child's full name", "Amy Black"), ("Date of birth", "10/11/2012"), ("Address", "1 Road")])
    cells = d.tables[-1].add_row().cells
    cells[0].text = "What has happened / what are you worried about?: Seen with older males (W1)."
    cells[0].add_paragraph("Second paragraph (W2).")
    cells[0].merge(cells[1])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["concerns"] == "Seen with older males (W1).\nSecond paragraph (W2)."


@pytest.mark.parametrize("label", ["PROVIDE EVIDENCE (Mandatory) – what, when, who was involved",
                                   "PROVIDE EVIDENCE (Mandatory) – what,\nwhen, who was involved",
                                   "Evidence - what / when / where"])
def test_guidance_after_the_evidence_label_is_no_evidence(label: str) -> None:
    """Round 37, seen again after the fix above: the template's "– what, when, who was involved" after the
    label was kept as the first line of the evidence (or, wrapped, a fragment of it)."""
    d = _descriptor_doc()
    row = _evidence_row(d, 2)
    first, _, rest = label.partition("\n")
    row.cells[0].text = first
    if rest:
        row.cells[0].paragraphs[0].runs[0].add_break()
        row.cells[0].paragraphs[0].add_run(rest)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["accommodation"]["evidence"] == "Evidence 2."


@pytest.mark.parametrize("merged", [False, True])
def test_a_row_continuing_an_indicator_in_a_grid_is_its_evidence(merged: bool) -> None:
    """Round 42: a row under an indicator's row holding only more evidence (the other cells blank, or merged
    down from the indicator's) was dropped."""
    d = docx.Document()
    _header(d)
    table = _grid(d)
    extra = table.add_row()
    table.rows[3]._tr.addnext(extra._tr)
    table.rows[4].cells[5].text = "Continued (EDU2)."
    if merged:
        for col in range(5):
            table.cell(3, col).merge(table.cell(4, col))
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert result["indicators"]["education"]["evidence"] == "Ev 3\nContinued (EDU2)."
    assert result["indicators"]["emotional_health"]["evidence"] == "Ev 4" and not result["warnings"]


def _on_its_side(d: docx.document.Document, halves: int, written: bool, nested_log: bool = False) -> None:
    """The matrix turned: indicators across the top (``halves`` tables), a row per level ticked with X (or one
    "Level of risk" row, ``written``), then an evidence row."""
    size = -(-len(INDICATORS) // halves)
    for start in range(0, len(INDICATORS), size):
        names = INDICATORS[start:start + size]
        labels = ["Level of risk"] if written else ROW_LEVELS
        table = d.add_table(rows=len(labels) + 2, cols=len(names) + 1)
        table.rows[0].cells[0].text = "Level of risk" if not written else "Indicator"
        for c, name in enumerate(names, 1):
            n = start + c
            table.rows[0].cells[c].text = f"{n}) {name}"
            for r, label in enumerate(labels, 1):
                table.rows[r].cells[0].text = label
                level = LEVELS[n - 1]
                table.rows[r].cells[c].text = (level.title() if level != "none" else "No risk identified") \
                    if written else ("X" if KEYS[r - 1] == level else "")
            table.rows[-1].cells[0].text = "Evidence (mandatory)"
            table.rows[-1].cells[c].text = f"Ev {n}"
        if nested_log and start == 0:
            log = table.rows[-1].cells[1].add_table(rows=1, cols=2)
            log.rows[0].cells[0].text, log.rows[0].cells[1].text = "02/02/2026", "Found in Sunderland (LOG)"


@pytest.mark.parametrize("halves,written,nested_log", [(2, False, False), (1, False, False), (2, True, False),
                                                        (2, False, True)])
def test_a_matrix_on_its_side(halves: int, written: bool, nested_log: bool) -> None:
    """Round 42: indicators as the columns of the matrix (levels as rows, then evidence), as an agency lays it
    out landscape. With titles not saying "Risk Indicator" the document was not even recognised (form
    "unknown"); otherwise every indicator was null and listed missing, so the effective level followed the
    declared one only."""
    d = docx.Document()
    _header(d, overall="Low")
    _on_its_side(d, halves, written, nested_log)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["form"] == "ce_matrix" and result["missing"] == []
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert [result["indicators"][k]["evidence"].split("\n")[0] for k in result["indicators"]] == [
        f"Ev {n}" for n in range(1, 15)]
    assert result["effective_level"] == "significant" and not result["warnings"]
    if nested_log:
        assert "Found in Sunderland (LOG)" in result["indicators"]["family_peer_relationships"]["evidence"]


def test_the_matrix_title_alone_says_which_form_it_is() -> None:
    """Round 7's m02, round 42's C3: the form's title, its header and "Overall Assessed Level", no indicators
    yet: a CE Matrix with every indicator missing, not an unknown document."""
    d = docx.Document()
    d.add_heading("Child Exploitation Risk Assessment Information Form", 0)
    _pairs(d, [("Named worker", "Alex Green"), ("Agency", "Durham Police"), ("Date", "05/02/2026"),
               ("Child's name", "Amy Black"), ("DOB", "10.11.11")])
    d.add_paragraph("Professional Assessment of Safeguarding Risk Indicators")
    d.add_paragraph("(indicators to follow)")
    d.add_paragraph("Overall assessed level of exploitation risk: Moderate")
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["form"] == "ce_matrix" and result["overall_level"] == "moderate"
    assert "indicators.education.level" in result["missing"]


def test_a_summary_table_split_in_two_keeps_the_last_evidence_of_the_first() -> None:
    """The indicators in two tables, each with its "Risk indicator | Level of risk | Evidence" headings: the
    second table's "Evidence" heading, right under indicator 7, was read as 7's evidence label (nothing beside
    it), and 7's evidence was lost (listed missing)."""
    d = docx.Document(io.BytesIO(text_level_matrix({}, "Low")))
    table = d.tables[-1]
    second = d.add_table(rows=1, cols=3)
    for i, head in enumerate(["Risk indicator", "Level of risk", "Evidence"]):
        second.rows[0].cells[i].text = head
    for row in list(table.rows)[8:]:
        second._tbl.append(row._tr)
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["evidence"] for k in result["indicators"]] == [f"Ev {n}" for n in range(1, 15)]
    assert result["missing"] == []


def test_an_unnamed_title_in_a_table_of_its_own_between_its_neighbours() -> None:
    plain = parse_document(descriptor_matrix("start"), "m.docx").to_json()
    result = parse_document(_save(_retitled(_descriptor_doc(), 9, "Being controlled by others")), "m.docx").to_json()
    assert result["indicators"] == plain["indicators"] and result["warnings"] == plain["warnings"]


def test_a_matrix_without_its_last_indicator_does_not_borrow_a_level_row_for_it() -> None:
    """Round 11's l20: the last indicator's table left out; the row under 13's title (its "No risk
    identified" level) is no title of 14."""
    d = _descriptor_doc()
    last = next(t for t in d.tables if t.rows[0].cells[0].text.startswith("14.  Risk Indicator"))
    last._tbl.getparent().remove(last._tbl)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["physical_risks"]["level"] == LEVELS[12]
    assert result["indicators"]["engagement_with_services"] == {"level": None, "evidence": None}


def test_no_known_risk_is_the_no_risk_level() -> None:
    """Round 42: a health agency's "No known risk" column was no level (every tick in it read as nothing)."""
    d = docx.Document()
    _header(d)
    table = _grid(d)
    table.rows[0].cells[1].text = "No known risk"
    result = parse_document(_save(d), "m.docx").to_json()
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS


# -- round 41: referral forms combining quirks, again --------------------------------------------------------

def _sectioned(concerns: str) -> bytes:
    """Each section an outer table: its heading row, then a row whose cell holds the section's label | value
    table (a council's web-form export)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    for heading, pairs in [
            ("Referrer's details", [("Referrer's name", "Jo Whitfield"), ("Agency", "Durham Constabulary"),
                                    ("Telephone", "0191 384 2211")]),
            ("Child's details", [("Child's full name", "Aisha Dunn"), ("Date of birth", "17/03/2012"),
                                 ("Address", "4 Church View, Consett")]),
            ("Concerns", [("What has happened / what are you worried about?", concerns)]),
            ("Consent and risk", [(Q, "Yes"), ("Is the child at immediate risk?", "No")])]:
        outer = d.add_table(rows=2, cols=1)
        outer.cell(0, 0).text = heading
        inner = outer.cell(1, 0).add_table(rows=0, cols=2)
        for label, value in pairs:
            cells = inner.add_row().cells
            cells[0].text, cells[1].text = label, value
    return _save(d)


@pytest.mark.parametrize("concerns", ["", "Seen getting into cars with older males."])
def test_a_section_heading_over_its_own_nested_table_is_no_answer(concerns: str) -> None:
    """Round 41: the "Concerns" heading (also one of the field's labels) read the table nested under it as its
    answer: a blank account came back as the question's own words, and was not listed missing (under-triage
    of completeness)."""
    result = parse_document(_sectioned(concerns), "r.docx").to_json()
    assert result["concerns"] == (concerns or None)
    assert ("concerns" in result["missing"]) is (not concerns)
    assert result["child"]["name"] == "Aisha Dunn" and result["referrer"]["name"] == "Jo Whitfield"


@pytest.mark.parametrize("suffix", [" * (required)", "* (Required)", " *(mandatory)", " (required)", " *"])
def test_a_required_fields_asterisk_and_note_after_the_question(suffix: str) -> None:
    """Round 41: "Are parents/carers aware of this referral? * (required)": "* (required)" was read as the
    answer (so none: listed missing; "Is the child at immediate risk? * (required) | Yes" lost its Yes, an
    under-triage; the account came back as "* (required)")."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    _pairs(d, [("Referrer's name", "Jo Whitfield"), ("Agency", "Durham Constabulary"), ("Telephone", "0191 384 2211"),
               ("Child's full name", "Aisha Dunn"), ("Date of birth", "17/03/2012"), ("Address", "4 Church View"),
               (f"What has happened / what are you worried about?{suffix}", "Seen with older males."),
               (f"{Q}{suffix}", "Yes"), (f"Is the child at immediate risk?{suffix}", "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["parents_informed"] is True and result["immediate_risk"] is True
    assert result["concerns"] == "Seen with older males." and result["missing"] == []


@pytest.mark.parametrize("nested", ["Referrer's name", "Agency", "Child's full name", "Address"])
def test_a_value_typed_into_a_table_nested_in_its_cell(nested: str) -> None:
    """Round 41: the value in a one-cell table inside the value cell (a template's boxed answer) was not
    read: the field came back empty and was listed missing."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    pairs = [("Referrer's name", "Jo Whitfield"), ("Agency", "Durham Constabulary"), ("Telephone", "0191 384 2211"),
             ("Child's full name", "Aisha Dunn"), ("Date of birth", "17/03/2012"), ("Address", "4 Church View"),
             ("What has happened / what are you worried about?", "Seen with older males."), (Q, "Yes")]
    table = d.add_table(rows=0, cols=2)
    for label, value in pairs:
        cells = table.add_row().cells
        cells[0].text = label
        if label == nested:
            cells[1].add_table(rows=1, cols=1).cell(0, 0).text = value
        else:
            cells[1].text = value
    result = parse_document(_save(d), "r.docx").to_json()
    assert (result["referrer"]["name"], result["referrer"]["agency"], result["child"]["name"],
            result["child"]["address"]) == ("Jo Whitfield", "Durham Constabulary", "Aisha Dunn", "4 Church View")
    assert result["missing"] == []


@pytest.mark.parametrize("referrers,childs", [
    (("Your role / job title", "Youth Worker"), ("NHS number", "485 777 3456")),
    (("Staff ID", "PC 4471"), ("Also known as / previous names", "Ash")),
    (("Role", "Youth Worker"), ("Date of birth", "17/03/2012")),
])
def test_a_row_of_headings_with_one_the_profile_does_not_know(referrers: tuple, childs: tuple) -> None:
    """Round 41: "Referrer's name | Your role / job title | Agency" over the values: the heading no alias names
    broke the row of headings in two, so "Your role / job title" was read as the referrer's name ("NHS
    number" as the child's)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    _pairs(d, [("Referrer's name", referrers[0], "Agency"), ("Jo Whitfield", referrers[1], "Durham Constabulary"),
               ("Telephone", "Email", ""), ("0191 384 2211", "jo@example.gov.uk", "")], cols=3)
    _pairs(d, [("Child's full name", childs[0], "Date of birth"), ("Aisha Dunn", childs[1], "17/03/2012"),
               ("Address", "", ""), ("4 Church View", "", "")], cols=3)
    table = d.tables[-1]
    for r in (2, 3):
        table.cell(r, 0).merge(table.cell(r, 2))
    _pairs(d, [("What has happened / what are you worried about?", "Seen with older males."), (Q, "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["name"] == "Jo Whitfield" and result["referrer"]["agency"] == "Durham Constabulary"
    assert result["child"]["name"] == "Aisha Dunn" and result["child"]["dob"] == "2012-03-17"
    assert result["missing"] == []


@pytest.mark.parametrize("agency", ["School", "GP practice", "Police"])
def test_agency_school_written_on_one_line(agency: str) -> None:
    """Round 41: "Agency: School" is, word order aside, the label "School / agency": it was read as that
    label with no value, and the agency listed missing."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    for line in ["Referrer's name: Jo Whitfield", "Role: Youth Worker", f"Agency: {agency}", "Telephone: 0191 384 2211",
                 "Child's full name: Aisha Dunn", "Date of birth: 17/03/2012", "Address: 4 Church View",
                 "What has happened / what are you worried about? Seen with older males.", f"{Q} Yes"]:
        d.add_paragraph(line)
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"]["agency"] == agency and "referrer.agency" not in result["missing"]


@pytest.mark.parametrize("blank", ["", "\u2002" * 5, " \u2002\u00a0 "])
def test_a_blank_answer_after_a_tab_keeps_the_lines_one_table(blank: str) -> None:
    """Round 41: "Label<tab>value" lines, the Agency line's answer a FORMTEXT's blank default (five
    en-spaces): the line was read as a paragraph of its own, splitting the lines in two tables, and the Role
    line above it lost its value (the Email line below it, without a date line after it)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form")
    for line in ["Referrer's name\tTomasz Nowak", "Role\tHousing Officer", f"Agency\t{blank}",
                 "Email\treferrer170@example.gov.uk", "Is the child at immediate risk?\t☐ Yes   ☑ No"]:
        d.add_paragraph(line)
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["referrer"] == {"name": "Tomasz Nowak", "role": "Housing Officer", "agency": None, "phone": None,
                                  "email": "referrer170@example.gov.uk"}
    assert "referrer.agency" in result["missing"] and "referrer.contact" not in result["missing"]


# -- round 44: CE Matrices redesigned (part 2) -------------------------------------------------------

EVIDENCE_44 = "Attendance fell to 61% this term, several unauthorised absences on Fridays; Mum: he is out late"


@pytest.mark.parametrize("line", [
    "• {title} – {level} – {evidence} (ref {n}).",
    "• {title} – Level: {level} – Evidence: {evidence} (ref {n}).",
    "{title}: {level} – {evidence} (ref {n}).",
    "• {title} – {level} – Evidence (mandatory): {evidence} (ref {n}).",
    "{title}: — Level: {level} — Evidence: {evidence} (ref {n}).",
])
def test_a_bulleted_line_per_indicator_with_its_level_and_evidence(line: str) -> None:
    """Round 44's bulleted layout: each indicator on one line, its level and then its evidence after it. A line
    over 160 characters was prose (the level lost, the under-triage); a shorter one kept its level but not its
    evidence (listed missing); a colon in the evidence was read as the level's."""
    d = docx.Document()
    _header(d)
    d.add_paragraph("Risk indicators (level – evidence)")
    levels = ["Low", "Moderate", "No risk identified", "Significant"] * 4
    for n, (name, level) in enumerate(zip(INDICATORS, levels), 1):
        title = f"{n}. {name}" if n > 7 else name  # "• 8. Controlled Substances": a typed bullet, then the number
        d.add_paragraph(line.format(title=title, level=level, evidence=EVIDENCE_44 if n % 2 else "Seen", n=n))
        if n % 5 == 0:
            d.add_paragraph(f"Further: seen again (ref B{n}).")
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == [
        {"No risk identified": "none"}.get(level, level.lower()) for level in levels[:14]]
    assert [i["evidence"] for i in result["indicators"].values()] == [
        f"{EVIDENCE_44 if n % 2 else 'Seen'} (ref {n})." + (f"\nFurther: seen again (ref B{n})." if n % 5 == 0 else "")
        for n in range(1, 15)]
    assert result["effective_level"] == "significant" and result["missing"] == []


def test_evidence_that_opens_with_a_title_and_a_level_word_stays_evidence() -> None:
    """A long evidence paragraph that starts with another indicator's title and a word that is no level ("Low
    attendance") is no title line: the evidence runs on under its own label."""
    d = docx.Document(io.BytesIO(descriptor_matrix("start")))
    cell = next(row.cells[1] for t in d.tables for row in t.rows if row.cells[0].text.startswith("PROVIDE"))
    text = "Education – low attendance since March – " + "the school has tried to re-engage him. " * 6
    cell.paragraphs[0].text = text
    result = parse_document(_save(d), "m.docx").to_json()
    plain = parse_document(descriptor_matrix("start"), "m.docx").to_json()
    assert result["indicators"]["family_peer_relationships"]["evidence"].startswith("Education – low attendance")
    assert [i["level"] for i in result["indicators"].values()] == [i["level"] for i in plain["indicators"].values()]


@pytest.mark.parametrize("ticks", [False, True])
@pytest.mark.parametrize("heads", [True, False])
def test_two_indicators_a_row(ticks: bool, heads: bool) -> None:
    """Round 44's wide table, "title | level | evidence" twice a row: the right-hand indicator was lost, and
    with boxes the left-hand one took the right-hand ticks as its own (a level raised, a false warning)."""
    d = docx.Document()
    _header(d)
    table = d.add_table(rows=0, cols=6)
    if heads:
        cells = table.add_row().cells
        for n, head in enumerate(["Risk indicator", "Level of risk", "Evidence (mandatory)"] * 2):
            cells[n].text = head
    for n in range(0, 14, 2):
        cells = table.add_row().cells
        for half, m in ((0, n), (3, n + 1)):
            level = ROW_LEVELS[KEYS.index(LEVELS[m])]
            cells[half].text = f"{m + 1}.  Risk Indicator - {INDICATORS[m]}"
            cells[half + 1].text = "\n".join(("☒ " if name == level else "☐ ") + name for name in ROW_LEVELS) \
                if ticks else level
            cells[half + 2].text = f"Ev {m + 1}"
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == LEVELS
    if heads:  # (without an "Evidence" heading, nothing says the last column is the evidence)
        assert [i["evidence"] for i in result["indicators"].values()] == [f"Ev {n}" for n in range(1, 15)]
    assert result["warnings"] == []


@pytest.mark.parametrize("ticks", [False, True])
def test_the_level_row_under_the_evidence_row_of_a_card(ticks: bool) -> None:
    """Round 44: a table per indicator, its title, then "Evidence (mandatory) | …", then "Level of risk | …": the
    level was lost and the evidence ran on over the level's row (a blank evidence then read as "Level of risk")."""
    d = docx.Document()
    _header(d)
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        table = d.add_table(rows=3, cols=2)
        table.rows[0].cells[0].merge(table.rows[0].cells[1]).text = f"{n}.  Risk Indicator - {name}"
        table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Evidence (mandatory)", "" if n == 3 else f"Ev {n}"
        written = ROW_LEVELS[KEYS.index(level)]
        table.rows[2].cells[0].text = "Level of risk"
        table.rows[2].cells[1].text = "   ".join(("☒ " if name == written else "☐ ") + name
                                               for name in ROW_LEVELS) if ticks else written
        d.add_paragraph("")
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == LEVELS
    assert [i["evidence"] for i in result["indicators"].values()] == [
        None if n == 3 else f"Ev {n}" for n in range(1, 15)]
    assert result["missing"] == ["indicators.education.evidence"]


@pytest.mark.parametrize("ticks", [False, True])
@pytest.mark.parametrize("titled", [False, True])
def test_a_card_of_labels_over_values_under_each_title(ticks: bool, titled: bool) -> None:
    """Round 44: each indicator a heading (or its card's first row), then "Level of risk | Evidence (mandatory)"
    over its values: the evidence was lost (or read as the boxes' level names and the evidence), the ticked
    level with it."""
    d = docx.Document()
    _header(d)
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        if not titled:
            d.add_heading(f"{n}.  Risk Indicator - {name}", 2)
        table = d.add_table(rows=3 if titled else 2, cols=2)
        if titled:
            table.rows[0].cells[0].merge(table.rows[0].cells[1]).text = f"{n}.  Risk Indicator - {name}"
        labels, values = table.rows[-2].cells, table.rows[-1].cells
        labels[0].text, labels[1].text = "Level of risk", "Evidence (mandatory)"
        written = ROW_LEVELS[KEYS.index(level)]
        values[0].text = "   ".join(("☒ " if name == written else "☐ ") + name for name in ROW_LEVELS) \
            if ticks else written
        values[1].text = f"Ev {n}"
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == LEVELS
    assert [i["evidence"] for i in result["indicators"].values()] == [f"Ev {n}" for n in range(1, 15)]
    assert result["missing"] == []


@pytest.mark.parametrize("heading", ["Previous level (last review)", "Level at last review"])
def test_a_previous_level_column_beside_the_current_level(heading: str) -> None:
    """Round 44: "Risk indicator | Previous level (last review) | Current level | Evidence", the levels written: the
    two levels of a row that differed cancelled out (the current one lost, an under-triage); the earlier review's
    column is history, the current one the level."""
    d = docx.Document()
    _header(d)
    table = d.add_table(rows=1, cols=4)
    for n, head in enumerate(["Risk indicator", heading, "Current level", "Evidence (mandatory)"]):
        table.rows[0].cells[n].text = head
    previous = ["Significant", "Low", "No risk identified", "Moderate"] * 4
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = f"{n}. {name}", previous[n]
        cells[2].text, cells[3].text = ROW_LEVELS[KEYS.index(level)], f"Ev {n}"
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == LEVELS
    assert result["warnings"] == []


def test_a_level_column_that_only_mentions_the_last_review_is_the_level() -> None:
    """A level column whose heading mentions the last review ("if changed since the last review") is still the
    level column."""
    written = {3: "Moderate", 9: "Significant"}
    d = docx.Document(io.BytesIO(text_level_matrix(written, "Low")))
    d.tables[-1].rows[0].cells[1].text = "Level of risk (if changed since last review, say why)"
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == [
        written.get(n, "Low").lower() for n in range(1, 15)]


@pytest.mark.parametrize("disability", ["None", "Low vision"])
def test_a_blank_overall_level_put_first_does_not_read_the_header_under_it(disability: str) -> None:
    """Round 44: a risk summary first ("Overall Assessed Level of exploitation Risk | " left blank), then the
    header: the child's "Disability | None" was read as the overall level (none, not listed missing)."""
    d = docx.Document()
    d.add_heading("Child Exploitation Risk Assessment Information Form", 0)
    d.add_paragraph("RISK SUMMARY")
    _pairs(d, [("Overall Assessed Level of exploitation Risk", "")])
    _pairs(d, [("Child's full name", "Amy Black"), ("DOB", "10.11.11"), ("Disability", disability),
               ("Named worker", "Alex Green"), ("Agency", "Durham Police"), ("Date", "05/02/2026")])
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        d.add_paragraph(f"{n}.  Risk Indicator - {name}")
        d.add_paragraph(f"Level of risk: {ROW_LEVELS[KEYS.index(level)]}")
        d.add_paragraph(f"Evidence: Ev {n}")
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["overall_level"] is None and result["missing"] == ["overall_level"]
    assert [i["level"] for i in result["indicators"].values()] == LEVELS


def test_a_log_pasted_into_the_evidence_under_a_row_of_labels() -> None:
    """Round 44's b187: a card of labels over values, an incident log pasted into the evidence cell: the log is
    the evidence's end, and the evidence's own words come first."""
    d = docx.Document()
    _header(d)
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        d.add_heading(f"{n}.  Risk Indicator - {name}", 2)
        table = d.add_table(rows=2, cols=2)
        table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Level of risk", "Evidence (mandatory)"
        table.rows[1].cells[0].text, table.rows[1].cells[1].text = ROW_LEVELS[KEYS.index(level)], f"Ev {n}"
        if n == 5:
            log = table.rows[1].cells[1].add_table(rows=2, cols=2)
            for cell, text in zip(log._cells, ["Date", "Incident", "02/02/2026", "Found in Sunderland"]):
                cell.text = text
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == LEVELS
    assert result["indicators"]["experience_of_violence"]["evidence"] == \
        "Ev 5\nDate\nIncident\n02/02/2026\nFound in Sunderland"
    assert result["indicators"]["emotional_health"]["evidence"] == "Ev 4"


# -- round 43: Safeguarding Referral Forms redesigned by ten agencies ------------------------------------

REFERRER_43 = [("Referrer's name", "Jo Whitfield"), ("Role", "Youth Worker"), ("Agency", "Wear Valley Youth Project"),
               ("Telephone", "0191 370 1234"), ("Email", "jo.whitfield@example.org.uk")]
CHILD_43 = [("Child's full name", "Kai Robson"), ("Date of birth", "05/03/2012"), ("Address", "12 Front Street, Stanley")]
CONCERNS_43 = ("What has happened / what are you worried about?", "Kai was seen getting into cars (log PROBE).")
ANSWERS_43 = [(Q, "Yes"), ("Is the child open to Children's Social Care?", "No"), ("Is a CE Matrix attached?", "Yes"),
              ("Is the child at immediate risk?", "Yes")]
READ_43 = {"referrer": {"name": "Jo Whitfield", "role": "Youth Worker", "agency": "Wear Valley Youth Project",
                        "phone": "0191 370 1234", "email": "jo.whitfield@example.org.uk"},
           "child": ("Kai Robson", "2012-03-05"), "concerns": "Kai was seen getting into cars (log PROBE).",
           "answers": (True, False, True, True)}


def _read_43(data: bytes) -> dict:
    r = parse_document(data, "r.docx").to_json()
    return {"referrer": r["referrer"], "child": (r["child"]["name"], r["child"]["dob"]), "concerns": r["concerns"],
            "answers": (r["parents_informed"], r["open_to_csc"], r["ce_matrix_attached"], r["immediate_risk"]),
            "missing": r["missing"]}


def _referral_43(rows: list[tuple[str, str]], title: str = "Safeguarding Referral Form (First Contact)") -> bytes:
    d = docx.Document()
    d.add_paragraph(title)
    _pairs(d, rows)
    return _save(d)


@pytest.mark.parametrize("yes, no", [("Y", "N"), ("Yes", "No")])
def test_statements_ticked_in_columns_headed_y_and_n(yes: str, no: str) -> None:
    """Round 43's Early Help form: "Please tick | Y | N" over statements ("The child is at immediate risk | X |"):
    with columns headed Y and N every answer was null (the immediate risk lost)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [*REFERRER_43, *CHILD_43, CONCERNS_43])
    _pairs(d, [("Please tick", yes, no), ("Parents/carers are aware of this referral", "X", ""),
               ("The child is open to Children's Social Care", "", "X"), ("A CE Matrix is attached", "X", ""),
               ("The child is at immediate risk", "X", "")], cols=3)
    assert _read_43(_save(d))["answers"] == (True, False, True, True)


@pytest.mark.parametrize("label, value, key", [
    ("In your view, is the child at immediate risk of significant harm today?", "Yes", "immediate_risk"),
    ("Are you attaching a CE Matrix?", "Yes", "ce_matrix_attached"),
    ("Have you completed a CE Matrix and attached it to this referral?", "Yes", "ce_matrix_attached"),
    ("Please describe what has happened and what you are worried about, including dates and who was involved",
     "Kai was seen getting into cars (log PROBE).", "concerns"),
    ("Pupil's full name", "Kai Robson", "child.name"),
    ("Name of staff member making the referral", "Jo Whitfield", "referrer.name"),
    ("What is the best telephone number to contact you on?", "0191 370 1234", "referrer.phone"),
])
def test_questions_reworded_as_agencies_ask_them(label: str, value: str, key: str) -> None:
    """Round 43: questions a person reads as the form's own, worded an agency's way (one of them over 100
    characters, past what was indexed as a label)."""
    rows = [*REFERRER_43, *CHILD_43, CONCERNS_43, *ANSWERS_43]
    old = {"immediate_risk": "Is the child at immediate risk?", "ce_matrix_attached": "Is a CE Matrix attached?",
           "concerns": CONCERNS_43[0], "child.name": "Child's full name", "referrer.name": "Referrer's name",
           "referrer.phone": "Telephone"}[key]
    result = parse_document(_referral_43([(label, value) if k == old else (k, v) for k, v in rows]), "r.docx").to_json()
    section, _, name = key.partition(".")
    got = result[section][name] if name else result[key]
    assert got == ({"Yes": True}.get(value, value)) and result["missing"] == []


def test_a_yes_under_its_question_beside_another_questions_no() -> None:
    """Round 43's police form: a row of questions over a row of answers, "No" then "Yes": the Yes read the No
    beside it as its unticked box (immediate risk null, an under-triage)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [*REFERRER_43, *CHILD_43, CONCERNS_43, (Q, "Yes")])
    _pairs(d, [("Is the child open to Children's Social Care?", "Is the child at immediate risk?"), ("No", "Yes")])
    _pairs(d, [("Is a CE Matrix attached?", "Yes")])
    assert _read_43(_save(d))["answers"] == (True, False, True, True)


@pytest.mark.parametrize("name_row", [None, ("Crew member callsign", "Jo Whitfield")])
def test_the_referrers_details_without_a_name_label_the_profile_knows(name_row) -> None:  # type: ignore[no-untyped-def]
    """Round 43: without a referrer's-name label the profile knows, "Role", "Agency", "Telephone" and "Email"
    above the child's name were read as the child's section (all four lost)."""
    rows = ([name_row] if name_row else []) + REFERRER_43[1:] + [*CHILD_43, CONCERNS_43, *ANSWERS_43]
    read = _read_43(_referral_43(rows))
    assert read["referrer"] == {**READ_43["referrer"], "name": None}
    assert read["child"] == READ_43["child"] and read["missing"] == ["referrer.name"]


def test_a_table_a_question() -> None:
    """Round 43's web-form export: each question a table of its own, its label's row over its answer's: the
    referrer's role, agency, telephone and email and the child's date of birth and address were lost."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (online submission)")
    for label, value in [*REFERRER_43, *CHILD_43, CONCERNS_43, *ANSWERS_43]:
        table = d.add_table(rows=2, cols=1)
        table.rows[0].cells[0].text, table.rows[1].cells[0].text = label, value
        d.add_paragraph("")
    read = _read_43(_save(d))
    assert {k: read[k] for k in READ_43} == READ_43 and read["missing"] == []


@pytest.mark.parametrize("label, name", [("Referrer's name / Enw'r atgyfeiriwr", "Jo Whitfield"),
                                         ("Health visitor / referrer name", "Jo Whitfield"),
                                         ("Health visitor or referrer name", None)])
def test_a_referrer_heading_over_the_referrers_table(label: str, name: str | None) -> None:
    """Round 43: "1. Referrer" (the section's heading, also a label of the referrer's name) over the referrer's
    table: its name label, written in two languages or with a slash, was passed over for the heading, whose
    "value" was that label; an unknown name label came back as the name."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    d.add_paragraph("1. Referrer")
    _pairs(d, [(label, "Jo Whitfield"), *REFERRER_43[1:]])
    d.add_paragraph("2. Child")
    _pairs(d, [*CHILD_43, CONCERNS_43, *ANSWERS_43])
    read = _read_43(_save(d))
    assert read["referrer"] == {**READ_43["referrer"], "name": name}
    assert read["missing"] == ([] if name else ["referrer.name"])


def test_numbered_questions_with_a_tab_and_the_answer_below() -> None:
    """Round 43's GP form: "4.2<tab>What has happened…?" with the answer in the next paragraph was two columns
    (the account lost); a numbered table of questions after it was taken into the account."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [(f"1.{n}", label, value) for n, (label, value) in enumerate([*REFERRER_43, *CHILD_43], 1)], cols=3)
    d.add_paragraph("4. Concerns")
    d.add_paragraph("4.2\t" + CONCERNS_43[0])
    d.add_paragraph(CONCERNS_43[1])
    _pairs(d, [(f"5.{n}", label, value) for n, (label, value) in enumerate(ANSWERS_43, 1)], cols=3)
    read = _read_43(_save(d))
    assert {k: read[k] for k in READ_43} == READ_43 and read["missing"] == []


@pytest.mark.parametrize("numbered", [False, True])
@pytest.mark.parametrize("role, agency", [("GP", "Belmont Surgery"), ("Youth Worker", "School")])
def test_a_value_that_is_another_fields_label(numbered: bool, role: str, agency: str) -> None:
    """Round 43: "Role | GP" ("GP" is the child's GP's label) started the child's section there, so the
    referrer's agency, telephone and email were lost; in a numbered table the role read the next row's label."""
    rows = [("Referrer's name", "Jo Whitfield"), ("Role", role), ("Agency", agency), *REFERRER_43[3:], *CHILD_43,
            CONCERNS_43, *ANSWERS_43]
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [(f"1.{n}", *row) for n, row in enumerate(rows, 1)] if numbered else rows, cols=3 if numbered else 2)
    read = _read_43(_save(d))
    assert read["referrer"] == {**READ_43["referrer"], "role": role, "agency": agency}
    assert read["missing"] == []


def test_a_concerns_heading_over_the_categories_and_a_blank_account() -> None:
    """Round 43: "Section D – Concerns" (a label of the account too) over the categories' table, the account
    itself left blank: the categories' table came back as the account, not listed missing."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [*REFERRER_43, *CHILD_43])
    d.add_paragraph("Section D – Concerns")
    _pairs(d, [("Category of concern", "Tick"), ("Neglect", ""), ("Child exploitation / harm outside the home", "X")])
    _pairs(d, [(CONCERNS_43[0], ""), *ANSWERS_43])
    read = _read_43(_save(d))
    assert read["concerns"] is None and read["missing"] == ["concerns"]


# -- round 46: the agencies' CE Matrix layouts with several quirks each ---------------------------------

AT_HOME = ["Family and peer relationships at home", "Accommodation and living situation",
           "Education, training and employment", "Emotional health and wellbeing", "Experience of violence at home",
           "Running away / going missing episodes", "Risky people and places",
           "Controlled substances (drugs and alcohol)", "Coercion and control by others", "Rewards, money and gifts",
           "Sexual health and intimate relationships", "Social networking and apps", "Physical risks and injuries",
           "Engagement with services and professionals"]


def _card_matrix(d: docx.document.Document, titles: list[str], other: str | None = None) -> None:
    """A card per indicator, "N.  Risk Indicator - <title>", its level and evidence rows; ``other`` a 15th."""
    for n, (title, level) in enumerate([*zip(titles, LEVELS), *([(other, "significant")] if other else [])], 1):
        table = d.add_table(rows=3, cols=2)
        table.rows[0].cells[0].merge(table.rows[0].cells[1]).text = \
            title if n == 15 else f"{n}.  Risk Indicator - {title}"
        table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Level of risk", ROW_LEVELS[KEYS.index(level)]
        table.rows[2].cells[0].text, table.rows[2].cells[1].text = "Evidence (mandatory)", f"Ev {n}"
        d.add_paragraph("")


@pytest.mark.parametrize("titles", [AT_HOME[:6] + ["Contact with abusive adults and / or unsafe environments"]
                                    + AT_HOME[7:], AT_HOME])
def test_a_referral_before_a_matrix_whose_titles_are_reworded(titles: list[str]) -> None:
    """Round 46: a referral with the matrix pasted after it, the matrix's titles reworded ("… at home"): detection
    counted no titles, so the file was a referral and the matrix was lost (every level null, an under-triage);
    one title naming none among them ("7. Risk Indicator - Risky people and places") is the one its number gives."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [*REFERRER_43, *CHILD_43, CONCERNS_43, *ANSWERS_43])
    d.add_paragraph("Child Exploitation Risk Assessment Information Form")
    _pairs(d, [("Named worker", "Alex Green"), ("Agency", "Durham Police"), ("Date", "05/02/2026"),
               ("Child's full name (+ aliases)", "Kai Robson (aka Dee)"), ("DOB", "05/03/2012")])
    _card_matrix(d, titles)
    d.add_paragraph("Overall assessed level of exploitation risk: Low")
    result = parse_document(_save(d), "both.docx").to_json()
    assert result["form"] == "ce_matrix" and [i["level"] for i in result["indicators"].values()] == LEVELS
    assert result["effective_level"] == "significant" and result["also"][0]["immediate_risk"] is True
    assert result["child"]["aliases"] == ["Dee"]  # (the referral's "Child's full name | Kai Robson" came first)


@pytest.mark.parametrize("other", ["15. Other (please specify): Gambling debts",
                                   "15) Other (please specify): Gambling debts", "Other (please specify): Gambling debts"])
def test_an_added_other_indicator_without_risk_indicator_in_its_title(other: str) -> None:
    """Round 46: "15. Other (please specify): …" after the fourteen was not read on its own: its Significant was
    lost (or ran on as the fourteenth's, with a false warning)."""
    d = docx.Document()
    _header(d)
    _card_matrix(d, INDICATORS, other)
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == LEVELS
    assert result["indicators"]["engagement_with_services"]["evidence"] == "Ev 14"
    assert result["added_indicators"] == [{"title": other, "level": "significant", "evidence": "Ev 15"}]


@pytest.mark.parametrize("given", ["Not known", "TBC", "N/A", "Unknown"])
def test_a_worker_agency_or_evidence_said_not_to_be_known_is_missing(given: str) -> None:
    """Round 46: "Agency | Not known" and an evidence of "N/A" were kept as values (not listed missing); as README
    says, such an answer counts as not given."""
    d = docx.Document(io.BytesIO(descriptor_matrix("start")))
    agency = next(row.cells[1] for t in d.tables for row in t.rows if row.cells[0].text == "Agency")
    agency.text = given
    evidence = next(row.cells[1] for t in d.tables for row in t.rows if row.cells[1].text == "Evidence 3.")
    evidence.text = given
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["worker"]["agency"] is None and result["indicators"]["education"]["evidence"] is None
    assert {"worker.agency", "indicators.education.evidence"} <= set(result["missing"])


def test_a_number_column_beside_reworded_titles() -> None:
    """Round 46: "No. | Risk indicator | Level of risk | Evidence", "1 | Family and peer relationships at home | …": a
    title reworded after its number in a column of its own was not read (level and evidence null)."""
    d = docx.Document()
    _header(d)
    table = d.add_table(rows=1, cols=4)
    for n, head in enumerate(["No.", "Risk indicator", "Level of risk", "Evidence"]):
        table.rows[0].cells[n].text = head
    for n, (title, level) in enumerate(zip(AT_HOME, LEVELS), 1):
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text, cells[3].text = str(n), title, ROW_LEVELS[KEYS.index(level)], f"Ev {n}"
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == LEVELS
    assert [i["evidence"] for i in result["indicators"].values()] == [f"Ev {n}" for n in range(1, 15)]


@pytest.mark.parametrize("title", ["13. Weapons", "13.  Risk Indicator - Weapons"])
def test_a_numbered_title_naming_none_on_a_line_of_its_level_and_evidence(title: str) -> None:
    """Round 46: one line per indicator, "13. Weapons – Level: Significant – Evidence: …": the line was not a title
    (its Significant lost, an under-triage; the line ran on as 12's evidence)."""
    d = docx.Document()
    _header(d)
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        shown = title if n == 13 else f"{n}. {name}"
        d.add_paragraph(f"{shown} – Level: {ROW_LEVELS[KEYS.index(level)]} – Evidence: Ev {n}")
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == LEVELS
    assert [i["evidence"] for i in result["indicators"].values()] == [f"Ev {n}" for n in range(1, 15)]


def test_an_unmerged_field_is_never_a_label() -> None:
    """Round 46's probe of round 37's D3: "Contact Details & Agency | «Agency»" for the worker, the manager's agency in
    the row below: the unmerged «Agency» was read as the label "Agency", its "value" the manager's agency."""
    d = docx.Document()
    d.add_heading("Child Exploitation Risk Assessment Information Form", 0)
    _pairs(d, [("Named worker leading on the Risk Assessment", "Anita Kaur", "Contact Details & Agency", "«Agency»"),
               ("Authorising line manager", "Karen Holt", "Contact Details & Agency", "Durham County Council")], cols=4)
    _card_matrix(d, INDICATORS)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["worker"] == {"name": "Anita Kaur", "agency": None} and "worker.agency" in result["missing"]


# -- round 47: the agencies' referral layouts with several quirks each ----------------------------------

def test_an_address_over_two_rows_under_a_merged_label() -> None:
    """Round 47: "Address" merged down over two rows, a line of the address in each: only the first was read."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    table = d.add_table(rows=0, cols=2)
    for label, value in [*REFERRER_43, CHILD_43[0], CHILD_43[1], ("Address", "12 Front Street"), ("", "Stanley, DH9 0JQ"),
                         CONCERNS_43, *ANSWERS_43]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    table.cell(7, 0).merge(table.cell(8, 0))
    result = parse_document(_save(d), "r.docx").to_json()
    assert result["child"]["address"] == "12 Front Street\nStanley, DH9 0JQ" and result["missing"] == []


@pytest.mark.parametrize("cols", [1, 3])
def test_a_value_typed_into_a_table_nested_in_the_answer_box(cols: int) -> None:
    """Round 47: "8. Address" as a paragraph, its answer box a one-cell table with a table nested in it holding the
    address: the address was lost (listed missing)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    for n, (label, value) in enumerate([*REFERRER_43, *CHILD_43, CONCERNS_43, *ANSWERS_43], 1):
        d.add_paragraph(f"{n}. {label}")
        box = d.add_table(rows=1, cols=1)
        if label == "Address":
            inner = box.cell(0, 0).add_table(rows=1, cols=cols)
            for cell, part in zip(inner.rows[0].cells, ["12 Front Street", "Stanley", "DH9 0JQ"] if cols == 3 else [value]):
                cell.text = part
        else:
            box.cell(0, 0).text = value
    result = parse_document(_save(d), "r.docx").to_json()
    assert "Stanley" in (result["child"]["address"] or "") and result["missing"] == []


@pytest.mark.parametrize("role, agency", [("GP", "One Point Service"), ("Family Worker", "School")])
def test_a_value_that_is_a_label_in_rows_of_two_pairs_or_under_a_row_of_labels(role: str, agency: str) -> None:
    """Round 47: "Referrer's name | Jo | Role | GP" (two label | value pairs a row), and "Rank / role" over "GP" in
    a row of values: the row was read as one of headings (name, role, agency and telephone lost)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [("Referrer's name", "Jo Whitfield", "Role", role), ("Agency", agency, "Telephone", "0191 370 1234"),
               ("Email", "jo.whitfield@example.org.uk", "Date of referral", "12/11/2026"),
               ("Child's full name", "Kai Robson", "Date of birth", "05/03/2012"),
               ("Address", "12 Front Street, Stanley", "Gender", "Male")], cols=4)
    _pairs(d, [CONCERNS_43, *ANSWERS_43])
    grid = docx.Document()
    grid.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(grid, [("1. Officer / referrer name", "2. Rank / role", "3. Force / agency", "4. Date of referral"),
                  ("Jo Whitfield", role, agency, "12/11/2026"), ("5. Tel", "6. Email", "", ""),
                  ("0191 370 1234", "jo.whitfield@example.org.uk", "", "")], cols=4)
    _pairs(grid, [*CHILD_43, CONCERNS_43, *ANSWERS_43])
    for data in (_save(d), _save(grid)):
        read = _read_43(data)
        assert read["referrer"] == {**READ_43["referrer"], "role": role, "agency": agency} and read["missing"] == []


@pytest.mark.parametrize("number", ["Q1 ", "1.1 ", "Q 1) "])
def test_a_numbered_label_written_with_a_slash(number: str) -> None:
    """Round 47: "Q1 Health visitor / referrer name": its numbering kept it from being read as a label in two parts
    (the referrer's name lost)."""
    rows = [(f"{number}Health visitor / referrer name", "Jo Whitfield"), *REFERRER_43[1:], *CHILD_43, CONCERNS_43,
            *ANSWERS_43]
    read = _read_43(_referral_43(rows))
    assert read["referrer"] == READ_43["referrer"] and read["missing"] == []


@pytest.mark.parametrize("side", ["PART 5", "Immediate risk", "CONSENT / RISK"])
def test_a_sections_name_down_the_side_beside_a_question(side: str) -> None:
    """Round 47's 111 form: each section's name in a first column beside its first row ("PART 5 | Is the child at
    immediate risk? | Yes"): the row was one of labels, the answer lost (immediate risk null)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [("CALLER / REFERRER", *REFERRER_43[0]), ("", *REFERRER_43[1]), ("", *REFERRER_43[2]), ("", *REFERRER_43[3]),
               ("", *REFERRER_43[4]), ("PATIENT (CHILD)", *CHILD_43[0]), ("", *CHILD_43[1]), ("", *CHILD_43[2]),
               ("Concerns", *CONCERNS_43), ("CONSENT", *ANSWERS_43[0]), ("", *ANSWERS_43[1]), ("", *ANSWERS_43[2]),
               (side, *ANSWERS_43[3])], cols=3)
    read = _read_43(_save(d))
    assert {k: read[k] for k in READ_43} == READ_43 and read["missing"] == []


def test_a_referral_with_a_matrix_pasted_after_it_keeps_its_own_childs_details() -> None:
    """Round 47: the matrix's child grid after the referral (more of the child's fields, in a grid of its own) was
    taken for the referral's child section: the referral's address was lost, its gender read as "Ethnicity"."""
    d = docx.Document(io.BytesIO(_referral_43([*REFERRER_43, *CHILD_43, CONCERNS_43, *ANSWERS_43])))
    d.add_paragraph("Child Exploitation Risk Assessment Information Form")
    _pairs(d, [("Named worker", "Alex Green", "Agency", "Durham Police"), ("Date", "05/02/2026", "", "")], cols=4)
    _pairs(d, [("Child's full name (+ aliases)", "D.O.B.", "Age", "Home Address and contact number"),
               ("Kai Robson", "05/03/2012", "14", "12 Front Street, Stanley"),
               ("Disability", "Gender Identity", "Ethnicity", "Language"), ("None", "Male", "White British", "English"),
               ("GP Details & contact number", "Known to Police", "Known to YOS", "Current School"),
               ("Claypath Medical Practice", "Yes", "No", "Belmont Community School")], cols=4)
    _card_matrix(d, INDICATORS)
    result = parse_document(_save(d), "both.docx").to_json()
    referral = result["also"][0]
    assert referral["child"]["address"] == "12 Front Street, Stanley" and referral["child"]["gender"] is None
    assert referral["missing"] == []


def test_the_childs_age_asked_in_words() -> None:
    """Round 47's probation form: "How old is the child (age in years)?" is the Age field (the date of birth blank)."""
    rows = [*REFERRER_43, CHILD_43[0], ("Date of birth", ""), ("How old is the child (age in years)?", "14"),
            CHILD_43[2], CONCERNS_43, *ANSWERS_43]
    result = parse_document(_referral_43(rows), "r.docx").to_json()
    assert result["child"]["age"] == 14 and result["missing"] == ["child.dob"]


# -- round 48: the agencies' forms after a trip through other software ----------------------------------

@pytest.mark.parametrize("date", ["Unknown", ""])
def test_a_matrix_after_a_referral_never_takes_the_referrals_date(date: str) -> None:
    """Round 48: the matrix's own "Date of assessment" left blank (or "Unknown"), a referral before it: the
    referral's "Date of referral" was taken as the assessment date (not listed missing)."""
    d = docx.Document(io.BytesIO(_referral_43([*REFERRER_43, ("Date of referral", "22/05/2026"), *CHILD_43,
                                               CONCERNS_43, *ANSWERS_43])))
    d.add_paragraph("Child Exploitation Risk Assessment Information Form")
    _pairs(d, [("Named worker", "Priya Shah"), ("Agency", "Durham Police"), ("Date of assessment", date),
               ("Child's full name", "Kai Robson"), ("DOB", "05/03/2012")])
    _card_matrix(d, INDICATORS)
    d.add_paragraph("Overall assessed level of exploitation risk: Low")
    result = parse_document(_save(d), "both.docx").to_json()
    assert result["assessment_date"] is None and result["missing"] == ["assessment_date"]


def test_two_reworded_indicators_a_row() -> None:
    """Round 48: two indicators a row, their titles reworded ("1.  Risk Indicator - Family and peer relationships
    at home"): the table was not seen as two a row, so no indicator was read (a significant lost)."""
    d = docx.Document()
    _header(d)
    table = d.add_table(rows=1, cols=6)
    for n, head in enumerate(["Risk indicator", "Level of risk", "Evidence (mandatory)"] * 2):
        table.rows[0].cells[n].text = head
    for n in range(0, 14, 2):
        cells = table.add_row().cells
        for half, m in ((0, n), (3, n + 1)):
            cells[half].text = f"{m + 1}.  Risk Indicator - {AT_HOME[m] if m != 6 else INDICATORS[6]}"
            cells[half + 1].text, cells[half + 2].text = ROW_LEVELS[KEYS.index(LEVELS[m])], f"Ev {m + 1}"
    result = parse_document(_save(d), "m.docx").to_json()
    assert [i["level"] for i in result["indicators"].values()] == LEVELS
    assert [i["evidence"] for i in result["indicators"].values()] == [f"Ev {n}" for n in range(1, 15)]


def test_a_caption_line_before_a_log_nested_in_the_evidence() -> None:
    """Round 48: "Evidence: Involved in a fight … (ref E13).⏎Incident log:" over a table nested in the cell: the
    two lines were read as one label wrapped, so the evidence began at the log (its first sentence lost)."""
    d = docx.Document(io.BytesIO(descriptor_matrix("start")))
    row = next(row for t in d.tables for row in t.rows if row.cells[1].text == "Evidence 3.")
    cell = row.cells[0].merge(row.cells[1])  # the label and its evidence in one cell
    cell.text = "Evidence: Involved in a fight at the park, police attended (ref E13)."
    cell.add_paragraph("Incident log:")
    log = cell.add_table(rows=2, cols=2)
    for c, text in zip(log._cells, ["Date", "Incident", "02/02/2026", "Found in Sunderland"]):
        c.text = text
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["indicators"]["education"]["evidence"] == ("Involved in a fight at the park, police attended (ref "
                                                            "E13).\nIncident log:\nDate\nIncident\n02/02/2026\nFound in Sunderland")


@pytest.mark.parametrize("layout", ["boxes", "tables"])
@pytest.mark.parametrize("role, agency", [("GP", "Belmont Community School"), ("Designated Safeguarding Lead", "School")])
def test_an_answer_that_is_a_label_in_a_box_under_its_question(layout: str, role: str, agency: str) -> None:
    """Round 48: "2. Role in school" over a box holding "GP", a web form's "Organisation*" over "School": the answer
    (a label too) was lost, and "School" started the child's section (telephone and email lost)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    rows = [("Referrer's name", "Jo Whitfield"), ("Role", role), ("Agency", agency), *REFERRER_43[3:], *CHILD_43,
            CONCERNS_43, *ANSWERS_43]
    for n, (label, value) in enumerate(rows, 1):
        if layout == "boxes":
            d.add_paragraph(f"{n}. {label}")
            d.add_table(rows=1, cols=1).cell(0, 0).text = value
        else:
            table = d.add_table(rows=2, cols=1)
            table.cell(0, 0).text, table.cell(1, 0).text = f"{label} *", value
        d.add_paragraph("")
    read = _read_43(_save(d))
    assert read["referrer"] == {**READ_43["referrer"], "role": role, "agency": agency} and read["missing"] == []


# -- round 51: the referral's answers in the agencies' layouts ---------------------------------------------

@pytest.mark.parametrize("answer", ["☒ Yes ☐ No", "Yes"])
def test_the_immediate_risk_question_in_a_box_under_a_heading(answer: str) -> None:
    """Round 51: a box at the top, "URGENT CHECK" then "Is the child at immediate risk of significant harm?  ☒ Yes
    ☐ No" in one cell: the question on the cell's second line was no label (immediate risk null, an under-triage)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    box = d.add_table(rows=1, cols=1).cell(0, 0)
    box.text = "URGENT CHECK"
    box.add_paragraph(f"Is the child at immediate risk of significant harm?  {answer}")
    _pairs(d, [*REFERRER_43, *CHILD_43, CONCERNS_43, *ANSWERS_43[:3]])
    read = _read_43(_save(d))
    assert read["answers"] == (True, False, True, True) and read["missing"] == []


@pytest.mark.parametrize("checklist", [False, True])
def test_immediate_risk_answered_both_ways_reads_yes(checklist: bool) -> None:
    """Round 51: "☒ Yes ☒ No" was no answer; "No" at the question and "Yes" in a closing checklist under "Part 5 –
    Consent and risk" (a section not known, so the checklist was taken for part of the account) was No. As README
    says, the immediate-risk question answered both Yes and No reads as Yes, with a warning."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [("Is the child at immediate risk?", "No" if checklist else "☒ Yes ☒ No"), *REFERRER_43, *CHILD_43])
    d.add_paragraph("Part 4 – Concerns")
    _pairs(d, [CONCERNS_43, *ANSWERS_43[:3]])
    if checklist:
        d.add_paragraph("Part 5 – Consent and risk")
        _pairs(d, [("Consent to share information", "Yes"), ("Immediate risk to the child (confirm)", "Yes")])
    result = parse_document(_save(d), "r.docx").to_json()
    warning = "answered both Yes and No on the form; read as Yes" if checklist else "both Yes and No are ticked; read as Yes"
    assert result["immediate_risk"] is True and any(warning in w for w in result["warnings"])


def test_a_log_pasted_into_the_account_under_its_question() -> None:
    """Round 51's police form: the account in the box under its question, a "Date | What happened" log pasted into
    it: the log's "What happened" heading (a label of the account too) was taken for the question, so the account
    was the log's one entry (its paragraphs lost, not listed missing)."""
    d = docx.Document()
    d.add_paragraph("Safeguarding Referral Form (First Contact)")
    _pairs(d, [*REFERRER_43, *CHILD_43])
    table = d.add_table(rows=2, cols=1)
    table.cell(0, 0).text = "Circumstances / what are you worried about?"
    account = table.cell(1, 0)
    account.text = "Kai was seen getting into cars (log PROBE)."
    log = account.add_table(rows=2, cols=2)
    for cell, text in zip(log._cells, ["Date", "What happened", "15/11/2026", "Seen at the park (ref TB1)"]):
        cell.text = text
    account.add_paragraph("School will keep a log.")
    _pairs(d, ANSWERS_43)
    read = _read_43(_save(d))
    assert read["concerns"].startswith("Kai was seen getting into cars (log PROBE).")
    assert "Seen at the park (ref TB1)" in read["concerns"] and read["missing"] == []


@pytest.mark.parametrize("label, key", [
    ("Is the child known to Children's Social Care (open case)?", "open_to_csc"),
    ("Exploitation risk assessment (CE Matrix) enclosed?", "ce_matrix_attached"),
])
def test_yes_no_questions_worded_as_agencies_ask_them(label: str, key: str) -> None:
    """Round 51: two more wordings of SPEC's questions."""
    rows = [*REFERRER_43, *CHILD_43, CONCERNS_43, (Q, "Yes"), (label, "Yes"), ("Is the child at immediate risk?", "No")]
    assert parse_document(_referral_43(rows), "r.docx").to_json()[key] is True


# -- round 50: the rest of the CE Matrix in the agencies' layouts ------------------------------------------

@pytest.mark.parametrize("lines, agency", [
    (["Tel: 0191 388 2222", "Email: named.worker@example.org", "Park View School"],
     "Tel: 0191 388 2222\nEmail: named.worker@example.org\nPark View School"),
    (["Park View School", "Tel: 0191 388 2222"], "Park View School"),
])
def test_the_workers_contact_details_and_agency_over_lines_of_a_paragraph(lines: list[str], agency: str) -> None:
    """Round 50: a header of "Label: value" paragraphs, "Contact Details & Agency:" with its value's lines broken by
    hand: only the first line (a telephone number) was read as the agency."""
    d = docx.Document()
    d.add_paragraph("Child Exploitation Risk Assessment Information Form")
    d.add_paragraph("Named worker leading on the Risk Assessment: Priya Shah")
    d.add_paragraph("Contact Details & Agency: " + lines[0])
    for line in lines[1:]:
        d.paragraphs[-1].add_run().add_break()
        d.paragraphs[-1].add_run(line)
    d.add_paragraph("Date of assessment: 05/06/2026")
    d.add_paragraph("Child's full name (+ aliases): Kian Hall")
    d.add_paragraph("D.O.B.: 14/03/2012")
    _card_matrix(d, INDICATORS)
    result = parse_document(_save(d), "m.docx").to_json()
    assert result["worker"] == {"name": "Priya Shah", "agency": agency}

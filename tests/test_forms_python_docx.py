"""Forms laid out differently from our template, written with python-docx (another generator).

One referral with section headings and label|value tables; one CE Matrix in
a compact grid (indicators as rows, levels as columns, typed X ticks).
"""

from __future__ import annotations

import io

import docx

from parsers.forms import parse_document

INDICATORS = [
    "Family and peer relationships", "Accommodation", "Education", "Emotional health", "Experience of violence",
    "Running away / going missing", "Contact with abusive adults and/or unsafe environments",
    "Controlled substances", "Coercion / control", "Rewards (including online reward)",
    "Sexual health & relationships", "Social networking", "Physical risks", "Engagement with services",
]
LEVELS = ["moderate", "low", "significant", "none", "low", "moderate", "significant", "low", "moderate", "none",
          "low", "moderate", "low", "none"]


def _pairs(document: docx.document.Document, rows: list[tuple[str, str]], cols: int = 2) -> None:
    table = document.add_table(rows=0, cols=cols)
    for row in rows:
        cells = table.add_row().cells
        for i, value in enumerate(row):
            cells[i].text = value


def _save(document: docx.document.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def referral() -> bytes:
    d = docx.Document()
    d.add_heading("Safeguarding Referral Form", 0)
    d.add_heading("1. Details of person making the referral", 1)
    _pairs(d, [("Name", "Sarah Jones"), ("Role", "Designated Safeguarding Lead"), ("Agency", "Hillside Primary"),
               ("Telephone", "0191 123 4567"), ("Email", "s.jones@hillside.durham.sch.uk"),
               ("Date of referral", "12/03/2026")])
    d.add_heading("2. Child details", 1)
    _pairs(d, [("Full name", "Tommy Brown"), ("Date of birth", "04/05/2014"), ("Gender", "Male"),
               ("Address", "3 Elm Road, Durham DH1 1AA"), ("School", "Hillside Primary")])
    d.add_heading("3. Categories of concern (tick all that apply)", 1)
    _pairs(d, [("Neglect", "☐"), ("Child exploitation / harm outside the home", "☒"), ("Domestic abuse", "☐")])
    d.add_heading("4. What has happened / what are you worried about?", 1)
    d.add_paragraph("Seen with older youths; new expensive trainers.")
    d.add_paragraph("Missing overnight on 10/03/2026.")
    _pairs(d, [("Are parents/carers aware of the referral?", "Yes"), ("Is the child open to Children's Social Care?",
               "No"), ("Is a CE Matrix attached?", "No"), ("Is the child at immediate risk?", "Yes")])
    return _save(d)


def grid_matrix() -> bytes:
    d = docx.Document()
    d.add_heading("Child Exploitation Risk Assessment Information Form", 0)
    _pairs(d, [("Named worker", "Alex Green", "Agency", "Durham Police"),
               ("Date", "05/02/2026", "Stage", "Referral ☒ Review ☐ Final ☐")], cols=4)
    _pairs(d, [("Child's name", "Amy Black"), ("DOB", "10.11.11"), ("Disability", "Learning disability (mild)")])
    table = d.add_table(rows=1, cols=6)
    for i, head in enumerate(["Risk indicator", "No risk", "Low", "Moderate", "Significant", "Evidence"]):
        table.rows[0].cells[i].text = head
    for n, (name, level) in enumerate(zip(INDICATORS, LEVELS), 1):
        cells = table.add_row().cells
        cells[0].text = f"{n}. {name}"
        for i, column in enumerate(["none", "low", "moderate", "significant"], 1):
            cells[i].text = "X" if column == level else ""
        cells[5].text = f"Evidence about {name.lower()}."
    d.add_paragraph("Type of exploitation suspected")
    _pairs(d, [("CSE", "☐"), ("CCE", "☒"), ("County Lines", "☒"), ("Trafficking / Modern Slavery", "☐")])
    d.add_paragraph("Overall assessed level of exploitation risk: Moderate")
    return _save(d)


def test_referral_with_headed_sections():
    """A referral whose sections are Word headings and whose answers sit in label|value tables."""
    result = parse_document(referral(), "r.docx").to_json()
    assert result["form"] == "referral"
    assert result["referrer"] == {"name": "Sarah Jones", "role": "Designated Safeguarding Lead",
                                  "agency": "Hillside Primary", "phone": "0191 123 4567",
                                  "email": "s.jones@hillside.durham.sch.uk"}
    assert result["child"]["name"] == "Tommy Brown" and result["child"]["dob"] == "2014-05-04"
    assert result["child"]["age"] == 11  # on the referral date
    assert result["concerns"] == "Seen with older youths; new expensive trainers.\nMissing overnight on 10/03/2026."
    assert result["categories"] == ["child_exploitation_harm_outside_the_home"]
    assert (result["parents_informed"], result["open_to_csc"], result["ce_matrix_attached"],
            result["immediate_risk"]) == (True, False, False, True)
    assert result["missing"] == []


def test_ce_matrix_as_a_grid_of_levels():
    """A compact CE Matrix: one row per indicator, one column per level, typed X ticks, evidence column."""
    result = parse_document(grid_matrix(), "m.docx").to_json()
    assert result["form"] == "ce_matrix"
    assert [result["indicators"][k]["level"] for k in result["indicators"]] == LEVELS
    assert result["indicators"]["education"]["evidence"] == "Evidence about education."
    assert result["overall_level"] == "moderate" and result["effective_level"] == "significant"
    assert result["exploitation_types"] == ["cce", "county_lines"]
    assert result["child"]["dob"] == "2011-11-10" and result["assessment_date"] == "2026-02-05"
    assert result["learning_disability"] is True and result["stage"] == "referral"
    assert result["missing"] == []

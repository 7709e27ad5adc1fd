"""Label normalisation, rewrite by rewrite.

``norm`` skips each rewrite where a cheap test says it cannot apply (most cell texts are values, not
labels); these cases pin every rewrite so that a test that skips too much fails here.
"""

from __future__ import annotations

import pytest

from config.profiles import default_profiles
from parsers.labels import label_forms, matches, norm

NORMS = [
    ("Kyle Hutchinson", "kyle hutchinson"),  # a value: nothing to rewrite
    ("Child’s full name (+ aliases)", "child full name aliases"),  # possessive, "+", brackets kept
    ("Referrer`s telephone", "referrer phone"),  # backtick possessive, "tel…"
    ("Young Person's name", "child name"),
    ("Children and young people", "child"),
    ("CYP address", "child address"),
    ("YP", "child"),
    ("Childs name", "child name"),
    ("D O B", "dob"),
    ("DoB", "dob"),
    ("Date of Birth", "dob"),
    ("Birth date", "dob"),
    ("E-mail", "email"),
    ("e mail", "email"),
    ("Tel:", "phone"),
    ("Telephone", "phone"),
    ("Organisation", "agency"),
    ("Organization", "agency"),
    ("Parents & carers", "parent carer"),  # "&" and plurals
    ("Parent/Carer", "parent carer"),
    ("Parent or carer", "parent carer"),  # "or" joins alternatives like "/"
    ("Indicators", "indicator"),
    ("1.1 Name of child", "name of child"),  # numbering
    ("Section 3: Household", "household"),
    ("SECTION B – CHILD / YOUNG PERSON", "child"),  # a lettered section heading with a dash
    ("Part 2 - Household", "household"),
    ("A1. Name of referrer", "name of referrer"),  # numbered by section letter
    ("B2 Date of birth", "dob"),
    ("C.3) Address", "address"),
    ("Ｃｈｉｌｄ（ａｌｉａｓ）", "child alias"),  # full-width forms (NFKC)
    ("Dorothy", "dorothy"),  # starts like "do…" but is no synonym
    ("Edward", "edward"),
    ("Carol", "carol"),
]


@pytest.mark.parametrize("text, expected", NORMS)
def test_norm(text: str, expected: str) -> None:
    assert norm(text) == expected


FORMS = [
    ("Name (if known)", {"name", "name if known"}),  # with and without the parenthetical
    ("Ｎａｍｅ［ｏｐｔｉｏｎａｌ］", {"name", "name optional"}),  # full-width brackets are brackets
    ("Email address (Mandatory)", {"email address", "email address mandatory"}),  # noise words dropped
    ("Please state: agency", {"agency", "please state agency"}),
    ("Name: (", {"name"}),  # an unclosed bracket removes nothing
]


@pytest.mark.parametrize("text, expected", FORMS)
def test_label_forms_with_and_without_parentheticals_and_noise(text: str, expected: set[str]) -> None:
    forms = label_forms(text)
    assert expected <= forms
    assert {f for f in forms if not f.startswith("~")} == expected


def test_word_order_forms() -> None:
    assert "~agency team" in label_forms("Team & Agency")


MATCHES = [
    ("referral", "referrer.agency", "Force / agency"),  # police copies
    ("referral", "referrer.role", "Rank / role"),
    ("ce_matrix", "child.dob", "D.O.B.:"),
    ("ce_matrix", "child.dob", "Young person's date of birth"),
    ("referral", "referrer.name", "Referrer’s name"),
    ("referral", "child.dob", "CHILD’S DATE OF BIRTH (if known)"),
]


@pytest.mark.parametrize("form, key, text", MATCHES)
def test_reworded_labels_match_their_field(form: str, key: str, text: str) -> None:
    profile = default_profiles()[form]
    # The field's specific labels (anywhere), and its section's generic ones ("Role" under "Referrer details").
    specs = [s for s in (profile.fields.get(key), profile.section_fields.get(key.split(".")[0], {}).get(key)) if s]
    assert any(matches(text, spec) for spec in specs)
    assert not any(matches("Kyle Hutchinson", spec) for spec in specs)

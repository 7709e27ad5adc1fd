"""The form parser against a corpus of independently built forms.

Each case builds a form from a fictional spec in one variant (tick encoding ×
layout × label wording, with merged/nested cells, tracked changes, placeholders
and date formats cycled through), parses it with ``parsers.forms.parse_document``
and compares the JSON object with ``tests.builders.forms.expected`` field by
field. Until the parser lands these fail with an ImportError, by design.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from parsers.results import INDICATOR_KEYS
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
    ReferralSpec,
    Variant,
    build_ce_matrix,
    build_referral,
    diff_result,
    expected,
    sample_ce_matrix,
    sample_referral,
    with_overrides,
)

TODAY = date(2026, 1, 15)
# Every tick encoding, with the typed-glyph one once per glyph.
TICKS: list[tuple[str, str]] = [("glyph", g) for g in GLYPHS] + [
    (t, "\u2612") for t in TICK_ENCODINGS if t != "glyph"]


def _parse(data: bytes, filename: str) -> dict[str, Any]:
    from parsers.forms import parse_document  # imported late: the parser is written in parallel

    return parse_document(data, filename, today=TODAY).to_json()


def _assert_round_trip(spec: CEMatrixSpec | ReferralSpec, variant: Variant) -> None:
    build: Callable[[Any, Variant], bytes] = build_referral if isinstance(spec, ReferralSpec) else build_ce_matrix
    result = _parse(build(spec, variant), variant.filename)
    problems = diff_result(result, expected(spec, docm=variant.docm))
    assert not problems, f"{variant}\n  " + "\n  ".join(problems)


def _grid_variant(i: int, tick: str, glyph: str, layout: str, labels: str) -> Variant:
    """Cycle the other dimensions through the grid so each value is met many times."""
    return Variant(tick=tick, glyph=glyph, layout=layout, labels=labels,
                   merged_cells=i % 2 == 0, single_indicator_table=i % 7 == 3,
                   evidence=EVIDENCE_STYLES[i % 4], text_fields=TEXT_FIELDS[(i // 3) % 4],
                   empty_fields=EMPTY_FIELDS[(i // 2) % 3], tracked_changes=i % 3 == 1,
                   reorder=i % 5 == 2, extra_rows=i % 4 == 3, date_format=DATE_FORMATS[i % 5], seed=i)


CE_GRID = [_grid_variant(i, t, g, lay, lab)
           for i, ((t, g), lay, lab) in enumerate(itertools.product(TICKS, LAYOUTS, LABEL_STYLES))]
REFERRAL_GRID = [_grid_variant(i, t, g, lay, LABEL_STYLES[i % 3])
                 for i, ((t, g), lay) in enumerate(itertools.product(TICKS, LAYOUTS))]


def _vid(v: Variant) -> str:
    tick = f"glyph{GLYPHS.index(v.glyph)}" if v.tick == "glyph" else v.tick
    return f"{tick}-{v.layout}-{v.labels}"


@pytest.mark.parametrize("variant", CE_GRID, ids=_vid)
def test_ce_matrix_grid(variant: Variant) -> None:
    """Scenario: a sample CE Matrix in this encoding, layout and wording parses to its spec."""
    _assert_round_trip(sample_ce_matrix(variant.seed, multi_ticks=variant.tick != "level_text"), variant)


@pytest.mark.parametrize("variant", REFERRAL_GRID, ids=_vid)
def test_referral_grid(variant: Variant) -> None:
    """Scenario: a sample referral in this encoding, layout and wording parses to its spec."""
    _assert_round_trip(sample_referral(variant.seed), variant)


def _levels_spec(**changes: Any) -> CEMatrixSpec:
    """A complete matrix with every level used, for focused tests."""
    spec = sample_ce_matrix(7, multi_ticks=False, p_empty=0.0)
    levels = ("none", "low", "moderate", "significant")
    spec.indicators = {k: (levels[i % 4], spec.indicators[k][1]) for i, k in enumerate(INDICATOR_KEYS)}
    spec.overall_level = "significant"
    return with_overrides(spec, **changes)


def test_glyph_disagreeing_with_w14_checked() -> None:
    """Scenario: every check-box control shows the opposite glyph; levels follow w14:checked."""
    _assert_round_trip(_levels_spec(), Variant(tick="content_control_glyph_mismatch"))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_legacy_checked_false_overrides_default_true(layout: str) -> None:
    """Scenario: unticked legacy boxes are w:default=1 with w:checked w:val=0; ticked are the reverse."""
    _assert_round_trip(_levels_spec(), Variant(tick="legacy_checked_overrides_default", layout=layout))


@pytest.mark.parametrize("text_fields", ["content_control", "content_control_block"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_placeholders_are_empty(text_fields: str, layout: str) -> None:
    """Scenario: empty fields show "Click or tap here to enter text." and are reported missing."""
    spec = _levels_spec(worker_name=None, dob=None, age=12, overall_level=None)
    spec.indicators["education"] = ("moderate", None)
    _assert_round_trip(spec, Variant(text_fields=text_fields, empty_fields="placeholder", layout=layout))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_formtext_blanks_are_empty(layout: str) -> None:
    """Scenario: legacy FORMTEXT fields left at five en spaces are empty and reported missing."""
    spec = _levels_spec(worker_agency=None, child_name=None, assessment_date=None)
    spec.indicators["rewards"] = ("low", None)
    _assert_round_trip(spec, Variant(text_fields="formtext", empty_fields="formtext", layout=layout))


@pytest.mark.parametrize(("tick", "glyph"), TICKS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(TICKS)])
def test_tracked_changes(tick: str, glyph: str) -> None:
    """Scenario: a level moved up a step and the child's name corrected with tracking on; w:del is ignored."""
    _assert_round_trip(_levels_spec(), Variant(tick=tick, glyph=glyph, tracked_changes=True, seed=3))


@pytest.mark.parametrize(("tick", "glyph"), [x for x in TICKS if x[0] != "level_text"])
def test_several_ticks_take_the_highest_and_warn(tick: str, glyph: str) -> None:
    """Scenario: Low and Significant both ticked for one indicator → significant, with a warning naming it."""
    spec = _levels_spec(extra_ticks={"education": ("low",), "rewards": ("none",)})
    spec.indicators["education"] = ("significant", spec.indicators["education"][1])
    _assert_round_trip(spec, Variant(tick=tick, glyph=glyph))


@pytest.mark.parametrize("tick", ["content_control", "level_text", "glyph_before_label"])
def test_no_overall_level_uses_highest_indicator(tick: str) -> None:
    """Scenario: no overall level ticked → overall_level missing, effective = highest indicator."""
    spec = _levels_spec(overall_level=None)
    exp = expected(spec)
    assert exp["effective_level"] == "significant" and "overall_level" in exp["missing"]
    _assert_round_trip(spec, Variant(tick=tick))


@pytest.mark.parametrize("date_format", DATE_FORMATS)
def test_dates_are_uk_order(date_format: str) -> None:
    """Scenario: DOB 3 April 2010 written as 03/04/2010, 03.04.10 etc. is never read as 4 March."""
    spec = _levels_spec(dob=date(2010, 4, 3), assessment_date=date(2025, 4, 2), age=15)
    assert expected(spec)["child"]["age"] == 14
    _assert_round_trip(spec, Variant(date_format=date_format))


@pytest.mark.parametrize("evidence", EVIDENCE_STYLES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("merged", [False, True])
def test_evidence_spans_rows_lists_and_nested_tables(evidence: str, layout: str, merged: bool) -> None:
    """Scenario: evidence split over continuation rows, bullet lists or a nested table is read whole."""
    spec = _levels_spec()
    long = ("First concern raised by school. Second concern from police. Third concern from health. "
            "Fourth concern from housing. Fifth concern from the youth worker.")
    spec.indicators = {k: (lvl, long) for k, (lvl, _) in spec.indicators.items()}
    _assert_round_trip(spec, Variant(evidence=evidence, layout=layout, merged_cells=merged))


@pytest.mark.parametrize("labels", LABEL_STYLES)
def test_reordered_indicators_and_extra_rows(labels: str) -> None:
    """Scenario: indicators shuffled (renumbered when reworded), levels descending, unrelated rows added."""
    for seed in range(4):
        _assert_round_trip(_levels_spec(), Variant(labels=labels, reorder=True, extra_rows=True,
                                                   merged_cells=seed % 2 == 0, seed=seed))


def test_docm_is_parsed_with_a_warning() -> None:
    """Scenario: a macro-enabled .docm is read (never run) and carries a warning."""
    _assert_round_trip(_levels_spec(), Variant(docm=True))


@pytest.mark.parametrize("tick", ["content_control", "legacy_default", "yes_text", "glyph_before_label"])
def test_referral_parents_not_informed_and_no_contact(tick: str) -> None:
    """Scenario: parents-aware question unanswered and no phone or email → both reported missing."""
    spec = with_overrides(sample_referral(5, p_empty=0.0), parents_informed=None, referrer_phone=None,
                          referrer_email=None)
    assert {"parents_informed", "referrer.contact"} <= set(expected(spec)["missing"])
    _assert_round_trip(spec, Variant(tick=tick))


@pytest.mark.parametrize("tick", ["content_control_glyph_mismatch", "legacy_checked", "wingdings"])
def test_referral_yes_no_answers(tick: str) -> None:
    """Scenario: each yes/no question answered both ways reads back as booleans."""
    for flip in (False, True):
        spec = with_overrides(sample_referral(6, p_empty=0.0), parents_informed=flip, open_to_csc=not flip,
                              immediate_risk=flip, ce_matrix_attached=not flip,
                              categories=["Child exploitation / harm outside the home", "Neglect"])
        _assert_round_trip(spec, Variant(tick=tick, tracked_changes=flip))


_VARIANTS = st.builds(
    Variant,
    tick=st.sampled_from(TICK_ENCODINGS), glyph=st.sampled_from(GLYPHS), labels=st.sampled_from(LABEL_STYLES),
    layout=st.sampled_from(LAYOUTS), reorder=st.booleans(), extra_rows=st.booleans(),
    merged_cells=st.booleans(), single_indicator_table=st.booleans(), evidence=st.sampled_from(EVIDENCE_STYLES),
    tracked_changes=st.booleans(), text_fields=st.sampled_from(TEXT_FIELDS),
    empty_fields=st.sampled_from(EMPTY_FIELDS), date_format=st.sampled_from(DATE_FORMATS),
    docm=st.booleans(), seed=st.integers(0, 10_000),
)


# No shrinking: seeds do not shrink meaningfully, and the failure message already names the variant.
@settings(max_examples=40, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(variant=_VARIANTS, spec_seed=st.integers(0, 10_000), referral=st.booleans())
# A header shuffled so the worker's and the manager's dates both sit in the rows after the manager's: one of them
# is the assessment's (it was missing).
@example(variant=Variant(tick="glyph", glyph="X", labels="template", layout="paragraphs", reorder=True,
                         extra_rows=True, evidence="bullets", date_format="ordinal", seed=1194),
         spec_seed=1194, referral=False)
def test_round_trip_property(variant: Variant, spec_seed: int, referral: bool) -> None:
    """Scenario: any spec in any variant parses back to the spec."""
    if referral:
        spec: CEMatrixSpec | ReferralSpec = sample_referral(spec_seed)
    else:
        spec = sample_ce_matrix(spec_seed, multi_ticks=variant.tick != "level_text")
    _assert_round_trip(spec, variant)

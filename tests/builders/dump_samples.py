"""Write a handful of sample forms, with their expected parse objects, to a directory.

For eyeballing the fixtures in Word/LibreOffice and for trying the parser by hand:

    python -m tests.builders.dump_samples OUTDIR
    hoth-intake parse OUTDIR/*.docx --json

Each ``NAME.docx`` gets a ``NAME.expected.json`` beside it (see ``forms.expected``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tests.builders.forms import (
    CEMatrixSpec,
    ReferralSpec,
    Variant,
    build_ce_matrix,
    build_referral,
    expected,
    sample_ce_matrix,
    sample_referral,
)

SAMPLES: dict[str, Variant] = {
    "ce_appendix7_content_controls": Variant(),
    "ce_appendix7_legacy_merged_tracked": Variant(tick="legacy_checked_overrides_default", merged_cells=True,
                                                  evidence="nested_table", tracked_changes=True,
                                                  text_fields="formtext", empty_fields="formtext", seed=1),
    "ce_pairs_glyph_reworded": Variant(tick="glyph", glyph="\u2714", labels="reworded", layout="pairs",
                                       reorder=True, extra_rows=True, evidence="continuation",
                                       date_format="d_month_yyyy", seed=2),
    "ce_inline_level_text_upper": Variant(tick="level_text", labels="upper", layout="inline",
                                          evidence="bullets", text_fields="content_control",
                                          empty_fields="placeholder", date_format="dmy_dots_short", seed=3),
    "ce_paragraphs_glyph_before_label": Variant(tick="glyph_before_label", layout="paragraphs",
                                                labels="reworded", date_format="ordinal", seed=4),
    "ce_single_table_mismatch": Variant(tick="content_control_glyph_mismatch", single_indicator_table=True,
                                        merged_cells=True, text_fields="content_control_block",
                                        empty_fields="placeholder", date_format="iso", seed=5),
    "referral_appendix7_content_controls": Variant(seed=6),
    "referral_pairs_wingdings_reworded": Variant(tick="wingdings", layout="pairs", labels="reworded",
                                                 tracked_changes=True, seed=7),
    "referral_paragraphs_yes_text": Variant(tick="yes_text", layout="paragraphs", labels="upper", seed=8),
}


def write_samples(outdir: Path) -> list[Path]:
    """Build every sample into ``outdir``; returns the document paths written."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for i, (name, variant) in enumerate(SAMPLES.items()):
        spec: CEMatrixSpec | ReferralSpec
        if name.startswith("referral"):
            spec = sample_referral(100 + i)
            data = build_referral(spec, variant)
        else:
            spec = sample_ce_matrix(100 + i, multi_ticks=variant.tick != "level_text")
            data = build_ce_matrix(spec, variant)
        path = outdir / f"{name}.docx"
        path.write_bytes(data)
        (outdir / f"{name}.expected.json").write_text(json.dumps(expected(spec), indent=2, ensure_ascii=False))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args()
    for path in write_samples(args.outdir):
        print(path)


if __name__ == "__main__":
    main()

"""Human-readable summaries for the CLI: what a mailbox administrator checks at a glance."""

from __future__ import annotations

from typing import TextIO

from parsers.results import FormType, ParseResult

_FORM_NAMES = {FormType.CE_MATRIX: "CE Matrix", FormType.REFERRAL: "Safeguarding Referral Form",
               FormType.UNKNOWN: "unrecognised document"}


def print_parse_summary(results: list[ParseResult], out: TextIO) -> None:
    for n, result in enumerate(results):
        if n:
            out.write("\n")
        out.write(f"{result.file}: {_FORM_NAMES[result.form]} — {result.status.value}\n")
        if result.problem:
            out.write(f"  problem: {result.problem}\n")
        if result.readable and result.form is not FormType.UNKNOWN:
            _form_lines(result, out)
        for companion in result.companions:
            out.write(f"  also in this file: {_FORM_NAMES[companion.form]}\n")
            _form_lines(companion, out)
        for warning in result.warnings:
            out.write(f"  warning: {warning}\n")


def _form_lines(result: ParseResult, out: TextIO) -> None:
    child = result.child
    out.write(f"  child: {child.initials or '?'} (initials)  dob: {'present' if child.dob else 'missing'}"
              f"  age: {child.age if child.age is not None else '?'}\n")
    if result.form is FormType.CE_MATRIX:
        out.write(f"  overall level: {_lvl(result.overall_level)}   effective level: {_lvl(result.effective_level)}\n")
        for key, indicator in result.indicators.items():
            evidence = "evidence given" if indicator.evidence else "NO EVIDENCE"
            out.write(f"    {key:<36} {_lvl(indicator.level):<12} {evidence}\n")
        for added in result.extra.get("added_indicators", ()):  # "15. Risk Indicator - Other (please specify)"
            evidence = "evidence given" if added["evidence"] else "NO EVIDENCE"
            out.write(f"    added: {added['title'][:29]:<29} {added['level'] or 'not given':<12} {evidence}\n")
        if result.exploitation_types:
            out.write(f"  exploitation types: {', '.join(result.exploitation_types)}\n")
    else:
        extra = result.extra
        for key in ("parents_informed", "open_to_csc", "immediate_risk", "ce_matrix_attached"):
            out.write(f"  {key}: {_yes_no(extra.get(key))}\n")
        if extra.get("categories"):
            out.write(f"  categories: {', '.join(extra['categories'])}\n")
    out.write(f"  missing: {', '.join(result.missing) if result.missing else 'nothing'}\n")


def _lvl(level) -> str:
    return level.value if level else "not given"


def _yes_no(value: bool | None) -> str:
    return "not answered" if value is None else "yes" if value else "no"

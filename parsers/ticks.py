"""Tick primitives: whether a cell or a paragraph records a tick, and for which label.

Works on the text `parsers.wordml` produces, where every check box is already
a marker character; typed ticks ("[x]", a lone "X", "Yes"/"Y") are read here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from parsers.labels import TEXT_CACHE_SIZE, norm
from parsers.wordml import MARKERS, TICK_OFF, TICK_ON, Row

_BRACKET_ON = re.compile(r"[\[\(]\s*[xX✓✔]\s*[\]\)]")
_BRACKET_OFF = re.compile(r"[\[\(]\s{0,3}[\]\)]")
_YES = {"yes", "y", "x", "ticked", "true", "yes x"}
_NO = {"no", "n", "false", "not ticked"}


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def tick_state(text: str) -> bool | None:
    """A cell holding only a tick: True/False; None if the cell says more than a tick."""
    text = typed_ticks(text).strip()
    if not text:
        return None
    if all(ch in MARKERS or ch.isspace() for ch in text):
        return TICK_ON in text
    word = norm(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


def typed_ticks(text: str) -> str:
    """Ticks typed as text, as markers: "(X)" and "( )" (wordml has done "[x]" and "[ ]"), and a lone X at the
    start, the end or after a wide gap, or among boxes."""
    text = _BRACKET_OFF.sub(TICK_OFF, _BRACKET_ON.sub(TICK_ON, text))
    if len(text) <= 400 and ("x" in text or "X" in text):  # a line of items, not prose
        text = _TYPED_X.sub(TICK_ON, text)
        if TICK_OFF in text:  # "☐ Low X Moderate ☐ Significant": among boxes, a lone X between single spaces too
            text = _LONE_X.sub(TICK_ON, text)
    return text


_TYPED_X = re.compile(r"(?:^|(?<=\s\s)|(?<=\t))[xX](?=\s|$)|(?<=\s)[xX]$")
_LONE_X = re.compile(r"(?<=\s)[xX](?=\s)")


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def segments(paragraph: str) -> tuple[tuple[bool | None, str], ...]:
    return tuple((state, label) for state, label, _ in sided_segments(paragraph))


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def sided_segments(paragraph: str) -> tuple[tuple[bool | None, str, str | None], ...]:
    """``segments``, each with the side its box stands on ("before" / "after" the label, None if no box)."""
    return tuple(_segments(paragraph))


def _segments(paragraph: str) -> list[tuple[bool | None, str, str | None]]:
    """Each marker belongs to the label it sits closer to; on a tie, the layout's habit decides."""
    text = typed_ticks(paragraph).strip()
    if not any(m in text for m in MARKERS):
        return [(None, text, None)] if text else []
    parts = re.split(f"([{MARKERS}])", text)
    labels, markers = parts[0::2], parts[1::2]
    # "☒ A ☐ B", or after the question "Type of exploitation: ☐ CSE ☒ CCE": markers precede their labels
    leading = text[0] in MARKERS or labels[0].rstrip().endswith(":")
    states: dict[int, bool] = {}
    sides: dict[int, str] = {}
    for k, marker in enumerate(markers):
        before, after = labels[k], labels[k + 1]
        if not before.strip():
            target = k + 1
        elif not after.strip():
            target = k
        elif before.rstrip().endswith(_SEPARATORS) != after.lstrip().startswith(_SEPARATORS):
            # "Moderate / ☒ Significant", "Low ☐ / Moderate": a separator ends an item, the box is the other's
            target = k + 1 if before.rstrip().endswith(_SEPARATORS) else k
        elif before.rstrip().endswith(":") and not after.rstrip().endswith(":"):
            target = k + 1  # "Level of risk: ☒ No risk identified": the question, then its ticked answer
        else:
            gap_before = len(before) - len(before.rstrip())
            gap_after = len(after) - len(after.lstrip())
            target = k + 1 if (gap_after < gap_before or (gap_after == gap_before and leading)) else k
        states[target] = states.get(target, False) or marker == TICK_ON
        sides.setdefault(target, "before" if target == k + 1 else "after")
    return [(states.get(n), label.strip(), sides.get(n)) for n, label in enumerate(labels) if label.strip()]


_SEPARATORS = ("/", "|", ",", ";")
# Between the items of a list written on one line: "Low / Moderate", "CSE | CCE", "a; b", tabs, runs of spaces.
ITEM_SEPARATOR = re.compile(r"\s*[/|,;\t]\s*|\s{2,}")


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def edge_tick(text: str) -> bool | None:
    """A cell's one tick standing at its start or end, or on a line of its own, beside other text.

    The CE Matrix's own layout puts a level's descriptor beside its name, and
    agencies type the tick into the descriptor ("☒ • Concerns regarding …").
    Several markers in the cell are a list of their own: None.
    """
    text = typed_ticks(text).strip()
    if sum(text.count(m) for m in MARKERS) != 1:
        return None
    if text[0] in MARKERS:
        return text[0] == TICK_ON
    if text[-1] in MARKERS:
        return text[-1] == TICK_ON
    for line in text.split("\n"):  # "• Concerns …\n☒" or "• Concerns … ☒\n• More …"
        line = line.strip()
        if line and (line[0] in MARKERS or line[-1] in MARKERS):
            return TICK_ON in line
    return None


def side_tick(row: Row, j: int) -> bool | None:
    """The tick in the cell right of cell j, else left of it."""
    for k in (j + 1, j - 1):
        if 0 <= k < len(row.cells):
            state = tick_state(row.cells[k].text)
            if state is not None:
                return state
    return None

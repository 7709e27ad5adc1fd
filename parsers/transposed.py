"""A CE Matrix drawn on its side: the indicators across the top, a row per level and one of evidence.

Some agencies lay the matrix out landscape, one column per indicator::

    Level of risk      | 1) Family and peer … | 2) Accommodation | …
    No risk identified | ☐                    | ☐                | …
    Low                | ☒                    | ☐                | …
    …
    Evidence           | Seen with …          | Lives with …     | …

Such a table is turned back into the grid the readers know (a row per indicator, a column per level and one
for evidence) before anything reads the document, so detection, levels, evidence and completeness treat it
as any other grid. Nothing else in the document moves.
"""

from __future__ import annotations

from parsers.ce_matrix import heading_key
from parsers.labels import Profile
from parsers.wordml import Cell, Document, Row

_HEAD = "Risk indicator"


def untranspose(doc: Document, profile: Profile) -> None:
    """Rewrite, in place, each run of rows headed by a row naming three indicators or more in its cells after
    the first (a transposed matrix) as one row per column; renumber the rows of the tables changed."""
    rows = doc.rows
    headers = [_header(row, profile) for row in rows]
    if not any(headers):
        return
    out: list[Row] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if not headers[i]:
            out.append(row)
            i += 1
            continue
        end = i + 1
        below: list[Row] = []  # the level and evidence rows under this header
        nested: dict[int | None, list[Row]] = {}  # what is nested in their cells, by the cell's column
        col = None
        while end < len(rows) and not headers[end]:
            nxt = rows[end]
            if nxt.table == row.table and nxt.depth == row.depth:
                below.append(nxt)
            elif nxt.depth > row.depth:
                col = nxt.within if nxt.depth == row.depth + 1 else col
                nested.setdefault(col, []).append(nxt)
            else:
                break
            end += 1
        out.extend(_turned(row, below, nested))
        i = end
    _renumber(out)
    doc.rows = out


def _header(row: Row, profile: Profile) -> bool:
    """A row whose cells after the first name three indicators or more (most rows: one or two lookups)."""
    cells = row.cells
    if row.table is None or len(cells) < 4:
        return False
    named = 0
    for n, cell in enumerate(cells[1:]):
        if cell.text.strip() and heading_key(cell.text, profile):
            named += 1
            if named >= 3:
                return True
        elif n >= 1 and named == 0:
            return False  # neither of the first two names one: no such row
    return False


def _turned(header: Row, below: list[Row], nested: dict[int | None, list[Row]]) -> list[Row]:
    """The header's columns as rows: "Risk indicator | <each row's label> …", then per column its title and
    that column's cell of every row below, followed by what is nested in that column's cells (an incident log
    pasted into its evidence)."""
    labels = [r.cells[0].text if r.cells else "" for r in below]
    turned = [Row([Cell(_HEAD, 0)] + [Cell(label, n) for n, label in enumerate(labels, 1)], header.table, 0,
                  header.depth)]
    placed: set[int | None] = set()
    for title in header.cells:
        if title is header.cells[0] or not title.text.strip() or title.merged_above:
            continue
        cells = [Cell(title.text, 0, highlighted=title.highlighted)]
        for n, r in enumerate(below, 1):
            value = r.cell_at(title.col)
            if value is not None and value is not r.cells[0] and not value.merged_above:
                cells.append(Cell(value.text, n, highlighted=value.highlighted))
            else:
                cells.append(Cell("", n))
        turned.append(Row(cells, header.table, 0, header.depth))
        for col in [c for c in nested if c is not None and title.col <= c < title.col + title.span]:
            turned.extend(nested[col])
            placed.add(col)
    for col, rows in nested.items():  # in the label column, or a column with no title: after them all
        if col not in placed:
            turned.extend(rows)
    return turned


def _renumber(rows: list[Row]) -> None:
    """Each row's index in its table again (a body paragraph's: its place in the document)."""
    seen: dict[int, int] = {}
    for at, row in enumerate(rows):
        if row.table is None:
            row.index = at
        else:
            row.index = seen.get(row.table, -1) + 1
            seen[row.table] = row.index

"""Small-cell suppression: no count in a breakdown may single anyone out.

A breakdown row splits a population of N people (N is shown elsewhere: "raised by 14 people")
into one cell per value of a dimension plus an "unknown" cell, so the cells add up to N.

1. Primary suppression: every cell below the organization's minimum (zero included) shows
   as "fewer than <minimum>".
2. Complementary suppression: if exactly one suppressed cell is non-zero, N minus the shown
   cells would give it away, so the smallest shown non-zero cell is hidden too. Afterwards the
   hidden cells either hold nobody at all, or at least two of them hold someone: subtracting
   from the total gives only their sum, never one of them.
3. No breakdown at all for a population below the minimum (every cell would be hidden).

Rows of different dimensions are one-way marginals of the same people, so putting two rows
side by side adds no joint information. Breakdowns of nested populations (a line whose
provenance is a theme plus a few ideas) are guarded where they are shown: see
`selectors.too_close`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Shown(StrEnum):
    COUNT = "count"
    SMALL = "small"  # below the minimum: "fewer than 5"
    HIDDEN = "hidden"  # would let a small cell be worked out from the total


@dataclass(frozen=True)
class Cell:
    key: int | None  # the SectionValue id; None is "unknown"
    label: str
    count: int  # the true count: never rendered unless shown is COUNT
    shown: Shown

    @property
    def visible_count(self) -> int | None:
        return self.count if self.shown is Shown.COUNT else None


def suppress(counts: list[tuple[int | None, str, int]], minimum: int) -> list[Cell]:
    """Decide how each cell of one row is shown; `counts` is (key, label, true count)."""
    shown = {key: Shown.COUNT if n >= minimum else Shown.SMALL for key, _label, n in counts}
    hidden_nonzero = [key for key, _label, n in counts if shown[key] is not Shown.COUNT and n > 0]
    if len(hidden_nonzero) == 1:
        candidates = [(n, str(label), key) for key, label, n in counts if shown[key] is Shown.COUNT]
        if candidates:
            _n, _label, key = min(candidates)
            shown[key] = Shown.HIDDEN
    return [Cell(key, label, n, shown[key]) for key, label, n in counts]

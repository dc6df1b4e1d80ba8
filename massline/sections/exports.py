"""Breadth by section leaving massline: the board's CSV and the API's answers.

Built only from `Cell.visible_count` and `Cell.shown` (never `Cell.count`), so a cell below
the minimum leaves as "fewer than N" and a cell hidden to protect it as "hidden", exactly as
the pages show them; a breakdown the pages do not show (too few people, or too close to a
theme it could be differenced against) is not exported at all. Sensitive dimensions appear
only for members given that right (`selectors.dimensions_for`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from massline import access
from massline.organization.models import Member
from massline.people.transfer import safe_cell
from massline.rounds.models import Line, Round, Theme
from massline.sections import selectors
from massline.sections.selectors import Breakdown
from massline.sections.suppression import Shown


@dataclass(frozen=True)
class ExportedCell:
    dimension: str
    sensitive: bool
    value: str  # "" is unknown
    count: int | None  # None unless the pages show the number
    shown: str  # Shown: count, small or hidden


def cells(breakdown: Breakdown | None) -> list[ExportedCell]:
    """The cells of a breakdown as they may be shown; none when the pages show no breakdown."""
    if breakdown is None or not breakdown.shown:
        return []
    return [
        ExportedCell(
            row.dimension.name,
            row.dimension.sensitive,
            cell.label if cell.key is not None else "",
            cell.visible_count,
            cell.shown.value,
        )
        for row in breakdown.rows
        for cell in row.cells
    ]


def shown_total(breakdown: Breakdown | None) -> int | None:
    return breakdown.total if breakdown is not None and breakdown.shown else None


def _text(cell: ExportedCell, minimum: int) -> str:
    if cell.count is not None:
        return str(cell.count)
    if cell.shown == Shown.SMALL:
        return _("fewer than %(n)s") % {"n": minimum}
    return _("hidden")


def latest_breakdown(member: Member, line: Line) -> Breakdown | None:
    """A line's provenance by section as its page shows it (its latest version)."""
    version = line.versions.order_by("-number").first()
    if version is None:
        return None
    return selectors.line_sections(member, line, version).breakdown


def theme_breakdown(member: Member, theme: Theme) -> Breakdown | None:
    return selectors.theme_breakdowns(member, theme.round, [theme]).get(theme.pk)


def round_csv(member: Member, round_: Round) -> str:
    """One row per (theme or line, dimension, value), as the board and line pages show it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("kind"), _("name"), _("people"), _("dimension"), _("sensitive"), _("value"), _("count")]
    )
    minimum = selectors.minimum_cell(access.organization_id(round_.leading_unit))
    themes = list(round_.themes.order_by("pk"))
    by_theme = selectors.theme_breakdowns(member, round_, themes)
    found: list[tuple[str, str, Breakdown | None]] = [
        (_("theme"), theme.name, by_theme.get(theme.pk)) for theme in themes
    ]
    for line in round_.lines.order_by("pk"):
        found.append((_("line"), str(line), latest_breakdown(member, line)))
    for kind, name, breakdown in found:
        for cell in cells(breakdown):
            writer.writerow(
                [
                    kind,
                    safe_cell(name),
                    shown_total(breakdown),
                    safe_cell(cell.dimension),
                    _("yes") if cell.sensitive else "",
                    safe_cell(cell.value) if cell.value else _("unknown"),
                    _text(cell, minimum),
                ]
            )
    return out.getvalue()

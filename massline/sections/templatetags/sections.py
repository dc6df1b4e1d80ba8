"""Breadth by section on other areas' pages: the board's themes and a line's provenance.

Each tag reads through massline.sections.selectors, so every number it renders has been
suppressed already and the member's right to sensitive dimensions has been checked.
"""

from __future__ import annotations

from django import template

from massline.people.models import Person
from massline.rounds.models import Line, LineVersion, Round, Theme
from massline.sections import selectors, translations

register = template.Library()


@register.simple_tag(takes_context=True)
def section_breadths(context: template.Context, round_: Round, themes: list[Theme]) -> dict:
    """Who raised each theme on the board, by section (two queries for the whole board)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {}
    return selectors.theme_breakdowns(request.user, round_, list(themes))


@register.inclusion_tag("sections/_breakdown.html")
def section_breadth(breakdowns: dict, theme: Theme) -> dict:
    return {"breakdown": breakdowns.get(theme.pk), "raised": True}


@register.inclusion_tag("sections/_line_sections.html", takes_context=True)
def line_sections(context: template.Context, line: Line, version: LineVersion) -> dict:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {}
    return {"sections": selectors.line_sections(request.user, line, version)}


@register.inclusion_tag("sections/_return_version.html", takes_context=True)
def line_version_for(context: template.Context, line: Line, person: Person) -> dict:
    """On the return list: the line in the person's own language, when it has been
    translated into it. Looked up once for the whole list (no query per person)."""
    key = ("sections.line_versions", line.pk)
    if key not in context.render_context:
        people = list(context.get("return_list") or [person])
        context.render_context[key] = translations.versions_for(line, people)
    return {"shown": context.render_context[key].get(person.pk)}

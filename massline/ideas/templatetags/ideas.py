"""The language an idea was said in, on any page that shows ideas, and what the theme engine
did with the languages on the board."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from massline.ideas.services import LANGUAGE_NAMES
from massline.rounds import suggestions
from massline.rounds.models import DraftTheme, ThemeSuggestion
from massline.sections.models import PEOPLE_LANGUAGES

register = template.Library()


@register.filter
def language_name(code: str | None) -> str:
    """A language in its own name ("Español"), as people recognise it; blank: not recorded."""
    return LANGUAGE_NAMES.get(code or "", code or _("language not recorded"))


@register.simple_tag
def idea_languages() -> list[tuple[str, str]]:
    return PEOPLE_LANGUAGES


@register.simple_tag
def draft_language(job: ThemeSuggestion, draft: DraftTheme) -> str:
    """The name of the language of a draft's ideas, or "" when they are mixed or unknown."""
    code = suggestions.draft_language(job, draft)
    return language_name(code) if code else ""


@register.inclusion_tag("ideas/_grouping_note.html")
def language_grouping_note(job: ThemeSuggestion | None) -> dict[str, str]:
    """The board's warning when the engine grouped each language's ideas apart."""
    grouping = suggestions.language_grouping(job)
    if grouping is None or not grouping.within_languages:
        return {}
    counts = [
        ngettext("%(language)s %(count)s idea", "%(language)s %(count)s ideas", n)
        % {"language": language_name(code), "count": n}
        for code, n in grouping.counts.items()
    ]
    return {"counts": ", ".join(counts)}

"""The language an idea was said in: guessed when it is recorded, corrected by a member.

The theme engine groups ideas within each language when its model cannot match them across
languages, so a wrong language splits a theme: the guess comes from the person first (they
said it), and only then from the screen it was typed on.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import translation

from massline.ideas.models import Idea
from massline.organization.models import Member
from massline.people.models import Person
from massline.sections.language import member_language
from massline.sections.models import PEOPLE_LANGUAGES, PersonLanguage

LANGUAGE_CODES = {code for code, _name in PEOPLE_LANGUAGES}
LANGUAGE_NAMES = dict(PEOPLE_LANGUAGES)
_CODE_BY_NAME = {name.casefold(): code for code, name in PEOPLE_LANGUAGES}


def known_language(said: str | None) -> str:
    """A code or a language's own name as one of the people's languages ("es-mx" -> "es",
    "Español" -> "es"), or "" when it is none of them."""
    said = (said or "").strip().casefold()
    if said in LANGUAGE_CODES:
        return said
    base = said.split("-", 1)[0]
    return base if base in LANGUAGE_CODES else _CODE_BY_NAME.get(said, "")


def spoken_language(people: Iterable[Person] = (), by: Member | None = None) -> str:
    """The language new ideas were most likely said in.

    The preferred language the people share, when they share one; else the language the
    recording member reads massline in; else the language of the page being used (for the
    public form, the visitor's own).
    """
    ids = [person.pk for person in people if person is not None and person.pk]
    if ids:
        preferred = set(
            PersonLanguage.objects.filter(person_id__in=ids).values_list("language", flat=True)
        )
        if len(preferred) == 1:
            return preferred.pop()
    if by is not None and by.is_authenticated:
        chosen = known_language(member_language(by))
        if chosen:
            return chosen
    return known_language(translation.get_language())


def correct_language(idea: Idea, language: str) -> Idea:
    """A member says which language the idea was really said in ("" for unknown)."""
    if language and language not in LANGUAGE_CODES:
        raise ValueError(f"unknown language {language!r}")
    idea.language = language
    idea.save(update_fields=["language"])
    return idea

"""A line in the people's languages: translations, staleness, and which version a person
gets (and got) on the return list."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from massline import access
from massline.organization.models import Member
from massline.people.models import Person
from massline.rounds.models import Line, LineVersion, Reception
from massline.sections.models import (
    PEOPLE_LANGUAGES,
    LineTranslation,
    PersonLanguage,
    ReceptionLanguage,
)

CODES = {code for code, _name in PEOPLE_LANGUAGES}


def latest_version(line: Line) -> LineVersion:
    return line.versions.order_by("-number").first()


def is_stale(translation: LineTranslation, latest: LineVersion | None = None) -> bool:
    """A translation made from an older version than the line's latest."""
    latest = latest or latest_version(translation.line)
    return translation.version_id != latest.pk


@transaction.atomic
def translate_line(
    line: Line, language: str, *, concern: str, action: str, rationale: str = "", by: Member
) -> LineTranslation:
    """Add or redo the line in `language`, from its latest version, signed by the translator."""
    if not access.visible_rounds(by).filter(pk=line.round_id).exists():
        raise PermissionDenied(_("Not found"))
    if language not in CODES:
        raise ValidationError({"language": _("Choose a language from the list.")})
    if not concern.strip() or not action.strip():
        raise ValidationError(_("A translation needs the concern and the action."))
    translation, _created = LineTranslation.objects.update_or_create(
        line=line,
        language=language,
        defaults={
            "version": latest_version(line),
            "concern": concern.strip(),
            "action": action.strip(),
            "rationale": rationale.strip(),
            "translator": by,
        },
    )
    return translation


def set_person_language(person: Person, language: str | None, *, by: Member) -> None:
    if not access.visible_people(by).filter(pk=person.pk).exists():
        raise PermissionDenied(_("Not found"))
    if not language:
        PersonLanguage.objects.filter(person=person).delete()
        return
    if language not in CODES:
        raise ValidationError({"language": _("Choose a language from the list.")})
    PersonLanguage.objects.update_or_create(person=person, defaults={"language": language})


@dataclass
class Shown:
    """The version of a line an organizer brings to one person."""

    language: str
    concern: str
    action: str
    stale: bool
    translation: LineTranslation | None


def version_for(line: Line, person: Person) -> Shown | None:
    """The line in the person's preferred language, if it has been translated into it; None
    when the original is what they get."""
    preferred = PersonLanguage.objects.filter(person=person).values_list("language", flat=True)
    language = preferred.first()
    if not language:
        return None
    translation = (
        LineTranslation.objects.filter(line=line, language=language)
        .select_related("version", "line")
        .first()
    )
    if translation is None:
        return None
    return Shown(
        language, translation.concern, translation.action, is_stale(translation), translation
    )


def versions_for(line: Line, people: list[Person]) -> dict[int, Shown]:
    """`version_for` for a whole return list in three queries, whatever its length."""
    preferred = dict(
        PersonLanguage.objects.filter(person__in=[p.pk for p in people]).values_list(
            "person_id", "language"
        )
    )
    if not preferred:
        return {}
    latest = latest_version(line)
    by_language = {
        t.language: t
        for t in LineTranslation.objects.filter(line=line, language__in=set(preferred.values()))
    }
    shown = {}
    for person_id, language in preferred.items():
        translation = by_language.get(language)
        if translation is not None:
            shown[person_id] = Shown(
                language,
                translation.concern,
                translation.action,
                translation.version_id != latest.pk,
                translation,
            )
    return shown


@receiver(post_save, sender=Reception, dispatch_uid="massline.sections.reception_language")
def _record_language_used(sender: object, instance: Reception, **kwargs: object) -> None:
    """A reception keeps which version of the line the organizer had in front of them."""
    shown = version_for(instance.line, instance.person)
    if shown is None:
        ReceptionLanguage.objects.filter(reception=instance).delete()
        return
    ReceptionLanguage.objects.update_or_create(
        reception=instance,
        defaults={"language": shown.language, "translation_version": shown.translation.version},
    )

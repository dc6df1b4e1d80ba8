"""A line in the people's languages: translations with translator and date, stale when the
line changes, the flyer in any of them, the return list in the person's language, and the
reception remembering which version was used."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from massline.rounds import services as rounds
from massline.rounds.models import PoolEntry, RoundState
from massline.sections import translations
from massline.sections.models import PersonLanguage, ReceptionLanguage
from tests.conftest import World, client_for

SPANISH = {
    "concern": "la subida del alquiler",
    "action": "negarnos juntos a pagar la subida",
    "rationale": "Solo unidos nos escucha el casero.",
}


@pytest.fixture
def returning(world: World):
    """Elm's line, published: the round is bringing it back to the people."""
    round_ = world.elm.round
    round_.state = RoundState.CONCENTRATING
    round_.save()
    rounds.publish_line(world.elm.line, by=world.elm.organizer)
    return world.elm.line


def test_translation_keeps_translator_and_date_and_goes_stale(world: World, returning) -> None:
    alice = world.elm.organizer
    translated = translations.translate_line(returning, "es", by=alice, **SPANISH)
    assert translated.translator == alice and translated.translated_at is not None
    assert not translations.is_stale(translated)
    entry = PoolEntry.of(returning.round, world.elm.idea)  # a new version needs provenance
    entry.save()
    rounds.write_line(
        returning.round,
        rounds.LineDraft(concern="the rent", action="withhold it", change_note="sharper"),
        themes=[],
        entries=[entry],
        by=alice,
        line=returning,
    )
    translated.refresh_from_db()
    assert translations.is_stale(translated)
    page = client_for(alice).get(reverse("line_translations", args=[returning.pk]))
    assert "stale: made from version 1" in page.content.decode()
    # redoing it makes it current again
    again = translations.translate_line(returning, "es", by=alice, **SPANISH)
    assert not translations.is_stale(again)


def test_bad_translations_are_refused(world: World, returning) -> None:
    with pytest.raises(ValidationError):
        translations.translate_line(
            returning, "xx", by=world.elm.organizer, concern="a", action="b"
        )
    with pytest.raises(ValidationError):
        translations.translate_line(
            returning, "es", by=world.elm.organizer, concern=" ", action="b"
        )
    with pytest.raises(PermissionDenied):
        translations.translate_line(returning, "es", by=world.building_c.organizer, **SPANISH)


def test_flyer_prints_in_the_translation(world: World, returning) -> None:
    translations.translate_line(returning, "ar", by=world.elm.organizer, **SPANISH)
    translations.translate_line(returning, "es", by=world.elm.organizer, **SPANISH)
    alice = client_for(world.elm.organizer)
    url = reverse("line_translation_flyer", args=[returning.pk])
    page = alice.get(url, {"language": "es"}).content.decode()
    assert '<html lang="es" dir="ltr">' in page
    assert "Si te preocupa" in page and "negarnos juntos a pagar la subida" in page
    arabic = alice.get(url, {"language": "ar"}).content.decode()
    assert 'dir="rtl"' in arabic and "إذا كان يقلقك" in arabic
    assert alice.get(url, {"language": "fr"}).status_code == 404  # not translated
    bob = client_for(world.building_c.organizer)
    assert bob.get(url, {"language": "es"}).status_code == 404


def test_return_list_shows_the_persons_language_and_reception_records_it(
    world: World, returning
) -> None:
    alice = world.elm.organizer
    amara = world.elm.person
    PersonLanguage.objects.create(person=amara, language="es")
    translations.translate_line(returning, "es", by=alice, **SPANISH)
    page = (
        client_for(alice)
        .get(reverse("line_detail", args=[returning.round.pk, returning.pk]))
        .content.decode()
    )
    assert "negarnos juntos a pagar la subida" in page
    reception = rounds.record_reception(
        returning, amara, response="agrees", said="Sí, todos juntos", by=alice
    )
    used = ReceptionLanguage.objects.get(reception=reception)
    assert used.language == "es" and used.translation_version.line == returning


def test_person_without_a_translation_in_their_language_gets_the_original(
    world: World, returning
) -> None:
    PersonLanguage.objects.create(person=world.elm.person, language="tl")
    translations.translate_line(returning, "es", by=world.elm.organizer, **SPANISH)
    assert translations.version_for(returning, world.elm.person) is None
    reception = rounds.record_reception(
        returning, world.elm.person, response="agrees", said="", by=world.elm.organizer
    )
    assert not ReceptionLanguage.objects.filter(reception=reception).exists()


def test_person_language_is_set_on_the_sections_page(world: World) -> None:
    alice = client_for(world.elm.organizer)
    url = reverse("person_sections", args=[world.elm.person.pk])
    assert alice.post(url, {"language": "ar"}).status_code == 302
    assert PersonLanguage.objects.get(person=world.elm.person).language == "ar"
    alice.post(url, {"language": ""})
    assert not PersonLanguage.objects.filter(person=world.elm.person).exists()

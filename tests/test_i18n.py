"""The people's languages: catalogues complete and in step with the source, pages in Spanish
and Arabic, a member's own choice, and the public pages following the browser."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

from massline.sections import catalogues
from massline.sections.compile import compile_all
from massline.sections.models import LanguagePreference
from tests.conftest import World, client_for

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(catalogues.catalogue_path(language)))


@pytest.mark.parametrize("language", catalogues.SHIPPED)
def test_catalogue_is_complete(language: str) -> None:
    po = _catalogue(language)
    assert len(po) > 500
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []


@pytest.mark.parametrize("language", catalogues.SHIPPED)
def test_translations_keep_the_placeholders(language: str) -> None:
    """A translation may not drop or invent a %(name)s (a plural form may leave out the count,
    as Arabic does for one and two)."""
    wrong = []
    for entry in _catalogue(language).translated_entries():
        if entry.msgid_plural:
            expected = set(PLACEHOLDER.findall(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                if not set(PLACEHOLDER.findall(form)) <= expected:
                    wrong.append(entry.msgid)
        elif set(PLACEHOLDER.findall(entry.msgstr)) != set(PLACEHOLDER.findall(entry.msgid)):
            wrong.append(entry.msgid)
    assert wrong == []


def test_arabic_has_its_six_plural_forms() -> None:
    po = _catalogue("ar")
    assert po.metadata["Plural-Forms"].startswith("nplurals=6;")
    plurals = [e for e in po if e.msgid_plural]
    assert plurals and all(len(e.msgstr_plural) == 6 for e in plurals)


@pytest.mark.skipif(not shutil.which("xgettext"), reason="makemessages needs GNU xgettext")
def test_every_marked_string_is_in_the_catalogues(tmp_path: Path) -> None:
    """Run makemessages on a copy of the source: a string marked (or changed) in the code but
    missing from the catalogues, or a catalogue entry nothing uses any more, fails here.
    Fix with `massline messages`, then translate."""
    fresh = {(e.msgctxt, e.msgid) for e in catalogues.extract(tmp_path)}
    for language in catalogues.SHIPPED:
        shipped = {(e.msgctxt, e.msgid) for e in _catalogue(language)}
        assert sorted(fresh - shipped, key=str) == [], f"not in the {language} catalogue"
        assert sorted(shipped - fresh, key=str) == [], f"stale in the {language} catalogue"


def test_compiled_catalogues_match_the_sources(tmp_path: Path) -> None:
    """The .mo files Django reads are what `make install` builds from the .po files now."""
    for language in catalogues.SHIPPED:
        (tmp_path / language / "LC_MESSAGES").mkdir(parents=True)
        shutil.copy(catalogues.catalogue_path(language), tmp_path / language / "LC_MESSAGES")
    built = compile_all(tmp_path)
    assert len(built) == len(catalogues.SHIPPED)
    for path in built:
        installed = catalogues.catalogue_path(path.parent.parent.name).with_suffix(".mo")
        assert installed.exists(), "run `make install` to compile the catalogues"
        assert installed.read_bytes() == path.read_bytes(), "stale .mo: run `make install`"


def _html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


@pytest.mark.django_db
def test_login_page_follows_the_browser_language() -> None:
    client = Client()
    spanish = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert 'lang="es"' in _html_tag(spanish) and 'dir="ltr"' in _html_tag(spanish)
    assert "De las masas, a las masas." in spanish.content.decode()
    arabic = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ar")
    assert 'lang="ar"' in _html_tag(arabic) and 'dir="rtl"' in _html_tag(arabic)
    assert "من الجماهير، إلى الجماهير." in arabic.content.decode()
    english = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de")
    assert 'lang="en"' in _html_tag(english) and "From the masses" in english.content.decode()


def test_public_suggestion_form_in_the_visitors_language_with_a_switcher(world: World) -> None:
    client = Client()
    url = reverse("public_idea", args=[world.elm.round.public_token])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Comparte tu idea" in page
    assert f'action="{reverse("choose_language")}"' in page and 'value="ar"' in page
    switched = client.post(reverse("choose_language"), {"language": "ar", "next": url})
    assert switched.status_code == 302 and switched["Location"] == url
    # the cookie now wins over the browser's Accept-Language
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'dir="rtl"' in page and "شارك فكرتك" in page


def test_consultation_vote_page_in_spanish(world: World) -> None:
    url = reverse("consultation_vote", args=[world.elm.consultation.token])
    page = Client().get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "De acuerdo" in page and "En desacuerdo" in page


def test_switcher_refuses_unknown_languages_and_foreign_redirects(world: World) -> None:
    client = Client()
    assert client.post(reverse("choose_language"), {"language": "xx"}).status_code == 400
    response = client.post(
        reverse("choose_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and "evil" not in response["Location"]
    assert client.get(reverse("choose_language")).status_code == 405


def test_a_members_choice_is_kept_and_follows_them_to_a_new_login(world: World) -> None:
    alice = world.elm.organizer
    client = client_for(alice)
    client.post(reverse("choose_language"), {"language": "es", "next": reverse("my_work")})
    assert LanguagePreference.objects.get(member=alice).language == "es"
    page = client.get(reverse("my_work"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mi trabajo" in page and "Seguimientos pendientes" in page

    alice.set_password("a long passphrase 42")
    alice.save()
    other_device = Client()  # no language cookie, an English browser
    other_device.post(
        reverse("login"),
        {"username": alice.username, "password": "a long passphrase 42"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = other_device.get(reverse("my_work"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="es"' in page and "Mi trabajo" in page


def test_arabic_member_pages_are_right_to_left(world: World) -> None:
    alice = world.elm.organizer
    LanguagePreference.objects.create(member=alice, language="ar")
    client = Client()
    alice.set_password("a long passphrase 42")
    alice.save()
    client.post(reverse("login"), {"username": alice.username, "password": "a long passphrase 42"})
    for name, args in [
        ("my_work", []),
        ("people_list", []),
        ("ties", []),
        ("person_detail", [world.elm.person.pk]),
        ("round_detail", [world.elm.round.pk]),
        ("conversation_new", []),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert 'dir="rtl"' in _html_tag(response), name
    chart = client.get(reverse("person_detail", args=[world.elm.person.pk])).content.decode()
    # numbers inside SVG stay machine-readable: "150.0", never the localized "150,0"
    assert "<circle" in chart and not re.search(r'c[xy]="[\d.]*,', chart)
    page = client.get(reverse("conversation_new")).content.decode()
    assert "تسجيل محادثة" in page and "الأفكار المطروحة" in page
    # choices and form labels come from Python and are translated too
    assert "لقاء فردي" in page

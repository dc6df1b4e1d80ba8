"""An idea keeps the language it was said in: recorded with the UI in Spanish for a
Spanish-speaking person, it shows as Spanish in the round's pool."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from massline.ideas.models import Idea
from massline.sections.models import LanguagePreference, PersonLanguage
from tests import factories as f
from tests.browser.conftest import log_in
from tests.conftest import World

pytestmark = pytest.mark.browser


def test_an_idea_said_in_spanish_is_marked_spanish_in_the_pool(world: World, phone) -> None:
    elm = world.elm
    LanguagePreference.objects.create(member=elm.organizer, language="es")
    PersonLanguage.objects.create(person=elm.person, language="es")
    log_in(phone, "alice", f.PASSWORD)
    phone.goto(f"/conversations/new/?person={elm.person.pk}")

    expect(phone.get_by_role("heading", name="Registrar una conversación")).to_be_visible()
    phone.get_by_label("Tipo", exact=True).select_option(label="Visita puerta a puerta")
    phone.get_by_label("Sobre qué lucha").select_option(label=elm.struggle.name)
    expect(phone.get_by_label("Ideas dichas en")).to_have_value("")  # the person's, by default
    ideas = phone.locator(".idea-row")
    ideas.nth(0).get_by_label("Tipo").select_option(label="Preocupación")
    ideas.nth(0).get_by_label("Idea").fill("La caldera lleva un mes rota")
    phone.get_by_role("button", name="Guardar conversación").click()
    phone.wait_for_url(f"**/people/{elm.person.pk}/")
    assert Idea.objects.get(text="La caldera lleva un mes rota").language == "es"

    phone.goto(reverse("unit_pool", args=[elm.round.pk, elm.unit.pk]))
    entry = phone.locator(".pool li").filter(has_text="La caldera lleva un mes rota")
    expect(entry.locator(".idea-language")).to_have_text("Español")
    expect(entry.locator(".idea-language")).to_have_attribute("lang", "es")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

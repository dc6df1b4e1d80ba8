"""The people's languages in a real browser: a conversation logged with the UI in Spanish,
an Arabic page laid out right to left (with a screenshot kept in test-artifacts/), and the
public suggestion form switched to another language by a visitor."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from massline.conversations.models import Conversation
from massline.ideas.models import Idea
from massline.sections.models import LanguagePreference
from tests import factories as f
from tests.browser.conftest import log_in
from tests.conftest import World

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_logging_a_conversation_with_the_ui_in_spanish(world: World, phone) -> None:
    elm = world.elm
    LanguagePreference.objects.create(member=elm.organizer, language="es")
    log_in(phone, "alice", f.PASSWORD)
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    phone.get_by_role("link", name="Personas").click()
    phone.get_by_label("Nombre, teléfono o correo").fill("Amara")
    phone.get_by_role("link", name="Amara Okafor").click()
    phone.get_by_role("link", name="Registrar una conversación").click()

    expect(phone.get_by_role("heading", name="Registrar una conversación")).to_be_visible()
    phone.get_by_label("Tipo", exact=True).select_option(label="Visita puerta a puerta")
    phone.get_by_label("Sobre qué lucha").select_option(label=elm.struggle.name)
    phone.get_by_label("Notas").fill("Enfadada por la subida; conoce el cuarto piso.")
    phone.get_by_label("Nivel de Amara Okafor").select_option(label="Avanzado")
    ideas = phone.locator(".idea-row")
    ideas.nth(0).get_by_label("Tipo").select_option(label="Preocupación")
    ideas.nth(0).get_by_label("Idea").fill("El alquiler subió un 8% y los salarios no")
    phone.get_by_role("button", name="Guardar conversación").click()

    phone.wait_for_url(f"**/people/{elm.person.pk}/")
    expect(phone.locator(".messages")).to_contain_text("Conversación registrada.")
    timeline = phone.locator(".timeline")
    expect(timeline).to_contain_text("Visita puerta a puerta")
    expect(timeline).to_contain_text("El alquiler subió un 8% y los salarios no")
    conversation = Conversation.objects.filter(people=elm.person).latest("pk")
    assert conversation.kind == "door_knock"
    assert Idea.objects.get(conversation=conversation).kind == "concern"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_arabic_pages_render_right_to_left(world: World, phone) -> None:
    elm = world.elm
    LanguagePreference.objects.create(member=elm.organizer, language="ar")
    log_in(phone, "alice", f.PASSWORD)
    html = phone.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(phone.get_by_role("heading", name="عملي")).to_be_visible()
    # navigation mirrored: the brand starts at the right edge, and on its line (the compact
    # bar holds one line in Arabic) the first link sits to its left, the second to the left
    # of the first
    width = phone.viewport_size["width"]
    brand = phone.locator(".brand").bounding_box()
    links = phone.locator(".top nav a")
    first, second = links.nth(0).bounding_box(), links.nth(1).bounding_box()
    assert brand["x"] + brand["width"] > width - 30
    assert abs(first["y"] - brand["y"]) < brand["height"]
    assert first["x"] + first["width"] < brand["x"]
    assert second["x"] + second["width"] < first["x"]
    # the button for a new conversation moves to the other corner
    fab = phone.locator(".fab").bounding_box()
    assert fab["x"] < phone.viewport_size["width"] / 2
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "arabic-my-work.png"), full_page=True)

    phone.goto("/conversations/new/")
    expect(phone.get_by_role("heading", name="تسجيل محادثة")).to_be_visible()
    # form labels start at the right edge, like the fields under them
    label = phone.get_by_text("ملاحظات", exact=True).bounding_box()
    field = phone.get_by_label("ملاحظات").bounding_box()
    assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 24
    phone.screenshot(path=str(ARTIFACTS / "arabic-conversation-form.png"), full_page=True)

    phone.goto(f"/people/{elm.person.pk}/")
    # the level chart is mirrored so that time runs from right to left
    transform = phone.evaluate("getComputedStyle(document.querySelector('.chart svg')).transform")
    assert transform.startswith("matrix(-1")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(ARTIFACTS / "arabic-person.png"), full_page=True)


def test_a_visitor_switches_the_public_form_to_spanish(world: World, phone) -> None:
    phone.goto(f"/r/{world.elm.round.public_token}/")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    phone.get_by_label("Language").select_option(label="Español")
    phone.get_by_role("button", name="Change").click()
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.get_by_text("Dinos qué piensas. No hace falta que des tu nombre.")).to_be_visible()
    assert phone.url.endswith(f"/r/{world.elm.round.public_token}/")


def test_a_spanish_translation_reaches_a_spanish_speaker_on_the_return_list(
    world: World, phone
) -> None:
    from massline.rounds import services as rounds
    from massline.rounds.models import Reception, RoundState
    from massline.sections import translations
    from massline.sections.models import PersonLanguage, ReceptionLanguage

    elm = world.elm
    elm.round.state = RoundState.CONCENTRATING
    elm.round.save()
    rounds.publish_line(elm.line, by=elm.organizer)
    PersonLanguage.objects.create(person=elm.person, language="es")
    log_in(phone, "alice", f.PASSWORD)
    phone.goto(f"/rounds/{elm.round.pk}/lines/{elm.line.pk}/")
    phone.get_by_role("link", name="In the people's languages").click()
    phone.get_by_label("Language").first.select_option("es")
    phone.get_by_label("If you are concerned about…").fill("el frío en el edificio")
    phone.get_by_label("…you should…").fill("exigir juntos la calefacción")
    phone.get_by_role("button", name="Save the translation").click()
    expect(phone.locator("main")).to_contain_text("translated by")

    phone.goto(f"/rounds/{elm.round.pk}/lines/{elm.line.pk}/")
    person = phone.locator("#return li").filter(has_text=elm.person.full_name)
    expect(person).to_contain_text("exigir juntos la calefacción")
    person.get_by_text("Record reception").click()
    person.get_by_label("Agrees", exact=True).check()
    person.get_by_label("What they said").fill("Sí, vamos todos")
    person.get_by_role("button", name="Save").click()
    expect(phone.locator(".messages")).to_contain_text("Reception of")
    reception = Reception.objects.get(line=elm.line, person=elm.person)
    assert ReceptionLanguage.objects.get(reception=reception).language == "es"
    assert not translations.is_stale(elm.line.translations.get(language="es"))

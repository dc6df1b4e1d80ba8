"""The whole path of serve-the-people at phone width: a neighbour asks for help on the public
form, a volunteer claims the delivery, delivers it, records the conversation at the door, and
the program's headline counts one more person served who is now in the loop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from massline.aid import services
from massline.aid.models import AidRequest, DeliveryState, ProgramRoleKind
from massline.audit.models import ReadEvent
from massline.ideas.models import Idea
from massline.organization.models import Role
from massline.rounds import services as rounds
from massline.rounds.models import PoolEntry
from tests import factories as f
from tests.browser.conftest import log_in, more_link
from tests.conftest import World

pytestmark = pytest.mark.browser


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def test_request_claim_deliver_talk_and_count(world: World, phone, monkeypatch) -> None:
    monkeypatch.setattr("massline.web.public.MIN_SECONDS", 0)
    program = world.elm.aid_program
    program.struggle = world.elm.struggle
    program.save()
    vera = f.MemberFactory(username="vera")
    f.MembershipFactory(member=vera, unit=world.elm.unit, role=Role.MEMBER)
    services.set_role(program, vera, ProgramRoleKind.VOLUNTEER, by=vera)

    # A neighbour asks for help, no account, on a phone.
    phone.goto(f"/aid/help/{program.public_token}/")
    _fits_the_phone(phone)
    phone.get_by_label("What do you need?").fill("Food for the week, baby formula")
    phone.get_by_label("For how many people?").fill("3")
    phone.get_by_label("How soon?").select_option("today")
    phone.get_by_label("Your area or neighbourhood").fill("Elm south")
    phone.get_by_label("Your name").fill("Samira Haddad")
    phone.get_by_label("Phone").fill("555 010 2020")
    phone.get_by_label("Address for the delivery").fill("12 Oak Row, door 4")
    phone.get_by_label("You may contact me").check()
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    request = AidRequest.objects.get(area="Elm south")
    assert request.consent_contact

    # A volunteer sees only the area on the board, claims, and then sees the address.
    log_in(phone, "vera", f.PASSWORD)
    more_link(phone, "Serve the people").click()
    phone.get_by_role("link", name=program.name).click()
    expect(phone.locator("#headline")).to_have_text("0")
    phone.get_by_role("link", name="Open the board").click()
    board = phone.locator("#open-deliveries")
    expect(board).to_contain_text("Elm south")
    assert "Oak Row" not in phone.inner_text("main")
    _fits_the_phone(phone)
    phone.get_by_role("button", name="Claim the delivery in Elm south").click()
    expect(phone.locator("#recipient-address")).to_have_text("12 Oak Row, door 4")
    expect(phone.locator("#recipient-phone")).to_have_text("5550102020")
    assert ReadEvent.objects.filter(object_kind="aid_request", object_id=request.pk).exists()
    _fits_the_phone(phone)

    phone.get_by_role("button", name="I am on my way").click()
    expect(phone.locator("#delivery-state")).to_have_text("On the way")
    phone.get_by_label("Hours it took").fill("1")
    phone.get_by_label("What was handed over").fill("3 bags, 1 tin of formula")
    phone.get_by_role("button", name="Delivered").click()

    # At the door: the conversation, its idea, how she stands.
    expect(phone.get_by_role("heading", name="The conversation at the door")).to_be_visible()
    _fits_the_phone(phone)
    phone.get_by_label("What was said").fill("The heating has been off for two weeks.")
    first = phone.get_by_role("group", name="Idea 1")
    first.get_by_label("Kind of idea").select_option("concern")
    first.get_by_label("Idea, in their words").fill("The landlord never answers about heat")
    phone.get_by_label("How do they stand on the struggle?").select_option("intermediate")
    phone.get_by_role("button", name="Record the conversation").click()

    # The program page counts her: served, spoken with, assessed.
    expect(phone.locator("#headline")).to_have_text("1")
    expect(phone.locator("[data-number=spoken]")).to_have_text("1")
    expect(phone.locator("[data-number=assessed]")).to_have_text("1")
    expect(phone.locator("[data-number=served]")).to_have_text("1")
    _fits_the_phone(phone)
    # The address is gone again now that the delivery is done.
    delivery = request.deliveries.get()
    assert delivery.state == DeliveryState.DONE
    phone.goto(f"/aid/deliveries/{delivery.pk}/")
    assert "Oak Row" not in phone.inner_text("main")

    request.refresh_from_db()
    assert request.person is not None and request.person.unit == world.elm.unit
    idea = Idea.objects.get(text="The landlord never answers about heat")
    rounds.gather(world.elm.round)
    assert PoolEntry.objects.filter(round=world.elm.round, idea=idea).exists()

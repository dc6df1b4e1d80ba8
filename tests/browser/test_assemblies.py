"""An assembly of the tenants' union on phones, through the UI only.

Rosa, the union's admin, calls a general meeting with a quorum of three and opens it. Alice,
Bob and Maya check in on their phones; Rosa's page shows the quorum reached as they arrive.
Alice brings the line of the Elm round as a motion; Bob amends it; the amendment is carried
by a show of hands; the main motion is decided by secret ballot cast on the three members'
phones. Rosa closes the vote (the audit adds up), drafts the minutes, closes the assembly, and
at the next assembly the minutes are approved. The decision, in its amended words, is in the
union's register.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from massline.assemblies.models import Ballot, Decision, Minutes, MinutesState, TokenReceipt
from massline.organization.models import Role
from tests import factories as f
from tests.browser.conftest import log_in, more_link
from tests.browser.test_round import PhoneFor, fits, local, phone_for  # noqa: F401
from tests.conftest import World

pytestmark = pytest.mark.browser

AMENDED = "Withhold the increase together from 1 May and meet in the lobby"


def call_assembly(page: Page, title: str, quorum: int, starts_at) -> None:
    more_link(page, "Assemblies").click()
    page.get_by_role("link", name="Call an assembly").click()
    page.get_by_label("Kind of meeting").select_option(label="General meeting")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Starts at").fill(local(starts_at))
    page.get_by_label("Quorum", exact=True).select_option(label="A number of members")
    page.get_by_label("Quorum: members present").fill(str(quorum))
    page.get_by_label("Agenda, one item a line").fill("The rent increase")
    page.get_by_role("button", name="Call the assembly").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("button", name="Open the assembly").click()
    expect(page.locator(".messages")).to_contain_text("In session.")


def member_phone(phone_for: PhoneFor, username: str) -> Page:  # noqa: F811
    """A logged-in phone, patient with a busy test machine (the live server is shared)."""
    page = phone_for(None)
    page.context.set_default_timeout(30_000)
    log_in(page, username, f.PASSWORD)
    return page


def check_in(page: Page) -> None:
    more_link(page, "Assemblies").click()
    page.get_by_role("link", name="Spring general meeting").click()
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("You are checked in.")
    fits(page)


def test_assembly_on_phones(world: World, phone_for: PhoneFor) -> None:  # noqa: F811
    maya = f.MemberFactory(username="maya")
    f.MembershipFactory(member=maya, unit=world.union, role=Role.MEMBER)
    rosa = member_phone(phone_for, "rosa")
    call_assembly(rosa, "Spring general meeting", 3, timezone.now())
    expect(rosa.locator("#quorum")).to_contain_text("0 present, 3 needed")

    phones = {name: member_phone(phone_for, name) for name in ("alice", "bob", "maya")}
    for phone in phones.values():
        check_in(phone)
    # Rosa did not reload: the quorum line updates itself.
    expect(rosa.locator("#quorum")).to_contain_text("3 present, 3 needed", timeout=10_000)
    expect(rosa.locator("#quorum")).to_contain_text("Quorum reached")

    rosa.get_by_role("link", name="The rent increase").click()
    rosa.get_by_role("button", name="Open the item").click()
    expect(rosa.locator(".messages")).to_contain_text("Item open.")

    alice = phones["alice"]
    alice.get_by_role("link", name="The rent increase").click()
    alice.get_by_role("link", name="Bring a line of a round as a motion").click()
    alice.get_by_label("Line").select_option(label=str(world.elm.line))
    alice.get_by_role("button", name="Bring it to the assembly").click()
    expect(alice.locator(".messages")).to_contain_text("The line is before the assembly")
    expect(alice.get_by_role("heading", name="Brought from a line")).to_be_visible()
    expect(alice.get_by_text("Not a decision of Eastside Tenants Union")).to_be_visible()
    fits(alice)
    motion_url = alice.url

    bob = phones["bob"]
    bob.goto(motion_url)
    bob.get_by_text("Propose an amendment").click()
    bob.get_by_label("Amended text").fill(AMENDED)
    bob.get_by_role("button", name="Propose the amendment").click()
    expect(bob.locator(".messages")).to_contain_text("Amendment put forward.")

    rosa.goto(motion_url)
    rosa.get_by_role("link", name=AMENDED).click()
    rosa.get_by_label("How the vote is taken").select_option(label="Open, counted (show of hands)")
    rosa.get_by_role("button", name="Put it to the vote").click()
    rosa.get_by_label("Yes").fill("3")
    rosa.get_by_role("button", name="Record the count").click()
    expect(rosa.locator(".messages")).to_contain_text("Vote counted.")
    expect(rosa.locator(".verdict")).to_contain_text("Carried")

    rosa.goto(motion_url)
    expect(rosa.locator(".motion-text")).to_contain_text(AMENDED)
    expect(rosa.get_by_text("The assembly's text differs from the line.")).to_be_visible()
    rosa.get_by_label("How the vote is taken").select_option(label="Secret ballot")
    rosa.get_by_role("button", name="Put it to the vote").click()
    expect(rosa.locator(".messages")).to_contain_text("The vote is open.")

    for name, choice in (("alice", "Yes"), ("bob", "Yes"), ("maya", "No")):
        phone = phones[name]
        more_link(phone, "Assemblies").click()
        phone.get_by_role("link", name="Spring general meeting").click()
        phone.get_by_role("link", name="Vote now").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Secret ballot")
        fits(phone)
        phone.get_by_label(choice, exact=True).check()
        phone.get_by_role("button", name="Cast my secret ballot").click()
        expect(phone.locator("#ballot-status")).to_contain_text("Your ballot is in the box")
        assert phone.evaluate("localStorage.length") == 0  # the token is forgotten
    assert Ballot.objects.count() == 3 and TokenReceipt.objects.count() == 3

    rosa.reload()
    expect(rosa.get_by_text("3 ballots handed out, 3 cast so far.")).to_be_visible()
    rosa.get_by_role("button", name="Close the vote").click()
    expect(rosa.locator(".verdict")).to_contain_text("Carried")
    expect(rosa.get_by_text("3 ballots handed out = 3 cast + 0 unused.")).to_be_visible()
    fits(rosa)

    rosa.get_by_role("link", name="Spring general meeting").first.click()
    rosa.get_by_role("link", name="Minutes", exact=True).click()
    rosa.get_by_label("Minutes").fill("Rosa chaired. The line was amended and adopted.")
    rosa.get_by_role("button", name="Save the minutes").click()
    expect(rosa.locator(".messages")).to_contain_text("Minutes saved.")
    rosa.get_by_role("link", name="Spring general meeting").first.click()
    rosa.get_by_role("button", name="Close the assembly").click()
    expect(rosa.locator(".messages")).to_contain_text("Closed.")

    call_assembly(rosa, "June general meeting", 1, timezone.now() + timedelta(days=30))
    rosa.get_by_role("button", name="Check in", exact=True).first.click()
    rosa.get_by_role("button", name="Approve the minutes of Spring general meeting").click()
    expect(rosa.locator(".messages")).to_contain_text("Minutes approved.")
    assert Minutes.objects.get(assembly__title="Spring general meeting").state == (
        MinutesState.APPROVED
    )

    maya_phone = phones["maya"]
    more_link(maya_phone, "Assemblies").click()
    maya_phone.get_by_role("link", name="Decisions register").click()
    register = maya_phone.locator(".register")
    expect(register).to_contain_text(f"1. {AMENDED}")
    expect(register).to_contain_text("proposed by Alice")
    expect(register).to_contain_text("Secret ballot: yes 2, no 1")
    fits(maya_phone)
    assert Decision.objects.get().text == AMENDED

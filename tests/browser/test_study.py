"""Study and the making of leaders on a phone, through the UI only.

Rosa, admin of the tenants' union, starts a study group for Elm with two readings (a link and
an uploaded PDF), plans a session with the presenter the app suggests, records who came, sends
a question raised in the discussion to Elm's round as an idea, opens Alice's development page
and sees the counts, then invites Amara, advanced on Elm's struggle, to join; Amara joins as a
member with the same person record.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from massline.ideas.models import IdeaKind
from massline.rounds.models import PoolEntry
from massline.struggles.models import Level
from massline.study.models import PersonMember, StudyQuestion, StudySession
from tests import factories as f
from tests.browser.conftest import log_in, more_link
from tests.browser.test_round import fits
from tests.conftest import World
from tests.test_study import PDF, member_in

pytestmark = pytest.mark.browser

QUESTION = "Who owns the union hall, and why does it matter for the strike?"


def test_study_group_to_new_member_at_phone_width(
    world: World, phone: Page, settings, tmp_path
) -> None:
    settings.STUDY_READINGS_DIR = tmp_path / "readings"
    phone.set_default_timeout(30_000)
    member_in(world.elm.unit, "ben", "Ben")
    amara = world.elm.person
    world.elm.assessment.assessed_at = timezone.now() - timedelta(days=30)
    world.elm.assessment.save()
    f.AssessmentFactory(
        person=amara,
        struggle=world.elm.struggle,
        level=Level.ADVANCED,
        assessed_at=timezone.now() - timedelta(days=10),
    )
    for days in (3, 40, 70):
        f.ConversationFactory(
            unit=world.elm.unit,
            people=[amara],
            recorded_by=world.elm.organizer,
            happened_at=timezone.now() - timedelta(days=days),
        )
    page = phone
    log_in(page, "rosa", f.PASSWORD)

    # 1. A study group with two readings.
    more_link(page, "Study").click()
    page.get_by_role("link", name="Start a study group").click()
    page.get_by_label("Unit").select_option(label="Elm")
    page.get_by_label("Name").fill("Elm readers")
    fits(page)
    page.get_by_role("button", name="Start the group").click()
    expect(page.locator(".messages")).to_contain_text("Study group started.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Elm readers")

    page.get_by_role("link", name="Add a reading").click()
    page.get_by_label("Title").fill("Some Questions Concerning Methods of Leadership")
    page.get_by_label("Author").fill("Mao Zedong")
    page.get_by_label("Part to read").fill("the whole text")
    page.get_by_label("Link").fill("https://example.org/methods")
    page.get_by_role("button", name="Add to the reading list").click()
    expect(page.locator(".messages")).to_contain_text("Reading added to the list.")

    page.get_by_role("link", name="Add a reading").click()
    page.get_by_label("Title").fill("No Shortcuts")
    page.get_by_label("Or upload a PDF or EPUB").set_input_files(
        files=[{"name": "text.txt", "mimeType": "text/plain", "buffer": b"not a pdf at all"}]
    )
    page.get_by_role("button", name="Add to the reading list").click()
    expect(page.get_by_text("not a PDF or an EPUB", exact=False)).to_be_visible()
    page.get_by_label("Or upload a PDF or EPUB").set_input_files(
        files=[{"name": "shortcuts.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Add to the reading list").click()
    expect(page.locator(".messages")).to_contain_text("Reading added to the list.")
    readings = page.locator("section", has=page.get_by_role("heading", name="Reading list"))
    expect(readings.locator("li")).to_have_count(2)
    expect(readings.get_by_role("link", name="PDF", exact=False)).to_be_visible()
    fits(page)

    # 2. A session with the suggested presenter, then who came.
    expect(page.get_by_test_id("suggested-presenter")).to_have_text("Alice")
    page.get_by_role("link", name="Plan a session").click()
    expect(page.get_by_label("Presenter")).to_have_value(str(world.elm.organizer.pk))
    expect(page.get_by_text("Suggested: Alice")).to_be_visible()
    page.get_by_label("Place").fill("Lobby, 40 Elm")
    page.get_by_label("Reading").select_option(
        label="Some Questions Concerning Methods of Leadership"
    )
    fits(page)
    page.get_by_role("button", name="Plan the session").click()
    expect(page.locator(".messages")).to_contain_text("Session planned.")
    expect(page.get_by_test_id("presenter")).to_have_text("Alice")
    attendance = page.locator("section", has=page.get_by_role("heading", name="Who came"))
    attendance.get_by_label("Alice").check()
    attendance.get_by_label("Ben").check()
    attendance.get_by_role("button", name="Save attendance").click()
    expect(page.locator(".messages")).to_contain_text("Attendance saved.")
    expect(attendance.locator(".count")).to_have_text("2")

    # 3. A question raised in the discussion becomes an idea of Elm's round.
    page.get_by_label("The question").fill(QUESTION)
    page.get_by_label("Round whose pool it joins").select_option(label=world.elm.round.question)
    page.get_by_role("button", name="Send to the round as an idea").click()
    expect(page.locator(".messages")).to_contain_text("is now an idea in the pool")
    expect(page.locator(".list li", has_text=QUESTION)).to_be_visible()
    question = StudyQuestion.objects.get()
    assert question.session == StudySession.objects.get()
    assert PoolEntry.objects.filter(
        round=world.elm.round, idea=question.idea, kind=IdeaKind.QUESTION
    ).exists()
    fits(page)

    # 4. Alice's development page, from the unit's support view.
    more_link(page, "Study").click()
    elm_row = page.locator("li", has_text="Elm").filter(
        has=page.get_by_role("link", name="Who needs support")
    )
    elm_row.get_by_role("link", name="Who needs support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who needs support")
    expect(page.get_by_text("never presented").first).to_be_visible()  # Ben has not presented
    fits(page)
    page.get_by_role("link", name="Ben").click()
    expect(page.get_by_test_id("attended")).to_have_text("1")
    expect(page.get_by_test_id("presented")).to_have_text("0")
    page.go_back()
    page.goto(f"/study/members/{world.elm.organizer.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("How Alice is developing")
    expect(page.get_by_test_id("attended")).to_have_text("1")
    expect(page.get_by_test_id("presented")).to_have_text("1")
    expect(page.get_by_test_id("conversations")).to_have_text("3")
    expect(page.get_by_role("img", name="Conversations per month", exact=False)).to_be_visible()
    fits(page)
    # Rosa's own page counts the question she sent to the round.
    more_link(page, "Study").click()
    page.get_by_role("link", name="My development page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How I am developing")
    expect(page.get_by_test_id("rounds")).to_have_text("1")
    expect(page.get_by_test_id("ideas")).to_have_text("1")

    # 5. From advanced to organizer: Amara is invited to join and joins as a member.
    more_link(page, "Study").click()
    elm_row = page.locator("li", has_text="Elm").filter(
        has=page.get_by_role("link", name="Advanced people, invitations")
    )
    elm_row.get_by_role("link", name="Advanced people, invitations").click()
    card = page.locator("section", has=page.get_by_role("heading", name="Amara Okafor"))
    expect(card).to_contain_text("Tie held by Alice")
    expect(card).to_contain_text("Not invited yet.")
    card.get_by_text("Invite Amara").click()
    card.get_by_label("Invite to").select_option(label="To join as a member")
    card.get_by_label("Note").fill("Ready: she already organizes the 4th floor")
    fits(page)
    card.get_by_role("button", name="Record the invitation").click()
    expect(page.locator(".messages")).to_contain_text("Invitation of Amara Okafor recorded.")
    card = page.locator("section", has=page.get_by_role("heading", name="Amara Okafor"))
    expect(card.get_by_test_id("answer")).to_have_text("No answer yet")
    card.get_by_role("link", name="Joins as a member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amara Okafor joins Elm")
    page.get_by_label("Username for their account").fill("amara")
    page.get_by_label("First password").fill("a-long-first-password-1")
    fits(page)
    page.get_by_role("button", name="Make them a member").click()
    expect(page.locator(".messages")).to_contain_text("Amara Okafor joined Elm as a member.")
    expect(page.get_by_role("heading", level=1)).to_have_text("How Amara Okafor is developing")
    expect(page.get_by_role("link", name="Their person record and its history")).to_be_visible()
    link = PersonMember.objects.get()
    assert link.person == amara and link.member.username == "amara"
    page.get_by_role("link", name="Their person record and its history").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amara Okafor")

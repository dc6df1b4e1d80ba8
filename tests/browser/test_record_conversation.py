"""An organizer records a conversation on a phone and finds it on the person's timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from massline.conversations.models import FollowUp
from massline.ideas.models import Idea
from tests import factories as f
from tests.browser.conftest import log_in
from tests.conftest import World

pytestmark = pytest.mark.browser


def test_record_conversation_at_phone_width(world: World, phone) -> None:
    elm = world.elm
    zeynep = f.PersonFactory(unit=elm.unit, first_name="Zeynep", last_name="Yilmaz")
    log_in(phone, "alice", f.PASSWORD)
    phone.get_by_role("link", name="People", exact=True).click()
    phone.get_by_label("Name, phone or email").fill("Amara")
    phone.get_by_role("link", name="Amara Okafor").click()
    phone.get_by_role("link", name="Record a conversation").click()

    phone.get_by_label("Kind", exact=True).select_option(label="Door knock")
    phone.get_by_label("About which struggle").select_option(label=elm.struggle.name)
    phone.get_by_label("Notes").fill("Angry about the increase, knows the 4th floor.")
    # A second person joins the conversation through the search picker.
    phone.get_by_label("Add someone").fill("Zeyn")
    phone.locator("#picker-results").get_by_text("Zeynep Yilmaz").click()
    phone.get_by_label("Level of Zeynep Yilmaz").select_option("intermediate")
    phone.get_by_label("Level of Amara Okafor").select_option("advanced")

    ideas = phone.locator(".idea-row")
    ideas.nth(0).get_by_label("Kind").select_option("concern")
    ideas.nth(0).get_by_label("Idea").fill("The rent went up 8% and wages did not")
    ideas.nth(1).get_by_label("Kind").select_option("proposal")
    ideas.nth(1).get_by_label("Idea").fill("Withhold the increase together")
    phone.get_by_role("button", name="Add another idea").click()
    expect(ideas).to_have_count(3)

    due = timezone.localdate() + timedelta(days=2)
    phone.get_by_label("Follow up by").fill(due.isoformat())
    phone.get_by_label("Follow up with").select_option(label="Amara Okafor")
    phone.get_by_label("What for").fill("Bring the Bengali flyer")
    phone.get_by_role("button", name="Save conversation").click()

    phone.wait_for_url(f"**/people/{elm.person.pk}/")
    timeline = phone.locator(".timeline")
    assert "Withhold the increase together" in timeline.inner_text()
    assert "The rent went up 8% and wages did not" in timeline.inner_text()
    assert "Bring the Bengali flyer" in phone.inner_text("main")
    assert phone.locator("figure.chart").count() == 1
    assert Idea.objects.filter(conversation__people=zeynep).count() == 2
    assert FollowUp.objects.get(note="Bring the Bengali flyer").person == elm.person
    assert zeynep.assessments.get().level == "intermediate"
    # Nothing overflows the phone's width.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

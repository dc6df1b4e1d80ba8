"""A consultation on phones: a neighbour votes one statement at a time without an account
(plain forms, no JavaScript needed), proposes a statement;
Alice, who leads the round, sees the opinion map, the groups and the consensus."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from massline.consultations import services
from massline.consultations.models import Statement, StatementStatus
from tests import factories as f
from tests.browser.conftest import log_in
from tests.browser.test_round import fits
from tests.conftest import World
from tests.test_consultations import CONSENSUS, _planted

pytestmark = pytest.mark.browser


def test_voting_and_results_at_phone_width(world: World, phone: Page) -> None:
    consultation = _planted(world)
    services.request_refresh(consultation)
    page = phone
    page.goto(f"/c/{consultation.token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(consultation.title)
    fits(page)
    first = page.locator(".statement").inner_text()
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.get_by_text("1 of 7 answered")).to_be_visible()
    second = page.locator(".statement").inner_text()
    assert second != first
    page.get_by_role("button", name="Pass / unsure").click()
    expect(page.get_by_text("2 of 7 answered")).to_be_visible()
    page.get_by_role("button", name="Disagree").click()
    expect(page.get_by_text("3 of 7 answered")).to_be_visible()
    fits(page)

    page.get_by_text("Propose a statement of your own").click()
    page.wait_for_timeout(3100)  # people take a moment to type; bots do not
    page.get_by_label("Your statement, short and clear").fill("Translate every notice")
    page.get_by_role("button", name="Send the statement").click()
    expect(page.get_by_text("once it has been checked")).to_be_visible()
    assert Statement.objects.get(text="Translate every notice").status == StatementStatus.PENDING

    results = page.context.browser.new_context(
        viewport=page.viewport_size, base_url=page.url.split("/c/")[0]
    ).new_page()
    errors: list[str] = []
    results.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(results, world.elm.organizer.username, f.PASSWORD)
    results.goto(f"/consultations/{consultation.pk}/results/")
    expect(results.get_by_role("img", name="Opinion map")).to_be_visible()
    expect(results.get_by_text("2 opinion groups formed")).to_be_visible()
    consensus = results.locator("section", has=results.get_by_role("heading", name="Consensus"))
    for text in CONSENSUS:
        expect(consensus).to_contain_text(text)
    expect(results.get_by_text("last updated", exact=False)).to_be_visible()
    fits(results)
    consensus.get_by_role("button", name="Carry to the board as a proposal").first.click()
    expect(results.locator(".messages")).to_contain_text("On the board as a proposal")
    fits(results)
    results.context.close()
    assert not errors, errors

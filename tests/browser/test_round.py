"""A whole round on phones, through the UI only.

Rosa, admin of the tenants' union, opens a round on the rent increase with Elm and Building C
taking part. Alice (Elm) and Bob (Building C) record conversations; a neighbour sends an idea
through the public link without logging in. Alice and Bob make the first cut and forward their
ideas with a note. Rosa stops gathering, groups everything into a theme on the board, sees its
breadth, drafts a line from the theme and publishes it. Alice brings the line to her people:
Amara agrees, Zeynep disagrees. Rosa sees the tallies, closes the round with a summation and
opens the next one, which follows the first and starts with the receptions and the objections
carried into its pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from massline.ideas.models import Idea, IdeaKind
from massline.people.models import Person
from massline.rounds.models import Forward, PoolEntry, Reception, Round, RoundState
from massline.web import public as public_pages
from tests import factories as f
from tests.browser.conftest import PHONE, log_in
from tests.conftest import World

pytestmark = pytest.mark.browser

QUESTION = "How do we stop the 8% increase?"
NEXT_QUESTION = "How do we win the rent freeze?"
PUBLIC_IDEA = "Hold a building meeting in the lobby"
RENT = "The rent went up 8% and wages did not"
WITHHOLD = "Withhold the increase together"
STRIKE = "A rent strike won't work, people fear eviction"
AGREES_SAID = "I will bring the whole 4th floor"
DISAGREES_SAID = "Withholding is too risky for people without papers"
CONCERN = "the 8% rent increase"
ACTION = "withhold it together and come to the lobby meeting on Friday"

PhoneFor = Callable[[str | None], Page]


@pytest.fixture
def phone_for(browser: Browser, live_server) -> Iterator[PhoneFor]:
    """Phones for several people at once (a fresh context each); any console error fails."""
    contexts = []
    errors: list[str] = []

    def open_phone(username: str | None) -> Page:
        context = browser.new_context(viewport=PHONE, base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: errors.append(f"{username}: {msg.text}") if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
        if username:
            log_in(page, username, f.PASSWORD)
        return page

    yield open_phone
    for context in contexts:
        context.close()
    assert not errors, f"browser console errors: {errors}"


def fits(page: Page) -> None:
    """Nothing on the page overflows the phone's width."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        wide = page.evaluate(
            "[...document.querySelectorAll('main *')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth)"
            ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40))"
        )
        pytest.fail(f"{page.url} is {width}px wide at phone width; too wide: {wide}")


def local(moment) -> str:
    """A datetime as a datetime-local input wants it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def open_round_page(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rounds").click()
    page.get_by_role("link", name=QUESTION).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(QUESTION)


def record_conversation(page: Page, person: str, struggle: str, ideas: list[tuple]) -> None:
    """From the round page: the conversation button, one person, their level and ideas."""
    page.get_by_role("link", name="+ Conversation").click()
    page.get_by_label("Add someone").fill(person.split()[0])
    page.locator("#picker-results").get_by_text(person).click()
    expect(page.get_by_label(f"Level of {person}")).to_be_visible()
    page.get_by_label("Kind", exact=True).select_option(label="Door knock")
    page.get_by_label("About which struggle").select_option(label=struggle)
    page.get_by_label(f"Level of {person}").select_option("advanced")
    rows = page.locator(".idea-row")
    for n, (kind, text) in enumerate(ideas):
        if n >= rows.count():
            page.get_by_role("button", name="Add another idea").click()
            expect(rows).to_have_count(n + 1)
        rows.nth(n).get_by_label("Kind").select_option(kind)
        rows.nth(n).get_by_label("Idea").fill(text)
    page.get_by_role("button", name="Save conversation").click()
    expect(page.locator(".messages")).to_contain_text("Conversation recorded.")


def first_cut(page: Page, unit: str, texts: list[str], note: str) -> None:
    """From the round page: open the unit's pool, tick ideas, forward them with a note."""
    open_round_page(page)
    page.get_by_role("link", name=f"Pool of {unit}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"First cut: {unit}")
    expect(page.get_by_text(f"{len(texts)} not reviewed yet.")).to_be_visible()
    fits(page)
    for text in texts:
        page.get_by_label(f"Select: {text}").check()
    page.get_by_label("Note for Eastside Tenants Union").fill(note)
    page.get_by_role("button", name="Forward to Eastside Tenants Union").click()
    expect(page.locator(".messages")).to_contain_text(f"Forwarded {len(texts)} ideas.")
    expect(page.get_by_text("0 not reviewed yet.")).to_be_visible()
    for text in texts:
        row = page.locator(".pool li", has_text=text)
        expect(row).to_contain_text(f'forwarded to Eastside Tenants Union ("{note}")')
        expect(row.get_by_role("checkbox")).to_have_count(0)


def test_a_whole_round_at_phone_width(
    world: World, phone_for: PhoneFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The public form turns away posts made within seconds of loading it; people take longer.
    monkeypatch.setattr(public_pages, "MIN_SECONDS", 0)
    struggle = f.StruggleFactory(unit=world.union, name="Stop the 8% rent increase")
    # The world's own ideas are about each building's own struggle, not this one.
    for unit_world in (world.elm, world.building_c):
        Idea.objects.filter(unit=unit_world.unit).update(struggle=unit_world.struggle)
    zeynep = f.PersonFactory(
        unit=world.elm.unit,
        first_name="Zeynep",
        last_name="Yilmaz",
        place=world.elm.place,
        responsible=world.elm.organizer,
    )

    # 1. Rosa opens the round.
    rosa = phone_for("rosa")
    rosa.get_by_role("navigation", name="Main").get_by_role("link", name="Rounds").click()
    rosa.get_by_role("link", name="Open a round").click()
    rosa.get_by_label("Struggle").select_option(label=struggle.name)
    rosa.get_by_label("Question").fill(QUESTION)
    rosa.get_by_label("Leading unit").select_option(label="Eastside Tenants Union")
    units = rosa.get_by_role("group", name="Units taking part")
    units.get_by_label("Elm", exact=True).check()
    units.get_by_label("Building C", exact=True).check()
    fits(rosa)
    rosa.get_by_role("button", name="Open the round").click()
    expect(rosa.locator(".messages")).to_contain_text("Round opened: gathering has started.")
    expect(rosa.get_by_role("heading", level=1)).to_have_text(QUESTION)
    expect(rosa.get_by_text("taking part: Elm, Building C")).to_be_visible()
    expect(rosa.locator(".steps [aria-current=step]")).to_have_text("Gather")
    fits(rosa)
    public_card = rosa.locator("section").filter(
        has=rosa.get_by_role("heading", name="Public suggestion link")
    )
    public_link = public_card.get_by_role("link")
    public_url = public_link.get_attribute("href")
    assert public_url and "/r/" in public_url

    # 2. Gathering: a neighbour through the public link, Alice and Bob in conversations.
    neighbour = phone_for(None)
    neighbour.goto(public_url)
    expect(neighbour.get_by_role("heading", level=1)).to_have_text(QUESTION)
    expect(neighbour.get_by_role("link", name="+ Conversation")).to_have_count(0)
    neighbour.get_by_label("What is it?").select_option(label="Proposal")
    neighbour.get_by_label("Your idea, in your own words").fill(PUBLIC_IDEA)
    fits(neighbour)
    neighbour.get_by_role("button", name="Send").click()
    expect(neighbour.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(
        neighbour.get_by_text(f"Your idea has reached the organizers of “{QUESTION}”")
    ).to_be_visible()

    alice = phone_for("alice")
    open_round_page(alice)
    record_conversation(
        alice, "Amara Okafor", struggle.name, [("concern", RENT), ("proposal", WITHHOLD)]
    )
    bob = phone_for("bob")
    open_round_page(bob)
    record_conversation(bob, "Boris Petrov", struggle.name, [("objection", STRIKE)])

    # 3. First cut in each building.
    first_cut(alice, "Elm", [RENT, WITHHOLD], "Amara speaks for the 4th floor")
    first_cut(bob, "Building C", [STRIKE], "The fear of eviction is everywhere")

    # 4. Rosa stops gathering and concentrates.
    rosa.reload()
    numbers = rosa.locator(".numbers")
    expect(numbers.locator("div", has_text="Ideas gathered").locator("dd")).to_have_text("4")
    expect(numbers.locator("div", has_text="Forwarded").locator("dd")).to_have_text("3")
    rosa.get_by_role("button", name="Stop gathering, start concentrating").click()
    expect(rosa.locator(".steps [aria-current=step]")).to_have_text("Concentrate")
    expect(rosa.get_by_role("heading", name="Public suggestion link")).to_have_count(0)
    rosa.get_by_role("link", name="Open the board").click()
    unsorted = rosa.get_by_role("region", name="Forwarded, not yet in a theme")
    expect(unsorted.locator(".entry")).to_have_count(4)
    fits(rosa)
    for text in (RENT, WITHHOLD, STRIKE, PUBLIC_IDEA):
        rosa.get_by_label(f"Select: {text}").check()
    rosa.get_by_label("New theme").fill("The increase")
    rosa.get_by_role("button", name="Make a theme").click()
    theme = rosa.get_by_role("region", name="The increase")
    expect(theme.get_by_role("heading")).to_contain_text("4 ideas")
    expect(unsorted).to_contain_text("Nothing waiting.")
    breadth = theme.locator(".breadth")
    expect(breadth).to_contain_text("2 people + 1 anonymous")
    expect(breadth).to_contain_text("2 places, 3 units")
    expect(breadth).to_contain_text("1 objection")
    fits(rosa)
    theme.get_by_label("answer this theme in the line").check()
    rosa.get_by_label("If you are concerned about…").fill(CONCERN)
    rosa.get_by_label("…you should…").fill(ACTION)
    rosa.get_by_label("Rationale").fill("Most of Elm is ready; Building C needs the risk answered.")
    rosa.get_by_role("button", name="Draft the line").click()
    line_link = rosa.get_by_role("link", name=f"If you are concerned about {CONCERN}, {ACTION}")
    line_link.click()
    expect(rosa.get_by_role("heading", level=1)).to_contain_text("version 1, draft")
    expect(rosa.get_by_role("heading", name="The increase")).to_be_visible()
    rosa.get_by_role("button", name="Publish: bring it to the people").click()
    expect(rosa.locator(".messages")).to_contain_text("Published.")
    expect(rosa.get_by_role("heading", level=1)).to_contain_text("published")
    fits(rosa)
    line_url = rosa.url

    # 5. Alice brings the line to her people.
    open_round_page(alice)
    expect(alice.locator(".steps [aria-current=step]")).to_have_text("Return")
    alice.get_by_role("link", name=f"If you are concerned about {CONCERN}, {ACTION}").click()
    bring = alice.get_by_role("region", name="Bring it to")
    expect(bring.get_by_role("link", name="Amara Okafor")).to_be_visible()
    expect(bring.get_by_role("link", name="Zeynep Yilmaz")).to_be_visible()
    fits(alice)
    for name, response, said in (
        ("Amara Okafor", "Agrees", AGREES_SAID),
        ("Zeynep Yilmaz", "Disagrees", DISAGREES_SAID),
    ):
        row = (
            alice.get_by_role("region", name="Bring it to")
            .get_by_role("listitem")
            .filter(has=alice.get_by_role("link", name=name))
        )
        row.get_by_text("Record reception").click()
        row.get_by_label(response, exact=True).check()
        row.get_by_label("What they said").fill(said)
        row.get_by_role("button", name="Save").click()
        expect(alice.locator(".messages")).to_contain_text(f"Reception of {name} recorded.")
    bring = alice.get_by_role("region", name="Bring it to")
    expect(bring.get_by_role("listitem").filter(has_text="Amara Okafor")).to_contain_text(
        "answered: agrees"
    )
    expect(bring.get_by_role("listitem").filter(has_text="Zeynep Yilmaz")).to_contain_text(
        "answered: disagrees"
    )

    # Rosa sees how the people take it.
    rosa.goto(line_url)
    tallies = rosa.get_by_role("region", name="How the people take it")
    expect(tallies).to_contain_text("2 reached of 2 asked.")
    everyone = tallies.get_by_role("row", name="everyone")
    expect(everyone.get_by_role("cell")).to_have_text(["50% (1)", "0% (0)", "50% (1)", "2"])
    expect(tallies.get_by_role("row", name="Elm")).to_be_visible()
    fits(rosa)

    # 6. Rosa closes the round and opens the next.
    rosa.get_by_role("link", name=QUESTION).click()
    rosa.get_by_role("link", name="Close the round with a summation").click()
    rosa.get_by_label("What worked").fill("Door knocks on every floor of Elm.")
    rosa.get_by_label("What the people taught us").fill("People without papers need cover.")
    rosa.get_by_label("How the line changed").fill("It did not change this time.")
    fits(rosa)
    rosa.get_by_role("button", name="Close the round").click()
    expect(rosa.locator(".messages")).to_contain_text("Round closed.")
    expect(rosa.locator(".steps [aria-current=step]")).to_have_text("Summation")
    expect(rosa.get_by_text("People without papers need cover.")).to_be_visible()
    # The window starts at the next minute: windows are to the minute, and one starting in
    # this minute would gather this round's own ideas again (the public one onto the board).
    start = timezone.now() + timedelta(minutes=1)
    rosa.get_by_label("Question").fill(NEXT_QUESTION)
    rosa.get_by_label("Gather from").fill(local(start))
    rosa.get_by_label("Gather until").fill(local(start + timedelta(days=14)))
    rosa.get_by_role("button", name="Open the next round").click()
    expect(rosa.locator(".messages")).to_contain_text("The next round is open")
    expect(rosa.get_by_role("heading", level=1)).to_have_text(NEXT_QUESTION)
    expect(rosa.get_by_text(f"Follows {QUESTION}.")).to_be_visible()
    fits(rosa)
    rosa.get_by_role("link", name="Open the board").click()
    carried = rosa.get_by_role("region", name="Forwarded, not yet in a theme")
    for text in (AGREES_SAID, DISAGREES_SAID, STRIKE):
        expect(carried.locator(".entry", has_text=text)).to_be_visible()
    expect(carried.locator(".entry", has_text=DISAGREES_SAID)).to_contain_text("Objection")
    expect(carried.locator(".entry", has_text=PUBLIC_IDEA)).to_have_count(0)
    rosa.get_by_role("link", name=NEXT_QUESTION).click()
    rosa.get_by_role("link", name=QUESTION).click()
    expect(rosa.get_by_text(f"Next round: {NEXT_QUESTION}")).to_be_visible()

    # What the story left in the database.
    first = Round.objects.get(question=QUESTION)
    following = Round.objects.get(question=NEXT_QUESTION)
    assert first.state == RoundState.CLOSED and following.previous == first
    assert following.leading_unit == world.union
    assert set(following.units.all()) == {world.elm.unit, world.building_c.unit}
    assert Forward.objects.filter(entry__round=first).count() == 3
    assert set(Forward.objects.filter(entry__round=first).values_list("note", flat=True)) == {
        "Amara speaks for the 4th floor",
        "The fear of eviction is everywhere",
    }
    public = PoolEntry.objects.get(round=first, idea__text=PUBLIC_IDEA)
    assert public.idea.person is None and public.unit == world.union
    assert public.theme is not None and public.theme.name == "The increase"
    line = first.lines.get()
    assert line.published_at is not None
    assert list(line.versions.get().themes.values_list("name", flat=True)) == ["The increase"]
    receptions = {r.person_id: r for r in Reception.objects.filter(line=line)}
    amara: Person = world.elm.person
    assert receptions[amara.pk].response == "agrees"
    assert receptions[amara.pk].level == "advanced"
    assert receptions[zeynep.pk].response == "disagrees"
    assert receptions[zeynep.pk].idea.kind == IdeaKind.OBJECTION
    carried_in = PoolEntry.objects.filter(round=following, carried_from__isnull=False)
    assert set(carried_in.values_list("idea__text", flat=True)) == {
        AGREES_SAID,
        DISAGREES_SAID,
        STRIKE,
    }
    assert all(e.carried_from.round_id == first.pk for e in carried_in)

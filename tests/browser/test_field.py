"""The field app on a phone without a signal, in a real Chromium.

Alice prepares her list, loses the signal, reloads, records a conversation and a new person,
and gets her signal back: each lands on the server exactly once, also when the sync fires
three times at once and when the answer to a write is lost after the server saved it. An
edit that crosses one made online shows both versions. Logging out leaves no IndexedDB and
no Cache Storage behind, and the browser's profile directory never holds a name or a phone in
clear.
"""

from __future__ import annotations

import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from massline.conversations.models import Conversation
from massline.people.models import Person
from massline.people.services import update_person
from massline.rounds.models import RoundState
from tests import factories as f
from tests.browser.conftest import CHROMIUM, PHONE, log_in, open_more
from tests.conftest import World

pytestmark = pytest.mark.browser

PASSPHRASE = "stairwell-basement-42"
NOTES = "Talked in the basement laundry"
IDEA = "The boiler is out again on the 3rd floor"
NEW_FIRST, NEW_LAST, NEW_PHONE = "Lenora", "Quistgaard", "+15552010042"
CANARY = "CLEARTEXT-CANARY-7731"


def _watch(page: Page, errors: list[str]) -> None:
    def console(msg) -> None:
        # offline, Chromium reports each failed request as a console error: those are expected
        if msg.type == "error" and "net::ERR_" not in msg.text and "Failed to load" not in msg.text:
            errors.append(msg.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))


def warm_up(live_server) -> None:
    """The first request to a fresh test server imports every app's views (tens of seconds on
    a loaded machine); make it here, so the browser's timeouts measure the app, not that."""
    urllib.request.urlopen(f"{live_server.url}/login/", timeout=180).read()


@pytest.fixture
def field_phone(browser, live_server) -> Iterator[Callable[[], tuple[BrowserContext, Page]]]:
    contexts: list[BrowserContext] = []
    errors: list[str] = []
    warm_up(live_server)

    def open_phone() -> tuple[BrowserContext, Page]:
        context = browser.new_context(viewport=PHONE, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        _watch(page, errors)
        return context, page

    yield open_phone
    for context in contexts:
        context.close()
    assert not errors, f"browser console errors: {errors}"


def prepare(page: Page) -> None:
    log_in(page, "alice", f.PASSWORD)
    page.goto("/field/app/")
    expect(page.get_by_role("heading", name="Prepare for the field")).to_be_visible()
    page.get_by_label("Name this phone").fill("Alice's phone")
    page.get_by_label("Passphrase (at least 8 characters)").fill(PASSPHRASE)
    page.get_by_label("The passphrase again").fill(PASSPHRASE)
    page.get_by_role("button", name="Prepare for the field").click()
    expect(page.get_by_role("heading", name="My list")).to_be_visible()
    # the worker has the shell and the static files before the signal goes
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def unlock(page: Page) -> None:
    expect(page.get_by_role("heading", name="Unlock your list")).to_be_visible()
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()


def unsynced(page: Page) -> str:
    return page.locator("#unsynced-count").inner_text()


def record_conversation(page: Page, name: str) -> None:
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    page.get_by_role("link", name="Record a conversation").click()
    page.get_by_label("Kind", exact=True).select_option("door_knock")
    page.get_by_label("Notes").fill(NOTES)
    page.get_by_label("In their words").first.fill(IDEA)
    page.get_by_label("About which struggle").select_option(label="Elm struggle")
    page.get_by_label("Level").select_option("advanced")
    page.get_by_role("button", name="Save conversation").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def add_person(page: Page) -> None:
    page.get_by_role("navigation", name="Field").get_by_role("link", name="New person").click()
    page.get_by_label("First name").fill(NEW_FIRST)
    page.get_by_label("Last name").fill(NEW_LAST)
    page.get_by_label("Phone", exact=True).fill(NEW_PHONE)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=f"{NEW_FIRST} {NEW_LAST}")).to_be_visible()


def test_offline_records_sync_exactly_once(world: World, field_phone) -> None:
    context, page = field_phone()
    prepare(page)
    # the local list is exactly what the server lets Alice take: her own people only
    mine = {p.pk for p in Person.objects.filter(responsible=world.elm.organizer)}
    local = set(page.evaluate("window.massline_field.state.list.people.map(p => p.id)"))
    assert local == mine == {world.elm.person.pk}
    expect(page.locator("#people")).not_to_contain_text(world.building_c.person.first_name)
    expect(page.locator("#people")).to_contain_text(world.elm.person.full_name)

    context.set_offline(True)
    page.reload()
    unlock(page)
    expect(page.get_by_role("link", name=world.elm.person.full_name)).to_be_visible()
    expect(page.locator("#network")).to_have_text("offline")
    record_conversation(page, world.elm.person.full_name)
    expect(page.locator("#unsynced-count")).to_have_text("1")
    add_person(page)
    expect(page.locator("#unsynced-count")).to_have_text("2")

    page.reload()  # still offline: the shell comes from the worker, the records from IndexedDB
    expect(page.locator("#unsynced-count")).to_have_text("2")
    unlock(page)  # back on the page it was showing: the new person's, from the local copy
    expect(page.get_by_role("heading", name=f"{NEW_FIRST} {NEW_LAST}")).to_be_visible()
    page.get_by_role("navigation", name="Field").get_by_role("link", name="My list").click()
    expect(page.get_by_role("link", name=f"{NEW_FIRST} {NEW_LAST}")).to_be_visible()
    conversations = Conversation.objects.count()

    # the first answer to the conversation is lost after the server saved it
    dropped: list[int] = []

    def drop_first_answer(route: Route) -> None:
        if not dropped:
            route.fetch()  # the server runs the write and commits it
            dropped.append(1)
            route.abort("connectionreset")
        else:
            route.continue_()

    context.route("**/field/api/sync/conversation/", drop_first_answer)
    context.set_offline(False)
    page.evaluate(
        "Promise.all([massline_field.sync(), massline_field.sync(), massline_field.sync()])"
    )
    expect(page.locator("#unsynced-count")).to_have_text("0", timeout=20_000)
    assert dropped == [1]
    assert Conversation.objects.count() == conversations + 1
    conversation = Conversation.objects.get(notes=NOTES)
    assert list(conversation.people.all()) == [world.elm.person]
    assert conversation.ideas.get().text == IDEA
    lena = Person.objects.get(first_name=NEW_FIRST, last_name=NEW_LAST)
    assert lena.responsible == world.elm.organizer and lena.unit == world.elm.unit
    page.get_by_role("link", name="unsynced").click()
    expect(page.locator("#outbox [data-state=synced]")).to_have_count(2)
    page.evaluate("massline_field.sync()")  # nothing left: nothing is sent again
    assert Conversation.objects.count() == conversations + 1
    assert Person.objects.filter(first_name=NEW_FIRST).count() == 1


def test_a_conflicting_edit_shows_both_versions(world: World, field_phone) -> None:
    context, page = field_phone()
    prepare(page)
    amara = world.elm.person
    context.set_offline(True)
    page.get_by_role("link", name=amara.full_name).click()
    page.get_by_role("link", name="Edit name, phone or place").click()
    page.get_by_label("Phone", exact=True).fill("+15550001111")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#unsynced-count")).to_have_text("1")
    update_person(amara, {"phone": "+15550009999"}, expected_version=amara.version)
    context.set_offline(False)
    page.evaluate("massline_field.sync()")
    page.get_by_role("link", name="unsynced").click()
    conflict = page.locator("#outbox [data-state=conflict]")
    expect(conflict.locator("td.yours")).to_contain_text(["Amara", "Okafor", "+15550001111"])
    expect(conflict.locator("td.theirs")).to_contain_text(["Amara", "Okafor", "+15550009999"])
    amara.refresh_from_db()
    assert amara.phone == "+15550009999"  # nothing overwritten while undecided
    conflict.get_by_role("button", name="Keep mine").click()
    expect(page.locator("#unsynced-count")).to_have_text("0")
    amara.refresh_from_db()
    assert amara.phone == "+15550001111"


def test_logging_out_leaves_no_storage_behind(world: World, field_phone) -> None:
    _, page = field_phone()
    prepare(page)
    assert page.evaluate("caches.keys().then(keys => keys.length)") > 0
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")
    assert page.evaluate("indexedDB.databases().then(dbs => dbs.length)") == 0
    assert page.evaluate("caches.keys().then(keys => keys.length)") == 0
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0


def test_logging_out_from_any_page_clears_the_site_data(world: World, field_phone) -> None:
    _, page = field_phone()
    prepare(page)
    page.goto("/")
    open_more(page).get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")
    assert page.evaluate("indexedDB.databases().then(dbs => dbs.length)") == 0
    assert page.evaluate("caches.keys().then(keys => keys.length)") == 0


def test_a_revoked_phone_wipes_at_its_next_contact(world: World, field_phone) -> None:
    _, page = field_phone()
    prepare(page)
    from massline.field.models import Device
    from massline.field.services import report_lost

    report_lost(Device.objects.get(member=world.elm.organizer), by=world.elm.organizer)
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("forget massline's data")
    assert page.evaluate("indexedDB.databases().then(dbs => dbs.length)") == 0


def _scan(directory: Path, secrets: list[str]) -> set[str]:
    found = set()
    needles = {s: (s.encode(), s.encode("utf-16-le")) for s in secrets}
    for path in directory.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for secret, encodings in needles.items():
            if any(needle in data for needle in encodings):
                found.add(secret)
    return found


def test_the_profile_directory_holds_no_name_or_phone_in_clear(
    world: World, browser, live_server
) -> None:
    line = world.elm.line
    world.elm.round.state = RoundState.RETURNING
    world.elm.round.save(update_fields=["state"])
    from django.utils import timezone

    line.published_at = timezone.now()
    line.save(update_fields=["published_at"])
    errors: list[str] = []
    warm_up(live_server)
    with tempfile.TemporaryDirectory() as profile:
        context = browser.browser_type.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu"],
            viewport=PHONE,
            base_url=live_server.url,
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        _watch(page, errors)
        prepare(page)
        # Chromium would offer to install it on the home screen (a persistent profile is not
        # incognito): the manifest, its icons and the worker all qualify
        installable = context.new_cdp_session(page).send("Page.getInstallabilityErrors")
        assert installable["installabilityErrors"] == []
        context.set_offline(True)
        record_conversation(page, world.elm.person.full_name)
        add_person(page)
        expect(page.locator("#unsynced-count")).to_have_text("2")
        # a clear value the scan must find, so a scan that cannot see into IndexedDB fails
        page.evaluate(
            """CANARY => new Promise(done => {
              const open = indexedDB.open('canary');
              open.onupgradeneeded = () => open.result.createObjectStore('s');
              open.onsuccess = () => {
                const tx = open.result.transaction('s', 'readwrite');
                tx.objectStore('s').put(CANARY, 'k');
                tx.oncomplete = () => { open.result.close(); done(); };
              };
            })""",
            CANARY,
        )
        context.close()
        person = world.elm.person
        secrets = [person.first_name, person.last_name, person.phone, NEW_FIRST, NEW_LAST]
        secrets += [NEW_PHONE, NOTES, IDEA]
        found = _scan(Path(profile), [*secrets, CANARY])
    assert CANARY in found, "the scan cannot see IndexedDB's clear values"
    assert found == {CANARY}, f"in clear in the browser profile: {found - {CANARY}}"
    assert not errors, errors


def test_a_reception_recorded_offline_syncs_once(world: World, field_phone) -> None:
    from django.utils import timezone

    from massline.rounds.models import Reception

    context, page = field_phone()
    world.elm.round.state = RoundState.RETURNING
    world.elm.round.save(update_fields=["state"])
    world.elm.line.published_at = timezone.now()
    world.elm.line.save(update_fields=["published_at"])
    prepare(page)
    context.set_offline(True)
    page.get_by_role("link", name=world.elm.person.full_name).click()
    expect(page.locator(".line")).to_contain_text("the cold in Elm")
    page.get_by_role("link", name="Record their reception").click()
    page.get_by_label("Agrees", exact=True).check()
    page.get_by_label("What they said").fill("Count me in for Friday")
    page.get_by_role("button", name="Save reception").click()
    expect(page.locator(".line")).to_contain_text("Already answered: Agrees")
    expect(page.locator("#unsynced-count")).to_have_text("1")
    assert not Reception.objects.exists()
    context.set_offline(False)
    page.evaluate("Promise.all([massline_field.sync(), massline_field.sync()])")
    expect(page.locator("#unsynced-count")).to_have_text("0")
    reception = Reception.objects.get()
    assert reception.person == world.elm.person and reception.response == "agrees"
    assert reception.idea.text == "Count me in for Friday"


def test_a_list_past_its_age_limit_is_wiped(world: World, field_phone) -> None:
    _, page = field_phone()
    prepare(page)
    page.evaluate(
        """() => new Promise(done => {
          const open = indexedDB.open('massline-field');
          open.onsuccess = () => {
            const tx = open.result.transaction('meta', 'readwrite');
            tx.objectStore('meta').put('2000-01-01T00:00:00Z', 'expires_at');
            tx.oncomplete = () => { open.result.close(); done(); };
          };
        })"""
    )
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("passed its age limit")
    stored = page.evaluate(
        """() => new Promise(done => {
          const open = indexedDB.open('massline-field');
          open.onsuccess = () => {
            const count = open.result.transaction('vault').objectStore('vault').count();
            count.onsuccess = () => { open.result.close(); done(count.result); };
          };
        })"""
    )
    assert stored == 0
    unlock(page)
    expect(page.locator("#people")).not_to_contain_text(world.elm.person.first_name)

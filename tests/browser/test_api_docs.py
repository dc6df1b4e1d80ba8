"""The API's docs page on a phone: Swagger UI from our own static files, under the
Content-Security-Policy, with no console error (the `phone` fixture fails on any)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.conftest import World

pytestmark = pytest.mark.browser


def test_the_docs_page_shows_the_api_offline(world: World, phone: Page, live_server) -> None:
    alice = world.elm.organizer
    alice.set_password("pass-for-alice-1")
    alice.save()
    outside: list[str] = []
    phone.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:", "blob:"))
            else outside.append(request.url)
        ),
    )
    log_in(phone, "alice", "pass-for-alice-1")
    phone.goto("/api/tokens/")
    phone.get_by_label("What is it for?").fill("my script")
    phone.get_by_role("button", name="Make the token").click()
    token = phone.get_by_role("textbox", name="Token").input_value()
    assert token.startswith("ml_")
    phone.get_by_role("link", name="API documentation").click()
    expect(phone.get_by_text("massline API").first).to_be_visible(timeout=30_000)
    expect(phone.get_by_text("/api/v1/people/").first).to_be_visible()
    assert not outside, outside

"""An admin sets up her authenticator on a phone; the pages break no Content-Security-Policy.

The `phone` fixture fails the test on any console error, and Chromium reports every
Content-Security-Policy violation (an inline style or script) as one.
"""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests import factories as f
from tests.conftest import World

pytestmark = pytest.mark.browser


def test_admin_enrols_and_the_main_pages_keep_the_policy(world: World, phone, settings) -> None:
    settings.MASSLINE_REQUIRE_TWO_FACTOR = True
    phone.goto("/login/")
    phone.get_by_label("Username").fill("rosa")
    phone.get_by_label("Password").fill(f.PASSWORD)
    phone.get_by_role("button", name="Log in").click()

    phone.wait_for_url("**/account/two-factor/setup/**")
    expect(phone.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    expect(phone.locator("figure.qr svg")).to_be_visible()
    secret = phone.locator("code").inner_text().replace(" ", "")
    code = f"{totp(base64.b32decode(secret)):06d}"
    phone.get_by_label("6-digit code from your authenticator app").fill(code)
    phone.get_by_role("button", name="Confirm").click()

    expect(phone.get_by_text("Your authenticator is set up.")).to_be_visible()
    for url in ("/people/", "/ties/", "/rounds/", "/manage/units/", "/manage/members/"):
        phone.goto(url)
        expect(phone.locator("main")).to_be_visible()
    expect(phone.get_by_role("button", name="Suspend").first).to_be_visible()

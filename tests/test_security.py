"""Accounts and web hardening: CSP, login throttling, two factors, suspension, deploy checks."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.test import Client
from django.urls import path
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from massline import urls as massline_urls
from massline.accounts.services import can_suspend, suspend
from massline.accounts.two_factor import needs_two_factor
from massline.organization.models import Member, Membership, Role, UnitKind
from tests import factories as f
from tests.conftest import World, client_for

PACKAGE = Path(__file__).resolve().parent.parent / "massline"


@pytest.fixture
def two_factor(settings) -> None:
    settings.MASSLINE_REQUIRE_TWO_FACTOR = True


# --- Content-Security-Policy and other headers -------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_send_a_strict_content_security_policy(world: World, alice: Client) -> None:
    for response in (Client().get("/login/"), alice.get("/"), alice.get("/people/")):
        assert response.status_code == 200
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "unsafe-eval" not in response["Content-Security-Policy"]
        csp = _csp(response)
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_scripts_styles_or_handlers() -> None:
    inline = re.compile(r"""style=|<style|<script(?![^>]*\bsrc=)|\son[a-z]+=|hx-on""")
    offenders = [
        str(template.relative_to(PACKAGE))
        for template in (PACKAGE / "templates").rglob("*.html")
        if inline.search(template.read_text())
    ]
    assert offenders == []


# CSRF rides on ambient credentials (cookies). A view may go without it only if it reads none:
# the ballot box takes the secret ballot token in the body and deliberately no session.
CSRF_EXEMPT_ON_PURPOSE = {"assemblies/views.py": 1}


def test_no_view_is_exempt_from_csrf() -> None:
    exempt = {
        str(source.relative_to(PACKAGE)): source.read_text().count("@csrf_exempt")
        for source in PACKAGE.rglob("*.py")
        if "@csrf_exempt" in source.read_text()
    }
    assert exempt == CSRF_EXEMPT_ON_PURPOSE


def test_sessions_end_with_the_browser_and_after_a_day_at_most(settings) -> None:
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_AGE <= 24 * 60 * 60


# --- login throttling -------------------------------------------------------------------


def _log_in(username: str, password: str, address: str) -> object:
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def test_login_locks_out_one_account_from_one_address_only(world: World, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in("rosa", "wrong password", "203.0.113.7")

    locked = _log_in("rosa", f.PASSWORD, "203.0.113.7")
    assert locked.status_code == 429
    assert b"Too many attempts" in locked.content
    assert b"15 minutes" in locked.content

    # another account from the same address, and the same account from elsewhere, still work
    assert _log_in("alice", f.PASSWORD, "203.0.113.7").status_code == 302
    assert _log_in("rosa", f.PASSWORD, "198.51.100.9").status_code == 302


def test_throttling_stores_no_raw_address(world: World) -> None:
    _log_in("rosa", "wrong password", "203.0.113.7")
    attempt = AccessAttempt.objects.get(username="rosa")
    assert attempt.ip_address != "203.0.113.7"
    assert "203.0.113.7" not in str(attempt.__dict__)
    _log_in("rosa", "wrong again", "203.0.113.7")
    assert AccessAttempt.objects.get(username="rosa").failures_since_start == 2


def test_lockout_ends_after_the_cool_off(world: World, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in("rosa", "wrong password", "203.0.113.7")
    assert _log_in("rosa", f.PASSWORD, "203.0.113.7").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    assert _log_in("rosa", f.PASSWORD, "203.0.113.7").status_code == 302


# --- two factors ------------------------------------------------------------------------


def test_who_needs_two_factors(world: World) -> None:
    assert needs_two_factor(world.rosa)  # admin of the union
    assert needs_two_factor(world.carl)  # admin, even of a unit with no sub-units
    assert not needs_two_factor(world.elm.organizer)  # sees her own unit only
    assert needs_two_factor(f.MemberFactory(is_superuser=True))

    in_two_units = f.MemberFactory()
    f.MembershipFactory(member=in_two_units, unit=world.elm.unit, role=Role.ORGANIZER)
    f.MembershipFactory(member=in_two_units, unit=world.building_c.unit, role=Role.MEMBER)
    assert needs_two_factor(in_two_units)

    above_a_sub_unit = f.MemberFactory()
    f.MembershipFactory(member=above_a_sub_unit, unit=world.union, role=Role.MEMBER)
    assert needs_two_factor(above_a_sub_unit)


@pytest.mark.usefixtures("two_factor")
def test_every_page_leads_to_the_code_until_one_is_entered(world: World) -> None:
    rosa = client_for(world.rosa)
    for url in ("/", "/people/", f"/people/{world.elm.person.pk}/", "/manage/", "/admin/"):
        response = rosa.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/two-factor/?next=")
    htmx = rosa.get("/people/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"].startswith("/account/two-factor/")
    assert rosa.post("/people/new/", {"first_name": "X"}).status_code == 302
    # no authenticator yet: the code page sends her to set one up
    assert rosa.get("/account/two-factor/?next=/people/")["Location"] == (
        "/account/two-factor/setup/?next=%2Fpeople%2F"
    )
    # someone who sees only her own unit is not asked
    assert client_for(world.elm.organizer).get("/").status_code == 200


@pytest.mark.usefixtures("two_factor")
def test_a_member_whose_reach_grows_is_asked_for_a_code_at_the_next_request(
    world: World,
) -> None:
    """Nothing of the answer is kept between requests: a second unit, a sub-unit below her
    own or the admin role each make the very next page ask for a code (a cadre body below her
    unit does not: she does not see into it)."""
    elm = world.elm
    alice = client_for(elm.organizer)

    def asked() -> bool:
        response = alice.get("/people/")
        return response.status_code == 302 and "/account/two-factor/" in response["Location"]

    assert not asked()
    f.UnitFactory(parent=elm.unit, kind=UnitKind.CADRE_BODY)
    assert not asked()
    sub_unit = f.UnitFactory(parent=elm.unit)
    assert asked()
    sub_unit.delete()
    assert not asked()
    second = f.MembershipFactory(member=elm.organizer, unit=world.building_c.unit)
    assert asked()
    second.delete()
    assert not asked()
    Membership.objects.filter(member=elm.organizer).update(role=Role.ADMIN)
    assert asked()


@pytest.mark.usefixtures("two_factor")
def test_enrol_then_verify_at_each_login(world: World) -> None:
    rosa = Client()
    assert rosa.post("/login/", {"username": "rosa", "password": f.PASSWORD}).status_code == 302
    page = rosa.get("/account/two-factor/setup/")
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=world.rosa, confirmed=False)

    wrong = rosa.post("/account/two-factor/setup/", {"code": "000000"})
    assert wrong.status_code == 200
    assert b"not right" in wrong.content
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above slows the next try down
    device.throttling_failure_timestamp = None
    device.save()

    done = rosa.post("/account/two-factor/setup/", {"code": f"{totp(device.bin_key):06d}"})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert rosa.get("/").status_code == 200

    # the next login asks for a code again; setting up another authenticator is refused
    later = Client()
    later.post("/login/", {"username": "rosa", "password": f.PASSWORD})
    assert later.get("/")["Location"].startswith("/account/two-factor/")
    assert later.get("/account/two-factor/setup/")["Location"] == "/account/two-factor/"
    # the code just used cannot be used again: take the next one (within the tolerance)
    code = f"{totp(device.bin_key, drift=1):06d}"
    verified = later.post("/account/two-factor/?next=/people/", {"code": code})
    assert verified["Location"] == "/people/"
    assert later.get("/people/").status_code == 200


@pytest.mark.usefixtures("two_factor")
def test_demo_administrators_are_enrolled_with_the_demo_key(db) -> None:
    from django.core.management import call_command

    from massline.demo import DEMO_TOTP_KEY, DEMO_TWO_FACTOR_USERS

    call_command("demo", people=20, verbosity=0)
    for username in DEMO_TWO_FACTOR_USERS:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert device.bin_key == DEMO_TOTP_KEY
    assert not needs_two_factor(Member.objects.get(username="maria"))


# --- suspension -------------------------------------------------------------------------


def test_suspension_ends_sessions_at_once(world: World) -> None:
    alice_phone = client_for(world.elm.organizer)
    alice_laptop = client_for(world.elm.organizer)
    assert alice_phone.get("/").status_code == 200
    rosa = client_for(world.rosa)
    members = rosa.get("/manage/members/")
    assert f"/account/members/{world.elm.organizer.pk}/suspend/".encode() in members.content
    assert f"/account/members/{world.rosa.pk}/suspend/".encode() not in members.content

    response = rosa.post(f"/account/members/{world.elm.organizer.pk}/suspend/")
    assert response.status_code == 302
    alice = Member.objects.get(pk=world.elm.organizer.pk)
    assert not alice.is_active
    assert alice.suspended_by == world.rosa
    assert alice.suspended_at is not None
    for client in (alice_phone, alice_laptop):
        refused = client.get("/")
        assert refused.status_code == 302
        assert refused["Location"].startswith("/login/")
    remaining = [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id")]
    assert all(s.get_decoded()["_auth_user_id"] != str(alice.pk) for s in remaining)
    again = Client().post("/login/", {"username": "alice", "password": f.PASSWORD})
    assert again.status_code == 200  # the form again: the account cannot log in


def test_who_may_suspend_whom(world: World) -> None:
    alice, bob = world.elm.organizer, world.building_c.organizer
    assert can_suspend(world.rosa, alice)
    assert not can_suspend(bob, alice)  # a sibling unit
    assert not can_suspend(alice, world.rosa)  # someone above
    assert not can_suspend(world.carl, alice)  # another organization
    assert not can_suspend(world.rosa, world.rosa)
    fellow_admin = f.MemberFactory()
    f.MembershipFactory(member=fellow_admin, unit=world.union, role=Role.ADMIN)
    assert not can_suspend(world.rosa, fellow_admin)  # only from above
    elm_admin = f.MemberFactory()
    f.MembershipFactory(member=elm_admin, unit=world.elm.unit, role=Role.ADMIN)
    assert can_suspend(world.rosa, elm_admin)
    assert client_for(bob).post(f"/account/members/{alice.pk}/suspend/").status_code == 404
    with pytest.raises(PermissionDenied):
        suspend(alice, by=bob)


# --- no stack traces; production settings pass Django's deploy checks ---------------------


def _boom(request: HttpRequest):
    raise RuntimeError("secret detail from the database")


urlpatterns = [path("boom/", _boom), *massline_urls.urlpatterns]


def test_errors_show_a_plain_page_without_a_trace(world: World, settings) -> None:
    settings.ROOT_URLCONF = __name__
    assert not settings.DEBUG
    client = client_for(world.elm.organizer)
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"secret detail" not in response.content
    assert b"Traceback" not in response.content


def _massline(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MASSLINE_")}
    clean.pop("DATABASE_URL", None)
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests set it in this process
    clean["MASSLINE_DATA_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "massline.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_checks(tmp_path: Path) -> None:
    production = {
        "MASSLINE_SECRET_KEY": secrets.token_urlsafe(64),
        "MASSLINE_ALLOWED_HOSTS": "massline.example.org",
        "MASSLINE_HTTPS": "1",
    }
    args = ["check", "--deploy", "--fail-level", "WARNING"]
    result = _massline(args, production, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # and the zero-configuration default is not a deployment: the check says so
    assert _massline(args, {}, tmp_path).returncode != 0

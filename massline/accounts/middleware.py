"""Until a member who needs two factors has entered a code, every page leads to the code page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.http import url_has_allowed_host_and_scheme

from massline.accounts.two_factor import needs_two_factor

# Pages a member may reach with a password alone.
OPEN_URL_NAMES = {"two_factor_verify", "two_factor_setup", "logout", "login"}


class TwoFactorMiddleware:
    """Runs after django-otp's OTPMiddleware, which gives `request.user.is_verified()`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.MASSLINE_REQUIRE_TWO_FACTOR
            and user.is_authenticated
            and not user.is_verified()
            and not self._open(request)
            and needs_two_factor(user)
        ):
            location = reverse("two_factor_verify")
            target = request.get_full_path()
            if request.method == "GET" and url_has_allowed_host_and_scheme(target, None):
                location += "?" + urlencode({"next": target})
            if request.headers.get("HX-Request"):
                # an htmx request would swap the code page into a fragment: reload instead
                return HttpResponse(headers={"HX-Redirect": location})
            return HttpResponseRedirect(location)
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.url_name in OPEN_URL_NAMES

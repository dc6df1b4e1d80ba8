"""Logging out wipes what the browser holds of massline (the field app's encrypted list, its
caches and service worker) and ends the phones that used the session."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from massline.field.services import end_for_session

CLEAR_SITE_DATA = '"cache", "storage"'


class ClearSiteDataOnLogout:
    """Wraps Django's LogoutView from outside, so the logout URL itself stays Django's own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.path != reverse("logout"):
            return self.get_response(request)
        user = request.user
        member = user if user.is_authenticated else None
        session_key = request.session.session_key
        response = self.get_response(request)
        if response.status_code < 400:
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
            if member is not None:
                end_for_session(session_key, member)
        return response


class PrivatePages:
    """A logged-in member's pages never go to the browser's disk cache: a phone's profile
    directory must not hold names or phones in clear (the field app's own data is encrypted,
    and its worker caches only static files and the shell). Responses that say how they may
    be cached (static files, the worker) keep their own header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response

"""DRF authentication over personal tokens, sent as `Authorization: Bearer <token>`.

`OSDI-API-Token: <token>` is accepted too, so tools written for Action Network's OSDI API
can post to the signup helper unchanged.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from massline.api import tokens
from massline.api.models import ApiToken
from massline.organization.models import Member


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Member, ApiToken] | None:
        raw = self._raw(request)
        if raw is None:
            return None
        token = tokens.check(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return token.member, token

    def _raw(self, request: Request) -> str | None:
        osdi = request.META.get("HTTP_OSDI_API_TOKEN")
        if osdi:
            return osdi.strip()
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in ("bearer", "token"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as 'Bearer <token>'."))
        return header[1]

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """A logged-in browser (CSRF-checked). Suspension ends sessions; this re-checks anyway."""

    def authenticate(self, request: Request):
        result = super().authenticate(request)
        if result is not None and not tokens.may_hold_tokens(result[0]):
            return None
        return result


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "massline.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "massline.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}

"""Who may call the API: a live member; writes only with a read-write token or a session."""

from __future__ import annotations

from rest_framework import permissions
from rest_framework.request import Request

from massline.api.models import ApiToken


class MemberWithScope(permissions.BasePermission):
    message = "This token is read-only."

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        if isinstance(token, ApiToken):
            return token.can_write
        return True  # a logged-in browser session writes as its pages do

"""Template context every page needs."""

from __future__ import annotations

from django.http import HttpRequest

from massline import access


def navigation(request: HttpRequest) -> dict[str, object]:
    """Show the Manage link only to those who may manage something (it is a 404 otherwise)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_manage": access.can_manage(user)}

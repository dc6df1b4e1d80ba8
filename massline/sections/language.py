"""A member's language: stored per member, carried in the session for the middleware."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from massline.organization.models import Member
from massline.sections.middleware import SESSION_KEY
from massline.sections.models import LanguagePreference

CODES = {code for code, _name in settings.LANGUAGES}


def set_member_language(member: Member, language: str) -> LanguagePreference:
    """Remember the member's choice for every later login, on any device."""
    if language not in CODES:
        raise ValueError(f"unknown language {language!r}")
    preference, _created = LanguagePreference.objects.update_or_create(
        member=member, defaults={"language": language}
    )
    return preference


def member_language(member: Member) -> str | None:
    return (
        LanguagePreference.objects.filter(member=member).values_list("language", flat=True).first()
    )


@receiver(user_logged_in, dispatch_uid="massline.sections.language_on_login")
def _language_on_login(
    sender: object, request: HttpRequest, user: Member, **kwargs: object
) -> None:
    """Carry the member's stored language into their new session."""
    language = member_language(user)
    if language and request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = language

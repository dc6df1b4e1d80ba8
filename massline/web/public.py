"""What every page that anyone may post to without an account shares: a guard against
simple bots and a per-key limit, so the suggestion and voting links stay the people's."""

from __future__ import annotations

import time

from django import forms
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# People take a few seconds to type; bots post at once. Tests may lower it.
MIN_SECONDS = 3
STARTED_MAX_AGE = 60 * 60 * 24


class BotGuardForm(forms.Form):
    """A honeypot field people leave empty and a signed time the form was shown."""

    guard_salt = "public-form"

    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started"].initial = signing.dumps(time.time(), salt=self.guard_salt)

    def looks_like_spam(self) -> bool:
        """Only for a valid form: a filled honeypot, a forged start, or a post too quick."""
        if self.cleaned_data.get("website"):
            return True
        try:
            started = signing.loads(
                self.cleaned_data["started"], salt=self.guard_salt, max_age=STARTED_MAX_AGE
            )
        except signing.BadSignature:
            return True
        return time.time() - float(started) < MIN_SECONDS


def under_limit(key: str, limit: int, seconds: int) -> bool:
    """Count one more use of `key` unless it is at its limit within the window."""
    used = cache.get(key, 0)
    if used >= limit:
        return False
    cache.set(key, used + 1, seconds)
    return True


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")

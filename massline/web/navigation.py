"""Small helpers shared by views."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` URL if it stays on this site, else the fallback (no open redirects)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback)


def show_errors(request: HttpRequest, error: ValidationError) -> None:
    """A refused step (wrong state, wrong role) becomes a message on the next page."""
    for message in error.messages:
        messages.error(request, message)


def qr_svg(text: str, title: str | None = None) -> SafeString:
    """A QR code of a link, drawn as inline SVG on the server (no external service)."""
    svg = segno.make(text, error="m").svg_inline(scale=4, title=escape(title or text))
    return mark_safe(svg)  # segno builds the SVG; the text inside is escaped

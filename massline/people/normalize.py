"""One normalisation of phones and emails, so duplicates are found however they were typed."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

_NON_DIGITS = re.compile(r"[^\d+]")


def normalize_email(raw: str) -> str:
    """Lower-case and strip an email; raise ValidationError if it is not one."""
    email = raw.strip().lower()
    if email:
        validate_email(email)
    return email


def normalize_phone(raw: str) -> str:
    """Reduce a phone number to + and digits; raise ValidationError if too short to dial."""
    phone = raw.strip()
    if not phone:
        return ""
    cleaned = _NON_DIGITS.sub("", phone)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    digits = cleaned.lstrip("+")
    if "+" in digits or not 6 <= len(digits) <= 15:
        raise ValidationError(f"{raw!r} is not a phone number")
    return cleaned

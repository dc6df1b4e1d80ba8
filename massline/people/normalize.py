"""One normalisation of phones and emails, so duplicates are found however they were typed."""

from __future__ import annotations

import re
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

_NON_DIGITS = re.compile(r"[^\d+]")


class _EmailValidator(EmailValidator):
    """Django's email check, with its user pattern compiled up front (not behind a lazy
    object) and the verdict on each domain remembered: a list of people repeats a handful of
    domains, and the check was most of the cost of reading a row in a large import."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)

    def validate_domain_part(self, domain_part: str) -> bool:
        return _domain_is_valid(domain_part)


_domain_is_valid = lru_cache(maxsize=4096)(EmailValidator().validate_domain_part)
validate_email = _EmailValidator()


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

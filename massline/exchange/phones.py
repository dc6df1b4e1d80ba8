"""Phones in E.164 (+ country code and number), the form texting tools and dedupe need."""

from __future__ import annotations

import phonenumbers
from django.conf import settings


class BadPhone(ValueError):
    """Not a phone number that could be dialled."""


def to_e164(raw: str, region: str | None = None) -> str:
    """`raw` as E.164; numbers without a country code are read as `region`'s
    (MASSLINE_PHONE_REGION by default). Empty stays empty; anything undiallable raises."""
    text = raw.strip()
    if not text:
        return ""
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or settings.MASSLINE_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise BadPhone(f"{raw!r} is not a phone number") from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise BadPhone(f"{raw!r} is not a phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_or_blank(raw: str) -> str:
    """For exports of numbers stored earlier: E.164 when the number has a possible length for
    its country, else blank. Lenient on purpose: the number was accepted when it was recorded,
    and the texting tool makes the final check."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, settings.MASSLINE_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

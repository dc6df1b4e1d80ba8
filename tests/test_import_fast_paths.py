"""The fast paths of the large import give exactly what the plain code gives.

massline.people.normalize checks emails with Django's validator, its pattern compiled once
and its verdict per domain remembered; massline.people.bulk writes COPY text without
escaping rows that need none. Both are compared here with the plain code over many values.
"""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from massline.people.bulk import copy_text
from massline.people.normalize import normalize_email

_DJANGO = EmailValidator()
_PIECES = [
    "ana", "Ana.Silva", "a+tag", "o'neil", "x..y", ".dot", "dot.", '"quoted here"', '"a\\"b"',
    "ünï", "a b", "", "-", "_", "1", "a" * 64, "a" * 300,
]  # fmt: skip
_DOMAINS = [
    "example.org", "Example.ORG", "mail.example.com", "localhost", "[127.0.0.1]", "[::1]",
    "[1.2.3]", "exa_mple.org", "-bad.org", "bad-.org", "xn--bcher-kva.example", "bücher.de",
    "example", "example.c", "example.123", "ex ample.org", "", "a" * 64 + ".org",
    "a" * 63 + ".org", "example.org.", "[IPv6:::1]", "sub.-x.org", "a.b.c.d.e.f.example.net",
]  # fmt: skip


def _plain(raw: str) -> str:
    """normalize_email as it reads, with Django's own validator."""
    email = raw.strip().lower()
    if email:
        _DJANGO(email)
    return email


def _outcome(check, raw: str) -> str:
    try:
        return "ok " + check(raw)
    except ValidationError:
        return "refused"


def _emails() -> list[str]:
    rng = random.Random(14)
    emails = [f"{user}@{domain}" for user in _PIECES for domain in _DOMAINS]
    emails += ["", " ", "no-at-sign", "two@@example.org", "a@b@example.org", " Ana@Example.org "]
    alphabet = "abcAB09.-_+@[]:'\" \t\u00e9\u0131"
    emails += ["".join(rng.choices(alphabet, k=rng.randrange(1, 24))) for _ in range(3000)]
    return emails


def test_the_email_check_agrees_with_django_on_every_value() -> None:
    for raw in _emails() * 2:  # twice: the second time, domains come from the cache
        assert _outcome(normalize_email, raw) == _outcome(_plain, raw), raw


def _escaped(value: object) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    for special, escape in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(special, escape)
    return text


@pytest.mark.parametrize("seed", range(5))
def test_copy_text_escapes_what_needs_it_and_nothing_else(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["a", "Zoë", "\\", "\\N", "\t", "\n", "\r", " ", "k1.abc-_", "0"]
    rows = [
        tuple(
            rng.choice([None, rng.randrange(10**6), "".join(rng.choices(pieces, k=3))])
            for _ in range(rng.randrange(1, 8))
        )
        for _ in range(2000)
    ]
    expected = "".join("\t".join(_escaped(value) for value in row) + "\n" for row in rows)
    assert copy_text(rows) == expected.encode()

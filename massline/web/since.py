"""`ago`: Django's `naturaltime`, word for word, without its cost per row of a list.

`naturaltime` translates every piece of its answer anew ("3 days", "4 hours", "%(delta)s
ago"): about 75 µs a date, a tenth of a people-list page for 50 rows. The pieces are the
same for every row and request, so each language remembers the pieces it has translated.
"""

from __future__ import annotations

from functools import cache, lru_cache

from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter
from django.utils.translation import get_language


class _Remembered:
    """A lazily translated format, and what it gave for each of its parameters, in one
    language (the caller has activated it; a lazy plural compares equal to its siblings, so
    the format itself is no key)."""

    def __init__(self, text: object) -> None:
        self.text = text

    def __mod__(self, params: dict) -> str:
        return _translated(self, tuple(params.items()))


@lru_cache(maxsize=4096)
def _translated(format: _Remembered, params: tuple) -> str:
    return format.text % dict(params)


def _remembered(strings: dict) -> dict:
    return {name: _Remembered(text) for name, text in strings.items()}


@cache
def _formatter(language: str | None) -> type[NaturalTimeFormatter]:
    """naturaltime's formatter with remembered pieces, one per language."""
    return type(
        "RememberedNaturalTime",
        (NaturalTimeFormatter,),
        {
            "time_strings": {
                **_remembered(NaturalTimeFormatter.time_strings),
                "now": NaturalTimeFormatter.time_strings["now"],  # used as is, not formatted
            },
            "past_substrings": _remembered(NaturalTimeFormatter.past_substrings),
            "future_substrings": _remembered(NaturalTimeFormatter.future_substrings),
        },
    )


def ago(value):
    """What `naturaltime` says ("3 days, 4 hours ago") in the active language."""
    return _formatter(get_language()).string_for(value)

"""The rows of the people list, written out in Python.

A page shows 50 people, and the template language spends some 350 calls on each row
(variables, filters, a reverse() per link): half the time of the whole page; even
format_html spends 20 calls on each value it escapes. The HTML is the same as the template
made: every value is escaped here with html.escape, which Django's own escape() calls.
"""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from massline.people.models import Person
from massline.web.since import ago

register = template.Library()

ROW = (
    '  <li>\n    <a href="{}{}{}">{}</a>\n    {}\n'
    '    <span class="muted small">{} · {}</span>\n  </li>\n'
)
# A person's address with a stand-in id, split around it once per list, not reversed per row.
_STAND_IN = 987654321


def _level(person: Person, show_level: bool) -> str:
    level = escape(getattr(person, "current_level", None) or "") if show_level else ""
    return f'<span class="level level-{level}">{level}</span>' if level else ""


@register.simple_tag
def people_rows(people: list[Person], show_level: bool) -> SafeString:
    """One <li> per person of a PeoplePage: a link to their page, their level on the chosen
    struggle, where they are (place, else unit) and when someone last talked with them."""
    before, after = reverse("person_detail", args=[_STAND_IN]).split(str(_STAND_IN))
    never = gettext("never talked")
    return mark_safe(  # every value below is escaped
        "".join(
            ROW.format(
                before,
                person.pk,
                after,
                escape(person.full_name),
                _level(person, show_level),
                escape(person.place_name or person.unit_name),
                escape(ago(person.last_contact_at) if person.last_contact_at else never),
            )
            for person in people
        )
    )

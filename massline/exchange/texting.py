"""Lists for texting tools (Spoke, ThruText): only people who agreed to texts, phones in E.164,
and an opaque external id in place of massline's own ids.

The external id is a keyed hash of the person's id: stable (a reply or opt-out coming back
from the tool can be matched to the same person by whoever holds the key), and useless to
anyone reading the file without it. Every export is audited and follows the export approval
rule of massline.audit (a second member approves bulk exports).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest

from massline import access
from massline.audit import services as audit
from massline.exchange.phones import e164_or_blank
from massline.organization.models import Member, Unit
from massline.people.models import Person
from massline.people.transfer import safe_cell
from massline.rounds.models import Action, Line
from massline.rounds.selectors import return_list

# The headers each tool reads. Spoke requires firstName, lastName and cell and keeps
# external_id; ThruText requires first name, last name and phone (it matches the headers by
# name) and keeps other columns as custom fields.
FORMATS: dict[str, tuple[str, ...]] = {
    "spoke": ("firstName", "lastName", "cell", "external_id"),
    "thrutext": ("first_name", "last_name", "phone", "external_id"),
}
FORMAT_LABELS = {"spoke": "Spoke", "thrutext": "ThruText"}
# ThruText drops a contact with any required field empty; its guide suggests a placeholder.
THRUTEXT_BLANK = "-"


def _key() -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), b"massline.exchange.external-id.v1", "sha256"
    ).digest()


def external_id(person_id: int) -> str:
    """The same opaque id for the same person in every export; not reversible without the key."""
    return hmac.new(_key(), f"person:{person_id}".encode(), hashlib.sha256).hexdigest()[:24]


def person_for_external_id(member: Member, value: str) -> Person | None:
    """Who an external id from a texting tool stands for, among the people `member` may see."""
    for pk in access.visible_people(member).values_list("pk", flat=True).iterator():
        if hmac.compare_digest(external_id(pk), value.strip().lower()):
            return access.visible_people(member).get(pk=pk)
    return None


# --- what can be exported ------------------------------------------------------------------


def unit_people(member: Member, unit: Unit) -> QuerySet[Person]:
    return access.visible_people(member).filter(unit__path__startswith=unit.path)


def visible_lines(member: Member) -> QuerySet[Line]:
    return Line.objects.filter(round__in=access.visible_rounds(member), published_at__isnull=False)


def visible_actions(member: Member) -> QuerySet[Action]:
    return Action.objects.filter(round__in=access.visible_rounds(member))


def return_list_people(member: Member, unit: Unit, line: Line) -> QuerySet[Person]:
    """The member's return list for a published line (rounds.selectors.return_list)."""
    return return_list(member, line).filter(unit__path__startswith=unit.path)


def action_invitees(member: Member, unit: Unit, action: Action) -> QuerySet[Person]:
    """Everyone asked to an action, among the people the member may see."""
    return (
        unit_people(member, unit)
        .filter(participations__action=action, participations__asked=True)
        .distinct()
    )


# --- writing -------------------------------------------------------------------------------


@dataclass
class TextingExport:
    fmt: str
    rows: list[list[str]]
    no_consent: int
    no_phone: int

    @property
    def count(self) -> int:
        return len(self.rows)

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(FORMATS[self.fmt])
        writer.writerows(self.rows)
        return out.getvalue()


def build(people: Iterable[Person], fmt: str) -> TextingExport:
    """The rows for `fmt`: people who agreed to texts and have a phone that can be dialled."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    export = TextingExport(fmt, [], 0, 0)
    consenting = set(
        Person.objects.filter(
            pk__in=[p.pk for p in people], text_consent__consented=True
        ).values_list("pk", flat=True)
    )
    for person in people:
        if person.pk not in consenting:
            export.no_consent += 1
            continue
        phone = e164_or_blank(person.phone)
        if not phone:
            export.no_phone += 1
            continue
        last = safe_cell(person.last_name)
        if not last and fmt == "thrutext":
            last = THRUTEXT_BLANK  # a lone "-" is text, not a formula
        export.rows.append([safe_cell(person.first_name), last, phone, external_id(person.pk)])
    return export


def export_for_texting(
    member: Member,
    unit: Unit,
    people: QuerySet[Person],
    fmt: str,
    *,
    request: HttpRequest | None = None,
) -> TextingExport:
    """Build the list, pass the export approval rule, and audit it. Raises
    audit.ExportRefused when a second member must approve first."""
    export = build(list(people.order_by("last_name", "first_name", "id")), fmt)
    audit.gate_export(member, unit, export.count)
    audit.record(request, "export", member=member, unit=unit, results=export.count)
    return export

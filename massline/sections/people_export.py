"""Section values in a people export: only the dimensions the exporter chose, only once a
second member approved exporting them.

A people export carries no section values unless dimensions are chosen (`massline export
people --sections Shift,Language`). The exporter may choose only dimensions they may see
(a sensitive one only with that right), and such an export always needs a second member's
approval, however small, given for exactly those dimensions and used once; the unit is told
which dimensions left.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import transaction
from django.utils import timezone

from massline import access
from massline.audit import services as audit
from massline.audit.models import ExportRequest
from massline.organization.models import Member, Unit
from massline.people.models import Person
from massline.sections.models import Dimension, PersonSection, SectionExport
from massline.sections.tokens import values_by_token

CHUNK = 500


def choose(member: Member, names: Iterable[str], unit: Unit | None) -> list[Dimension]:
    """The dimensions named, among those the member may see (of the unit's organization)."""
    names = [name.strip() for name in names if name.strip()]
    visible = access.visible_dimensions(member).prefetch_related("values").order_by("position")
    if unit is not None:
        visible = visible.filter(unit_id=access.organization_id(unit))
    by_name = {dimension.name.lower(): dimension for dimension in visible}
    missing = [name for name in names if name.lower() not in by_name]
    if missing:
        raise audit.ExportRefused(
            f"no dimension {', '.join(missing)} that {member.username} may export "
            f"(a sensitive one needs that right); choose among: "
            f"{', '.join(d.name for d in by_name.values()) or 'none'}"
        )
    return list({by_name[name.lower()].pk: by_name[name.lower()] for name in names}.values())


def _scope(unit: Unit | None) -> str:
    return unit.name if unit is not None else "the whole organization"


def gate(
    member: Member, unit: Unit | None, people_count: int, dimensions: list[Dimension]
) -> ExportRequest:
    """Let an export with these dimensions run once with an approval given for exactly them,
    or refuse with what to do next (as `audit.gate_export`, but whatever the size)."""
    chosen = {dimension.pk for dimension in dimensions}
    names = ", ".join(dimension.name for dimension in dimensions)
    now = timezone.now()
    mine = ExportRequest.objects.filter(
        requested_by=member, unit=unit, used_at__isnull=True, section_export__isnull=False
    )
    with transaction.atomic():
        for approved in (
            mine.select_for_update()
            .filter(approved_at__gte=now - audit.APPROVAL_VALID_FOR)
            .order_by("approved_at")
        ):
            if set(approved.section_export.dimensions.values_list("pk", flat=True)) == chosen:
                approved.used_at = now
                approved.save(update_fields=["used_at"])
                audit.notify(
                    unit,
                    f"{member} exported {people_count} people of {_scope(unit)} with their "
                    f"{names}, approved by {approved.approved_by} (request #{approved.pk}).",
                )
                return approved
        pending = next(
            (
                request
                for request in mine.filter(approved_at__isnull=True)
                if set(request.section_export.dimensions.values_list("pk", flat=True)) == chosen
            ),
            None,
        )
        if pending is None:
            pending = ExportRequest.objects.create(
                requested_by=member, unit=unit, people_count=people_count
            )
            SectionExport.objects.create(request=pending).dimensions.set(dimensions)
            audit.notify(
                unit,
                f"{member} asked to export {people_count} people of {_scope(unit)} with their "
                f"{names} (request #{pending.pk}).",
            )
    raise audit.ExportRefused(
        f"exporting people of {_scope(unit)} with their {names} needs a second member's "
        f"approval: ask a lead or admin of {_scope(unit)} to run "
        f"`massline export approve {pending.pk} --as THEIR_USERNAME`, then run this again"
    )


def labels(
    people: Iterable[Person], dimensions: list[Dimension]
) -> Iterator[tuple[Person, list[str]]]:
    """Each person with their value's label on each dimension ("" when unknown), looked up a
    chunk of people at a time."""
    values = values_by_token(dimensions)
    chunk: list[Person] = []

    def flush() -> Iterator[tuple[Person, list[str]]]:
        found: dict[tuple[int, int], str] = {}
        rows = PersonSection.objects.filter(
            person_id__in=[person.pk for person in chunk], dimension__in=dimensions
        ).values_list("person_id", "dimension_id", "token")
        for person_id, dimension_id, token in rows:
            if token in values:
                found[(person_id, dimension_id)] = values[token].label
        for person in chunk:
            yield person, [found.get((person.pk, d.pk), "") for d in dimensions]

    for person in people:
        chunk.append(person)
        if len(chunk) == CHUNK:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()

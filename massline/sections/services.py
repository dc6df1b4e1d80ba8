"""Changes to sections: an organization's dimensions and values, a person's values, the
smallest count shown, and who may see breakdowns by sensitive dimensions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from massline import access
from massline.organization.models import Member, Unit
from massline.people.models import Person
from massline.sections import tally, tokens
from massline.sections.models import (
    SENSITIVE_TOPICS,
    Dimension,
    PersonSection,
    SectionRules,
    SectionValue,
    SensitiveBreakdownRight,
)


def _require_manager(member: Member, organization: Unit) -> None:
    if not access.managed_organizations(member).filter(pk=organization.pk).exists():
        raise PermissionDenied(_("Only an administrator of the organization sets its sections."))


@transaction.atomic
def define_dimension(
    organization: Unit,
    name: str,
    *,
    topic: str,
    values: list[str],
    by: Member,
    sensitive: bool | None = None,
) -> Dimension:
    """A new way of dividing the people. Nationality, ethnicity, religion, gender and
    immigration status are sensitive unless the organization says otherwise."""
    _require_manager(by, organization)
    name = name.strip()
    labels = [label.strip() for label in values if label.strip()]
    if not name:
        raise ValidationError({"name": _("A dimension needs a name.")})
    if len(set(labels)) != len(labels):
        raise ValidationError({"values": _("Each value may appear only once.")})
    if Dimension.objects.filter(unit=organization, name__iexact=name).exists():
        raise ValidationError({"name": _("The organization already has a dimension of that name.")})
    dimension = Dimension.objects.create(
        unit=organization,
        name=name,
        topic=topic,
        sensitive=topic in SENSITIVE_TOPICS if sensitive is None else sensitive,
        position=Dimension.objects.filter(unit=organization).count(),
    )
    SectionValue.objects.bulk_create(
        SectionValue(dimension=dimension, label=label, position=i) for i, label in enumerate(labels)
    )
    return dimension


@transaction.atomic
def add_value(dimension: Dimension, label: str, *, by: Member) -> SectionValue:
    _require_manager(by, dimension.unit)
    label = label.strip()
    if not label:
        raise ValidationError({"label": _("A value needs a label.")})
    try:
        with transaction.atomic():
            return SectionValue.objects.create(
                dimension=dimension, label=label, position=dimension.values.count()
            )
    except IntegrityError:
        raise ValidationError({"label": _("That value is already there.")}) from None


def set_minimum(organization: Unit, minimum: int, *, by: Member) -> SectionRules:
    _require_manager(by, organization)
    if not 2 <= minimum <= 100:
        raise ValidationError({"minimum_cell": _("Choose a number from 2 to 100.")})
    rules, _created = SectionRules.objects.update_or_create(
        unit=organization, defaults={"minimum_cell": minimum}
    )
    return rules


def grant_sensitive_right(organization: Unit, member: Member, *, by: Member) -> None:
    _require_manager(by, organization)
    if not member.memberships.filter(unit__path__startswith=organization.path).exists():
        raise ValidationError(_("Only a member of the organization can be given this right."))
    SensitiveBreakdownRight.objects.get_or_create(
        unit=organization, member=member, defaults={"granted_by": by}
    )


def revoke_sensitive_right(organization: Unit, member: Member, *, by: Member) -> None:
    _require_manager(by, organization)
    SensitiveBreakdownRight.objects.filter(unit=organization, member=member).delete()


@transaction.atomic
def set_person_values(
    person: Person, chosen: dict[int, int | None], *, by: Member
) -> list[PersonSection]:
    """Record a person's values: dimension id -> value id, or None for unknown. Stored as
    tokens (`tokens`), and the tallies of the themes they raised follow.

    Only dimensions the member may see are touched; a value of another dimension or of
    another organization is refused, and nothing is saved.
    """
    if not access.visible_people(by).filter(pk=person.pk).exists():
        raise PermissionDenied(_("Not found"))
    allowed = {
        d.pk: d
        for d in access.visible_dimensions(by).filter(unit_id=access.organization_id(person.unit))
    }
    for dimension_id, value_id in chosen.items():
        if dimension_id not in allowed:
            raise ValidationError(_("That dimension is not one of this organization's."))
        if (
            value_id is not None
            and not SectionValue.objects.filter(pk=value_id, dimension_id=dimension_id).exists()
        ):
            raise ValidationError(_("That value does not belong to its dimension."))
    current = dict(
        PersonSection.objects.filter(person=person, dimension_id__in=chosen).values_list(
            "dimension_id", "token"
        )
    )
    saved, moves = [], []
    for dimension_id, value_id in chosen.items():
        old = current.get(dimension_id)
        if value_id is None:
            PersonSection.objects.filter(person=person, dimension_id=dimension_id).delete()
            if old:
                moves.append((dimension_id, old, None))
            continue
        token = tokens.token_for(dimension_id, value_id)
        row, _created = PersonSection.objects.update_or_create(
            person=person,
            dimension_id=dimension_id,
            defaults={"token": token, "recorded_by": by},
        )
        if old != token:
            moves.append((dimension_id, old, token))
        saved.append(row)
    tally.person_changed(person.pk, moves)
    return saved

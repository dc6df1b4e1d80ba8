"""Writes to the unit tree that must keep the materialised paths true."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from massline.organization.models import Unit


def _path_for(unit: Unit) -> str:
    prefix = unit.parent.path if unit.parent_id else "/"
    return f"{prefix}{unit.pk}/"


@transaction.atomic
def save_unit(unit: Unit) -> Unit:
    """Create or move a unit, rewriting the paths of everything below it when it moves."""
    if unit.pk and unit.parent_id:
        parent = Unit.objects.get(pk=unit.parent_id)
        if parent.pk == unit.pk or parent.path.startswith(Unit.objects.get(pk=unit.pk).path):
            raise ValidationError({"parent": _("A unit cannot sit under itself or its sub-units.")})
    old_path = Unit.objects.get(pk=unit.pk).path if unit.pk else None
    unit.save()
    new_path = _path_for(unit)
    if new_path != unit.path:
        Unit.objects.filter(pk=unit.pk).update(path=new_path)
        unit.path = new_path
        if old_path:
            Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
            )
    return unit

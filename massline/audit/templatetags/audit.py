from datetime import timedelta

from django import template
from django.db.models import Q
from django.utils import timezone

from massline import access
from massline.audit.models import UnitNotice

register = template.Library()


@register.inclusion_tag("audit/_notices.html", takes_context=True)
def unit_notices(context, days: int = 14) -> dict:
    """Recent notices for the member's units, the units below them and the units above them
    (an export of a parent unit takes their people too)."""
    member = context["request"].user
    units = access.visible_units(member)
    ancestors = {
        int(part)
        for path in member.memberships.values_list("unit__path", flat=True)
        for part in path.strip("/").split("/")
        if part
    }
    notices = UnitNotice.objects.filter(
        Q(unit__in=units) | Q(unit_id__in=ancestors) | Q(unit__isnull=True),
        created_at__gte=timezone.now() - timedelta(days=days),
    )[:10]
    return {"notices": notices}

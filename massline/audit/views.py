from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from massline import access
from massline.audit.selectors import unusual_access

WINDOWS = (7, 30, 90)


@require_GET
def unusual(request: HttpRequest) -> HttpResponse:
    """Unusual access to the records of a unit the viewer leads or administers."""
    units = access.led_units(request.user)
    if not units.exists():
        raise Http404("Not found")
    unit_id = request.GET.get("unit")
    unit = access.get_visible_or_404(units, pk=unit_id) if unit_id else units.order_by("path")[0]
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    if days not in WINDOWS:
        days = 30
    return render(
        request,
        "audit/unusual.html",
        {
            "report": unusual_access(unit, days, viewer=request.user),
            "units": units.order_by("path"),
            "windows": WINDOWS,
        },
    )

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from massline import access
from massline.paging import first_rows
from massline.rounds.models import RoundState
from massline.web.ties import parse_days, scope_choices, ties_report


def my_work(request: HttpRequest) -> HttpResponse:
    """The landing page: my people, my follow-ups, what happened lately in my units."""
    member = request.user
    today = timezone.localdate()
    my_people = access.visible_people(member).filter(responsible=member)
    follow_ups = (
        access.visible_follow_ups(member)
        .filter(owner=member, done_at__isnull=True, due_on__lte=today + timedelta(days=7))
        .select_related("person")
        .order_by("due_on")
    )
    recent = (
        access.visible_conversations(member)
        .select_related("unit", "recorded_by")
        .prefetch_related("people")
        .order_by("-happened_at")[:15]
    )
    return render(
        request,
        "web/my_work.html",
        {
            "my_people": first_rows(
                my_people.select_related("place").order_by(
                    F("last_contact_at").asc(nulls_first=True), "last_name", "first_name", "id"
                ),
                20,
            ),
            "my_people_count": my_people.count(),
            "follow_ups": follow_ups[:30],
            "recent": recent,
            "today": today,
            "units": access.visible_units(member).filter(memberships__member=member),
            "rounds": access.visible_rounds(member)
            .exclude(state=RoundState.CLOSED)
            .select_related("struggle"),
        },
    )


@require_GET
def ties(request: HttpRequest) -> HttpResponse:
    """Are the ties with the masses alive, for all my units, one unit, or one member?

    A unit or member the viewer cannot see is a 404, like any guessed id.
    """
    viewer = request.user
    unit = member = None
    if request.GET.get("unit"):
        unit = access.get_visible_or_404(access.visible_units(viewer), pk=request.GET["unit"])
    if request.GET.get("member"):
        member = access.get_visible_or_404(access.visible_members(viewer), pk=request.GET["member"])
    report = ties_report(viewer, unit=unit, member=member, days=parse_days(request.GET.get("days")))
    return render(request, "web/ties.html", {"report": report, **scope_choices(viewer)})

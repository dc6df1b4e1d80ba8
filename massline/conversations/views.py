from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massline import access
from massline.audit import services as audit
from massline.conversations.forms import ConversationForm, IdeaForm
from massline.conversations.services import complete_follow_up, record_conversation
from massline.people.models import Person
from massline.people.selectors import search_people
from massline.web.navigation import safe_next


def _conversation_form(request: HttpRequest, data=None, initial=None) -> ConversationForm:
    member = request.user
    return ConversationForm(
        data,
        initial=initial,
        member=member,
        people=access.visible_people(member),
        units=access.visible_units(member),
        places=access.visible_places(member),
        struggles=access.visible_struggles(member).filter(is_active=True),
        members=access.visible_members(member),
    )


def new_conversation(request: HttpRequest) -> HttpResponse:
    member = request.user
    if request.method == "POST":
        form = _conversation_form(request, request.POST)
        if form.is_valid():
            with transaction.atomic():
                new_person = None
                if form.cleaned_data["new_first_name"]:
                    new_person = Person.objects.create(
                        unit=form.cleaned_data["unit"],
                        first_name=form.cleaned_data["new_first_name"],
                        last_name=form.cleaned_data["new_last_name"],
                        phone=form.cleaned_data["new_phone"],
                        place=form.cleaned_data.get("place"),
                        responsible=member,
                    )
                conversation = record_conversation(form.to_record(new_person), by=member)
            messages.success(request, _("Conversation recorded."))
            first = conversation.people.order_by("pk").first()
            return redirect("person_detail", pk=first.pk) if first else redirect("my_work")
    else:
        initial: dict = {"people": request.GET.getlist("person")}
        form = _conversation_form(request, initial=initial)
        first = next(iter(form.chosen_people), None)
        if first is not None:
            form.fields["unit"].initial = first.unit_id
            form.fields["place"].initial = first.place_id
        elif (units := list(access.visible_units(member)[:2])) and len(units) == 1:
            form.fields["unit"].initial = units[0].pk
    return render(request, "conversations/new.html", {"form": form})


def person_rows(request: HttpRequest) -> HttpResponse:
    """htmx: the per-person part of the form, for the people chosen so far."""
    form = _conversation_form(request, request.GET or None)
    return render(request, "conversations/_person_rows.html", {"form": form})


def idea_row(request: HttpRequest) -> HttpResponse:
    """htmx: one more empty idea row."""
    return render(
        request, "conversations/_idea_row.html", {"idea": IdeaForm(prefix="idea", auto_id=False)}
    )


def person_picker(request: HttpRequest) -> HttpResponse:
    """htmx: people matching the search box, to add to a conversation."""
    query = request.GET.get("q", "").strip()
    found = (
        search_people(access.visible_people(request.user), query).select_related("place")[:8]
        if len(query) >= 2
        else []
    )
    if len(query) >= 2:  # a search that finds nobody is recorded too (probing for someone)
        audit.record(request, "pick", query=query, results=len(found))
    return render(request, "conversations/_picker_results.html", {"found": found})


def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = access.get_visible_or_404(
        access.visible_conversations(request.user).select_related("unit", "place", "recorded_by"),
        pk=pk,
    )
    return render(
        request,
        "conversations/detail.html",
        {
            "conversation": conversation,
            "people": access.visible_people(request.user).filter(conversations=conversation),
            "ideas": conversation.ideas.all(),
            "follow_ups": conversation.follow_ups.select_related("person", "owner"),
        },
    )


@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = access.get_visible_or_404(access.visible_follow_ups(request.user), pk=pk)
    complete_follow_up(follow_up)
    if request.htmx:
        return render(request, "conversations/_follow_up.html", {"follow_up": follow_up})
    messages.success(request, _("Follow-up with %(person)s done.") % {"person": follow_up.person})
    return redirect(safe_next(request, "my_work"))

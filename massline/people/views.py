from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from massline import access
from massline.audit import services as audit
from massline.people.forms import PeopleFilterForm, PersonForm
from massline.people.selectors import filter_people
from massline.people.services import ConcurrentEditError, update_person
from massline.web.timeline import person_timeline

PAGE_SIZE = 50


def people_list(request: HttpRequest) -> HttpResponse:
    member = request.user
    people = access.visible_people(member)
    form = PeopleFilterForm(
        request.GET or None,
        units=access.visible_units(member),
        places=access.visible_places(member),
        struggles=access.visible_struggles(member),
    )
    if form.is_bound and form.is_valid():
        people = filter_people(people, form.cleaned_data)
    else:
        people = filter_people(people, {})
    page = Paginator(people.order_by("last_name", "first_name", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if form.is_bound and form.is_valid() and any(form.cleaned_data.values()):
        query = form.cleaned_data.get("q")
        audit.record(request, "search", query=query, filtered=True, results=page.paginator.count)
    context = {"form": form, "page": page, "query": request.GET.urlencode()}
    template = "people/_results.html" if request.htmx else "people/list.html"
    return render(request, template, context)


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.user
    person = access.get_visible_or_404(
        access.visible_people(member).select_related("unit", "place", "responsible"), pk=pk
    )
    audit.record(request, "view_person", person=person)
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            **person_timeline(
                person, access.visible_conversations(member), access.visible_struggles(member)
            ),
        },
    )


def _person_form(request: HttpRequest, **kwargs) -> PersonForm:
    member = request.user
    return PersonForm(
        request.POST or None,
        units=access.visible_units(member),
        places=access.visible_places(member),
        members=access.visible_members(member),
        **kwargs,
    )


def person_new(request: HttpRequest) -> HttpResponse:
    form = _person_form(request, initial={"responsible": request.user.pk})
    if request.method == "POST" and form.is_valid():
        person = form.save()
        messages.success(request, f"{person} added.")
        return redirect("person_detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form})


def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.get_visible_or_404(access.visible_people(request.user), pk=pk)
    form = _person_form(request, instance=person)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            update_person(person, changes, expected_version=form.cleaned_data["version"] or 0)
        except ConcurrentEditError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{person} saved.")
            return redirect("person_detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "person": person})

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from massline import access
from massline.audit import services as audit
from massline.organization.models import Member
from massline.people.forms import PeopleFilterForm, PersonForm, SealForm
from massline.people.models import SealedIdentity
from massline.people.selectors import filter_people, people_page
from massline.people.services import ConcurrentEditError, seal_identity, update_person
from massline.web.timeline import parse_cursor, person_timeline

PAGE_SIZE = 50


def _pk_param(request: HttpRequest, name: str) -> int | None:
    """A person id from the query string; anything else (or past a bigint) is no anchor."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def people_list(request: HttpRequest) -> HttpResponse:
    member = request.user
    # the filters' options need only their names (and a unit its path, to filter below it)
    form = PeopleFilterForm(
        request.GET or None,
        units=access.visible_units(member).only("name", "path"),
        places=access.visible_places(member).only("name"),
        struggles=access.visible_struggles(member).only("name"),
    )
    criteria = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = people_page(
        filter_people(access.visible_people(member), criteria),
        after=_pk_param(request, "after"),
        before=_pk_param(request, "before"),
        size=PAGE_SIZE,
    )
    if any(criteria.values()):
        audit.record(request, "search", query=criteria.get("q"), filtered=True, results=page.count)
    query = request.GET.copy()
    for name in ("after", "before", "page"):
        query.pop(name, None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "show_level": bool(criteria.get("struggle")),
    }
    template = "people/_results.html" if request.htmx else "people/list.html"
    return render(request, template, context)


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.user
    person = access.get_visible_or_404(
        access.visible_people(member).select_related("unit", "place", "responsible"), pk=pk
    )
    audit.record(request, "view_person", person=person)
    before = parse_cursor(request.GET.get("before"))
    timeline = person_timeline(
        person,
        access.visible_conversations(member),
        access.visible_struggles(member),
        before=before,
    )
    if request.htmx and before is not None:  # "Show older": the next page in its place
        return render(
            request, "people/_timeline.html", {"person": person, "before": before, **timeline}
        )
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "before": before,
            "is_keeper": person.is_pseudonym
            and access.visible_sealed_identities(member).filter(person=person).exists(),
            **timeline,
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
        messages.success(request, _("%(person)s added.") % {"person": person})
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
            messages.success(request, _("%(person)s saved.") % {"person": person})
            return redirect("person_detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "person": person})


def _keeper_candidates(person):
    """Members who may be keepers: those who can themselves see the person (members of its
    unit or of a unit above it, as the access rule decides)."""
    units = [*person.unit.ancestor_ids(), person.unit_id]
    pool = Member.objects.filter(is_active=True, memberships__unit_id__in=units).distinct()
    ids = [
        candidate.pk
        for candidate in pool
        if access.visible_people(candidate).filter(pk=person.pk).exists()
    ]
    return Member.objects.filter(pk__in=ids).order_by("username")


def person_seal(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a person under a pseudonym, or edit the sealed identity (keepers only)."""
    member = request.user
    person = access.get_visible_or_404(access.visible_people(member), pk=pk)
    sealed = SealedIdentity.objects.filter(person=person).first()
    if sealed is not None:
        # Once sealed, only keepers may open it; everyone else gets the same 404 as for a
        # person they cannot see.
        sealed = access.get_visible_or_404(access.visible_sealed_identities(member), pk=sealed.pk)
    candidates = _keeper_candidates(person)
    if sealed is not None:
        initial = {
            "version": sealed.version,
            "pseudonym_first_name": person.first_name,
            "pseudonym_last_name": person.last_name,
            "real_name": sealed.real_name,
            "phone": sealed.phone,
            "email": sealed.email,
            "address": sealed.address,
            "notes": sealed.notes,
            "keepers": list(sealed.keepers.all()),
        }
    else:
        initial = {
            "version": 0,
            "real_name": person.full_name,
            "phone": person.phone,
            "email": person.email,
            "address": person.address,
            "keepers": [member],
        }
    form = SealForm(request.POST or None, initial=initial, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            seal_identity(
                person,
                by=member,
                data=form.cleaned_data,
                keepers=list(form.cleaned_data["keepers"]),
                expected_version=form.cleaned_data["version"] or 0,
            )
        except ConcurrentEditError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The real identity is sealed."))
            return redirect("person_sealed", pk=person.pk)
    return render(request, "people/seal.html", {"form": form, "person": person, "sealed": sealed})


def person_sealed(request: HttpRequest, pk: int) -> HttpResponse:
    """The real identity behind a pseudonym, for its keepers; a 404 for everyone else."""
    sealed = access.get_visible_or_404(
        access.visible_sealed_identities(request.user).prefetch_related("keepers"),
        person_id=pk,
    )
    audit.record(request, "view_person", person=sealed.person)
    return render(request, "people/sealed.html", {"sealed": sealed, "person": sealed.person})

"""In-app management of the organization: units, members, places and struggles.

One pair of generic views serves every kind, driven by the MANAGED table, so each kind gets
the same access rule (only units the member administers) and the same 404 for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from massline import access
from massline.accounts.services import can_suspend
from massline.organization.forms import MembershipForm, UnitForm
from massline.organization.models import Member, Membership
from massline.organization.services import save_unit
from massline.people.models import Place
from massline.struggles.models import Struggle


class PlaceForm(forms.ModelForm):
    class Meta:
        model = Place
        fields = ["name", "kind", "address", "unit"]


class StruggleForm(forms.ModelForm):
    class Meta:
        model = Struggle
        fields = ["name", "unit", "parent", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


@dataclass(frozen=True)
class ManagedKind:
    title: str
    queryset: Callable[[Member], QuerySet]
    form: Callable[..., forms.BaseForm]
    save: Callable[[forms.BaseForm], Model]
    editable: bool = True


def _unit_form(member: Member, data=None, instance=None) -> UnitForm:
    return UnitForm(
        data, instance=instance, units=access.managed_units(member), superuser=member.is_superuser
    )


def _save_unit(form: forms.BaseForm) -> Model:
    return save_unit(form.save(commit=False))


def _place_form(member: Member, data=None, instance=None) -> PlaceForm:
    form = PlaceForm(data, instance=instance)
    form.fields["unit"].queryset = access.managed_units(member)
    return form


def _struggle_form(member: Member, data=None, instance=None) -> StruggleForm:
    form = StruggleForm(data, instance=instance)
    form.fields["unit"].queryset = access.managed_units(member)
    form.fields["parent"].queryset = access.visible_struggles(member)
    return form


def _membership_form(member: Member, data=None, instance=None) -> MembershipForm:
    return MembershipForm(data, units=access.managed_units(member))


MANAGED: dict[str, ManagedKind] = {
    "units": ManagedKind(
        gettext_lazy("Units"),
        lambda m: access.managed_units(m).select_related("parent"),
        _unit_form,
        _save_unit,
    ),
    "members": ManagedKind(
        gettext_lazy("Members"),
        lambda m: Membership.objects.filter(unit__in=access.managed_units(m)).select_related(
            "member", "unit"
        ),
        _membership_form,
        lambda form: form.save(),
        editable=False,
    ),
    "places": ManagedKind(
        gettext_lazy("Places"),
        lambda m: Place.objects.filter(unit__in=access.managed_units(m)).select_related("unit"),
        _place_form,
        lambda form: form.save(),
    ),
    "struggles": ManagedKind(
        gettext_lazy("Struggles"),
        lambda m: Struggle.objects.filter(unit__in=access.managed_units(m)).select_related(
            "unit", "parent"
        ),
        _struggle_form,
        lambda form: form.save(),
    ),
}


def _kind(request: HttpRequest, kind: str) -> ManagedKind:
    if kind not in MANAGED or not access.can_manage(request.user):
        raise Http404("Not found")
    return MANAGED[kind]


def manage_list(request: HttpRequest, kind: str = "units") -> HttpResponse:
    managed = _kind(request, kind)
    objects = managed.queryset(request.user)
    suspendable: set[int] = set()
    if kind == "members":
        members = {membership.member for membership in objects}
        suspendable = {m.pk for m in members if can_suspend(request.user, m)}
    return render(
        request,
        "organization/manage_list.html",
        {
            "kind": kind,
            "managed": managed,
            "objects": objects,
            "kinds": MANAGED,
            "suspendable": suspendable,
        },
    )


def manage_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    managed = _kind(request, kind)
    instance = None
    if pk is not None:
        if not managed.editable:
            raise Http404("Not found")
        instance = access.get_visible_or_404(managed.queryset(request.user), pk=pk)
    form = managed.form(request.user, request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = managed.save(form)
        messages.success(request, _("Saved %(obj)s.") % {"obj": obj})
        return redirect("manage_list", kind=kind)
    return render(
        request,
        "organization/manage_edit.html",
        {
            "kind": kind,
            "managed": managed,
            "form": form,
            "instance": instance,
            "kinds": MANAGED,
        },
    )


@require_POST
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = access.get_visible_or_404(MANAGED["members"].queryset(request.user), pk=pk)
    membership.delete()
    messages.success(
        request,
        _("%(member)s is no longer in %(unit)s.")
        % {"member": membership.member, "unit": membership.unit},
    )
    return redirect("manage_list", kind="members")

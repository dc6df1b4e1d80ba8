from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from massline.organization.models import Member, Membership, Role, Unit


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "slug", "kind", "parent", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "name": _("Name"),
            "slug": _("Short name in links"),
            "kind": _("Kind"),
            "parent": _("Part of"),
            "description": _("Description"),
        }

    def __init__(self, *args, units: QuerySet[Unit], superuser: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        parents = units
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
        self.fields["parent"].queryset = parents
        # Only a superuser may create a new top-level unit.
        self.fields["parent"].required = not superuser


class MembershipForm(forms.Form):
    """Add someone to a unit (an existing account by username, or a new account), or change
    the role of someone already in it."""

    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        required=False,
        help_text=_("Only for a new account."),
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Only for a new account."),
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, units: QuerySet[Unit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self) -> dict:
        cleaned = super().clean()
        username = cleaned.get("username", "")
        self.existing = Member.objects.filter(username=username).first()
        if self.existing is None and username:
            if not cleaned.get("password"):
                self.add_error("password", _("A new account needs a password."))
            else:
                try:
                    validate_password(cleaned["password"])
                except forms.ValidationError as exc:
                    self.add_error("password", exc)
        return cleaned

    def save(self) -> Membership:
        """Add the membership, or change the role of an existing one."""
        data = self.cleaned_data
        member = self.existing
        if member is None:
            member = Member(username=data["username"], display_name=data["display_name"])
            member.set_password(data["password"])
            member.save()
        membership, _created = Membership.objects.update_or_create(
            member=member, unit=data["unit"], defaults={"role": data["role"]}
        )
        return membership

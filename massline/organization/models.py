"""Units form a tree; members belong to units with a role.

The tree is stored twice on purpose: a `parent` link for editing and a materialised `path`
("/3/17/42/") so "this unit and everything below it" is one indexed prefix query, which the
visibility rule runs on every request.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Member(AbstractUser):
    """An account of someone who does the work: an organizer, a committee member, an admin."""

    display_name = models.CharField(max_length=150, blank=True)
    # Suspension (massline.accounts.services.suspend) also sets is_active to False.
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class UnitKind(models.TextChoices):
    MASS_ORGANIZATION = "mass_org", _("Mass organization")
    COMMITTEE = "committee", _("Committee")
    BASE_UNIT = "base", _("Base unit")
    CADRE_BODY = "cadre", _("Cadre body")


class Unit(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=UnitKind.choices, default=UnitKind.BASE_UNIT)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=500, editable=False, db_index=True, default="")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def ancestor_ids(self) -> list[int]:
        """Ids of the units above this one, root first."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    ORGANIZER = "organizer", _("Organizer")
    LEAD = "lead", _("Lead")
    ADMIN = "admin", _("Admin")


class Membership(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "unit"], name="one_membership_per_unit")
        ]
        ordering = ["unit__path", "member__username"]

    def __str__(self) -> str:
        return f"{self.member} in {self.unit} ({self.get_role_display()})"

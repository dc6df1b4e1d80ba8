"""The Django admin is for the server's operators only (superusers).

Staff flags and model permissions do not open it: a unit lead given `is_staff` by mistake
still gets the login page, because the admin lists rows of every unit and does not read
through massline.access. Everyday work happens in massline's own pages, which do.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class MasslineAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        from massline import access  # not at import: this module is loaded with the apps

        return access.may_use_admin(request.user)


class MasslineAdminConfig(AdminConfig):
    default_site = "massline.people.admin_site.MasslineAdminSite"

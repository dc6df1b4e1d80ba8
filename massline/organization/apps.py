from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    name = "massline.organization"
    verbose_name = "Units and members"

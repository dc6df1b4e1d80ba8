from django.apps import AppConfig


class SectionsConfig(AppConfig):
    name = "massline.sections"
    verbose_name = "Sections of the masses"

from django.apps import AppConfig


class AssembliesConfig(AppConfig):
    name = "massline.assemblies"
    verbose_name = "Assemblies of the mass organizations"

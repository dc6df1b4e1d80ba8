from django.apps import AppConfig


class StrugglesConfig(AppConfig):
    name = "massline.struggles"
    verbose_name = "Struggles and assessments"

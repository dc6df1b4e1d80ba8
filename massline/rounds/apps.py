from django.apps import AppConfig


class RoundsConfig(AppConfig):
    name = "massline.rounds"
    verbose_name = "Rounds of the mass line"

from django.apps import AppConfig


class AidConfig(AppConfig):
    name = "massline.aid"
    verbose_name = "Serve the people (mutual aid)"

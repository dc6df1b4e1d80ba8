from django.apps import AppConfig


class IdeasConfig(AppConfig):
    name = "massline.ideas"
    verbose_name = "Ideas"

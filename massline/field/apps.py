from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "massline.field"
    verbose_name = "Offline field app"

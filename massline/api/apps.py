from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "massline.api"
    verbose_name = "REST API"

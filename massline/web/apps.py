from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "massline.web"
    verbose_name = "Web pages"

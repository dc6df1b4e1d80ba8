from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "massline.exchange"
    verbose_name = "Imports, exports and webhooks"

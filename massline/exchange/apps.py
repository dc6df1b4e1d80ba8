from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "massline.exchange"
    verbose_name = "Imports, exports and webhooks"

    def ready(self) -> None:
        from massline.exchange import signals

        signals.connect()

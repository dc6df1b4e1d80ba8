from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "massline.idempotency"
    verbose_name = "Exactly-once writes"

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "massline.api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from massline.api.signals import revoke_tokens_of_inactive_members

        post_save.connect(
            revoke_tokens_of_inactive_members,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="massline.api.revoke_tokens_of_inactive_members",
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SectionsConfig(AppConfig):
    name = "massline.sections"
    verbose_name = _("Sections of the masses")

    def ready(self) -> None:
        from massline.sections import language, tally, tokens, translations  # noqa: F401
        from massline.vault.rotation import reindexers

        reindexers["sections.PersonSection"] = tokens.retoken

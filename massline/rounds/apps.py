from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoundsConfig(AppConfig):
    name = "massline.rounds"
    verbose_name = _("Rounds of the mass line")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrugglesConfig(AppConfig):
    name = "massline.struggles"
    verbose_name = _("Struggles and assessments")

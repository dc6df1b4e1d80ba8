from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "massline.conversations"
    verbose_name = _("Conversations and follow-ups")

from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "massline.conversations"
    verbose_name = "Conversations and follow-ups"

from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "massline.study"
    verbose_name = "Study and the making of leaders"

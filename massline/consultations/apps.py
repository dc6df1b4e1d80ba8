from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "massline.consultations"
    verbose_name = "Consultations"

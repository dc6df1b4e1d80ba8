from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "massline.audit"
    verbose_name = "Audit of reads"

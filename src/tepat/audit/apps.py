from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tepat.audit"
    label = "audit"

from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "tepat.verification"
    label = "verification"
    verbose_name = "Verifikasi (verval)"

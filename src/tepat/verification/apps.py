from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "tepat.verification"
    label = "verification"
    verbose_name = "Verifikasi (verval)"

    def ready(self) -> None:
        from tepat.registry.editions import register_target_lists
        from tepat.verification.import_targets import READERS

        register_target_lists(READERS)

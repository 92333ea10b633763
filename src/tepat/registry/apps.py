from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "tepat.registry"
    label = "registry"

    def ready(self) -> None:
        # Every reader of an untrusted workbook (registry, officials, indicators, beneficiary
        # lists) parses it in a child process with the limits of the settings.
        from django.conf import settings

        from tepat.pipeline.workbook import ParseLimits, configure

        configure(ParseLimits(memory_mb=settings.PARSE_MEMORY_MB,
                              timeout_seconds=settings.PARSE_TIMEOUT_SECONDS))

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "tepat.registry"
    label = "registry"

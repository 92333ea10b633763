from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "tepat.regions"
    label = "regions"

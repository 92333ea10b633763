from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "tepat.interventions"
    label = "interventions"
    verbose_name = "Program dan intervensi"

from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "tepat.interventions"
    label = "interventions"
    verbose_name = "Program dan intervensi"

    def ready(self) -> None:
        from tepat.interventions.convergence import watch_changes

        watch_changes()  # the convergence figures are kept until a write they read

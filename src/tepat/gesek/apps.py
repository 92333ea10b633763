from django.apps import AppConfig


class GesekConfig(AppConfig):
    name = "tepat.gesek"
    label = "gesek"
    verbose_name = "Gesek Ekstrem"

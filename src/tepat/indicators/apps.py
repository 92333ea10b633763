from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "tepat.indicators"
    label = "indicators"
    verbose_name = "Indikator kemiskinan"

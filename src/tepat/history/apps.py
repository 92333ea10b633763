from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "tepat.history"
    label = "history"
    verbose_name = "Riwayat keluarga dan kohort"

from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "tepat.linkage"
    label = "linkage"
    verbose_name = "Siapa adalah siapa: kaitan rekaman orang"

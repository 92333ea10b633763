from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "tepat.linkage"
    label = "linkage"
    verbose_name = "Siapa adalah siapa: kaitan rekaman orang"

    def ready(self) -> None:
        # The registry sits below linkage and never imports it: it is told here how to count
        # a person once (the membership table) and how to ask who an imported person is.
        from tepat.linkage.hooks import PERSON_LINKS
        from tepat.linkage.models import ClusterMember
        from tepat.registry.clusters import register_cluster_table
        from tepat.registry.editions import register_person_links

        register_cluster_table(ClusterMember._meta.db_table)
        register_person_links(PERSON_LINKS)

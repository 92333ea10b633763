from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tepat.accounts"
    label = "accounts"

    def ready(self) -> None:
        from tepat.accounts import sessions  # noqa: F401  (connects the login/logout signals)

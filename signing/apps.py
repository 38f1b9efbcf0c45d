from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    label = "signing"
    verbose_name = _("Contract signing (§9)")

    def ready(self) -> None:
        from signing import receivers  # noqa: F401 - connects the signal receivers

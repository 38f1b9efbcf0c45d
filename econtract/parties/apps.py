from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "econtract.parties"
    label = "parties"
    verbose_name = _("Accounts and parties")

    def ready(self) -> None:
        # Registers the deployment checks (``@register`` runs on import).
        from econtract.parties import checks  # noqa: F401

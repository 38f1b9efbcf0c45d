from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "econtract.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from econtract.contracts import retention  # noqa: F401  (connects its receiver)

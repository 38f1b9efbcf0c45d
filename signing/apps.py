from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    label = "signing"
    verbose_name = _("Contract signing (§9)")

    def ready(self) -> None:
        from econtract.parties.todo import register_todo_provider
        from signing import receivers  # noqa: F401 - connects the signal receivers
        from signing.todo import contract_todo

        register_todo_provider(contract_todo)

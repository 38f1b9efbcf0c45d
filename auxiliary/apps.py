from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuxiliaryConfig(AppConfig):
    name = "auxiliary"
    label = "auxiliary"
    verbose_name = _("Auxiliary processes (§11)")

    def ready(self) -> None:
        from auxiliary import notices

        notices.register()

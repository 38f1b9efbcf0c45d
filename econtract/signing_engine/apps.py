from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningEngineConfig(AppConfig):
    name = "econtract.signing_engine"
    label = "signing_engine"
    verbose_name = _("Signing engine")

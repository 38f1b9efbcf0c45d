from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "econtract.parties"
    label = "parties"
    verbose_name = _("Accounts and parties")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LocalcaConfig(AppConfig):
    name = "econtract.localca"
    label = "localca"
    verbose_name = _("Built-in CA")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "registration"
    label = "registration"
    verbose_name = _("Identity registration (§7)")

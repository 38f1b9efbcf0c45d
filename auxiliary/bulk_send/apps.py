from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulkSendConfig(AppConfig):
    name = "auxiliary.bulk_send"
    label = "bulk_send"
    verbose_name = _("Bulk send")

    def ready(self) -> None:
        from auxiliary.bulk_send import notices

        notices.register()

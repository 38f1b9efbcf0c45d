from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthenticationConfig(AppConfig):
    name = "authentication"
    label = "authentication"
    verbose_name = _("Identity authentication (§8)")

    def ready(self) -> None:
        from authentication.evidence_objects import signers_authentications
        from econtract.contracts.evidence_objects import register_evidence_objects

        register_evidence_objects(signers_authentications)

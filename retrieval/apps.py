from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetrievalConfig(AppConfig):
    name = "retrieval"
    label = "retrieval"
    verbose_name = _("Query, download and verification (§10)")

    def ready(self) -> None:
        from econtract.contracts.evidence_objects import register_evidence_objects
        from econtract.parties.todo import register_todo_provider
        from retrieval.evidence_objects import parties_verifications
        from retrieval.todo import grant_todo

        register_todo_provider(grant_todo)
        register_evidence_objects(parties_verifications)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractChangesConfig(AppConfig):
    name = "auxiliary.contract_changes"
    label = "contract_changes"
    verbose_name = _("Contract amendment and termination (§11.3–11.4)")

    def ready(self) -> None:
        from auxiliary.contract_changes import (
            effective_notices,
            evidence_objects,
            notices,
            status,
            todo,
        )
        from econtract.contracts.evidence_objects import register_evidence_objects
        from econtract.contracts.notes import register_state_notes
        from econtract.parties.todo import register_todo_provider

        notices.register()
        effective_notices.register()
        register_todo_provider(todo.todo_items)
        register_state_notes(status.scheduled_terminations)
        register_evidence_objects(evidence_objects.change_requests)

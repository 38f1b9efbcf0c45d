"""The commands of contract amendment (§11.3) and termination (§11.4): what other code calls."""

from auxiliary.contract_changes.amendments import apply_for_amendment, review, revise
from auxiliary.contract_changes.amendments import decide as decide_amendment
from auxiliary.contract_changes.amendments import withdraw as withdraw_amendment
from auxiliary.contract_changes.sealing import seal_change
from auxiliary.contract_changes.terminations import apply_for_termination
from auxiliary.contract_changes.terminations import decide as decide_termination
from auxiliary.contract_changes.terminations import withdraw as withdraw_termination

__all__ = [
    "apply_for_amendment",
    "apply_for_termination",
    "decide_amendment",
    "decide_termination",
    "review",
    "revise",
    "seal_change",
    "withdraw_amendment",
    "withdraw_termination",
]

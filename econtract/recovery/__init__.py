"""Recovery: work whose task never ran or died is found and queued again (the outbox sweeper).

A piece of work that a task finishes after a commit (the seal of a fully signed contract, an
amendment or a termination; a notice; a webhook; a certificate check) leaves its state in the
database. When the task is lost — the worker killed, the broker down at the commit, the retries
used up during an outage — that state stays. Each process names, in ``RECOVERY_SOURCES``, a
function that finds its stalled work older than ``RECOVERY_GRACE_SECONDS``; the periodic sweep
(``RECOVERY_SWEEP_SECONDS``) queues each again, with backoff, and keeps a row an operator sees in
admin (and can queue again by hand). Every task it queues is idempotent: work already done is
left alone, so a seal is never applied twice.
"""

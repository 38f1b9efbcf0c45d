"""The project's settings for a bench run, with a Celery queue of the run's own.

Bench scripts (and other sessions' benches built on ``contract_pipeline.Stack``) share one Redis:
on the default queue a worker of one run would take another run's tasks (and fail to find
their contracts in its own database). ``BENCH_CELERY_QUEUE`` names this run's queue.
"""

import os

from econtract.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("BENCH_CELERY_QUEUE", "celery")

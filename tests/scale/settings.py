"""The test settings for the scale test's server and worker processes: tasks go to the run's
own queue (``SCALE_CELERY_QUEUE``), so that concurrent runs on one Redis never take each
other's tasks, whichever process sends them (a server, or a worker queueing the next task)."""

import os

from tests.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("SCALE_CELERY_QUEUE", "celery")

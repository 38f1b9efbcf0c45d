"""The platform's own settings with a broker, its tasks on a queue of this test's own.

``CELERY_QUEUE`` names the queue, so that concurrent test runs on one Redis never take each
other's tasks; everything else is ``econtract.settings`` as a deployment with a broker reads it.
"""

import os

from econtract.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["CELERY_QUEUE"]

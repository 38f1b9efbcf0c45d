"""The test settings with the API plumbing's test endpoints, for a server process."""

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.api.urls"

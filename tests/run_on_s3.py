"""``make test-s3``: the whole suite with contract documents in a locked bucket (issue 19).

Starts moto's S3 server on loopback, creates one bucket with Object Lock and a default
COMPLIANCE retention, and runs pytest with ``ECONTRACT_STORAGE_URL`` pointing at it; every
process the tests start (Celery workers, servers) inherits it. Tests about the local store
itself ask for it (``local_store``); the storage tests make buckets of their own on the same
server (``ECONTRACT_TEST_S3_ENDPOINT``).

    .venv/bin/python -m tests.run_on_s3 [pytest arguments]
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.object_store import ACCESS_KEY, SECRET_KEY, start_s3_server


def main(arguments: list[str]) -> int:
    server, process = start_s3_server()
    try:
        bucket = server.locked_bucket()
        environment = os.environ | {
            "ECONTRACT_STORAGE_URL": server.storage_url(bucket),
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "ECONTRACT_TEST_S3_ENDPOINT": server.endpoint,
        }
        print(f"contract documents in s3://{bucket} at {server.endpoint}", flush=True)
        return subprocess.call([sys.executable, "-m", "pytest", *arguments], env=environment)
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

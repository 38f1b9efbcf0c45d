"""The conformance self-test (issue 18): ``manage.py conformance`` drives GB/T 36298's business
steps through the public API and shows the evidence event that proves each."""

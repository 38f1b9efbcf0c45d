from celery import Task, shared_task
from cryptography import x509

from authentication.models import Authentication
from authentication.services import check_retries, note_check_retry, record_check_result
from econtract.pki.checks import run_certificate_check


@shared_task(bind=True, max_retries=None, acks_late=True)
def run_check(self: Task, auth_id: int, check: str) -> str:
    """Run one §8 check; a responder that does not answer is asked again with backoff."""
    auth = Authentication.objects.select_related("certificate").get(pk=auth_id)
    if auth.state != Authentication.State.CHECKING or auth.certificate is None:
        return "skipped"
    certificate = x509.load_der_x509_certificate(bytes(auth.certificate.certificate_der))
    result = run_certificate_check(certificate, check)
    attempt = self.request.retries or 0
    if result.result == "unavailable" and attempt < check_retries().retries:
        note_check_retry(auth_id=auth_id, check=check, result=result, attempt=attempt + 1)
        raise self.retry(countdown=check_retries().delay(attempt))
    record_check_result(auth_id=auth_id, check=check, result=result)
    return result.result

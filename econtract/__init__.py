"""econtract: the kernel of the third-party electronic contract service platform."""

from econtract.celery import app as celery_app

__all__ = ["celery_app"]

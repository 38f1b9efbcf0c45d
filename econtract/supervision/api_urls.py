from django.urls import path

from econtract.supervision.api import SupervisionEventList, WebhookDetail, WebhookList

urlpatterns = [
    path("webhooks/", WebhookList.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", WebhookDetail.as_view(), name="webhook-detail"),
    path("supervision/events/", SupervisionEventList.as_view(), name="supervision-event-list"),
]

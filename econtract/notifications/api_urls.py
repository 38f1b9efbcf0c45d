from django.urls import path

from econtract.notifications.api import NotificationList, NotificationMarkRead

urlpatterns = [
    path("notifications/", NotificationList.as_view(), name="notification-list"),
    path("notifications/<int:pk>/read/", NotificationMarkRead.as_view(), name="notification-read"),
]

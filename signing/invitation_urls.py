from django.urls import URLPattern, path

from signing import invitation_views

urlpatterns: list[URLPattern] = [
    path("<str:token>/", invitation_views.invitation, name="signing-invitation"),
]

from django.urls import path

from authentication import views

urlpatterns = [
    path("", views.authentication_page, name="authentication"),
    path("alternative/", views.start_alternative, name="authentication-alternative"),
    path("<int:pk>/code/", views.confirm_code, name="authentication-code-page"),
]

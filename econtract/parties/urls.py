from django.contrib.auth.views import LogoutView
from django.urls import URLPattern, URLResolver, path

from econtract.parties import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.AccountLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
]

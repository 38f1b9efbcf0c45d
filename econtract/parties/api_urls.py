from django.urls import URLPattern, URLResolver, path

from econtract.parties.api import CurrentAccountAPI, SignUpAPI, TokenAPI

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", SignUpAPI.as_view(), name="api-signup"),
    path("accounts/me/", CurrentAccountAPI.as_view(), name="api-current-account"),
    path("auth/token/", TokenAPI.as_view(), name="api-token"),
]

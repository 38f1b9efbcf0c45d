"""The built-in CA's public endpoints, mounted at /pki/ (API.md, "Built-in CA")."""

from django.urls import URLPattern, URLResolver, path

from econtract.localca import views

app_name = "localca"

urlpatterns: list[URLPattern | URLResolver] = [
    path("ca/root.pem", views.root_pem, name="root-pem"),
    path("ca/chain.pem", views.chain_pem, name="chain-pem"),
    path("ca/root.der", views.root_der, name="root-der"),
    path("ca/intermediate.der", views.intermediate_der, name="intermediate-der"),
    path("crl/intermediate.crl", views.intermediate_crl, name="crl-intermediate"),
    path("crl/root.crl", views.root_crl, name="crl-root"),
    path("ocsp", views.ocsp_post, name="ocsp"),
    path("ocsp/<path:encoded>", views.ocsp_get, name="ocsp-get"),
    path("tsa", views.tsa, name="tsa"),
]

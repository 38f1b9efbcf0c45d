"""Root URL configuration. The kernel names process apps only as strings (DESIGN.md §1)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include("econtract.parties.api_urls")),
    path("", include("econtract.evidence.api_urls")),
    path("", include("econtract.notifications.api_urls")),
    path("", include("econtract.supervision.api_urls")),
    path("", include("econtract.organizations.api_urls")),
    path("", include("registration.api_urls")),
    path("", include("registration.certificate_api_urls")),
    path("", include("authentication.api_urls")),
    path("", include("retrieval.api_urls")),
    path("", include("signing.api_urls")),
    path("", include("auxiliary.api_urls")),
    path("", include("auxiliary.contract_changes.api_urls")),
    path("", include("auxiliary.bulk_send.api_urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("pki/", include("econtract.localca.urls")),
    # Django's set_language, which also saves a logged-in account's choice.
    path("i18n/", include("econtract.parties.i18n_urls")),
    path("", include("econtract.parties.health_urls")),
    # Pages carry no language prefix: the language comes from the switch's cookie.
    path("admin/", admin.site.urls),
    path("registration/", include("registration.urls")),
    path("certificates/", include("registration.certificate_urls")),
    path("authentication/", include("authentication.urls")),
    path("contracts/", include("signing.draft_urls")),
    path("contracts/", include("signing.urls")),
    path("contract-templates/", include("signing.template_urls")),
    path("invite/", include("signing.invitation_urls")),
    path("query/", include("retrieval.query_urls")),
    path("verification/", include("retrieval.verification_urls")),
    path("auxiliary/", include("auxiliary.urls")),
    path("organizations/", include("econtract.organizations.urls")),
    path("contract-changes/", include("auxiliary.contract_changes.urls")),
    path("bulk-send/", include("auxiliary.bulk_send.urls")),
    path("", include("registration.home_urls")),
    path("", include("econtract.parties.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

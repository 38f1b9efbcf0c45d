from django.urls import path

from authentication import api
from econtract.url_actions import actions

urlpatterns = [
    path("authentications/", api.AuthenticationList.as_view(), name="authentication-list"),
    path(
        "authentications/<int:pk>/",
        api.AuthenticationDetail.as_view(),
        name="authentication-detail",
    ),
    # authentication-{proof,code}
    *actions(
        "authentications/<int:pk>/",
        "authentication-",
        {"proof": api.AuthenticationProof.as_view(), "code": api.AuthenticationCode.as_view()},
    ),
]

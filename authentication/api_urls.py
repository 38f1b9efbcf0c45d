from django.urls import path

from authentication import api

urlpatterns = [
    path("authentications/", api.AuthenticationList.as_view(), name="authentication-list"),
    path(
        "authentications/<int:pk>/",
        api.AuthenticationDetail.as_view(),
        name="authentication-detail",
    ),
    path(
        "authentications/<int:pk>/proof/",
        api.AuthenticationProof.as_view(),
        name="authentication-proof",
    ),
    path(
        "authentications/<int:pk>/code/",
        api.AuthenticationCode.as_view(),
        name="authentication-code",
    ),
]

from django.urls import URLPattern, URLResolver, path

from registration import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="registration-index"),
    path("new/<str:kind>/", views.new, name="registration-new"),
    path("<int:pk>/", views.detail, name="registration-detail"),
    path("<int:pk>/edit/", views.edit, name="registration-edit"),
    path("<int:pk>/materials/", views.upload_material, name="registration-upload"),
    path(
        "<int:pk>/materials/<int:material_pk>/",
        views.material_file,
        name="registration-material",
    ),
    path("<int:pk>/submit/", views.submit, name="registration-submit"),
]

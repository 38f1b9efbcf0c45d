from django.urls import URLPattern, URLResolver, path

from signing import template_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", template_views.index, name="contract-templates"),
    path("new/", template_views.new, name="contract-template-new"),
    path("<int:template_id>/", template_views.detail, name="contract-template-detail"),
    path("<int:template_id>/start/", template_views.start, name="contract-template-start"),
]

from django.urls import URLPattern, URLResolver, path

from registration import home

urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="home"),
]

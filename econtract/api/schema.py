"""Pieces of the OpenAPI description shared by every endpoint."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

# The one error shape of API.md, `{code, detail, fields}`, as responses document it.
ERROR = inline_serializer(
    "Error",
    fields={
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "fields": serializers.DictField(),
    },
)

"""Pieces of the OpenAPI description shared by every endpoint."""

from typing import Any

from drf_spectacular.authentication import SessionScheme, TokenScheme
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
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


# The default authentication classes are DRF's own plus acting for an organisation
# (econtract.organizations.acting_api): described as DRF's, named by string (no import upwards).
class ActingTokenScheme(TokenScheme):
    target_class = "econtract.organizations.acting_api.ActingTokenAuthentication"


class ActingSessionScheme(SessionScheme):
    target_class = "econtract.organizations.acting_api.ActingSessionAuthentication"


ACTING_FOR = OpenApiParameter(
    "X-Econtract-Acting-For",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="an organisation's party id: the call acts for that organisation, of which the "
    "caller is a member (or `acting_for` in a body); without it a member acts as itself",
)


class PlatformAutoSchema(AutoSchema):
    """Every operation documents the acting-for header (API.md, organisations)."""

    def get_override_parameters(self) -> list[Any]:
        return [*super().get_override_parameters(), ACTING_FOR]

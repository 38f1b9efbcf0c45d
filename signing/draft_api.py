"""A draft over the API (issue 17): ``PATCH`` and ``DELETE /api/v1/contracts/{id}/``.

The path is also retrieval's ``GET`` (§10): ``econtract.api.routing`` composes this view with
retrieval's, so each method keeps its own schema. ``PATCH`` changes what it is given and keeps
the rest (``{"elements": ...}`` alone is the elements update it always was); ``DELETE`` deletes
a draft never sent for signing (``signing/drafts.py``). Both answer 409 ``invalid_state`` once
the contract was sent for signing, and 404 to anyone who is not its party.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.requests import account_of
from econtract.api.schema import ERROR
from econtract.contracts.serializers import ContractSerializer, document_input
from signing import drafts
from signing.api import SignatoryInputSerializer, contract_response, requested_contract

_NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`: no such contract of yours")
_CONFLICT = OpenApiResponse(ERROR, description="`invalid_state`: already sent for signing")
_FORBIDDEN = OpenApiResponse(
    ERROR, description="`only_offeror`, `authentication_required`, `identity_change_pending`"
)


@extend_schema_serializer(component_name="ContractDraftUpdate")
class DraftUpdateSerializer(serializers.Serializer):
    """Every field is optional: what is given replaces the draft's, the rest stays."""

    title = serializers.CharField(max_length=200, required=False)
    category = serializers.CharField(max_length=32, required=False)
    elements = serializers.JSONField(
        required=False,
        help_text="合同要素 (Civil Code Art. 470); without `parties` they are named from the "
        "signatories",
    )
    signatories = SignatoryInputSerializer(many=True, required=False)
    sign_deadline = serializers.DateTimeField(required=False)
    text = serializers.CharField(
        required=False, allow_blank=False, trim_whitespace=False, max_length=200_000
    )
    # Named ``fields`` (API contract); DRF's metaclass keeps ``Serializer.fields``.
    fields = serializers.JSONField(  # type: ignore[assignment]
        required=False,
        help_text="placed fields, as at creation; `[]` removes them; left out, the draft's stay "
        "with their signatories",
    )
    field_values = serializers.JSONField(
        required=False, help_text="the offeror's values for its own fill-in fields"
    )
    submit = serializers.BooleanField(
        required=False, default=False, help_text="then run the element check, as `submit/` does"
    )


@extend_schema_serializer(component_name="ContractDraftUpdateUpload")
class DraftUploadSerializer(serializers.Serializer):
    document = serializers.FileField(help_text="the new PDF, replacing the draft's document")
    # The field is named ``data`` (API contract); DRF's metaclass keeps ``Serializer.data``.
    data = serializers.CharField(  # type: ignore[assignment]
        help_text="every other field of ContractDraftUpdate, as JSON"
    )


class ContractDetail(APIView):
    """Changes to a draft, and its deletion. Reading a contract is retrieval's (§10): the path
    is served by both (``econtract.api.routing``)."""

    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_update_draft",
        description="Change a draft (`draft` or `elements_incomplete`): title, category, "
        "elements, signatories, signing deadline, text or PDF (multipart: `document` and the "
        "rest as JSON in `data`), placed fields. The document is rendered again as the next "
        "unsigned version; the state stays until the element check (`submit`).",
        request={
            "application/json": DraftUpdateSerializer,
            "multipart/form-data": DraftUploadSerializer,
        },
        responses={
            200: ContractSerializer,
            400: OpenApiResponse(ERROR, description="`invalid`"),
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
            422: OpenApiResponse(
                ERROR,
                description="as creating a contract; with `submit`, `elements_incomplete`",
            ),
        },
    )
    def patch(self, request: Request, reference: str) -> Response:
        contract = requested_contract(request, reference)
        data, document = document_input(request, DraftUpdateSerializer, DraftUploadSerializer)
        given: dict[str, Any] = {
            name: data[name]
            for name in (
                "title",
                "category",
                "elements",
                "signatories",
                "sign_deadline",
                "text",
                "fields",
                "field_values",
            )
            if name in data
        }
        updated = drafts.update_draft(
            contract=contract,
            actor=account_of(request),
            document=document,
            is_secure=request.is_secure(),
            protocol=str(request.META.get("SERVER_PROTOCOL", "")),
            submit=bool(data.get("submit")),
            **given,
        )
        return contract_response(updated)

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_delete_draft",
        description="Delete a draft never sent for signing: it leaves every list; its evidence "
        "stays, ending with the deletion (the contract ends `withdrawn`).",
        request=None,
        responses={204: None, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    def delete(self, request: Request, reference: str) -> Response:
        contract = requested_contract(request, reference)
        drafts.delete_draft(contract=contract, actor=account_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

"""``GET /api/v1/contracts/{id}/evidence-package/``: the contract's evidence package (出证) as a
ZIP (``docs/evidence-package.md``)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from econtract.api.renderers import ZipRenderer
from econtract.api.requests import account_of
from econtract.api.schema import ERROR
from econtract.contracts.naming import content_disposition, short_reference
from retrieval.evidence_package.build import LANGUAGES, EvidencePackage, issue_package


class QuerySerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGES, default="zh-hans", required=False)
    reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


def zip_file(package: EvidencePackage) -> HttpResponse:
    """The ZIP, named ``证据包-<title>-<short reference>.zip`` (``filename*``), the plain
    ``filename`` being ``<reference>-evidence.zip``."""
    contract = package.contract
    name = f"{contract.title}-{short_reference(contract.reference)}-evidence.zip"
    response = HttpResponse(package.data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition(
        name, f"{contract.reference}-evidence.zip", attachment=True
    )
    response["X-Econtract-Manifest-SHA256"] = package.manifest_sha256
    return response


class ContractEvidencePackage(APIView):
    renderer_classes = [JSONRenderer, ZipRenderer]

    @extend_schema(
        tags=["contracts"],
        operation_id="contracts_evidence_package",
        parameters=[
            OpenApiParameter(
                "language",
                str,
                enum=list(LANGUAGES),
                description="the language of the evidence report (default zh-hans)",
            ),
            OpenApiParameter(
                "reason",
                str,
                description="an operator's reason (at least 4 characters), recorded in X22",
            ),
        ],
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="the evidence package (docs/evidence-package.md); the header "
                "`X-Econtract-Manifest-SHA256` carries the hash of its manifest, as X22 "
                "records it.",
            ),
            404: OpenApiResponse(ERROR, description="`not_found`"),
            409: OpenApiResponse(ERROR, description="`not_concluded`"),
            422: OpenApiResponse(ERROR, description="`reason_required` (an operator)"),
        },
        description="For the contract's parties, a grantee holding an active download grant "
        "(X5), or an operator with a reason. Each package issued is recorded (X22). It is put "
        "together when asked for, every version validated again and the report sealed: allow "
        "it seconds (about 5 s for a contract with three versions, more with each version).",
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        query = QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        package = issue_package(
            actor=account_of(request), reference=reference, **query.validated_data
        )
        return zip_file(package)

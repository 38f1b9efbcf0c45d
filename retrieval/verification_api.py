"""Verification over the API (API.md "Verification (§10.3)"): any signed-in account."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.requests import account_of
from econtract.api.schema import ERROR
from econtract.contracts.naming import NOT_IN_FILE_NAMES, content_disposition
from econtract.pki.findings import describe
from retrieval import verification as services
from retrieval.models import Verification

_NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`")


@extend_schema_serializer(component_name="Verification")
class VerificationSerializer(serializers.ModelSerializer):
    # Plain text, not an enum: "state" names other choice sets in the schema already.
    state = serializers.CharField(help_text="verified, or reported once the sealed report exists")
    verdict = serializers.CharField(
        help_text="ETSI EN 319 102-1 overall indication: TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE"
    )
    sub_indication = serializers.SerializerMethodField()
    signatures = serializers.SerializerMethodField(
        help_text="each signature and document timestamp: group (user|service), signer, "
        "certificate, integrity, chain, revocation, signing_time, timestamp, coverage, "
        "modifications, level (B-B|B-T|B-LT|B-LTA|DOC-TS), indication, sub_indication"
    )
    problems = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField(
        help_text="document-level findings: {code, severity (failed|indeterminate|info), "
        "message (English), text (the reader's language), detail}; a failed one makes the "
        "verdict TOTAL-FAILED, an indeterminate one keeps it from TOTAL-PASSED"
    )
    parties = serializers.SerializerMethodField(
        help_text="null unless the document is a contract of this platform; then the parties' "
        "registration data, whole for its parties and grantees (others' ID numbers and phones "
        "masked), masked for anyone else"
    )
    summary = serializers.SerializerMethodField(
        help_text="the verdict in plain words, in the request's language: {text (one sentence), "
        "tone (ok|changed|invalid|unconfirmed|unsigned), points (supporting sentences), "
        "signatures, valid_signatures, timestamps, unsigned, changed_after_signing, changes "
        "(what changed, in words), pages_changed}"
    )
    document = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()

    class Meta:
        model = Verification
        fields = [
            "id",
            "state",
            "verdict",
            "sub_indication",
            "verified_at",
            "online",
            "document",
            "signatures",
            "problems",
            "findings",
            "parties",
            "report",
            "summary",
        ]

    def get_sub_indication(self, obj: Verification) -> str | None:
        return obj.sub_indication or None

    def get_signatures(self, obj: Verification) -> list[dict[str, Any]]:
        return list(obj.result.get("signatures", []))

    def get_problems(self, obj: Verification) -> list[str]:
        return list(obj.result.get("problems", []))

    def get_findings(self, obj: Verification) -> list[dict[str, Any]]:
        return [
            {**finding, "text": describe(finding)} for finding in obj.result.get("findings", [])
        ]

    def get_parties(self, obj: Verification) -> dict[str, Any] | None:
        return services.parties_of(obj)

    def get_summary(self, obj: Verification) -> dict[str, Any]:
        return services.summary_of(obj)

    def get_document(self, obj: Verification) -> dict[str, Any]:
        return {"name": obj.document_name, "sha256": obj.document_sha256, "size": obj.document_size}

    def get_report(self, obj: Verification) -> dict[str, Any]:
        issued = obj.state == Verification.State.REPORTED
        return {
            "issued": issued,
            "sha256": obj.report_sha256 or None,
            "issued_at": obj.reported_at,
            "url": f"/api/v1/verifications/{obj.pk}/report.pdf",
        }


def _owned(request: Request, verification_id: Any) -> Verification:
    found = services.verification_of(requester=account_of(request), verification_id=verification_id)
    if found is None:
        raise Http404
    return found


class VerificationListCreate(generics.ListAPIView):
    serializer_class = VerificationSerializer
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        document = serializers.FileField(help_text="the PDF to verify")
        mode = serializers.ChoiceField(
            choices=["online", "offline"],
            default="online",
            help_text="online: also fetch current OCSP/CRL; offline: embedded data only",
        )

    def get_queryset(self) -> Any:
        return services.verifications_of(requester=account_of(self.request))

    @extend_schema(tags=["verification"], operation_id="verifications_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["verification"],
        operation_id="verifications_create",
        request={"multipart/form-data": InputSerializer},
        responses={
            201: VerificationSerializer,
            413: OpenApiResponse(ERROR, description="`document_too_large`"),
            422: OpenApiResponse(
                ERROR,
                description="`not_a_pdf`, `document_unreadable`, `verification_limits_exceeded`",
            ),
            503: OpenApiResponse(ERROR, description="`verification_unavailable`"),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verification = services.verify_upload(
            requester=account_of(request),
            document=data.validated_data["document"],
            online=data.validated_data["mode"] == "online",
            language=_report_language(request),
        )
        return Response(VerificationSerializer(verification).data, status=status.HTTP_201_CREATED)


def _report_language(request: Request) -> str:
    """The account's chosen language, else the request's (Chinese by default)."""
    chosen = getattr(account_of(request), "preferred_language", "")
    return chosen or translation.get_language() or ""


class VerificationDetail(APIView):
    @extend_schema(
        tags=["verification"],
        operation_id="verifications_retrieve",
        responses={200: VerificationSerializer, 404: _NOT_FOUND},
    )
    def get(self, request: Request, verification_id: Any) -> Response:
        return Response(VerificationSerializer(_owned(request, verification_id)).data)


class VerificationReportPdf(APIView):
    @extend_schema(
        tags=["verification"],
        operation_id="verifications_report_pdf",
        responses={
            (200, "application/pdf"): OpenApiResponse(description="the platform-sealed report"),
            404: _NOT_FOUND,
        },
    )
    def get(self, request: Request, verification_id: Any) -> HttpResponse:
        verification = _owned(request, verification_id)
        return report_response(verification)


def report_response(verification: Verification) -> HttpResponse:
    pdf = services.report_pdf(verification=verification)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(
        report_name(verification), f"verification-{verification.pk}.pdf", attachment=False
    )
    response["Cache-Control"] = "private, no-store"
    return response


def report_name(verification: Verification) -> str:
    """``验证报告-采购合同.pdf``: the report named after the document it is about."""
    stem = verification.document_name.rsplit(".", 1)[0].strip() or str(verification.pk)[:8]
    with translation.override(verification.language):
        # Translators: 验证报告 (the start of the report PDF's file name)
        label = _("Verification report")
    return f"{label}-{NOT_IN_FILE_NAMES.sub(' ', stem).strip()[:80]}.pdf"

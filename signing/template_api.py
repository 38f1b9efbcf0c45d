"""Contract templates over the API: ``/api/v1/templates/`` (API.md, "Fields and templates").

Saving: JSON (``text`` renders the document) or ``multipart/form-data`` with the PDF in
``document`` and every other field as one JSON-encoded form field ``data``, as for contracts.
A ``PATCH`` makes a new version. Starting a contract from a template is ``POST
/api/v1/contracts/`` with ``template_id`` and ``roles`` (``signing/api.py``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.requests import account_of, located
from econtract.api.schema import ERROR
from econtract.contracts.serializers import document_input
from econtract.errors import BusinessRuleViolation
from signing import contract_templates as templates
from signing.models import ContractTemplate, TemplateVersion

_REFUSALS = {
    404: OpenApiResponse(ERROR, description="`not_found`"),
    422: OpenApiResponse(
        ERROR,
        description="`invalid`, `invalid_source`, `invalid_document`, `category_excluded`, and "
        "the placed fields' codes (`invalid_field`, `field_off_page`, `field_page_missing`, "
        "`signature_fields_overlap`, `fields_overlap`, `signature_field_missing`, "
        "`unknown_signatory_field`)",
    ),
    403: OpenApiResponse(ERROR, description="`only_template_maker`"),
}


@extend_schema_serializer(component_name="TemplateVersion")
class VersionSerializer(serializers.ModelSerializer):
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = TemplateVersion
        fields = [
            "number",
            "title",
            "category",
            "elements",
            "roles",
            "fields",
            "source_text",
            "pages",
            "document_sha256",
            "document_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_document_url(self, version: TemplateVersion) -> str:
        return templates.document_url(version)


@extend_schema_serializer(component_name="Template")
class TemplateSerializer(serializers.ModelSerializer):
    shared = serializers.SerializerMethodField()
    current_version = VersionSerializer(read_only=True)
    versions = serializers.SerializerMethodField()

    class Meta:
        model = ContractTemplate
        fields = [
            "id",
            "name",
            "organization",
            "shared",
            "current_version",
            "versions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_shared(self, template: ContractTemplate) -> bool:
        """Shared with an organisation's members (made while acting for it)."""
        return template.organization_id is not None

    def get_versions(self, template: ContractTemplate) -> list[dict[str, Any]]:
        return [
            {"number": v.number, "created_at": v.created_at, "document_sha256": v.document_sha256}
            for v in template.versions.order_by("number")
        ]


@extend_schema_serializer(component_name="TemplateSave")
class SaveSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=200, help_text="the contracts' default title")
    category = serializers.CharField(max_length=32)
    elements = serializers.JSONField(required=False, help_text="default 合同要素")
    roles = serializers.JSONField(help_text='role names in signing order, e.g. ["甲方", "乙方"]')
    # Named ``fields`` (API contract); DRF's metaclass keeps ``Serializer.fields``.
    fields = serializers.JSONField(  # type: ignore[assignment]
        help_text="placed fields as on contracts, each field's signatory a role"
    )
    text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=200_000
    )


class ChangeSerializer(SaveSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)


@extend_schema_serializer(component_name="TemplateSaveUpload")
class UploadSerializer(serializers.Serializer):
    document = serializers.FileField(help_text="the template's document as a PDF")
    data = serializers.CharField(  # type: ignore[assignment]
        help_text="every other field of TemplateSave, as JSON"
    )


def template_response(template: ContractTemplate, code: int = status.HTTP_200_OK) -> Response:
    return Response(TemplateSerializer(template).data, status=code)


class TemplateListCreate(generics.ListAPIView):
    """The caller's templates and those shared by its organisations."""

    serializer_class = TemplateSerializer
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self) -> Any:
        return templates.visible_templates(account_of(self.request))

    @extend_schema(
        tags=["templates"],
        operation_id="templates_create",
        request={"application/json": SaveSerializer, "multipart/form-data": UploadSerializer},
        responses={201: TemplateSerializer, **_REFUSALS},
    )
    def post(self, request: Request) -> Response:
        data, document = document_input(request, SaveSerializer, UploadSerializer)
        template = templates.create_template(
            actor=account_of(request), name=data["name"], content=_content(data, document)
        )
        return located(
            template_response(template, status.HTTP_201_CREATED), "api-template", template.pk
        )


class TemplateDetail(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(tags=["templates"], responses={200: TemplateSerializer, **_REFUSALS})
    def get(self, request: Request, template_id: int) -> Response:
        return template_response(templates.template_for(account_of(request), template_id))

    @extend_schema(
        tags=["templates"],
        request={"application/json": ChangeSerializer, "multipart/form-data": UploadSerializer},
        responses={200: TemplateSerializer, **_REFUSALS},
    )
    def patch(self, request: Request, template_id: int) -> Response:
        actor = account_of(request)
        template = templates.template_for(actor, template_id)
        data, document = document_input(request, ChangeSerializer, UploadSerializer)
        changes = {k: v for k, v in data.items() if k != "name"}
        if document is not None:
            changes["document"] = document
        changed = templates.change_template(
            actor=actor, template=template, name=data.get("name"), changes=changes
        )
        return template_response(changed)


class TemplateDocument(APIView):
    @extend_schema(
        tags=["templates"],
        responses={(200, "application/pdf"): bytes, **_REFUSALS},
    )
    def get(self, request: Request, template_id: int) -> HttpResponse:
        template = templates.template_for(account_of(request), template_id)
        number = request.query_params.get("version")
        versions = template.versions.all()
        version = (
            versions.filter(number=int(number)).first()
            if number and number.isdigit()
            else template.current_version
        )
        if version is None:
            raise BusinessRuleViolation("not_found", _("No such template version."))
        pdf = templates.read_template_document(version)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="template-{template.pk}.pdf"'
        return response


def _content(data: dict[str, Any], document: bytes | None) -> templates.TemplateContent:
    return templates.TemplateContent(
        title=data["title"],
        category=data["category"],
        elements=data.get("elements") or {},
        roles=data["roles"],
        fields=data["fields"],
        text=data.get("text") or "",
        document=document,
    )

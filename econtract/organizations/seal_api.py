"""Seals, authorisations and the usage log over the API (API.md, organisations).

``/organizations/{id}/seals/`` (GET: members; POST: seal keepers and administrators, either
``{kind, generate: true}`` or multipart ``image``), ``.../seals/{sid}/image.png`` (the image at
its print size), ``.../seals/{sid}/suspend|activate|destroy/``; ``.../authorizations/`` and
``.../authorizations/{aid}/revoke/``; ``.../seal-uses/`` (``Accept: text/csv`` or ``?format=csv``
for the export).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from econtract.api.renderers import CSVRenderer
from econtract.api.requests import account_of, validated
from econtract.api.schema import ERROR
from econtract.evidence.api import HistoriesInLists, HistoryField
from econtract.organizations import authorizations, seals
from econtract.organizations.api import OrganizationView
from econtract.organizations.models import Role, Seal, SealAuthorization, SealUse
from econtract.organizations.selectors import display_name

SEAL_READERS = (Role.ADMINISTRATOR, Role.SEAL_KEEPER, Role.AGENT)


@extend_schema_serializer(component_name="Seal")
class SealSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    history = HistoryField()

    class Meta:
        model = Seal
        fields = [
            "id",
            "kind",
            "source",
            "state",
            "name",
            "code",
            "width_mm",
            "height_mm",
            "image_sha256",
            "image_url",
            "created_at",
            "reviewed_at",
            "review_note",
            "history",
        ]
        read_only_fields = fields

    def get_image_url(self, seal: Seal) -> str:
        return f"/api/v1/organizations/{seal.organization_id}/seals/{seal.pk}/image.png"


class SealCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Seal.Kind.choices)
    generate = serializers.BooleanField(required=False, default=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=60)
    image = serializers.FileField(required=False)
    width_mm = serializers.FloatField(required=False, min_value=15, max_value=60)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["generate"] == ("image" in attrs):
            raise serializers.ValidationError(
                {"image": ["Either generate: true, or upload an image of the seal."]}
            )
        if "image" in attrs and "width_mm" not in attrs:
            raise serializers.ValidationError({"width_mm": ["Give the seal's width in mm."]})
        return attrs


class SealList(OrganizationView, HistoriesInLists, generics.ListAPIView):
    serializer_class = SealSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Seal]:
        return seals.seals_of(self.organization(self.request, *SEAL_READERS))

    @extend_schema(tags=["organizations"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The organisation's seals (administrators, seal keepers and agents)."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["organizations"],
        request=SealCreateSerializer,
        responses={
            201: SealSerializer,
            403: OpenApiResponse(ERROR, description="`organization_role_required`"),
            422: OpenApiResponse(ERROR, description="`seal_image_invalid`, `material_*`"),
        },
    )
    def post(self, request: Request, organization_id: int) -> Response:
        """Draw a seal (``generate: true``; active at once) or upload an image of the physical
        seal (multipart ``image`` and ``width_mm``; an operator reviews it first)."""
        data = validated(SealCreateSerializer, request)
        actor = account_of(request)
        if data["generate"]:
            seal = seals.generate(
                actor=actor,
                organization_id=organization_id,
                kind=data["kind"],
                name=data.get("name", ""),
            )
        else:
            seal = seals.upload(
                actor=actor,
                organization_id=organization_id,
                kind=data["kind"],
                name=data.get("name", ""),
                file=data["image"],
                width_mm=data["width_mm"],
            )
        return Response(SealSerializer(seal).data, status=status.HTTP_201_CREATED)


class SealImage(OrganizationView, APIView):
    @extend_schema(tags=["organizations"], responses={(200, "image/png"): bytes})
    def get(self, request: Request, organization_id: int, pk: int) -> HttpResponse:
        """The seal's image: a transparent PNG at 600 dpi of its print size."""
        seal = seals.seal_in(self.organization(request, *SEAL_READERS), pk)
        response = HttpResponse(bytes(Seal.objects.get(pk=seal.pk).image), content_type="image/png")
        response["Cache-Control"] = "private, max-age=300"
        return response


class SealChange(OrganizationView, APIView):
    action = ""

    @extend_schema(
        tags=["organizations"],
        request=None,
        responses={200: SealSerializer, 409: OpenApiResponse(ERROR, description="`invalid_state`")},
    )
    def post(self, request: Request, organization_id: int, pk: int) -> Response:
        seal = seals.change(
            actor=account_of(request),
            organization_id=organization_id,
            seal_id=pk,
            action=self.action,
        )
        return Response(SealSerializer(seal).data)


@extend_schema_serializer(component_name="SealAuthorization")
class AuthorizationSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id", read_only=True)
    agent = serializers.SerializerMethodField()
    seal = serializers.IntegerField(source="seal_id", read_only=True)
    history = HistoryField()

    class Meta:
        model = SealAuthorization
        fields = [
            "id",
            "member",
            "agent",
            "seal",
            "categories",
            "max_price",
            "valid_from",
            "valid_until",
            "state",
            "granted_at",
            "revoked_at",
            "history",
        ]
        read_only_fields = fields

    def get_agent(self, authorization: SealAuthorization) -> str:
        return display_name(authorization.member.account)


class AuthorizationCreateSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    seal = serializers.IntegerField()
    categories = serializers.ListField(
        child=serializers.CharField(max_length=40, help_text="a contract category"),
        required=False,
        default=list,
    )
    max_price = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True
    )
    valid_from = serializers.DateTimeField(required=False)
    valid_until = serializers.DateTimeField()


class AuthorizationList(OrganizationView, HistoriesInLists, generics.ListAPIView):
    serializer_class = AuthorizationSerializer

    def get_queryset(self) -> QuerySet[SealAuthorization]:
        organization = self.organization(self.request, Role.SEAL_KEEPER)
        return authorizations.authorizations_of(organization)

    @extend_schema(tags=["organizations"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The organisation's seal authorisations (seal keepers and administrators)."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["organizations"],
        request=AuthorizationCreateSerializer,
        responses={201: AuthorizationSerializer},
    )
    def post(self, request: Request, organization_id: int) -> Response:
        """Authorise an agent to use a seal: all contracts or some categories, up to a price."""
        data = validated(AuthorizationCreateSerializer, request)
        authorization = authorizations.grant(
            actor=account_of(request),
            organization_id=organization_id,
            member_id=data["member"],
            seal_id=data["seal"],
            categories=data["categories"],
            max_price=data.get("max_price"),
            valid_from=data.get("valid_from") or timezone.now(),
            valid_until=data["valid_until"],
        )
        return Response(AuthorizationSerializer(authorization).data, status=status.HTTP_201_CREATED)


class AuthorizationRevoke(OrganizationView, APIView):
    @extend_schema(tags=["organizations"], request=None, responses=AuthorizationSerializer)
    def post(self, request: Request, organization_id: int, pk: int) -> Response:
        """Revoke at once."""
        authorization = authorizations.revoke(
            actor=account_of(request), organization_id=organization_id, authorization_id=pk
        )
        return Response(AuthorizationSerializer(authorization).data)


@extend_schema_serializer(component_name="SealUse")
class SealUseSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="contract.reference", read_only=True)
    seal_kind = serializers.CharField(source="seal.kind", read_only=True)
    agent = serializers.SerializerMethodField()

    class Meta:
        model = SealUse
        fields = [
            "id",
            "contract",
            "seal",
            "seal_kind",
            "agent",
            "authorization",
            "document_sha256",
            "paging_seal",
            "used_at",
        ]
        read_only_fields = fields

    def get_agent(self, use: SealUse) -> str:
        return display_name(use.agent)


CSV_COLUMNS = (
    "used_at",
    "contract",
    "seal",
    "seal_kind",
    "agent",
    "authorization",
    "paging_seal",
    "document_sha256",
)


class SealUseList(OrganizationView, generics.ListAPIView):
    serializer_class = SealUseSerializer
    renderer_classes = [JSONRenderer, CSVRenderer]

    def get_queryset(self) -> QuerySet[SealUse]:
        return authorizations.uses_of(self.organization(self.request, Role.SEAL_KEEPER))

    @extend_schema(
        tags=["organizations"],
        responses={200: SealUseSerializer(many=True), (200, "text/csv"): str},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        """The usage log (用印记录), newest first; ``Accept: text/csv`` or ``?format=csv``
        exports all of it."""
        if request.accepted_renderer.format != "csv":
            return super().get(request, *args, **kwargs)
        rows = SealUseSerializer(self.get_queryset(), many=True).data
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="seal-uses.csv"'
        return response

"""Bulk send over the API: ``/api/v1/batches/`` (API.md, "Sending at scale").

``POST`` takes ``multipart/form-data``: ``template_id``, the sheet in ``file`` (CSV or XLSX,
columns as ``columns.py`` describes; ``GET /api/v1/batches/sample/?template_id=`` gives them),
``send_valid_rows`` and an optional ``sign_deadline`` for rows without one. It answers 201 with
the batch whatever its rows held: ``state`` is ``invalid`` (nothing will be created; ``errors``
names each row and column) or ``creating`` (the contracts are being created; poll the batch).
Only the offeror party's accounts see a batch (404 for anyone else).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from auxiliary.bulk_send import samples, selectors, services, spreadsheets
from auxiliary.bulk_send.models import Batch
from econtract.api.requests import account_of, located, validated
from econtract.api.schema import ERROR
from econtract.evidence.api import HistoriesInLists, HistoryField
from signing import contract_templates

TAGS = ["bulk send"]
_NOT_FOUND = OpenApiResponse(ERROR, description="`not_found`")


@extend_schema_serializer(component_name="BatchError")
class ErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="as the sheet counts rows: the header is row 1")
    column = serializers.CharField(help_text="the column's header; empty for the whole row")
    code = serializers.CharField()
    detail = serializers.CharField()


@extend_schema_serializer(component_name="BatchContract")
class CreatedSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    id = serializers.CharField(help_text="the contract's reference")


@extend_schema_serializer(component_name="BatchFailure")
class FailureSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()


@extend_schema_serializer(component_name="BatchSummary")
class BatchSummarySerializer(serializers.Serializer):
    """A batch in a list: its state and progress."""

    id = serializers.IntegerField(source="pk")
    state = serializers.CharField(
        help_text="invalid (nothing will be created), creating, finished, or cancelled"
    )
    template_id = serializers.IntegerField()
    template_version = serializers.IntegerField(source="version.number")
    file_name = serializers.CharField()
    file_sha256 = serializers.CharField()
    rows = serializers.IntegerField(source="row_count", help_text="data rows in the file")
    send_valid_rows = serializers.BooleanField()
    total = serializers.SerializerMethodField(help_text="rows sent: a contract each")
    created = serializers.SerializerMethodField()
    failed = serializers.SerializerMethodField(help_text="refused when they were created")
    pending = serializers.SerializerMethodField()
    not_created = serializers.SerializerMethodField(help_text="left when it was cancelled")
    withdrawn = serializers.SerializerMethodField(help_text="withdrawn when it was cancelled")
    history = HistoryField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)

    def _progress(self, batch: Batch) -> dict[str, int]:
        # Six fields read it: counted once per batch shown.
        cache: dict[int, dict[str, int]] = self.__dict__.setdefault("_progress_cache", {})
        if batch.pk not in cache:
            cache[batch.pk] = services.progress_of(batch)
        return cache[batch.pk]

    def get_total(self, batch: Batch) -> int:
        return self._progress(batch)["total"]

    def get_created(self, batch: Batch) -> int:
        return self._progress(batch)["created"]

    def get_failed(self, batch: Batch) -> int:
        return self._progress(batch)["failed"]

    def get_pending(self, batch: Batch) -> int:
        return self._progress(batch)["pending"]

    def get_not_created(self, batch: Batch) -> int:
        return self._progress(batch)["cancelled"]

    def get_withdrawn(self, batch: Batch) -> int:
        return self._progress(batch)["withdrawn"]


@extend_schema_serializer(component_name="Batch")
class BatchSerializer(BatchSummarySerializer):
    """A batch with its report, the contracts it created and the rows that failed."""

    errors = ErrorSerializer(many=True, help_text="the validation report")  # type: ignore[assignment]
    contracts = serializers.SerializerMethodField()
    failures = serializers.SerializerMethodField()

    @extend_schema_field(CreatedSerializer(many=True))
    def get_contracts(self, batch: Batch) -> list[dict[str, Any]]:
        return [{"row": n, "id": ref} for n, ref in services.created_references(batch)]

    @extend_schema_field(FailureSerializer(many=True))
    def get_failures(self, batch: Batch) -> list[dict[str, Any]]:
        return [
            {"row": row.number, "code": row.error_code, "detail": row.error_detail}
            for row in services.failed_rows(batch)
        ]


@extend_schema_serializer(component_name="BatchUpload")
class UploadSerializer(serializers.Serializer):
    template_id = serializers.IntegerField()
    file = serializers.FileField(help_text="CSV (UTF-8 or GB18030) or XLSX, one row a contract")
    send_valid_rows = serializers.BooleanField(
        default=False, help_text="create the valid rows' contracts even if others have errors"
    )
    sign_deadline = serializers.DateTimeField(
        required=False, help_text="the deadline of rows that give none"
    )


def batch_response(batch: Batch, code: int = status.HTTP_200_OK) -> Response:
    return Response(BatchSerializer(batch).data, status=code)


class BatchListCreate(HistoriesInLists, generics.ListAPIView):
    """The caller's bulk sends, newest first (their progress; each batch's own path has its
    report and contracts); or upload one."""

    serializer_class = BatchSummarySerializer
    parser_classes = [MultiPartParser, JSONParser]

    def get_queryset(self) -> Any:
        return selectors.batches_of(account_of(self.request))

    @extend_schema(tags=TAGS, operation_id="batches_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        operation_id="batches_create",
        description="Check every row and, unless a row has errors (or `send_valid_rows`), "
        "create its contract in the background. 201 whatever the rows held: see `state`.",
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: BatchSerializer,
            403: OpenApiResponse(
                ERROR,
                description="`authentication_required`, `not_registered`, "
                "`organization_role_required`",
            ),
            404: _NOT_FOUND,
            409: OpenApiResponse(
                ERROR, description="`identity_change_pending`, `cancellation_pending`"
            ),
            422: OpenApiResponse(
                ERROR,
                description="the file: `file_too_large`, `unsupported_file_type`, "
                "`document_unreadable`, `invalid` (no rows, too many rows or columns)",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(UploadSerializer, request)
        actor = account_of(request)
        upload = data["file"]
        batch = services.upload_batch(
            actor=actor,
            template=contract_templates.template_for(actor, data["template_id"]),
            data=spreadsheets.read_upload(upload),
            file_name=str(upload.name or ""),
            send_valid_rows=data["send_valid_rows"],
            default_deadline=data.get("sign_deadline"),
            is_secure=request.is_secure(),
            protocol=str(request.META.get("SERVER_PROTOCOL", "")),
        )
        return located(batch_response(batch, status.HTTP_201_CREATED), "api-batch", batch.pk)


class BatchDetail(APIView):
    @extend_schema(tags=TAGS, responses={200: BatchSerializer, 404: _NOT_FOUND})
    def get(self, request: Request, batch_id: int) -> Response:
        return batch_response(selectors.batch_for(account_of(request), batch_id))


class BatchCancel(APIView):
    @extend_schema_serializer(component_name="BatchCancel")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(
        tags=TAGS,
        operation_id="batches_cancel",
        description="Create no more of its contracts, and withdraw (in the background) those "
        "nobody has signed yet.",
        request=InputSerializer,
        responses={
            200: BatchSerializer,
            403: OpenApiResponse(ERROR, description="`organization_role_required`"),
            404: _NOT_FOUND,
            409: OpenApiResponse(ERROR, description="`invalid_state`"),
        },
    )
    def post(self, request: Request, batch_id: int) -> Response:
        actor = account_of(request)
        batch = selectors.batch_for(actor, batch_id)
        data = validated(self.InputSerializer, request)
        cancelled = services.cancel_batch(batch=batch, actor=actor, reason=data.get("reason") or "")
        return batch_response(cancelled)


class BatchSample(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="batches_sample",
        description="A sheet with the columns of a template's current version, to fill in: "
        "XLSX (with a second sheet saying what each column takes) or CSV.",
        parameters=[
            OpenApiParameter("template_id", OpenApiTypes.INT, required=True),
            OpenApiParameter("type", str, enum=["xlsx", "csv"], description="default xlsx"),
        ],
        responses={
            (200, samples.XLSX_TYPE): OpenApiTypes.BINARY,
            (200, samples.CSV_TYPE): OpenApiTypes.BINARY,
            404: _NOT_FOUND,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        actor = account_of(request)
        template = contract_templates.template_for(actor, request.query_params.get("template_id"))
        return samples.sample_response(template, request.query_params.get("type") or "xlsx")

"""Views for /api/users/me/imports/: upload an export (multipart), follow its progress, list past imports."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from movie_backend.schema import ErrorEnvelopeSerializer
from users.imports import selectors, services
from users.imports.serializers import ImportCreateSerializer, ImportSerializer, ImportSummarySerializer

# Room for the multipart framing and the `format` field around a file of IMPORT_MAX_BYTES.
_MULTIPART_OVERHEAD = 64 * 1024

_DONE_EXAMPLE = {  # a real run: the sample export zip against the demo catalog
    "id": 1,
    "format": "letterboxd",
    "status": "done",
    "filename": "letterboxd-sample_user-2026-12-01-00-00-utc.zip",
    "size": 4439,
    "rows": 126,
    "matched": 102,
    "created": 102,
    "updated": 0,
    "unchanged": 0,
    "unmatched_count": 24,
    "error": None,
    "created_at": "2026-12-02T05:47:15.121119Z",
    "started_at": "2026-12-02T05:47:15.247278Z",
    "finished_at": "2026-12-02T05:47:15.598287Z",
    "unmatched": [
        {"file": "watched.csv", "row": 2, "title": "La La Land", "year": 2016, "reason": "not in the catalog"}
    ],
}


class ImportListCreateApi(generics.GenericAPIView):
    parser_classes = [MultiPartParser]
    serializer_class = ImportSummarySerializer

    def get_queryset(self):
        return selectors.import_list(user=self.request.user)

    @extend_schema(
        tags=["users"],
        summary="The caller's imports",
        description="Newest first, without their unmatched rows (GET one import for those).",
        responses={200: ImportSummarySerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ImportSummarySerializer(page, many=True).data)

    @extend_schema(
        tags=["users"],
        summary="Import a Letterboxd or IMDb export",
        description=(
            "Multipart upload of `file` with `format`. The whole file is checked first: a file of the wrong "
            "shape answers 400 with `errors.file` saying what was expected, one over IMPORT_MAX_BYTES (20 MB "
            "by default; for a zip, also once unpacked) 413; nothing is stored or written from either. "
            "Otherwise 202: the import runs in the background (follow it at `GET .../imports/<id>/`; "
            "`rows` grows batch by batch). Letterboxd rows are matched by title and year (case, accents and "
            "punctuation ignored, year within one; through TMDb search when a key is configured), IMDb rows by "
            "IMDb id, their 1-10 ratings halved. Importing the same file again creates nothing "
            "(`created` 0, `unchanged` = `matched`). Every row that wrote nothing is listed with its reason."
        ),
        request={"multipart/form-data": ImportCreateSerializer},
        responses={
            202: ImportSerializer,
            400: OpenApiResponse(ErrorEnvelopeSerializer, description="Not a file of the expected shape."),
            413: OpenApiResponse(ErrorEnvelopeSerializer, description="Larger than IMPORT_MAX_BYTES."),
            415: OpenApiResponse(ErrorEnvelopeSerializer, description="The body is not multipart/form-data."),
        },
        examples=[
            OpenApiExample(
                "Letterboxd zip, imported (Celery eager)",
                value=_DONE_EXAMPLE,
                response_only=True,
                status_codes=["202"],
            ),
            OpenApiExample(
                "A watched/watchlist/likes CSV under another name",
                value={
                    "status": "error",
                    "code": "invalid",
                    "message": "file: A CSV with Letterboxd's header Date,Name,Year,Letterboxd URI is watched.csv, "
                    "watchlist.csv or likes/films.csv, which share that header: ...",
                    "errors": {"file": ["A CSV with Letterboxd's header Date,Name,Year,Letterboxd URI is ..."]},
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        # Refuse an oversized upload by its declared length, before it is received and parsed.
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > settings.IMPORT_MAX_BYTES + _MULTIPART_OVERHEAD:
            raise services.import_file_too_large()
        serializer = ImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise services.import_file_too_large()
        job = services.import_create(
            user=request.user,
            format=serializer.validated_data["format"],
            filename=upload.name or "",
            data=upload.read(),
        )
        job = selectors.import_get(user=request.user, import_id=job.pk)
        return Response(ImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(APIView):
    @extend_schema(
        tags=["users"],
        summary="One of the caller's imports: progress, counts and unmatched rows",
        description=(
            "`status` is pending, running, done or failed; `rows` counts the rows processed so far. `matched` = "
            "`created` + `updated` + `unchanged`; `unmatched` lists every other row (its file, row number with "
            "the header as row 1, title, year and reason). `error` says why a failed import stopped."
        ),
        responses={200: ImportSerializer},
        examples=[OpenApiExample("Done", value=_DONE_EXAMPLE)],
    )
    def get(self, request: Request, import_id: int) -> Response:
        return Response(ImportSerializer(selectors.import_get(user=request.user, import_id=import_id)).data)

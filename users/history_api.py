"""Views for /api/users/me/history/: the caller's plays (watch history)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from users import history, selectors
from users.serializers import PlayCreateSerializer, PlaySerializer


class PlayListCreateApi(generics.GenericAPIView):
    serializer_class = PlaySerializer

    def get_queryset(self):
        return selectors.play_list(user=self.request.user)

    @extend_schema(
        tags=["users"],
        summary="The caller's watch history",
        description="Plays, latest viewing first. A movie watched twice appears twice.",
        responses={200: PlaySerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        context = selectors.rows_state_context(user=request.user, rows=page)
        return self.get_paginated_response(PlaySerializer(page, many=True, context=context).data)

    @extend_schema(
        tags=["users"],
        summary="Log a play",
        description=(
            "Always a new play (plays may repeat: a re-watch is a second play), at `watched_at` or now. The movie "
            "is also marked watched (a `watched` interaction). A movie not yet mirrored is fetched from TMDb; "
            "one TMDb does not know answers 404."
        ),
        request=PlayCreateSerializer,
        responses={201: PlaySerializer},
        examples=[
            OpenApiExample("Watched last night", value={"tmdb_id": 603, "watched_at": "2026-11-30T21:30:00Z"}),
            OpenApiExample("Watched just now", value={"tmdb_id": 603}),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = PlayCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        play = history.play_record(user=request.user, **serializer.validated_data)
        play = selectors.play_list(user=request.user).get(pk=play.pk)
        context = selectors.rows_state_context(user=request.user, rows=[play])
        return Response(PlaySerializer(play, context=context).data, status=status.HTTP_201_CREATED)


class PlayDeleteApi(APIView):
    @extend_schema(
        tags=["users"],
        summary="Delete one of the caller's plays",
        description="The movie stays watched (delete its `watched` interaction for that).",
        responses={204: None},
    )
    def delete(self, request: Request, play_id: int) -> Response:
        history.play_delete(user=request.user, play_id=play_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""Small views that raise each kind of error, mounted only by the plumbing tests."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.urls import include, path
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from movie_backend.throttling import AnonThrottle
from movies.models import Genre


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["tmdb_id", "name"]


class GenreListView(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    queryset = Genre.objects.order_by("tmdb_id")
    serializer_class = GenreSerializer


class EchoSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=5)


class ValidateView(APIView):
    permission_classes = [permissions.AllowAny]

    def post(self, request):
        serializer = EchoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class PrivateView(APIView):
    def get(self, request):
        return Response({"ok": True})


class StaffView(APIView):
    permission_classes = [permissions.IsAdminUser]

    def get(self, request):
        return Response({"ok": True})


class DjangoErrorsView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, kind):
        if kind == "404":
            raise Http404
        raise DjangoPermissionDenied


class OnePerMinute(AnonThrottle):
    rate = "1/min"
    scope = "test-one-per-minute"


class ThrottledView(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [OnePerMinute]

    def get(self, request):
        return Response({"ok": True})


class CrashView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request):
        raise RuntimeError("secret internal detail")


urlpatterns = [
    path("t/genres/", GenreListView.as_view()),
    path("t/validate/", ValidateView.as_view()),
    path("t/private/", PrivateView.as_view()),
    path("t/staff/", StaffView.as_view()),
    path("t/django/<str:kind>/", DjangoErrorsView.as_view()),
    path("t/throttled/", ThrottledView.as_view()),
    path("t/crash/", CrashView.as_view()),
    path("", include("movie_backend.urls")),
]

handler404 = "movie_backend.errors.page_not_found"
handler500 = "movie_backend.errors.server_error"

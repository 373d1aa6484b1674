"""Views for an account's life cycle: password reset (request, confirm), export of everything stored about the
caller. Deleting the account is DELETE /api/users/me/ (users.api.UserMeApi)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from movie_backend.schema import ErrorEnvelopeSerializer
from movie_backend.throttling import AnonThrottle, ScopedThrottle
from users import account, selectors
from users.password_reset import password_reset_request
from users.serializers import AccountExportSerializer, PasswordResetConfirmSerializer, PasswordResetSerializer


class _PublicApi(APIView):
    # No authentication: a stale Authorization header must not turn a reset into a 401.
    authentication_classes: list = []
    permission_classes = [AllowAny]


class PasswordResetApi(_PublicApi):
    throttle_classes = [AnonThrottle, ScopedThrottle]
    throttle_scope = "password_reset"

    @extend_schema(
        tags=["auth"],
        summary="Ask for a password reset mail",
        description=(
            "Always 202 with no body, whether or not the address has an account: the mail is looked up and "
            "sent in the background. An account's mail holds a `uid` and a `token` (Django's token generator; "
            "valid PASSWORD_RESET_TIMEOUT seconds, once) and, when PASSWORD_RESET_URL is set, a link built from "
            "it. Throttled per address (scope `password_reset`)."
        ),
        request=PasswordResetSerializer,
        responses={202: OpenApiResponse(description="Accepted; a mail follows if the address has an account.")},
        examples=[OpenApiExample("Request", value={"email": "ada@example.com"}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_request(email=serializer.validated_data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(_PublicApi):
    @extend_schema(
        tags=["auth"],
        summary="Set a new password with a reset link's uid and token",
        description=(
            "204 on success; the token then no longer works, and every refresh token of the account is refused "
            "(every session is logged out; access tokens lapse within ACCESS_TOKEN_LIFETIME). A bad, used or "
            "expired link is a 400 on `token`; a password Django's validators refuse, a 400 on `new_password`."
        ),
        request=PasswordResetConfirmSerializer,
        responses={
            204: None,
            400: OpenApiResponse(ErrorEnvelopeSerializer, description="Invalid link or refused password."),
        },
        examples=[
            OpenApiExample(
                "Confirm",
                value={"uid": "MTI", "token": "cf5x2k-3a9e4f0c1b2d5e6f7a8b", "new_password": "a new long one"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account.password_reset_confirm(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountExportApi(APIView):
    @extend_schema(
        tags=["users"],
        summary="Everything stored about the caller, as one JSON document",
        description=(
            "Profile, saved preferences, favorites, interactions, watch history, imports (what each found; the "
            "uploaded files are not kept) and the recommendation lists served, oldest first."
        ),
        responses={200: AccountExportSerializer},
    )
    def get(self, request: Request) -> Response:
        document = AccountExportSerializer(selectors.account_export(user=request.user)).data
        response = Response(document)
        response["Content-Disposition"] = 'attachment; filename="account-export.json"'
        return response

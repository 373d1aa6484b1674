"""Views for /api/auth/ and /api/users/me/: parse the input, call one service or selector, serialise."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from movie_backend.schema import ErrorEnvelopeSerializer
from movie_backend.throttling import AnonThrottle, FailureThrottle, ScopedThrottle, UserThrottle, count_failure
from users import account, selectors, services
from users.serializers import (
    AccountDeleteSerializer,
    FavoriteCreateSerializer,
    FavoriteSerializer,
    InteractionCreateSerializer,
    InteractionListParams,
    InteractionSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    PreferenceSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserProfileSerializer,
)

# --- Auth ---------------------------------------------------------------------------------------------


class _PublicAuthApi(APIView):
    # No authentication: a stale Authorization header must not turn a login into a 401.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        # Bad credentials or tokens are a 401 (DRF answers 403 when a view names no authentication scheme).
        return 'Bearer realm="api"'


_ACCESS_MINUTES = int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() // 60)


def _rate(scope: str) -> str:
    return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]


# The rules with the numbers this server is configured with (docs/security.md gives the defaults).
_LOCKOUT_RULES = (
    "Only failed password checks count; a success costs nothing. Both lockouts answer 429 `account_locked` "
    "with `Retry-After`, on this endpoint and on the admin login form alike:\n\n"
    f"- **Per account and address**: after {settings.AXES_FAILURE_LIMIT} failures (`AXES_FAILURE_LIMIT`) for "
    "one email from one address, that email is refused from that address for "
    f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} minutes (`AXES_COOLOFF_MINUTES`), even with the "
    "right password; each attempt during the lockout restarts the cool-off. Other emails from that address, "
    "and that email from other addresses, are not affected. A success resets the count.\n"
    f"- **Per account, whatever the address**: once {settings.LOGIN_ACCOUNT_FAILURE_LIMIT} failures "
    "(`LOGIN_ACCOUNT_FAILURE_LIMIT`) for one email are counted, failures being forgotten "
    f"{settings.LOGIN_ACCOUNT_WINDOW_SECONDS} s (`LOGIN_ACCOUNT_WINDOW_SECONDS`) after the last one, that "
    f"failure and each further one lock that email for {settings.LOGIN_ACCOUNT_COOLOFF_SECONDS} s "
    "(`LOGIN_ACCOUNT_COOLOFF_SECONDS`), "
    f"doubled per further failure up to {settings.LOGIN_ACCOUNT_COOLOFF_MAX_SECONDS} s "
    "(`LOGIN_ACCOUNT_COOLOFF_MAX_SECONDS`). Addresses the account logged in from within "
    f"{settings.LOGIN_KNOWN_ADDRESS_DAYS} days (`LOGIN_KNOWN_ADDRESS_DAYS`) are exempt, so its owner is not "
    "locked out by guesses from elsewhere. An attempt refused by this rule checks no password and does not "
    "extend the lock.\n"
    f"- **Per address, whatever the account**: the `login` throttle scope ({_rate('login')}) counts failed "
    "logins per address; past it every login from that address answers 429 `throttled` until the window "
    "ends."
)


class UserRegisterApi(_PublicAuthApi):
    throttle_classes = [AnonThrottle, ScopedThrottle]
    throttle_scope = "register"

    @extend_schema(
        tags=["auth"],
        summary="Create an account",
        description=(
            "Email is the login, unique regardless of case (stored lower-cased). The password must pass "
            "Django's validators (length, similarity to the email/name, common, all-numeric): a 400 names "
            "them under `errors.password`. An email already registered answers 409 `email_taken`.\n\n"
            f"Throttled by the `register` scope per address ({_rate('register')}; `THROTTLE_RATES` overrides), "
            "a bucket of its own: sign-ups never use up the login allowance."
        ),
        request=RegisterSerializer,
        responses={201: UserProfileSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        return Response(UserProfileSerializer(user).data, status=status.HTTP_201_CREATED)


class UserLoginApi(_PublicAuthApi):
    throttle_classes = [AnonThrottle, FailureThrottle]
    throttle_scope = "login"

    @extend_schema(
        tags=["auth"],
        summary="Log in: email and password for a token pair",
        description=(
            "Wrong password, unknown email and inactive account all answer the same 401 "
            "`invalid_credentials`. Each login starts a token family: see the refresh operation.\n\n" + _LOCKOUT_RULES
        ),
        request=LoginSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(response=ErrorEnvelopeSerializer, description="Invalid credentials."),
            429: OpenApiResponse(
                response=ErrorEnvelopeSerializer,
                description="`account_locked` (a lockout rule) or `throttled` (the `login` scope); see `Retry-After`.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            tokens = services.user_login(request=request._request, **serializer.validated_data)
        except services.InvalidCredentials:
            count_failure(request, self)
            raise
        return Response(TokenPairSerializer(tokens).data)


class TokenRefreshApi(_PublicAuthApi):
    @extend_schema(
        tags=["auth"],
        summary="Rotate a refresh token",
        description=(
            "Answers a new access token and a new refresh token of the same login (token family); the one "
            "sent is blacklisted. A refresh token works once: presenting a rotated one again answers 401 "
            "`token_not_valid` and is taken as a stolen token (RFC 9700, refresh token rotation), so the whole "
            "family is revoked: its latest refresh token is refused from then on, and so are its access tokens "
            "(checked on every request while the cache holds the revocation; with the cache down they work "
            f"until they expire, after {_ACCESS_MINUTES} minutes, `JWT_ACCESS_MINUTES`). Whoever held the "
            "login, thief or owner, logs in "
            "again; the user's other logins are untouched. Refresh one token at a time: concurrent uses of one "
            "refresh token give one new pair, and the others are reuses that revoke it."
        ),
        request=RefreshSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(
                response=ErrorEnvelopeSerializer,
                description="Invalid, expired, blacklisted or reused refresh token (a reuse revokes its login).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens = services.token_refresh(refresh=serializer.validated_data["refresh"])
        return Response(TokenPairSerializer(tokens).data)


class UserLogoutApi(APIView):
    @extend_schema(
        tags=["auth"],
        summary="Log out: blacklist a refresh token",
        description="The refresh token must be the caller's; afterwards refreshing with it answers 401.",
        request=RefreshSerializer,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.token_blacklist(user=request.user, refresh=serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Profile ------------------------------------------------------------------------------------------


class UserMeApi(APIView):
    delete_takes_body = True  # the password, for the schema (movie_backend.schema)

    @extend_schema(tags=["users"], summary="The caller's profile", responses={200: UserProfileSerializer})
    def get(self, request: Request) -> Response:
        return Response(UserProfileSerializer(request.user).data)

    @extend_schema(
        tags=["users"],
        summary="Update the caller's profile",
        description="Only `name` and `date_of_birth` are writable; other fields sent are ignored.",
        request=UserProfileSerializer,
        responses={200: UserProfileSerializer},
    )
    def patch(self, request: Request) -> Response:
        serializer = UserProfileSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data=serializer.validated_data)
        return Response(UserProfileSerializer(user).data)

    @extend_schema(
        tags=["users"],
        summary="Delete the caller's account and everything stored about it",
        description=(
            "Needs the password. Deletes the profile, preferences, favorites, interactions, history, imports and "
            "the recommendation lists served; every token of the account (access and refresh) answers 401 from "
            "then on. A wrong password is a 400 on `password`."
        ),
        request=AccountDeleteSerializer,
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account.account_delete(user=request.user, password=serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserPasswordChangeApi(APIView):
    throttle_classes = [UserThrottle, FailureThrottle]
    throttle_scope = "password_change"

    @extend_schema(
        tags=["users"],
        summary="Change the caller's password",
        description=(
            "Checks the current password and runs Django's password validators on the new one. Every login of "
            "the account ends: its refresh tokens are blacklisted and its access tokens refused (as after a "
            "refresh-token reuse, see the refresh operation); the answer is a fresh token pair, a new login, "
            "for this client.\n\n"
            f"Throttled by the `password_change` scope ({_rate('password_change')}), which counts wrong current "
            "passwords per user: past it every attempt answers 429 `throttled` until the window ends, so a "
            "stolen access token cannot be used to guess the password quickly."
        ),
        request=PasswordChangeSerializer,
        responses={200: TokenPairSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            tokens = services.user_change_password(user=request.user, **serializer.validated_data)
        except services.CurrentPasswordIncorrect:
            count_failure(request, self)
            raise
        return Response(TokenPairSerializer(tokens).data)


# --- Favorites ----------------------------------------------------------------------------------------


class FavoriteListCreateApi(generics.GenericAPIView):
    serializer_class = FavoriteSerializer

    def get_queryset(self):
        return selectors.favorite_list(user=self.request.user)

    @extend_schema(tags=["users"], summary="The caller's favorites", responses={200: FavoriteSerializer(many=True)})
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            FavoriteSerializer(page, many=True, context=selectors.rows_state_context(user=request.user, rows=page)).data
        )

    @extend_schema(
        tags=["users"],
        summary="Add a favorite",
        description=(
            "201 when added, 200 when it already was a favorite (never a second row). A movie not yet mirrored "
            "is fetched from TMDb; one TMDb does not know answers 404."
        ),
        request=FavoriteCreateSerializer,
        responses={201: FavoriteSerializer, 200: FavoriteSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = FavoriteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        favorite, created = services.favorite_add(user=request.user, **serializer.validated_data)
        favorite = selectors.favorite_list(user=request.user).get(pk=favorite.pk)
        return Response(
            FavoriteSerializer(favorite, context=selectors.rows_state_context(user=request.user, rows=[favorite])).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class FavoriteDeleteApi(APIView):
    @extend_schema(tags=["users"], summary="Remove a favorite", responses={204: None})
    def delete(self, request: Request, tmdb_id: int) -> Response:
        services.favorite_remove(user=request.user, tmdb_id=tmdb_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Interactions -------------------------------------------------------------------------------------


class InteractionListCreateApi(generics.GenericAPIView):
    serializer_class = InteractionSerializer

    def get_queryset(self):
        params = InteractionListParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.interaction_list(user=self.request.user, type=params.validated_data.get("type"))

    @extend_schema(
        tags=["users"],
        summary="The caller's interactions",
        parameters=[InteractionListParams],
        responses={200: InteractionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            InteractionSerializer(
                page, many=True, context=selectors.rows_state_context(user=request.user, rows=page)
            ).data
        )

    @extend_schema(
        tags=["users"],
        summary="Record an interaction",
        description=(
            "One current row per (movie, type): recording it again updates it in place (`updated_at`, "
            "`rating`) and answers 200; a new one answers 201. `liked` and `disliked` exclude each other: "
            "recording one removes the other for that movie."
        ),
        request=InteractionCreateSerializer,
        responses={201: InteractionSerializer, 200: InteractionSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = InteractionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        interaction, created = services.interaction_record(user=request.user, **serializer.validated_data)
        interaction = selectors.interaction_list(user=request.user).get(pk=interaction.pk)
        return Response(
            InteractionSerializer(
                interaction, context=selectors.rows_state_context(user=request.user, rows=[interaction])
            ).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class InteractionDeleteApi(APIView):
    @extend_schema(tags=["users"], summary="Delete one of the caller's interactions", responses={204: None})
    def delete(self, request: Request, interaction_id: int) -> Response:
        services.interaction_delete(user=request.user, interaction_id=interaction_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Preferences --------------------------------------------------------------------------------------


class PreferenceApi(APIView):
    @extend_schema(tags=["users"], summary="The caller's saved preferences", responses={200: PreferenceSerializer})
    def get(self, request: Request) -> Response:
        return Response(PreferenceSerializer(selectors.preference_get(user=request.user)).data)

    @extend_schema(
        tags=["users"],
        summary="Replace the caller's preferences",
        description="All three lists are required. Unknown genre or movie ids answer 400 naming them.",
        request=PreferenceSerializer,
        responses={200: PreferenceSerializer},
    )
    def put(self, request: Request) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        tags=["users"],
        summary="Update some of the caller's preferences",
        description="Lists not sent are kept. Unknown genre or movie ids answer 400 naming them.",
        request=PreferenceSerializer,
        responses={200: PreferenceSerializer},
    )
    def patch(self, request: Request) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        serializer = PreferenceSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        preference = services.preference_update(user=request.user, **serializer.validated_data)
        return Response(PreferenceSerializer(preference).data)

from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Users"

    def ready(self) -> None:
        from users import schema  # noqa: F401  registers the OpenAPI extension of our JWT authentication

"""Request and response shapes of /api/users/me/imports/."""

from __future__ import annotations

from rest_framework import serializers

from users.models import Import, ImportUnmatched


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # an empty file is refused by the check, with the other shape errors
        help_text=(
            "`letterboxd`: the export zip, or one of its CSVs (ratings.csv, watched.csv, watchlist.csv, diary.csv, "
            "likes/films.csv; watched, watchlist and likes share one header, so send them under their export "
            "name). `imdb`: the ratings or watchlist CSV export. At most IMPORT_MAX_BYTES (20 MB by default)."
        ),
    )
    format = serializers.ChoiceField(choices=Import.Format.choices)


class ImportUnmatchedSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportUnmatched
        fields = ["file", "row", "title", "year", "reason"]
        extra_kwargs = {
            "reason": {
                "help_text": (
                    "One of: not in the catalog; not a movie; no title; no IMDb id; no rating; rating out of "
                    "range; no watched date; several movies have this title (no year given); TMDb search "
                    "unavailable: try again later."
                )
            }
        }


class ImportSummarySerializer(serializers.ModelSerializer):
    unmatched_count = serializers.IntegerField(read_only=True, help_text="Rows that wrote nothing (see `unmatched`).")
    error = serializers.SerializerMethodField(help_text="Why the import failed; null unless `status` is failed.")

    class Meta:
        model = Import
        fields = [
            "id",
            "format",
            "status",
            "filename",
            "size",
            "rows",
            "matched",
            "created",
            "updated",
            "unchanged",
            "unmatched_count",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "rows": {"help_text": "Rows processed so far (saved after each batch)."},
            "matched": {"help_text": "Rows whose movie was found: created + updated + unchanged."},
        }

    def get_error(self, job: Import) -> str | None:
        return job.error or None


class ImportSerializer(ImportSummarySerializer):
    unmatched = ImportUnmatchedSerializer(source="unmatched_rows", many=True, read_only=True)

    class Meta(ImportSummarySerializer.Meta):
        fields = [*ImportSummarySerializer.Meta.fields, "unmatched"]
        read_only_fields = fields

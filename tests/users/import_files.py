"""Real Letterboxd and IMDb export files, read where they lie (never copied into the project), and catalog
movies for them from the bundled demo catalog (real TMDb and IMDb ids).

The files live in a `shared/data/imports` folder beside the checkout (`../shared` from the repository root) or
beside one of its parent folders (a worktree sits deeper); MB_SHARED_DIR names the `shared` folder outright.
Tests that need them are skipped, saying why, where they are absent.
"""

from __future__ import annotations

import functools
import io
import os
import zipfile
from pathlib import Path

import pytest

from movies.demo import demo_catalog_read
from movies.models import Movie

REPO = Path(__file__).resolve().parents[2]
_SUBDIR = Path("data") / "imports"


def _find_imports_dir() -> Path | None:
    candidates = [Path(os.environ["MB_SHARED_DIR"]) / _SUBDIR] if os.environ.get("MB_SHARED_DIR") else []
    candidates += [folder / "shared" / _SUBDIR for folder in (REPO.parent, *REPO.parent.parents)]
    return next((path for path in candidates if path.is_dir()), None)


IMPORTS_DIR = _find_imports_dir()
needs_files = pytest.mark.skipif(
    IMPORTS_DIR is None,
    reason="the real export files (shared/data/imports beside the checkout, or MB_SHARED_DIR) are not here",
)


def shared(relative: str) -> Path:
    assert IMPORTS_DIR is not None
    return IMPORTS_DIR / relative


def zip_of(folder: Path, *, prefix: str = "") -> bytes:
    """An export zip of a folder's CSVs (as Letterboxd lays them out), built in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*.csv")):
            archive.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def _demo_films() -> dict[str, list[dict]]:
    films: dict[str, list[dict]] = {}
    for film in demo_catalog_read()["movies"]:
        films.setdefault(film["title"], []).append(film)
        if film.get("imdb_id"):
            films.setdefault(film["imdb_id"], []).append(film)
    return films


def demo_movies(*names: str) -> list[Movie]:
    """Mirror the demo catalog's films with these titles (every film of the title) or IMDb ids."""
    rows = {}
    for name in names:
        for film in _demo_films()[name]:
            rows[film["tmdb_id"]] = Movie(
                tmdb_id=film["tmdb_id"],
                imdb_id=film.get("imdb_id") or "",
                title=film["title"],
                release_date=film.get("release_date"),
                popularity=film.get("popularity") or 0,
                vote_count=film.get("vote_count") or 0,
                source=Movie.Source.DEMO,
            )
    return Movie.objects.bulk_create(rows.values())

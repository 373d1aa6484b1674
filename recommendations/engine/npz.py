"""Arrays to bytes and back as an npz archive (no pickle), compressed fast: the index's build artifacts are
hundreds of megabytes at a million movies, where numpy's default compression level costs more than the
bytes it saves on the way to the database."""

from __future__ import annotations

import io
import zipfile

import numpy as np
from numpy.lib import format as npy_format


def to_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                npy_format.write_array(member, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def load(payload: bytes):
    """The archive's arrays (a context manager, as np.load returns)."""
    return np.load(io.BytesIO(payload), allow_pickle=False)

"""A pandas DataFrame as a survey: the same grid of cells a file gives, with the column
names as the header row (row 1), so every check and problem place works unchanged."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

from ddci_cli.io.read import Grid

FRAME_NAME = "<DataFrame>"


def is_frame(value: Any) -> bool:
    """True for a pandas DataFrame (checked by shape, so pandas is not imported for files)."""
    return hasattr(value, "columns") and hasattr(value, "to_numpy") and hasattr(value, "iloc")


def frame_grid(frame) -> tuple[Grid, np.ndarray]:
    """The grid of ``frame``: row 1 the column names (as text), then one row per frame row;
    missing values (NaN, None, NA, NaT) are blank cells, numpy scalars Python numbers."""
    header = [str(c) for c in frame.columns]
    body = frame.to_numpy(dtype=object, na_value=None)
    obj = np.empty((len(body) + 1, len(header)), dtype=object)
    obj[0] = header
    if len(body):
        obj[1:] = [[_cell(v) for v in row] for row in body]
    return Grid(FRAME_NAME, None, obj), obj


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def frame_sha256(frame) -> str:
    """A fingerprint of the frame's names and values (recorded like a file's SHA-256)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    digest.update(frame.to_csv(index=False).encode("utf-8"))
    return digest.hexdigest()

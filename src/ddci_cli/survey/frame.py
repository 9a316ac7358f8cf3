"""A pandas DataFrame as a survey: the same grid of cells a file gives, with the column
names as the header row (row 1), so every check and problem place works unchanged."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from ddci_cli.io.read import Grid

FRAME_NAME = "<DataFrame>"


def is_frame(value: Any) -> bool:
    """True for a pandas DataFrame (checked by shape, so pandas is not imported for files)."""
    return hasattr(value, "columns") and hasattr(value, "to_numpy") and hasattr(value, "iloc")


def frame_grid(frame) -> tuple[Grid, np.ndarray]:
    """The grid of ``frame``: row 1 the column names (as text), then one row per frame row;
    missing values (NaN, None, NA, NaT) are blank cells. Numbers stay numbers, so nothing
    is re-parsed from text."""
    import pandas as pd

    header = [str(c) for c in frame.columns]
    obj = np.empty((len(frame) + 1, len(header)), dtype=object)
    obj[0] = header
    for j in range(len(header)):  # column by column: one boxed copy of a column at a time
        column = frame.iloc[:, j].to_numpy(dtype=object)
        column[pd.isna(column)] = None
        obj[1:, j] = column
    return Grid(FRAME_NAME, None, obj), obj


def frame_sha256(frame) -> str:
    """A fingerprint of the frame's column names and values (recorded like a file's
    SHA-256): SHA-256 over pandas' per-row value hashes, so no text copy of the frame."""
    import pandas as pd

    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()

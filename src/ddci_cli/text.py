"""Text comparison rules shared by column, unit, block and missing-code matching (SPEC §2)."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def display_text(value: object) -> str:
    """NFC, trimmed, inner whitespace collapsed: how a name is shown. A whole number read
    from a workbook as a float (unit code 101.0) is shown as 101."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACE.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def match_key(value: object) -> str:
    """The comparison key: NFC, trimmed, whitespace collapsed, case-folded."""
    return unicodedata.normalize("NFC", display_text(value).casefold())


def keys_of(cells, key=match_key):
    """``key`` applied once per distinct cell value of an array (blank for None/NaN): a
    50,000-row unit column has a few dozen distinct names, not 50,000."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(cells, dtype=object))
    table = np.array([key(u) for u in uniques] + [""], dtype=object)
    return table[codes]

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
    """The comparison key: NFC, invisible format characters (Unicode category Cf: zero-width
    space and joiners, word joiner, BOM, soft hyphen, bidi controls) removed, trimmed,
    whitespace collapsed, case-folded; so a name with a zero-width space typed into it is
    the same name (SPEC §2 "Units", "Column names")."""
    if isinstance(value, str):  # numbers (a unit code 101.0) carry no format characters
        value = strip_format(value)
    return unicodedata.normalize("NFC", display_text(value).casefold())


# Every code point of Unicode category Cf lies in these ranges (tests/test_units.py checks
# it against the running Python's unicodedata); a text with none of them is returned by one
# regex search, without a look at each character.
_MAYBE_FORMAT = re.compile("[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2"
                           "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
                           "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001345f"
                           "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
                           "\U000e0000-\U000e007f]")


def strip_format(text: str) -> str:
    """``text`` without Unicode category Cf characters (zero-width space, BOM, …)."""
    if text.isascii() or not _MAYBE_FORMAT.search(text):
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def keys_of(cells, key=match_key):
    """``key`` applied once per distinct cell value of an array (blank for None/NaN): a
    50,000-row unit column has a few dozen distinct names, not 50,000."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(cells, dtype=object))
    table = np.array([key(u) for u in uniques] + [""], dtype=object)
    return table[codes]

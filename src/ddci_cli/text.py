"""Text comparison rules shared by column, unit, block and missing-code matching (SPEC §2)."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def display_text(value: object) -> str:
    """NFC, trimmed, inner whitespace collapsed: how a name is shown. A whole number read
    from a workbook as a float (unit code 101.0) is shown as 101."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # str.split() splits at the characters re's \s matches (str.isspace): the same as
    # _SPACE.sub(" ", text).strip(), in a third of the time
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def display_texts(values: list) -> list:
    """:func:`display_text` of each of ``values``. When all are texts in NFC (500,000 ids
    like ``DN123``), one look at all of them joined (by a character that composes with
    nothing) tells, and only the texts that hold whitespace are left to change, found
    by one look at the joined text's bytes."""
    if set(map(type, values)) <= {str}:
        joined = "\x00".join(values)
        if unicodedata.is_normalized("NFC", joined):  # so is each of them
            out = list(values)
            if any(c in joined for c in WHITESPACE):  # the texts that hold some
                found = _holding_space(joined, len(values))
                if found is None:  # by where each text ends in ``joined``
                    import numpy as np

                    spaces = [m.start() for m in _SPACE.finditer(joined)]
                    ends = np.cumsum(np.fromiter(map(len, values), np.intp, len(values)) + 1)
                    found = set(np.searchsorted(ends, spaces, side="right").tolist())
                for k in found:
                    out[k] = " ".join(out[k].split())
            return out
    return [display_text(v) for v in values]


# what str.isspace() (so str.split() and re's \s) takes for whitespace; ASCII first
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
              "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _holding_space(joined: str, count: int) -> list[int] | set[int] | None:
    """The indices of the ``count`` texts NUL-joined in ``joined`` that hold whitespace
    (a regex search of 500,000 ids took 0.13 s); None when a text holds a NUL. A few
    spaces (a header "Mã DN" above the ids) are found by ``str.find``, many by one look
    at the UTF-8 bytes, where an ASCII space or NUL is a byte of its own."""
    import numpy as np

    if joined.count("\x00") != count - 1:
        return None
    present = [c for c in WHITESPACE if c in joined]
    if sum(joined.count(c) for c in present) <= 1000:
        spots = []
        for c in present:
            at = joined.find(c)
            while at >= 0:
                spots.append(at)
                at = joined.find(c, at + 1)
        found, index, start = set(), 0, 0
        for at in sorted(spots):  # the NULs before a space: the index of its text
            index += joined.count("\x00", start, at)
            start = at
            found.add(index)
        return found
    if any(ord(c) > 127 for c in present):
        return None
    data = np.frombuffer(joined.encode("utf-8", "surrogatepass"), np.uint8)
    table = np.zeros(256, bool)
    table[[ord(c) for c in WHITESPACE[:10]]] = True
    where = np.searchsorted(np.flatnonzero(data == 0), np.flatnonzero(table[data]))
    return np.unique(where).tolist()


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

    codes, uniques = factorize(np.asarray(cells, dtype=object))
    table = np.array([key(u) for u in uniques] + [""], dtype=object)
    return table[codes]


# cell types whose nulls are None and float NaN only; any other type is asked pandas.isna
_PLAIN = frozenset({str, int, float, bool, _dt.datetime, _dt.date, _dt.time, _dt.timedelta})


class _FirstSeen(dict):
    """Value → 0-based number in order of first appearance, numbered on first lookup."""

    __slots__ = ()

    def __missing__(self, key):
        code = self[key] = len(self)
        return code


def factorize(values, use_na_sentinel: bool = True):
    """``pandas.factorize`` of a 1-D object array without importing pandas: (codes, uniques)
    in order of first appearance, values that compare equal (1, 1.0 and True) one unique,
    the first one seen. Nulls (None, NaN) get code -1, or with ``use_na_sentinel=False``
    one NaN unique at the place of the first null. One pass of C-level dict lookups (about
    1.4× pandas' time on a workbook's cells, less than importing pandas); arrays of other
    dtypes go to pandas."""
    import numpy as np

    values = np.asarray(values)
    if values.dtype != object:
        import pandas as pd

        return pd.factorize(values, use_na_sentinel=use_na_sentinel)
    seen = _FirstSeen()
    codes = np.fromiter(map(seen.__getitem__, values.tolist()), dtype=np.intp,
                        count=len(values))
    remap = np.empty(len(seen), dtype=np.intp)
    uniques: list = []
    null_code = -1
    for k, key in enumerate(seen):
        if _is_null(key):
            if not use_na_sentinel and null_code < 0:
                null_code = len(uniques)
                uniques.append(np.nan)
            remap[k] = null_code
        else:
            remap[k] = len(uniques)
            uniques.append(key)
    if len(uniques) < len(seen):
        codes = remap[codes]
    return codes, np.fromiter(uniques, dtype=object, count=len(uniques))


def factorize_codes(codes, uniques, use_na_sentinel: bool = True, distinct: bool = False):
    """:func:`factorize` of ``uniques[codes]`` without making that array: ``uniques`` an
    object array (values may repeat, compare equal or be null), ``codes`` integers into
    it, one per cell. Codes in order of first appearance among the cells, as there; of
    values that compare equal, the first in ``uniques`` stands for them all.
    ``distinct``: the caller knows that no two are equal and none is null (500,000 ids
    are not hashed again)."""
    import numpy as np

    codes = np.asarray(codes)
    if distinct and len(codes) and codes[0] == 0:
        top = np.maximum.accumulate(codes)
        if (np.diff(top) <= 1).all():  # already numbered in order of first appearance
            return codes.astype(np.intp), np.asarray(uniques, dtype=object)[:int(top[-1]) + 1]
    if distinct:
        merged, values = np.arange(len(uniques)), np.asarray(uniques, dtype=object)
    else:
        merged, values = factorize(uniques, use_na_sentinel)  # equal values: one code
    n = len(codes)
    first = first_cells(codes, len(uniques))
    at = np.full(len(values) + 1, n, np.intp)  # first cell of each value (+ the nulls)
    np.minimum.at(at, merged, first)
    opens = np.zeros(n, bool)  # the cells where a value first appears, in their order
    opens[at[:-1][at[:-1] < n]] = True
    order = merged[codes[np.flatnonzero(opens)]]
    rank = np.full(len(values) + 1, -1, np.intp)  # index -1: the nulls
    rank[order] = np.arange(len(order))
    return rank[merged][codes], values[order]


def first_cells(codes, count: int):
    """The position of the first cell of each of ``count`` values in ``codes`` (integers
    below ``count``), ``len(codes)`` for a value no cell has."""
    import numpy as np

    n = len(codes)
    first = np.full(count, n, np.intp)
    np.minimum.at(first, codes, np.arange(n))
    return first


def _is_null(value) -> bool:
    kind = type(value)
    if kind is float:
        return value != value
    if value is None:
        return True
    if kind in _PLAIN:
        return False
    import pandas as pd

    return bool(pd.isna(value))

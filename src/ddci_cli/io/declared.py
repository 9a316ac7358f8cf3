"""Counts a workbook's XML declares, read the way an XML parser reads them, and the
limits they must respect before python-calamine sizes anything from them.

python-calamine reserves memory from a few declared numbers before it reads what they
count: a shared-string table's ``uniqueCount`` (a 24-byte slot per declared text: a
5.8 kB file declaring four billion aborts the process), and OpenDocument's
``number-rows-repeated`` / ``number-columns-repeated`` (rows and cells it expands).
Other counts were tried and are not pre-allocated from (``count`` of the shared strings,
``<dimension ref>``, row ``spans``, ``<mergeCells count>``, the style tables' counts).

An attribute may be written in any spelling XML allows: single or double quotes,
white space around ``=``, any namespace prefix, character references (``&#52;``), a
leading ``+`` or zeros. Every spelling is read here, so none slips past a limit.
"""

from __future__ import annotations

import re

from ddci_cli.io.memory import RUST_STRING_BYTES, available_bytes, describe

MIN_SHARED_STRING_BYTES = 9   # "<si></si>": the least XML one shared text can take
HUGE = 10**15                 # any count with more digits is taken as this
_CHAR_REF = re.compile(rb"&#(?:x([0-9A-Fa-f]{1,8})|([0-9]{1,10}));")
_ENTITIES = {b"&lt;": b"<", b"&gt;": b">", b"&amp;": b"&", b"&quot;": b'"', b"&apos;": b"'"}
_ENTITY = re.compile(rb"&(?:lt|gt|amp|quot|apos);")


def attribute(local: bytes) -> re.Pattern:
    """A pattern for the attribute whose local name is ``local`` (any prefix, quotes
    and white space); group 1 or 2 holds the raw value."""
    return re.compile(rb"(?<![\w.:-])(?:[\w.-]+:)?" + re.escape(local)
                      + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def unescape(raw: bytes) -> bytes:
    """An attribute value as a parser gives it: character and predefined entity
    references replaced (an invalid character reference is left as it is)."""
    def char(m: re.Match) -> bytes:
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        try:
            return chr(code).encode("utf-8")
        except (ValueError, OverflowError):
            return m.group(0)
    if b"&" not in raw:
        return raw
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], _CHAR_REF.sub(char, raw))


def value(match: re.Match) -> bytes:
    """The unescaped value of an :func:`attribute` match."""
    raw = match.group(1) if match.group(1) is not None else match.group(2)
    return unescape(raw)


def count(raw: bytes, default: int = 1) -> int:
    """A declared count as a reader would take it: white space, a leading ``+`` and
    zeros allowed; a number too long to matter is :data:`HUGE`; anything else
    ``default``."""
    text = raw.strip()
    if text[:1] == b"+":
        text = text[1:]
    if not text.isdigit():
        return default
    text = text.lstrip(b"0") or b"0"
    return HUGE if len(text) > 15 else int(text)


def counts(pattern: re.Pattern, text: bytes) -> list[int]:
    """Every count ``pattern`` (from :func:`attribute`) finds in ``text``."""
    return [count(value(m)) for m in pattern.finditer(text)]


UNIQUE_COUNT = attribute(b"uniqueCount")
TAG_NAME = re.compile(rb"<([\w.:-]+)")


def root_local_name(tag: bytes) -> bytes:
    """``b"sst"`` for a root start tag ``<x:sst …``."""
    m = TAG_NAME.match(tag)
    return m.group(1).rsplit(b":", 1)[-1] if m else b""


def shared_strings_problem(root_tag: bytes, size: int) -> str | None:
    """Why a shared-string table is refused, or None. ``root_tag``: its ``<sst …>`` start
    tag; ``size``: the bytes its XML really inflates to. The reader reserves
    :data:`~ddci_cli.io.memory.RUST_STRING_BYTES` per declared text before reading one,
    so a declaration whose reservation does not fit in the memory left is refused: a
    file that lies cannot be read, and one that does not is too large for this machine."""
    m = UNIQUE_COUNT.search(root_tag)
    if m is None:
        return None
    declared = count(value(m), default=0)
    reserve = declared * RUST_STRING_BYTES
    room = available_bytes()
    if reserve <= room:
        return None
    most = size // MIN_SHARED_STRING_BYTES
    truth = (f"; its {size:,} bytes of XML hold at most {most:,}, so the count is false"
             if declared > most else "")
    return (f"declares {declared:,} distinct texts (uniqueCount), for which the reader "
            f"would reserve {describe(reserve)} before reading one, and this process has "
            f"about {describe(room)} of memory left{truth}")

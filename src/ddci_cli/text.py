"""Text comparison rules shared by column, unit, block and missing-code matching (SPEC §2)."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def display_text(value: object) -> str:
    """NFC, trimmed, inner whitespace collapsed: how a name is shown."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def match_key(value: object) -> str:
    """The comparison key: NFC, trimmed, whitespace collapsed, case-folded."""
    return unicodedata.normalize("NFC", display_text(value).casefold())

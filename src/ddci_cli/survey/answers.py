"""Answers written as labels (SPEC §2 "Answers as text"): ``Có``, ``4 - Đồng ý``.

Online-survey exports write a choice's label (or its XML value) where a field team types
the code. ``[answers]`` maps texts to codes for every indicator; an indicator's own
``answers`` table replaces it for that indicator; ``input.leading_code`` reads a text that
starts with a number followed by `` - ``, ``.``, ``)`` or ``:`` as that number. Texts are
compared like text missing codes (:func:`ddci_cli.text.match_key`). Mapping is step 2 of
the cell rules, after the text missing codes and before numeric parsing, so a mapped code
still meets the numeric missing codes and the ``valid`` range.
"""

from __future__ import annotations

import re

from ddci_cli.method.model import Indicator, Method
from ddci_cli.text import match_key

# a number, then " - " (or an en/em dash), "." or ")" or ":" and then a label. "." must be
# followed by a space or the end, so the decimal 4.5 is never read as 4; "-" needs a space
# on one side, so a range 4-5 is not read as 4
LEADING = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)(?:\s*[-–—]\s|\s+[-–—]|\.(?:\s|$)|\s*[):])")


def answer_map(method: Method, ind: Indicator) -> dict[str, float]:
    """Match key of each answer text → its code, for one indicator (its own table, else
    the method's ``[answers]``)."""
    pairs = ind.answers if ind.answers is not None else method.answers
    return {match_key(text): code for text, code in pairs}


def answer_texts(method: Method, ind: Indicator) -> list[str]:
    """The answer texts an indicator maps, as the method file spells them."""
    pairs = ind.answers if ind.answers is not None else method.answers
    return [text for text, _ in pairs]


def leading_code(text: str) -> float | None:
    """The number a label starts with (``4 - Đồng ý`` → 4.0, ``5. Rất tốt`` → 5.0), or
    None when it does not start with a number and one of `` - ``, ``.``, ``)``, ``:``."""
    found = LEADING.match(text)
    if found is None:
        return None
    return float(found.group(1).replace(",", "."))


def mapped(raw, answers: dict[str, float], leading: bool) -> float | None:
    """The code a text cell stands for, or None (not a text, or not mapped): the answers
    table first, then the leading number when ``leading``."""
    if not isinstance(raw, str):
        return None
    if answers:
        code = answers.get(match_key(raw))
        if code is not None:
            return code
    return leading_code(raw) if leading else None

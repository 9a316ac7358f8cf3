"""Look-alike unit names (SPEC §2 "Look-alike units"): which spellings are probably one
unit, and which listed name an unknown one is nearest to.

Two names look alike when
- their *loose keys* are equal (match key without diacritics or punctuation:
  ``Sở Tài chinh`` ~ ``Sở Tài chính``, ``Sở KH-ĐT`` ~ ``Sở KH&ĐT``);
- their loose keys are within a small edit distance (1 from 8 characters, 2 from 16; none
  below 8, where one letter is often the whole difference between two real units);
- one abbreviates the other word by word (``Sở KH&ĐT`` ~ ``Sở Kế hoạch và Đầu tư``,
  ``UBND quận Hải An`` ~ ``Ủy ban nhân dân quận Hải An``).
Names whose numbers differ (``Quận 1``, ``Quận 2``) never look alike.

Every step is near-linear in the number of names: equal keys by dictionary, initials by
dictionary, and edit distance only between names that share one of their rarest character
trigrams (prefix filtering: names within distance k share at least one of the k·3 + 1
rarest trigrams of each), checked exactly with a banded edit distance.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache

from ddci_cli.text import match_key

Q = 3  # trigram length of the candidate index
CONNECTORS = frozenset({"va", "and"})  # in loose keys: "&", "-", "/" are already spaces
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
# one Vietnamese syllable without diacritics: initial consonant(s), vowels, final consonant(s)
_SYLLABLE = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]+"
                       r"(ng|nh|ch|[cmnpt])?$")


@lru_cache(maxsize=1 << 16)
def loose_key(name: object) -> str:
    """Match key without diacritics (đ → d) and with punctuation as spaces."""
    text = unicodedata.normalize("NFD", match_key(name).replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", text).split())


def max_distance(length: int) -> int:
    """Edit distance allowed between two loose keys the shorter of which has ``length``."""
    return 0 if length < 8 else 1 if length < 16 else 2


@lru_cache(maxsize=1 << 16)
def initials(name: str) -> tuple[str, bool]:
    """(signature, whether the name abbreviates any word). The signature is the first
    letter of every word, all the letters of an abbreviation (a token that is not a
    Vietnamese syllable: ``UBND``, ``KH``, ``ĐT``, in any case), none of a connector (``và``,
    ``&``), without diacritics; numbers are kept whole (``Quận 1``: ``q1``)."""
    letters, abbreviated = [], False
    for token in loose_key(name).split():
        if token in CONNECTORS:
            continue
        if token.isdigit():
            letters.append(f"#{token}")
        elif _SYLLABLE.match(token):
            letters.append(token[0])
        else:
            letters.append(token)
            abbreviated = True
    return "".join(letters), abbreviated


def within(a: str, b: str, k: int) -> bool:
    """Levenshtein distance of ``a`` and ``b`` ≤ ``k``. Common ends are stripped (they do
    not change the distance), then a band of width 2k+1 is filled (O(k·len))."""
    if abs(len(a) - len(b)) > k:
        return False
    i, n = 0, min(len(a), len(b))
    while i < n and a[i] == b[i]:
        i += 1
    a, b = a[i:], b[i:]
    j, n = 0, min(len(a), len(b))
    while j < n and a[-1 - j] == b[-1 - j]:
        j += 1
    if j:
        a, b = a[:-j], b[:-j]
    if not a or not b:
        return max(len(a), len(b)) <= k
    return _banded(a, b, k)


def _banded(a: str, b: str, k: int) -> bool:
    """The band of the edit-distance table; cells outside it, or above k, hold k + 1
    (|i − j| > k already means a distance above k). Stops at a row whose cells all
    exceed k."""
    big, m = k + 1, len(b)
    prev = [j if j <= k else big for j in range(m + 1)]
    for i in range(1, len(a) + 1):
        cur = [big] * (m + 1)
        if i <= k:
            cur[0] = i
        best, ca = cur[0], a[i - 1]
        for j in range(max(1, i - k), min(m, i + k) + 1):
            v = prev[j - 1] + (ca != b[j - 1])
            if prev[j] + 1 < v:
                v = prev[j] + 1
            if cur[j - 1] + 1 < v:
                v = cur[j - 1] + 1
            cur[j] = v if v < big else big
            if v < best:
                best = v
        if best > k:
            return False
        prev = cur
    return prev[m] <= k


def _edit_pairs(keys: list[str]) -> list[tuple[int, int]]:
    """Pairs (i, j) of distinct loose keys within :func:`max_distance` of each other.

    Positional prefix filtering: k edits destroy at most k·Q of a key's trigrams, and every
    other trigram reappears in the other key shifted by at most k. So with trigrams ordered
    by rarity (ties of one trigram kept together), two keys within distance k share a
    trigram among the k·Q + 1 rarest of each, at positions at most k apart. Only such
    candidates, of lengths at most k apart and sharing at least max(grams) − k·Q trigrams
    (the count filter, one set intersection), get the exact banded distance."""
    grams = [[(key[p:p + Q], p) for p in range(len(key) - Q + 1)] for key in keys]
    counted = [_numbered(gs) for gs in grams]
    df = Counter(g for gs in grams for g, _ in gs)
    postings: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    pairs = []
    for i, key in enumerate(keys):
        k = max_distance(len(key))
        if k == 0:
            continue
        prefix = _prefix(grams[i], df, k * Q + 1)
        candidates = set()
        for g, p in prefix:  # postings by (trigram, position, length): no scan of misses
            for pos in range(p - k, p + k + 1):
                for size in range(len(key) - k, len(key) + k + 1):
                    candidates.update(postings.get((g, pos, size), ()))
        for j in candidates:
            other = keys[j]
            limit = max_distance(min(len(key), len(other)))
            shared = len(counted[i] & counted[j])
            if shared >= max(len(grams[i]), len(grams[j])) - limit * Q and \
                    _same_numbers(key, other) and within(key, other, limit):
                pairs.append((j, i))
        for g, p in prefix:
            postings[g, p, len(key)].append(i)
    return pairs


def _numbered(grams: list[tuple[str, int]]) -> frozenset[tuple[str, int]]:
    """The trigrams as a set of (trigram, occurrence number): its intersections count a
    multiset's common trigrams."""
    seen: Counter = Counter()
    out = []
    for g, _ in grams:
        out.append((g, seen[g]))
        seen[g] += 1
    return frozenset(out)


def _prefix(grams: list[tuple[str, int]], df: Counter, size: int) -> list[tuple[str, int]]:
    """The ``size`` rarest (trigram, position) of a key, and every other position of the
    last trigram taken."""
    ordered = sorted(grams, key=lambda g: (df[g[0]], g[0]))
    end = size
    while 0 < end < len(ordered) and ordered[end][0] == ordered[end - 1][0]:
        end += 1
    return ordered[:end]


def _same_numbers(a: str, b: str) -> bool:
    return _DIGITS.findall(a) == _DIGITS.findall(b)


class _Groups:
    """Union-find over indices 0..n-1."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def lookalike_groups(names: list[str]) -> list[list[int]]:
    """Groups (of two or more indices into ``names``, in first-seen order) of names that
    probably denote one unit. ``names`` are display spellings of distinct match keys."""
    groups = _Groups(len(names))
    loose = [loose_key(n) for n in names]
    first_of: dict[str, int] = {}
    for i, key in enumerate(loose):
        if key:  # names of punctuation only ("?", "-") say nothing about each other
            groups.join(first_of.setdefault(key, i), i)
    distinct = list(first_of)
    for a, b in _edit_pairs(distinct):
        groups.join(first_of[distinct[a]], first_of[distinct[b]])
    _join_initials(names, loose, groups)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(names)):
        members[groups.find(i)].append(i)
    return [m for m in members.values() if len(m) > 1]


def _join_initials(names: list[str], loose: list[str], groups: _Groups) -> None:
    """Join each name to an abbreviation with the same initials (linked to the first
    abbreviation of its bucket, so a bucket costs linear time)."""
    buckets: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for i, name in enumerate(names):
        letters, abbreviated = initials(name)
        if len(letters) >= 3:
            buckets[letters].append((i, abbreviated))
    for bucket in buckets.values():
        abbreviations = [i for i, abbreviated in bucket if abbreviated]
        if abbreviations:
            for i, _ in bucket:
                groups.join(abbreviations[0], i)


class NameIndex:
    """The listed names (and aliases) of a ``[units]`` table, for "did you mean" hints
    answered in near-constant time per query."""

    def __init__(self, names: list[str], targets: list[str] | None = None):
        """``targets[i]`` is what a hit on ``names[i]`` suggests (its canonical name)."""
        self.targets = targets or names
        loose = [loose_key(n) for n in names]
        self.by_loose = {k: i for i, k in reversed(list(enumerate(loose)))}
        self.by_initials: dict[str, int] = {}
        self.grams = [_gram_set(key) for key in loose]
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(names):
            letters, _ = initials(name)
            if len(letters) >= 3:
                self.by_initials.setdefault(letters, i)
            for g in self.grams[i]:
                self.postings[g].append(i)

    def nearest(self, name: str, cutoff: float = 0.5) -> str | None:
        """The listed name ``name`` most probably means, or None: the same loose key, else
        the name it abbreviates, else among the names sharing most of its rarest trigrams
        the one with the highest Dice coefficient of trigram sets (0–1), if ≥ ``cutoff``."""
        key = loose_key(name)
        if key in self.by_loose:
            return self.targets[self.by_loose[key]]
        letters, abbreviated = initials(name)
        if abbreviated and letters in self.by_initials:
            return self.targets[self.by_initials[letters]]
        mine = _gram_set(key)
        rare = sorted(mine & self.postings.keys(), key=lambda g: (len(self.postings[g]), g))
        votes: Counter = Counter()
        for g in rare[:8]:
            votes.update(self.postings[g][:200])  # a trigram in every name tells nothing
        best, best_dice = None, cutoff
        for i, _ in votes.most_common(5):
            dice = 2 * len(mine & self.grams[i]) / (len(mine) + len(self.grams[i]))
            if dice > best_dice or (dice == best_dice and best is None):
                best, best_dice = i, dice
        return None if best is None else self.targets[best]


def _gram_set(key: str) -> frozenset[str]:
    return frozenset(key[j:j + Q] for j in range(len(key) - Q + 1))

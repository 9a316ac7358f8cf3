"""VCCI's published PCI 2013–2016, reproduced end to end through `ddci score --json`.

The survey ddci reads is the published table itself, ../shared/data/pci/pci_YYYY_subindices.csv
(province, the ten sub-indices, pci, rank, tier; the method uses only the sub-index columns).
The method is written into the test's temporary folder by tests/reference.py: ten
sub-indices (VCCI weights), normalisation "none", multiplier 10, decimals 4, six tiers cut
from the published pci values.

Each sub-index has one indicator holding the published score, so with "none" the
sub-index equals the published score and the composite is
10 · Σ W_k S_k / Σ W_k, which VCCI publishes as the PCI (SPEC §4).
"""

from __future__ import annotations

import csv
import re
import tomllib
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from reference import PCI_YEARS as YEARS
from reference import pci_survey, write_pci_method

# VCCI's sub-index weights (independent of the method writer, so a wrong method fails).
WEIGHTS = {
    "entry_costs": 5,
    "land_access": 5,
    "transparency": 20,
    "time_costs": 5,
    "informal_charges": 10,
    "policy_bias": 5,
    "proactivity": 5,
    "business_support": 20,
    "labor_training": 20,
    "legal_institutions": 5,
}
TIERS_BEST_TO_WORST = ["Rất tốt", "Tốt", "Khá", "Trung bình", "Tương đối thấp", "Thấp"]


def display_key(name: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name)).strip()


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def published(year: int) -> list[dict]:
    with pci_survey(year).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        out.append(
            {
                "province": r["province"],
                "sub": {k: float(r[k]) for k in WEIGHTS},
                "pci": float(r["pci"]),
                "rank": int(r["rank"]),
                "tier": r["tier"],
            }
        )
    return out


@pytest.mark.parametrize("year", YEARS)
def test_published_pci_is_the_weighted_mean_of_published_subindices(year):
    """Independent of ddci: the arithmetic the method relies on holds in the published data."""
    rows = published(year)
    assert len(rows) == 63
    assert len({display_key(r["province"]).casefold() for r in rows}) == 63
    w = np.array(list(WEIGHTS.values()), dtype=float)
    s = np.array([[r["sub"][k] for k in WEIGHTS] for r in rows])
    pci = np.array([r["pci"] for r in rows])
    recomputed = 10 * (s @ w) / w.sum()
    np.testing.assert_allclose(recomputed, pci, rtol=0, atol=1e-4)
    # Published ranks follow SPEC §4 with decimals = 4 (1 + number strictly larger).
    keys = [Decimal(repr(float(c))).quantize(Decimal("0.0001"), ROUND_HALF_UP) for c in recomputed]
    ranks = [1 + sum(k2 > k for k2 in keys) for k in keys]
    assert ranks == [r["rank"] for r in rows]
    # Tiers are contiguous bands of the composite (so fixed cut-offs exist).
    order = {t: i for i, t in enumerate(TIERS_BEST_TO_WORST)}
    by_pci = sorted(rows, key=lambda r: -r["pci"])
    tier_idx = [order[r["tier"]] for r in by_pci]
    assert tier_idx == sorted(tier_idx)


@pytest.mark.parametrize("year", YEARS)
def test_method_says_what_vcci_and_the_published_data_say(year, tmp_path):
    """The method written for the published table: VCCI's structure, tiers cut from the data."""
    rows = published(year)
    with pci_survey(year).open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header[0] == "province" and set(WEIGHTS) <= set(header)

    method = tomllib.loads(write_pci_method(year, tmp_path).read_text(encoding="utf-8"))
    assert method["input"]["unit_column"] == "province"
    assert method["normalization"]["method"] == "none"
    assert method["aggregation"]["multiplier"] == 10
    assert method["ranking"]["decimals"] == 4
    assert len(method["blocks"]) == 1
    assert {s["id"]: s["weight"] for s in method["subindices"]} == WEIGHTS
    for s in method["subindices"]:
        assert len(s["indicators"]) == 1
        assert s["indicators"][0]["column"] == s["id"]
    # Tier cut-offs: each tier's min lies strictly between the highest pci of the
    # tier below and the lowest pci of the tier itself.
    tiers = {nfc(t["label"]): t["min"] for t in method["tiers"]}
    assert list(tiers) == TIERS_BEST_TO_WORST
    for i, label in enumerate(TIERS_BEST_TO_WORST):
        in_tier = [r["pci"] for r in rows if r["tier"] == label]
        assert min(in_tier) > tiers[label]
        if i + 1 < len(TIERS_BEST_TO_WORST):
            below = [r["pci"] for r in rows if r["tier"] == TIERS_BEST_TO_WORST[i + 1]]
            assert max(below) < tiers[label]


@pytest.mark.parametrize("year", YEARS)
def test_ddci_score_reproduces_published_pci(ddci, year, tmp_path):
    rows = published(year)
    doc = ddci.score(pci_survey(year), write_pci_method(year, tmp_path))

    units = {display_key(u["unit"]): u for u in doc["units"]}
    assert len(doc["units"]) == 63
    assert set(units) == {display_key(r["province"]) for r in rows}
    assert not [p for p in doc.get("problems", []) if p.get("severity") == "error"]

    mismatches = []
    for r in rows:
        u = units[display_key(r["province"])]
        name = r["province"]
        assert u["status"] == "ok", (name, u["status"])
        assert u["responses"] == 1, name
        assert u["block"] == "province", name
        # sub-indices: "none" normalisation of a single indicator = the published score
        assert set(u["subindices"]) == set(WEIGHTS), name
        for k in WEIGHTS:
            assert u["subindices"][k] == pytest.approx(r["sub"][k], abs=1e-12), (name, k)
            ind = u["indicators"][f"{k}_score"]
            assert ind["n"] == 1, (name, k)
            assert ind["value"] == pytest.approx(r["sub"][k], abs=1e-12), (name, k)
            assert ind["score"] == pytest.approx(r["sub"][k], abs=1e-12), (name, k)
        if abs(u["composite"] - r["pci"]) > 1e-4:
            mismatches.append((name, "composite", u["composite"], r["pci"]))
        if u["rank"] != r["rank"]:
            mismatches.append((name, "rank", u["rank"], r["rank"]))
        if u["tier"] is None or nfc(u["tier"]) != nfc(r["tier"]):
            mismatches.append((name, "tier", u["tier"], r["tier"]))
    assert not mismatches, mismatches

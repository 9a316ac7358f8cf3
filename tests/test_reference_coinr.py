"""COINr's ASEM example (EU JRC), reproduced end to end through `ddci score --json`.

Published data (../shared/data/coinr_asem/, read in place):
  ASEM_iData.csv                   COINr 1.1.14 example data; this file, as published, is
                                   the survey ddci reads (uCode is the unit; the method
                                   names the 49 indicator columns, the rest is not used)
  ASEM_iMeta.csv                   COINr 1.1.14 example structure
  ASEM_coinr_minmax_amean.csv      COINr's own results: the 49 *normalised* indicators,
                                   the 8 pillars, Conn, Sust and Index (no rank column)
The method is written into the test's temporary folder from ASEM_iMeta.csv by
tests/reference.py: 8 pillars, iMeta weights/directions, minmax [0, 100], min_coverage 0,
pillar weights 0.1 (Conn) / 1/6 (Sust).

COINr's file has every level we compare (normalised indicators, pillars, Index); the
only expected value it lacks is the rank, which is derived here as 1 + the number of
countries with a strictly larger COINr Index (SPEC §4 rank rule; the Index values are
at least 3e-3 apart, so `decimals = 10` creates no ties).
"""

from __future__ import annotations

import csv
import math
import tomllib

import numpy as np
import pytest

from reference import asem_survey, shared_data, write_asem_method

TOL = 1e-9


def read_csv(name: str) -> list[dict[str, str]]:
    with shared_data("coinr_asem", name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def num(text: str) -> float:
    text = text.strip()
    return math.nan if text in ("", "NA") else float(text)


@pytest.fixture(scope="module")
def ref():
    meta = read_csv("ASEM_iMeta.csv")
    indicators = [m for m in meta if m["Type"] == "Indicator"]
    pillars = [m for m in meta if m["Type"] == "Aggregate" and m["Level"] == "2"]
    raw = {r["uCode"]: r for r in read_csv("ASEM_iData.csv")}
    coinr = {r["uCode"]: r for r in read_csv("ASEM_coinr_minmax_amean.csv")}
    return {
        "indicators": indicators,
        "pillars": pillars,
        "codes": list(coinr),
        "raw": {u: {m["iCode"]: num(raw[u][m["iCode"]]) for m in indicators} for u in coinr},
        "coinr": {u: {k: num(v) for k, v in row.items() if k not in ("uCode", "uName")}
                  for u, row in coinr.items()},
    }


def test_structure(ref):
    assert len(ref["indicators"]) == 49
    assert len(ref["pillars"]) == 8
    assert len(ref["codes"]) == 51
    assert {p["Parent"] for p in ref["pillars"]} == {"Conn", "Sust"}
    # COINr's file holds normalised indicators, pillars and the aggregates.
    cols = set(next(iter(ref["coinr"].values())))
    assert {m["iCode"] for m in ref["indicators"]} <= cols
    assert {p["iCode"] for p in ref["pillars"]} <= cols
    assert {"Conn", "Sust", "Index"} <= cols


def test_coinr_results_follow_the_stated_method(ref):
    """Independent of ddci (numpy): raw data + COINr's stated method = COINr's file.

    min-max to [0, 100] over the 51 countries with a value (NA left out), direction
    −1 reversed; pillar = iMeta-weighted mean of the available normalised indicators;
    Conn, Sust = mean of their pillars; Index = mean of Conn and Sust.
    """
    codes = ref["codes"]
    norm = {}
    for m in ref["indicators"]:
        x = np.array([ref["raw"][u][m["iCode"]] for u in codes])
        lo, hi = np.nanmin(x), np.nanmax(x)
        s = 100 * (x - lo) / (hi - lo) if m["Direction"] == "1" else 100 * (hi - x) / (hi - lo)
        c = np.array([ref["coinr"][u][m["iCode"]] for u in codes])
        assert np.array_equal(np.isnan(s), np.isnan(c)), m["iCode"]
        np.testing.assert_allclose(s, c, rtol=0, atol=TOL, equal_nan=True, err_msg=m["iCode"])
        norm[m["iCode"]] = s
    pil = {}
    for p in ref["pillars"]:
        kids = [m for m in ref["indicators"] if m["Parent"] == p["iCode"]]
        S = np.column_stack([norm[m["iCode"]] for m in kids])
        w = np.array([float(m["Weight"]) for m in kids])
        present = ~np.isnan(S)
        val = np.nansum(S * w, axis=1) / (present * w).sum(axis=1)
        c = np.array([ref["coinr"][u][p["iCode"]] for u in codes])
        np.testing.assert_allclose(val, c, rtol=0, atol=TOL, err_msg=p["iCode"])
        pil[p["iCode"]] = val
    conn = np.mean([pil[p["iCode"]] for p in ref["pillars"] if p["Parent"] == "Conn"], axis=0)
    sust = np.mean([pil[p["iCode"]] for p in ref["pillars"] if p["Parent"] == "Sust"], axis=0)
    for name, val in (("Conn", conn), ("Sust", sust), ("Index", (conn + sust) / 2)):
        c = np.array([ref["coinr"][u][name] for u in codes])
        np.testing.assert_allclose(val, c, rtol=0, atol=TOL, err_msg=name)
    # The ddci pillar weights (0.1 × 5 Conn, 1/6 × 3 Sust) give exactly COINr's Index.
    w = {"Conn": 0.1, "Sust": 1 / 6}
    comp = sum(w[p["Parent"]] * pil[p["iCode"]] for p in ref["pillars"]) / (5 * 0.1 + 3 / 6)
    np.testing.assert_allclose(comp, [ref["coinr"][u]["Index"] for u in codes], rtol=0, atol=TOL)


def test_method_says_what_imeta_says(ref, tmp_path):
    """The survey is ASEM_iData.csv itself; the method written from ASEM_iMeta.csv."""
    with asem_survey().open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    codes = [m["iCode"] for m in ref["indicators"]]
    assert "uCode" in header and set(codes) <= set(header)

    method = tomllib.loads(write_asem_method(tmp_path).read_text(encoding="utf-8"))
    assert method["input"]["unit_column"] == "uCode"
    assert method["normalization"] == {"method": "minmax", "range": [0, 100]}
    assert method["aggregation"]["min_coverage"] == 0
    assert method["aggregation"]["multiplier"] == 1
    assert len(method["blocks"]) == 1
    parent = {p["iCode"]: p["Parent"] for p in ref["pillars"]}
    subs = {s["id"]: s for s in method["subindices"]}
    assert set(subs) == set(parent)
    for sid, s in subs.items():
        assert s["weight"] == (0.1 if parent[sid] == "Conn" else 1 / 6), sid
    meta = {m["iCode"]: m for m in ref["indicators"]}
    seen = set()
    for sid, s in subs.items():
        for i in s["indicators"]:
            m = meta[i["id"]]
            assert i["column"] == m["iCode"]
            assert m["Parent"] == sid
            assert i["direction"] == {"1": "positive", "-1": "negative"}[m["Direction"]]
            assert i["weight"] == float(m["Weight"])
            seen.add(i["id"])
    assert seen == set(meta)


def test_ddci_score_reproduces_coinr(ddci, ref, tmp_path):
    doc = ddci.score(asem_survey(), write_asem_method(tmp_path))
    problems = doc.get("problems", [])
    assert not [p for p in problems if p.get("severity") == "error"], problems
    assert not [p for p in problems if p.get("code") == "constant_indicator"], problems

    units = {u["unit"]: u for u in doc["units"]}
    assert len(doc["units"]) == 51
    assert set(units) == set(ref["codes"])
    pillars = [p["iCode"] for p in ref["pillars"]]
    index = {u: ref["coinr"][u]["Index"] for u in ref["codes"]}

    bad = []
    for code in ref["codes"]:
        u = units[code]
        c = ref["coinr"][code]
        assert u["status"] == "ok", (code, u["status"])
        assert u["responses"] == 1, code
        assert u["block"] == "asem", code
        # indicators: raw value, COINr's normalised score, n; NA left out
        for m in ref["indicators"]:
            ic = m["iCode"]
            ind = u["indicators"][ic]
            raw = ref["raw"][code][ic]
            if math.isnan(c[ic]):
                assert math.isnan(raw)
                if not (ind["value"] is None and ind["score"] is None and ind["n"] == 0):
                    bad.append((code, ic, "NA expected", ind))
                continue
            if ind["n"] != 1 or ind["value"] is None or not math.isclose(ind["value"], raw, rel_tol=1e-12, abs_tol=1e-15):
                bad.append((code, ic, "value/n", ind, raw))
            if ind["score"] is None or abs(ind["score"] - c[ic]) > TOL:
                bad.append((code, ic, "score", ind["score"], c[ic]))
        # pillars = sub-indices
        assert set(u["subindices"]) == set(pillars), code
        for p in pillars:
            got = u["subindices"][p]
            if got is None or abs(got - c[p]) > TOL:
                bad.append((code, p, got, c[p]))
        # Index = composite
        if u["composite"] is None or abs(u["composite"] - c["Index"]) > TOL:
            bad.append((code, "Index", u["composite"], c["Index"]))
        want_rank = 1 + sum(v > index[code] for v in index.values())
        if u["rank"] != want_rank:
            bad.append((code, "rank", u["rank"], want_rank))
        assert u["tier"] is None, code  # the method has no tiers
    assert not bad, bad[:20]

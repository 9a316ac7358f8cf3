"""Hand-computed cases of SPEC §4, end to end through `ddci score --json`.

Every case writes a tiny survey (2–5 units, 2–3 respondents each) and a method file
to tmp_path, runs the `ddci` console script and compares with numbers worked out by
hand; the working is in the comment next to each literal.
"""

from __future__ import annotations

import csv
import json
import re
import textwrap
import unicodedata
from pathlib import Path

import pytest

APPROX = dict(rel=1e-12, abs=1e-12)


def display_key(name: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name)).strip()


def write_survey(path: Path, rows: list[list], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def score(ddci, tmp_path: Path, rows, method: str, *extra, delimiter=",", survey="survey.csv",
          expect_rc=0):
    s = write_survey(tmp_path / survey, rows, delimiter)
    m = tmp_path / "method.toml"
    m.write_text(textwrap.dedent(method), encoding="utf-8")
    doc = ddci.score(s, m, *extra, expect_rc=expect_rc)
    if expect_rc != 0:
        return doc, {}
    units = {display_key(u["unit"]): u for u in doc["units"]}
    assert len(units) == len(doc["units"]), "a unit is listed twice"
    return doc, units


def codes(doc) -> list[str]:
    return [p.get("code") for p in doc.get("problems", [])]


def errors(doc) -> list[dict]:
    return [p for p in doc.get("problems", []) if p.get("severity") == "error"]


ONE_BLOCK = """
[[blocks]]
id = "all"
label = "Tất cả"
label_en = "All"
"""


# --------------------------------------------------------------------------- mean


def test_weighted_mean_weight_zero_and_multiplier(ddci, tmp_path):
    rows = [
        ["Đơn vị", "Mã DN", "Trọng số", "Q1"],
        ["Sở A", "r1", 1, 2],
        ["Sở A", "r2", 3, 4],
        ["Sở B", "r3", 2, 5],
        ["Sở B", "r4", 2, 1],
        ["Sở B", "r5", 0, 3],  # weight 0: dropped from every statistic
    ]
    method = """
    [index]
    name = "mean"
    [input]
    unit_column = "Đơn vị"
    respondent_column = "Mã DN"
    weight_column = "Trọng số"
    min_responses = 1
    [normalization]
    method = "none"
    [aggregation]
    multiplier = 10
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k"
      [[subindices.indicators]]
      id = "q1"
      column = "Q1"
      statistic = "mean"
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    a, b = u["Sở A"], u["Sở B"]
    # Sở A: x = (1·2 + 3·4) / (1 + 3) = 14/4 = 3.5
    assert a["indicators"]["q1"]["value"] == pytest.approx(3.5, **APPROX)
    assert a["indicators"]["q1"]["n"] == 2
    assert a["indicators"]["q1"]["score"] == pytest.approx(3.5, **APPROX)  # none: s = x
    assert a["subindices"]["k"] == pytest.approx(3.5, **APPROX)
    assert a["composite"] == pytest.approx(35.0, **APPROX)  # 10 × 3.5
    assert a["responses"] == 2
    # Sở B: r5 has weight 0 → x = (2·5 + 2·1) / (2 + 2) = 12/4 = 3.0, n = 2
    assert b["indicators"]["q1"]["value"] == pytest.approx(3.0, **APPROX)
    assert b["indicators"]["q1"]["n"] == 2
    assert b["responses"] == 2
    assert b["composite"] == pytest.approx(30.0, **APPROX)  # 10 × 3.0
    assert (a["rank"], b["rank"]) == (1, 2)
    assert a["status"] == b["status"] == "ok"
    assert a["block"] == b["block"] == "all"
    assert a["tier"] is None and b["tier"] is None  # no tiers in the method


# -------------------------------------------------------------------------- share


def test_share_of_share_range_and_min_indicator_responses(ddci, tmp_path):
    rows = [
        ["unit", "W", "C1", "C2"],
        ["P", 1, 5, 2],
        ["P", 1, 3, 3],
        ["P", 2, 4, 1],
        ["Q", 1, 1, 2.5],
        ["Q", 1, "4.0", 4],
        ["Q", 2, 2, 3],
        ["R", 1, 5, 3],
        ["R", 1, 4, None],
    ]
    method = """
    [index]
    name = "share"
    [input]
    unit_column = "unit"
    weight_column = "W"
    min_indicator_responses = 2
    [normalization]
    method = "none"
    [aggregation]
    multiplier = 1
    min_coverage = 0
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k"
      [[subindices.indicators]]
      id = "s1"
      column = "C1"
      statistic = "share"
      share_of = [4, 5]
      valid = [1, 5]
      [[subindices.indicators]]
      id = "s2"
      column = "C2"
      statistic = "share"
      share_range = [2, 3]
      valid = [1, 5]
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    P, Q, R = u["P"], u["Q"], u["R"]
    # s1 (share_of {4,5}): P answers 5(w1) 3(w1) 4(w2) → 100·(1+2)/4 = 75
    assert P["indicators"]["s1"]["value"] == pytest.approx(75.0, **APPROX)
    # s2 (share_range [2,3]): P answers 2(w1) 3(w1) 1(w2) → 100·(1+1)/4 = 50
    assert P["indicators"]["s2"]["value"] == pytest.approx(50.0, **APPROX)
    # s1: Q answers 1(w1) "4.0"(w1, equals 4) 2(w2) → 100·1/4 = 25 (outside S: denominator only)
    assert Q["indicators"]["s1"]["value"] == pytest.approx(25.0, **APPROX)
    # s2: Q answers 2.5(w1, in) 4(w1, out) 3(w2, in: inclusive) → 100·(1+2)/4 = 75
    assert Q["indicators"]["s2"]["value"] == pytest.approx(75.0, **APPROX)
    assert P["indicators"]["s1"]["n"] == Q["indicators"]["s2"]["n"] == 3
    # R: s1 answers 5, 4 → 100; s2 has one valid answer < min_indicator_responses 2 → missing
    assert R["indicators"]["s1"]["value"] == pytest.approx(100.0, **APPROX)
    assert R["indicators"]["s2"]["value"] is None
    assert R["indicators"]["s2"]["score"] is None
    assert R["indicators"]["s2"]["n"] == 1
    # sub-index = composite (multiplier 1): P (75+50)/2 = 62.5, Q (25+75)/2 = 50,
    # R only s1 present (min_coverage 0) → 100
    assert P["composite"] == pytest.approx(62.5, **APPROX)
    assert Q["composite"] == pytest.approx(50.0, **APPROX)
    assert R["subindices"]["k"] == pytest.approx(100.0, **APPROX)
    assert R["composite"] == pytest.approx(100.0, **APPROX)
    assert (R["rank"], P["rank"], Q["rank"]) == (1, 2, 3)


# -------------------------------------------------------------------- eligibility


def test_min_responses_eligibility(ddci, tmp_path):
    rows = [
        ["unit", "W", "Q1"],
        ["P", 1, 1],
        ["P", 1, 2],
        ["P", 1, 3],
        ["P", 1, None],  # no valid value for any indicator: not a response
        ["Q", 1, 3],
        ["Q", 1, 4],
        ["Q", 1, 5],
        ["R", 1, 10],
        ["R", 1, 10],
        ["R", 0, 10],  # weight 0: not a response
    ]
    method = """
    [index]
    name = "eligibility"
    [input]
    unit_column = "unit"
    weight_column = "W"
    min_responses = 3
    [normalization]
    method = "minmax"
    range = [0, 100]
    [aggregation]
    multiplier = 1
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k"
      [[subindices.indicators]]
      id = "q1"
      column = "Q1"

    [[tiers]]
    label = "Cao"
    min = 50
    [[tiers]]
    label = "Thấp"
    min = 0
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    P, Q, R = u["P"], u["Q"], u["R"]
    assert (P["responses"], Q["responses"], R["responses"]) == (3, 3, 2)
    # R (2 < 3 responses) is not eligible: value and n kept, everything else null
    assert R["status"] == "insufficient_responses"
    assert R["indicators"]["q1"]["value"] == pytest.approx(10.0, **APPROX)
    assert R["indicators"]["q1"]["n"] == 2
    assert R["indicators"]["q1"]["score"] is None
    assert R["subindices"] == {"k": None}
    assert R["composite"] is None and R["rank"] is None and R["tier"] is None
    # min-max over the eligible units only: m = 2 (P), M = 4 (Q); R's 10 takes no part
    # P: 100·(2−2)/(4−2) = 0; Q: 100·(4−2)/(4−2) = 100
    assert P["indicators"]["q1"]["value"] == pytest.approx(2.0, **APPROX)  # (1+2+3)/3
    assert P["indicators"]["q1"]["score"] == pytest.approx(0.0, **APPROX)
    assert Q["indicators"]["q1"]["score"] == pytest.approx(100.0, **APPROX)
    assert P["composite"] == pytest.approx(0.0, **APPROX)
    assert Q["composite"] == pytest.approx(100.0, **APPROX)
    assert (Q["rank"], P["rank"]) == (1, 2)
    assert (Q["tier"], P["tier"]) == ("Cao", "Thấp")
    assert P["status"] == Q["status"] == "ok"


# ------------------------------------------------------------------ normalisation


def test_minmax_positive_negative_constant(ddci, tmp_path):
    rows = [
        ["unit", "A", "B", "C"],
        ["P", 1, 1, 3],
        ["P", 3, 1, 3],
        ["Q", 4, 2, 3],
        ["Q", 4, 2, 3],
        ["R", 5, 4, 3],
        ["R", 7, 6, 3],
    ]
    method = """
    [index]
    name = "minmax"
    [input]
    unit_column = "unit"
    [normalization]
    method = "minmax"
    range = [1, 10]
    [aggregation]
    multiplier = 10
    [ranking]
    decimals = 2
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k"
      [[subindices.indicators]]
      id = "pos"
      column = "A"
      direction = "positive"
      weight = 2
      [[subindices.indicators]]
      id = "neg"
      column = "B"
      direction = "negative"
      weight = 1
      [[subindices.indicators]]
      id = "c_const"
      column = "C"
      weight = 1
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    P, Q, R = u["P"], u["Q"], u["R"]
    # pos: x = P 2, Q 4, R 6; s = 1 + 9(x−2)/4 → P 1, Q 5.5, R 10
    assert [v["indicators"]["pos"]["score"] for v in (P, Q, R)] == pytest.approx([1, 5.5, 10], **APPROX)
    # neg: x = P 1, Q 2, R 5; s = 1 + 9(5−x)/4 → P 10, Q 7.75, R 1
    assert [v["indicators"]["neg"]["score"] for v in (P, Q, R)] == pytest.approx([10, 7.75, 1], **APPROX)
    # constant (all 3): s = (1+10)/2 = 5.5, and a constant_indicator warning naming it
    assert [v["indicators"]["c_const"]["score"] for v in (P, Q, R)] == pytest.approx([5.5] * 3, **APPROX)
    const = [p for p in doc["problems"] if p.get("code") == "constant_indicator"]
    assert const, doc["problems"]
    assert all(p.get("severity") == "warning" for p in const)
    assert any("c_const" in json.dumps(p, ensure_ascii=False) or p.get("column") == "C" for p in const)
    # sub-index (weights 2,1,1): P (2·1+10+5.5)/4 = 4.375; Q (11+7.75+5.5)/4 = 6.0625;
    # R (20+1+5.5)/4 = 6.625; composite = 10 × sub-index
    assert [v["subindices"]["k"] for v in (P, Q, R)] == pytest.approx([4.375, 6.0625, 6.625], **APPROX)
    assert [v["composite"] for v in (P, Q, R)] == pytest.approx([43.75, 60.625, 66.25], **APPROX)
    assert [v["rank"] for v in (P, Q, R)] == [3, 2, 1]


def test_goalposts_clipping_negative_and_default_bounds(ddci, tmp_path):
    rows = [
        ["unit", "G1", "G2", "G3"],
        ["P", 1, 1, 1],
        ["P", 2, 2, 0],
        ["Q", 3, 2, 1],
        ["Q", 3, 4, 1],
        ["R", 5, 5, 0],
        ["R", 5, 4, 0],
    ]
    method = """
    [index]
    name = "goalposts"
    [input]
    unit_column = "unit"
    [normalization]
    method = "goalposts"
    range = [0, 100]
    [aggregation]
    multiplier = 1
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k1"
      [[subindices.indicators]]
      id = "g1"
      column = "G1"
      valid = [1, 5]
      goalposts = [2, 4]
    [[subindices]]
    id = "k2"
      [[subindices.indicators]]
      id = "g2"
      column = "G2"
      valid = [1, 5]
      direction = "negative"
    [[subindices]]
    id = "k3"
      [[subindices.indicators]]
      id = "g3"
      column = "G3"
      statistic = "share"
      share_of = [1]
      valid = [0, 1]
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    P, Q, R = u["P"], u["Q"], u["R"]
    # g1, goalposts [2,4]: x = P 1.5 → clipped to 2 → 0; Q 3 → 100·1/2 = 50; R 5 → clipped 4 → 100
    assert [v["indicators"]["g1"]["value"] for v in (P, Q, R)] == pytest.approx([1.5, 3, 5], **APPROX)
    assert [v["indicators"]["g1"]["score"] for v in (P, Q, R)] == pytest.approx([0, 50, 100], **APPROX)
    # g2, negative, bounds = valid [1,5]: x = P 1.5, Q 3, R 4.5; s = 100(5−x)/4 → 87.5, 50, 12.5
    assert [v["indicators"]["g2"]["score"] for v in (P, Q, R)] == pytest.approx([87.5, 50, 12.5], **APPROX)
    # g3, share → bounds [0,100]: x = P 50, Q 100, R 0; s = x
    assert [v["indicators"]["g3"]["value"] for v in (P, Q, R)] == pytest.approx([50, 100, 0], **APPROX)
    assert [v["indicators"]["g3"]["score"] for v in (P, Q, R)] == pytest.approx([50, 100, 0], **APPROX)
    # composite = mean of the three: P 137.5/3, Q 200/3, R 112.5/3
    assert [v["composite"] for v in (P, Q, R)] == pytest.approx(
        [45.833333333333336, 66.66666666666667, 37.5], **APPROX
    )
    assert [v["rank"] for v in (P, Q, R)] == [2, 1, 3]


def test_zscore_sample_sd(ddci, tmp_path):
    rows = [
        ["unit", "Z1", "Z2"],
        ["P", 0, 12],
        ["P", 2, 14],
        ["Q", 3, 15],
        ["Q", 3, 15],
        ["R", 4, 1],
        ["R", 6, 3],
    ]
    method = """
    [index]
    name = "zscore"
    [input]
    unit_column = "unit"
    [normalization]
    method = "zscore"
    zscore = [50, 14]
    [aggregation]
    multiplier = 1
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k1"
      [[subindices.indicators]]
      id = "z1"
      column = "Z1"
    [[subindices]]
    id = "k2"
      [[subindices.indicators]]
      id = "z2"
      column = "Z2"
      direction = "negative"
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    P, Q, R = u["P"], u["Q"], u["R"]
    # z1: x = 1, 3, 5; mean 3; sample sd = √((4+0+4)/2) = 2; s = 50 + 14(x−3)/2 → 36, 50, 64
    assert [v["indicators"]["z1"]["score"] for v in (P, Q, R)] == pytest.approx([36, 50, 64], **APPROX)
    # z2 (negative): x = 13, 15, 2; mean 10; sd = √((9+25+64)/2) = 7; s = 50 − 14(x−10)/7 → 44, 40, 66
    assert [v["indicators"]["z2"]["score"] for v in (P, Q, R)] == pytest.approx([44, 40, 66], **APPROX)
    # composite: P (36+44)/2 = 40, Q (50+40)/2 = 45, R (64+66)/2 = 65
    assert [v["composite"] for v in (P, Q, R)] == pytest.approx([40, 45, 65], **APPROX)
    assert [v["rank"] for v in (P, Q, R)] == [3, 2, 1]


def test_rank_normalisation_average_ties(ddci, tmp_path):
    rows = [
        ["unit", "R1", "R2", "R3"],
        ["P", 1, 2, 0.1],
        ["P", 1, 2, 0.2],
        ["Q", 2, 5, 0.15],
        ["Q", 4, 5, 0.15],
        ["R", 3, 1, 0.3],
        ["R", 3, 1, 0.3],
        ["S", 7, 5, 0],
        ["S", 7, 5, 0],
    ]
    method = """
    [index]
    name = "rank"
    [input]
    unit_column = "unit"
    [normalization]
    method = "rank"
    range = [0, 100]
    [aggregation]
    multiplier = 1
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k1"
    weight = 1
      [[subindices.indicators]]
      id = "r1"
      column = "R1"
    [[subindices]]
    id = "k2"
    weight = 2
      [[subindices.indicators]]
      id = "r2"
      column = "R2"
      direction = "negative"
    [[subindices]]
    id = "k3"
    weight = 3
      [[subindices.indicators]]
      id = "r3"
      column = "R3"
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    P, Q, R, S = u["P"], u["Q"], u["R"], u["S"]
    # r1: x = 1, 3, 3, 7 → ranks 1, 2.5, 2.5, 4; s = 100(r−1)/3 → 0, 50, 50, 100
    assert [v["indicators"]["r1"]["score"] for v in (P, Q, R, S)] == pytest.approx([0, 50, 50, 100], **APPROX)
    # r2 (negative): d·x = −2, −5, −1, −5 → ranks 3, 1.5, 4, 1.5 → 200/3, 50/3, 100, 50/3
    assert [v["indicators"]["r2"]["score"] for v in (P, Q, R, S)] == pytest.approx(
        [66.66666666666667, 16.666666666666668, 100, 16.666666666666668], **APPROX
    )
    # r3: x = (0.1+0.2)/2 = 0.15000000000000002 vs 0.15: equal to 10 significant digits → tie
    # x = 0.15, 0.15, 0.3, 0 → ranks 2.5, 2.5, 4, 1 → 50, 50, 100, 0
    assert P["indicators"]["r3"]["value"] == pytest.approx(0.15, rel=1e-12)
    assert [v["indicators"]["r3"]["score"] for v in (P, Q, R, S)] == pytest.approx([50, 50, 100, 0], **APPROX)
    # composite (weights 1, 2, 3): P (0 + 2·200/3 + 3·50)/6 = 425/9; Q (50 + 2·50/3 + 150)/6 = 350/9;
    # R (50 + 200 + 300)/6 = 275/3; S (100 + 2·50/3 + 0)/6 = 200/9
    assert [v["composite"] for v in (P, Q, R, S)] == pytest.approx(
        [47.22222222222222, 38.888888888888886, 91.66666666666667, 22.22222222222222], **APPROX
    )
    assert [v["rank"] for v in (P, Q, R, S)] == [2, 3, 1, 4]


@pytest.mark.parametrize(
    "norm, units, expected, constant_warning",
    [
        # zscore: a single unit gives μ = 50 (range ignored)
        ('method = "zscore"\nzscore = [50, 14]\nrange = [20, 60]', ["P"], 50.0, False),
        # zscore: a constant indicator gives μ for every unit
        ('method = "zscore"\nzscore = [50, 14]', ["P", "Q"], 50.0, False),
        # rank: N = 1 gives (a+b)/2 = (20+60)/2 = 40
        ('method = "rank"\nrange = [20, 60]', ["P"], 40.0, False),
        # minmax: one unit is a constant indicator: (20+60)/2 = 40, with a warning
        ('method = "minmax"\nrange = [20, 60]', ["P"], 40.0, True),
    ],
    ids=["zscore-single", "zscore-constant", "rank-single", "minmax-single"],
)
def test_degenerate_normalisation(ddci, tmp_path, norm, units, expected, constant_warning):
    rows = [["unit", "Q1"]]
    for name in units:
        rows += [[name, 2], [name, 4]]  # x = 3 for every unit
    method = f"""
[index]
name = "degenerate"
[input]
unit_column = "unit"
[normalization]
{norm}
[aggregation]
multiplier = 1
{ONE_BLOCK}
[[subindices]]
id = "k"
  [[subindices.indicators]]
  id = "q1"
  column = "Q1"
"""
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    for name in units:
        assert u[name]["indicators"]["q1"]["value"] == pytest.approx(3.0, **APPROX)
        assert u[name]["indicators"]["q1"]["score"] == pytest.approx(expected, **APPROX)
        assert u[name]["composite"] == pytest.approx(expected, **APPROX)
        assert u[name]["rank"] == 1
    if constant_warning:
        assert "constant_indicator" in codes(doc)


def test_none_with_negative_indicator_is_a_method_error(ddci, tmp_path):
    rows = [["unit", "Q1"], ["P", 1], ["P", 2], ["Q", 3], ["Q", 4]]
    method = """
    [index]
    name = "none-negative"
    [input]
    unit_column = "unit"
    [normalization]
    method = "none"
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k"
      [[subindices.indicators]]
      id = "q1"
      column = "Q1"
      direction = "negative"
    """
    doc, _ = score(ddci, tmp_path, rows, method, expect_rc=1)
    assert doc["ok"] is False
    assert errors(doc), doc


# -------------------------------------------------------------------- aggregation


# P: a=8 b=2 c=2; Q: a=1 b=9 c=9. k1 = {a w1, b w1} (W 2), k2 = {c} (W 1), normalisation none.
# k1 arithmetic: P (8+2)/2 = 5, Q (1+9)/2 = 5; geometric: P √(8·2) = 4, Q √(1·9) = 3. k2 = c.
AGG_CASES = {
    # composite arithmetic: (2·k1 + k2)/3
    ("arithmetic", "arithmetic"): ((5, 5), (4.0, 6.333333333333333)),  # (10+2)/3, (10+9)/3
    ("geometric", "arithmetic"): ((4, 3), (3.3333333333333335, 5.0)),  # (8+2)/3, (6+9)/3
    # composite geometric: k1^(2/3) · k2^(1/3)
    ("arithmetic", "geometric"): ((5, 5), (3.6840314986403864, 6.082201995573399)),  # ∛(25·2)=∛50, ∛(25·9)=∛225
    ("geometric", "geometric"): ((4, 3), (3.1748021039363987, 4.3267487109222245)),  # ∛(16·2)=2^(5/3), ∛(9·9)=3^(4/3)
}


@pytest.mark.parametrize("sub_agg, comp_agg", list(AGG_CASES), ids=lambda v: v[:5])
def test_arithmetic_and_geometric_aggregation(ddci, tmp_path, sub_agg, comp_agg):
    rows = [
        ["unit", "A", "B", "C"],
        ["P", 8, 2, 2],
        ["P", 8, 2, 2],
        ["Q", 1, 9, 9],
        ["Q", 1, 9, 9],
    ]
    # range = [1, 10] is irrelevant to "none" but keeps the geometric rule
    # (lower bound > 0) satisfied whatever the implementation checks.
    method = f"""
[index]
name = "aggregation"
[input]
unit_column = "unit"
[normalization]
method = "none"
range = [1, 10]
[aggregation]
subindex = "{sub_agg}"
composite = "{comp_agg}"
multiplier = 1
{ONE_BLOCK}
[[subindices]]
id = "k1"
weight = 2
  [[subindices.indicators]]
  id = "a"
  column = "A"
  [[subindices.indicators]]
  id = "b"
  column = "B"
[[subindices]]
id = "k2"
weight = 1
  [[subindices.indicators]]
  id = "c"
  column = "C"
"""
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    (k1p, k1q), (cp, cq) = AGG_CASES[(sub_agg, comp_agg)]
    P, Q = u["P"], u["Q"]
    assert P["subindices"] == pytest.approx({"k1": k1p, "k2": 2}, **APPROX)
    assert Q["subindices"] == pytest.approx({"k1": k1q, "k2": 9}, **APPROX)
    assert P["composite"] == pytest.approx(cp, **APPROX)
    assert Q["composite"] == pytest.approx(cq, **APPROX)
    assert (P["rank"], Q["rank"]) == (2, 1)


def test_min_coverage_null_subindex_and_incomplete(ddci, tmp_path):
    rows = [["unit", "A", "B", "C", "D"]]
    data = {
        "P": [2, 4, 6, 2],
        "Q": [None, 4, 6, None],
        "R": [1, 3, 2, 6],
        "S": [5, 5, None, 4],
    }
    for name, vals in data.items():
        rows += [[name, *vals], [name, *vals]]
    method = """
    [index]
    name = "coverage"
    [input]
    unit_column = "unit"
    [normalization]
    method = "none"
    [aggregation]
    multiplier = 1
    min_coverage = 0.6
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k1"
    weight = 1
      [[subindices.indicators]]
      id = "a"
      column = "A"
      weight = 1
      [[subindices.indicators]]
      id = "b"
      column = "B"
      weight = 1
    [[subindices]]
    id = "k2"
    weight = 3
      [[subindices.indicators]]
      id = "c"
      column = "C"
      weight = 3
      [[subindices.indicators]]
      id = "d"
      column = "D"
      weight = 1

    [[tiers]]
    label = "Đạt"
    min = 0
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    P, Q, R, S = u["P"], u["Q"], u["R"], u["S"]
    # P: k1 = (2+4)/2 = 3; k2 = (3·6 + 1·2)/4 = 5; C = (1·3 + 3·5)/4 = 4.5
    assert P["subindices"] == pytest.approx({"k1": 3, "k2": 5}, **APPROX)
    assert P["composite"] == pytest.approx(4.5, **APPROX)
    # Q: k1 has weight 1/2 = 0.5 < 0.6 present → null; k2 has 3/4 ≥ 0.6 → c = 6;
    #    composite has 3/4 ≥ 0.6 of the weight → 6
    assert Q["subindices"]["k1"] is None
    assert Q["subindices"]["k2"] == pytest.approx(6.0, **APPROX)
    assert Q["indicators"]["a"]["value"] is None and Q["indicators"]["a"]["n"] == 0
    assert Q["composite"] == pytest.approx(6.0, **APPROX)
    assert Q["status"] == "ok"
    # R: k1 = (1+3)/2 = 2; k2 = (3·2 + 6)/4 = 3; C = (2 + 3·3)/4 = 2.75
    assert R["composite"] == pytest.approx(2.75, **APPROX)
    # S: k1 = 5; k2 has 1/4 < 0.6 → null; composite has 1/4 < 0.6 → null → incomplete
    assert S["subindices"]["k1"] == pytest.approx(5.0, **APPROX)
    assert S["subindices"]["k2"] is None
    assert S["status"] == "incomplete"
    assert S["composite"] is None and S["rank"] is None and S["tier"] is None
    assert S["indicators"]["d"]["score"] == pytest.approx(4.0, **APPROX)  # existing scores stay
    assert [v["rank"] for v in (Q, P, R)] == [1, 2, 3]
    assert P["tier"] == Q["tier"] == R["tier"] == "Đạt"


# ------------------------------------------------------------------ rank and tier


def test_rounding_key_ties_and_tiers(ddci, tmp_path):
    values = {"U1": 2.69, "U2": 2.675, "U3": 2.68, "U4": 2.665, "U5": 2.5}
    rows = [["unit", "Q1"]]
    for name, v in values.items():
        rows += [[name, repr(v)], [name, repr(v)]]
    method = """
    [index]
    name = "rounding"
    [input]
    unit_column = "unit"
    [normalization]
    method = "none"
    [aggregation]
    multiplier = 1
    [ranking]
    decimals = 2
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k"
      [[subindices.indicators]]
      id = "q1"
      column = "Q1"

    # deliberately not in descending order
    [[tiers]]
    label = "Khá"
    min = 2.67
    [[tiers]]
    label = "Rất tốt"
    min = 2.7
    [[tiers]]
    label = "Tốt"
    min = 2.68
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    # composites are kept at full precision
    for name, v in values.items():
        assert u[name]["composite"] == pytest.approx(v, **APPROX)
    # keys (half away from zero on the shortest repr): 2.69, 2.68 (2.675 → 2.68, although
    # the double is 2.67499999…), 2.68, 2.67 (2.665 → 2.67), 2.50
    # ranks: 1 + number of larger keys → 1, 2, 2, 4, 5
    assert [u[n]["rank"] for n in values] == [1, 2, 2, 4, 5]
    # tiers by descending min, first with min ≤ key: 2.69 → Tốt (2.68), 2.68 → Tốt,
    # 2.68 → Tốt, 2.67 → Khá, 2.50 → below every tier → null
    assert [u[n]["tier"] for n in values] == ["Tốt", "Tốt", "Tốt", "Khá", None]


# ------------------------------------------------------------------------ blocks


def test_blocks_normalise_and_rank_separately(ddci, tmp_path):
    rows = [["Đơn vị", "Khối", "A", "B"]]
    data = [
        ("Sở 1", "Khối Sở, ban, ngành", 1, 5),  # block by label
        ("Sở 2", "department", 3, 1),  # block by id
        ("Sở 3", "Departments", 2, None),  # block by label_en
        ("Huyện 1", "district", 10, None),
        ("Huyện 2", "khối  quận, huyện", 20, 7),  # case / whitespace-insensitive; B not in this block
    ]
    for name, block, a, b in data:
        rows += [[name, block, a, b], [name, block, a, b]]
    method = """
    [index]
    name = "blocks"
    [input]
    unit_column = "Đơn vị"
    block_column = "Khối"
    [normalization]
    method = "minmax"
    range = [0, 100]
    [aggregation]
    multiplier = 1

    [[blocks]]
    id = "department"
    label = "Khối Sở, ban, ngành"
    label_en = "Departments"
    [[blocks]]
    id = "district"
    label = "Khối quận, huyện"
    label_en = "Districts"

    [[subindices]]
    id = "k1"
    weight = 3
      [[subindices.indicators]]
      id = "a"
      column = "A"
    [[subindices]]
    id = "k2"
    weight = 1
    blocks = ["department"]
      [[subindices.indicators]]
      id = "b"
      column = "B"
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc)
    s1, s2, s3, h1, h2 = (u[n] for n in ("Sở 1", "Sở 2", "Sở 3", "Huyện 1", "Huyện 2"))
    assert [v["block"] for v in (s1, s2, s3)] == ["department"] * 3
    assert [v["block"] for v in (h1, h2)] == ["district"] * 2
    # department, a: x = 1, 3, 2 → minmax within the block → 0, 100, 50
    assert [v["indicators"]["a"]["score"] for v in (s1, s2, s3)] == pytest.approx([0, 100, 50], **APPROX)
    # department, b: x = 5, 1, missing → 100, 0, null
    assert [v["indicators"]["b"]["score"] for v in (s1, s2)] == pytest.approx([100, 0], **APPROX)
    assert s3["subindices"]["k2"] is None  # exists in the block but missing → null
    # composites: Sở 1 (3·0 + 100)/4 = 25; Sở 2 (3·100 + 0)/4 = 75; Sở 3 k1 only (3/4 ≥ 0.5) → 50
    assert [v["composite"] for v in (s1, s2, s3)] == pytest.approx([25, 75, 50], **APPROX)
    assert [v["rank"] for v in (s1, s2, s3)] == [3, 1, 2]
    # district, a: x = 10, 20 → 0, 100 (not against the departments' 1..3)
    assert [v["indicators"]["a"]["score"] for v in (h1, h2)] == pytest.approx([0, 100], **APPROX)
    # k2 does not exist in the district block → absent, not null
    assert "k2" not in h1["subindices"] and "k2" not in h2["subindices"]
    assert set(s1["subindices"]) == {"k1", "k2"}
    assert [v["composite"] for v in (h1, h2)] == pytest.approx([0, 100], **APPROX)
    assert [v["rank"] for v in (h1, h2)] == [2, 1]


# ------------------------------------------------------------------- cell parsing


def test_missing_codes(ddci, tmp_path):
    nfd = unicodedata.normalize("NFD", "Không biết")
    assert nfd != "Không biết"
    rows = [
        ["unit", "M1", "M2"],
        ["P", 4, 0],  # M2: 0 is a column-level missing code
        ["P", "không biết ", 3],  # lower case, trailing space
        ["P", 2, 4],
        ["Q", 5, 2],
        ["Q", "99", 0],  # row with no valid value: not a response
        ["Q", nfd, "99,0"],  # NFD text; "99,0" is the numeric code 99
        ["R", "KHÔNG BIẾT", 5],  # upper case
        ["R", 1, "99.0"],
        ["R", 3, 1],
    ]
    method = """
    [index]
    name = "missing codes"
    [input]
    unit_column = "unit"
    missing_codes = ["Không biết", 99]
    [normalization]
    method = "none"
    [aggregation]
    multiplier = 1
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k"
      [[subindices.indicators]]
      id = "m1"
      column = "M1"
      valid = [1, 5]
      [[subindices.indicators]]
      id = "m2"
      column = "M2"
      valid = [1, 5]
      missing_codes = [0]
    """
    doc, u = score(ddci, tmp_path, rows, method)
    assert not errors(doc), doc["problems"]
    P, Q, R = u["P"], u["Q"], u["R"]
    # m1: P (4+2)/2 = 3, n 2; Q 5, n 1; R (1+3)/2 = 2, n 2
    assert [v["indicators"]["m1"]["value"] for v in (P, Q, R)] == pytest.approx([3, 5, 2], **APPROX)
    assert [v["indicators"]["m1"]["n"] for v in (P, Q, R)] == [2, 1, 2]
    # m2: P (3+4)/2 = 3.5, n 2; Q 2, n 1; R (5+1)/2 = 3, n 2
    assert [v["indicators"]["m2"]["value"] for v in (P, Q, R)] == pytest.approx([3.5, 2, 3], **APPROX)
    assert [v["indicators"]["m2"]["n"] for v in (P, Q, R)] == [2, 1, 2]
    assert [v["responses"] for v in (P, Q, R)] == [3, 1, 3]
    # composite: P (3+3.5)/2 = 3.25; Q (5+2)/2 = 3.5; R (2+3)/2 = 2.5
    assert [v["composite"] for v in (P, Q, R)] == pytest.approx([3.25, 3.5, 2.5], **APPROX)
    assert [v["rank"] for v in (P, Q, R)] == [2, 1, 3]


@pytest.mark.parametrize("delimiter", [";", ","], ids=["semicolon", "comma-quoted"])
def test_decimal_comma(ddci, tmp_path, delimiter):
    rows = [
        ["unit", "Q1", "Q2"],
        ["P", "3,5", "1"],
        ["P", "4.5", "2,5"],
        ["Q", "2,25", "3"],
        ["Q", "2,75", "4,0"],
    ]
    method = """
    [index]
    name = "decimal comma"
    [input]
    unit_column = "unit"
    [normalization]
    method = "none"
    [aggregation]
    multiplier = 1
    """ + ONE_BLOCK + """
    [[subindices]]
    id = "k"
      [[subindices.indicators]]
      id = "q1"
      column = "Q1"
      [[subindices.indicators]]
      id = "q2"
      column = "Q2"
    """
    doc, u = score(ddci, tmp_path, rows, method, delimiter=delimiter)
    assert not errors(doc)
    P, Q = u["P"], u["Q"]
    # q1: P ("3,5" = 3.5, 4.5) → 4.0; Q (2.25, 2.75) → 2.5
    assert [v["indicators"]["q1"]["value"] for v in (P, Q)] == pytest.approx([4.0, 2.5], **APPROX)
    # q2: P (1, 2.5) → 1.75; Q (3, 4.0) → 3.5
    assert [v["indicators"]["q2"]["value"] for v in (P, Q)] == pytest.approx([1.75, 3.5], **APPROX)
    # composite: P (4 + 1.75)/2 = 2.875; Q (2.5 + 3.5)/2 = 3.0
    assert [v["composite"] for v in (P, Q)] == pytest.approx([2.875, 3.0], **APPROX)

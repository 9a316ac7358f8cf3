"""`ddci diagnose`: counts, missing rates, Cronbach's alpha, correlations, first PC share.

Expected values come from hand computation (exact fractions) and from textbook formulas
evaluated here with numpy/pandas on the raw CSV, never from the code under test.
"""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ddci_cli.diagnose import (cronbach_alpha, diagnose, first_component_share,
                               item_statistics, pairwise_correlations)
from ddci_cli.method import load_method
from ddci_cli.pipeline import score

METHOD = """
[index]
name = "toy"
language = "en"

[input]
unit_column = "Unit"
missing_codes = [9]
min_responses = 3

[normalization]
method = "minmax"
range = [1, 10]

[[subindices]]
id = "s1"
weight = 2
  [[subindices.indicators]]
  id = "q1"
  column = "q1"
  valid = [1, 5]
  [[subindices.indicators]]
  id = "q2"
  column = "q2"
  valid = [1, 5]
  [[subindices.indicators]]
  id = "q3"
  column = "q3"
  direction = "negative"
  valid = [1, 5]
  [[subindices.indicators]]
  id = "q4"
  column = "q4"
  valid = [1, 5]

[[subindices]]
id = "s2"
  [[subindices.indicators]]
  id = "q5"
  column = "q5"
  valid = [1, 5]
  [[subindices.indicators]]
  id = "q6"
  column = "q6"
  statistic = "share"
  share_of = [4, 5]
  valid = [1, 5]
"""
ITEMS = ["q1", "q2", "q3", "q4", "q5", "q6"]


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """12 units (one with 2 rows: not eligible), correlated answers, ~10% missing (9)."""
    rng = np.random.default_rng(5)
    rows = []
    for u in range(12):
        level = rng.normal(0, 1)
        for _ in range(2 if u == 11 else int(rng.integers(6, 14))):
            trait = level + rng.normal(0, 1)
            answers = []
            for j, item in enumerate(ITEMS):
                sign = -1 if item == "q3" else 1
                v = int(np.clip(np.round(3 + sign * trait * (0.5 + 0.2 * j)
                                         + rng.normal(0, 0.8)), 1, 5))
                answers.append(9 if rng.random() < 0.1 else v)
            rows.append([f"U{u:02d}", *answers])
    folder = tmp_path_factory.mktemp("toy")
    survey = folder / "toy.csv"
    with survey.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Unit", *ITEMS], *rows])
    method = folder / "toy.toml"
    method.write_text(METHOD, encoding="utf-8")
    frame = pd.DataFrame(rows, columns=["Unit", *ITEMS]).replace(9, np.nan)
    return survey, method, frame


@pytest.fixture(scope="module")
def result(toy):
    survey, method, _ = toy
    scores, _ = score(survey, load_method(method))
    return diagnose(scores.survey, scores.method, scores)


def test_alpha_matches_hand_computation():
    # items 1..3 over four respondents; by hand: item variances 5/3, 19/12, 11/12 (sum
    # 25/6), totals 6, 8, 10, 14 with variance 35/3, so alpha = 3/2·(1 − (25/6)/(35/3))
    # = 27/28
    items = [[1, 2, 3], [2, 3, 3], [3, 3, 4], [4, 5, 5]]
    k = 3
    cols = list(zip(*items))

    def var(xs):
        xs = [Fraction(x) for x in xs]
        mean = sum(xs) / len(xs)
        return sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)

    exact = Fraction(k, k - 1) * (1 - sum(var(c) for c in cols) / var([sum(r) for r in items]))
    assert exact == Fraction(27, 28)
    assert cronbach_alpha(np.array(items, float)) == pytest.approx(27 / 28, abs=1e-12)


def textbook_alpha(x: np.ndarray) -> float:
    """(k/(k−1))·(1 − Σσ²_i/σ²_total) from the covariance matrix."""
    cov = np.cov(x, rowvar=False)
    k = x.shape[1]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def test_alpha_textbook_formula_random():
    x = np.random.default_rng(1).normal(size=(50, 5)) + np.random.default_rng(2).normal(
        size=(50, 1))
    assert cronbach_alpha(x) == pytest.approx(textbook_alpha(x), abs=1e-12)
    stats = item_statistics(x)
    for j in range(5):
        rest = np.delete(x, j, axis=1)
        assert stats["alpha_if_dropped"][j] == pytest.approx(textbook_alpha(rest), abs=1e-12)
        want = np.corrcoef(x[:, j], rest.sum(axis=1))[0, 1]
        assert stats["item_rest"][j] == pytest.approx(want, abs=1e-12)


def test_alpha_undefined_cases():
    assert np.isnan(cronbach_alpha(np.ones((5, 1))))        # one item
    assert np.isnan(cronbach_alpha(np.ones((1, 3))))        # one respondent
    assert np.isnan(cronbach_alpha(np.ones((4, 3))))        # no variance
    assert all(np.isnan(item_statistics(np.ones((4, 2)) + np.arange(4)[:, None])
                        ["alpha_if_dropped"]))              # dropping leaves one item


def test_subindex_alpha_on_complete_respondent_rows(toy, result):
    _, _, frame = toy
    s1 = next(s for s in result["subindices"] if s["subindex"] == "s1")
    rows = frame[["q1", "q2", "q3", "q4"]].dropna().to_numpy(float)
    rows[:, 2] *= -1  # negative item reversed
    assert s1["items"] == ["q1", "q2", "q3", "q4"]
    assert s1["rows"] == len(rows)
    assert s1["alpha"] == pytest.approx(textbook_alpha(rows), abs=1e-12)
    for j, item in enumerate(s1["items"]):
        rest = np.delete(rows, j, axis=1)
        assert s1["alpha_if_dropped"][item] == pytest.approx(textbook_alpha(rest), abs=1e-12)
        assert s1["item_rest"][item] == pytest.approx(
            np.corrcoef(rows[:, j], rest.sum(axis=1))[0, 1], abs=1e-12)
    # standardised alpha: k·r̄/(1 + (k−1)·r̄) from the inter-item correlations
    r = np.corrcoef(rows, rowvar=False)
    mean_r = r[np.triu_indices(4, 1)].mean()
    assert s1["alpha_standardized"] == pytest.approx(4 * mean_r / (1 + 3 * mean_r), abs=1e-12)
    # the share item is the respondent-level item "answer in {4, 5}": 1 or 0
    s2 = next(s for s in result["subindices"] if s["subindex"] == "s2")
    both = frame[["q5", "q6"]].dropna().to_numpy(float)
    both[:, 1] = np.where(both[:, 1] >= 4, 1.0, 0.0)
    assert s2["alpha"] == pytest.approx(textbook_alpha(both), abs=1e-12)


def test_counts_and_missing_rates(toy, result):
    _, _, frame = toy
    units = {u["unit"]: u for u in result["units"]}
    for name, rows in frame.groupby("Unit"):
        u = units[name]
        assert u["evaluations"] == len(rows)
        assert u["responses"] == int(rows[ITEMS].notna().any(axis=1).sum())
        for item in ITEMS:
            assert u["missing"][item] == pytest.approx(rows[item].isna().mean(), abs=1e-12)
        assert u["missing_rate"] == pytest.approx(rows[ITEMS].isna().to_numpy().mean(),
                                                  abs=1e-12)
    assert units["U11"]["status"] == "insufficient_responses"
    for ind in result["indicators"]:
        assert ind["missing_rate"] == pytest.approx(frame[ind["indicator"]].isna().mean(),
                                                    abs=1e-12)
        assert ind["answers"] == int(frame[ind["indicator"]].notna().sum())
    (block,) = result["blocks"]
    assert (block["units"], block["eligible_units"], block["evaluations"]) == \
        (12, 11, len(frame))


def unit_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Eligible units' values, oriented (q3 negated), q6 as a percent share."""
    f = frame.copy()
    f["q6"] = np.where(f["q6"].isna(), np.nan, np.where(f["q6"] >= 4, 100.0, 0.0))
    values = f.groupby("Unit")[ITEMS].mean()
    values = values.drop(index="U11")
    values["q3"] *= -1
    return values


def test_correlations_and_flags(toy, result):
    _, _, frame = toy
    values = unit_values(frame)
    want = values.corr(min_periods=3).to_numpy()
    corr = result["correlations"]["all"]
    assert corr["indicators"] == ITEMS
    got = np.array([[np.nan if v is None else v for v in row] for row in corr["matrix"]])
    np.testing.assert_allclose(got, want, atol=1e-12)
    high = {(p["a"], p["b"]) for p in corr["high"]}
    neg = {(p["a"], p["b"]) for p in corr["negative_within"]}
    subs = {"q1": "s1", "q2": "s1", "q3": "s1", "q4": "s1", "q5": "s2", "q6": "s2"}
    for i in range(6):
        for j in range(i + 1, 6):
            pair = (ITEMS[i], ITEMS[j])
            assert (pair in high) == (want[i, j] > 0.9)
            assert (pair in neg) == (subs[pair[0]] == subs[pair[1]] and want[i, j] < 0)


def test_pairwise_correlations_with_gaps():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 4)) * [1, 1e3, 1e-3, 5] + [0, 1e6, 0, -2]
    x[:, 1] += 400 * x[:, 0]
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 3] = np.where(np.isnan(x[:, 3]), np.nan, 7.0)   # constant: undefined
    want = pd.DataFrame(x).corr(min_periods=3).to_numpy()
    got = pairwise_correlations(x)
    np.testing.assert_allclose(got[:3, :3], want[:3, :3], atol=1e-9)
    assert np.isnan(got[3]).all()


def test_first_component_share(toy, result):
    _, _, frame = toy
    values = unit_values(frame)[["q1", "q2", "q3", "q4"]].dropna().to_numpy()
    z = (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)
    singular = np.linalg.svd(z, compute_uv=False)
    want = singular[0] ** 2 / (singular ** 2).sum()
    s1 = next(s for s in result["subindices"] if s["subindex"] == "s1")
    assert s1["first_pc_share"] == pytest.approx(want, abs=1e-12)
    assert np.isnan(first_component_share(np.ones((5, 2))))


def test_cli_json_and_outputs(ddci, toy, tmp_path):
    survey, method, _ = toy
    xlsx, js = tmp_path / "diag.xlsx", tmp_path / "diag.json"
    proc = ddci.run("diagnose", survey, "-m", method, "--json", "-o", xlsx, "-o", js)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema_version"] == 1 and doc["ok"] is True
    assert json.loads(js.read_text(encoding="utf-8"))["subindices"] == doc["subindices"]
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Responses", "Missing", "Reliability", "Correlations",
                             "Distribution"]
    assert wb["Responses"].max_row == 13
    proc = ddci.run("diagnose", survey, "-m", method)
    assert proc.returncode == 0 and "Reliability" in proc.stdout and "s1" in proc.stdout
    proc = ddci.run("diagnose", survey, "-m", method, "-o", tmp_path / "d.csv")
    assert proc.returncode == 2


def test_documented_sample_figures():
    """The alpha ranges docs/uncertainty.md quotes for the 2024 sample."""
    root = Path(__file__).resolve().parents[1]
    sample = root / "data" / "samples" / "ddci_haiphong_2024"
    scores, _ = score(sample.with_suffix(".xlsx"), load_method(sample.with_suffix(".toml")))
    subs = [s for s in diagnose(scores.survey, scores.method, scores)["subindices"]
            if s["block"] == "department"]
    raw = [s["alpha"] for s in subs]
    std = [s["alpha_standardized"] for s in subs]
    docs = (root / "docs" / "uncertainty.md").read_text(encoding="utf-8")
    assert f"raw alphas of {min(raw):.2f}–{max(raw):.2f}" in docs
    assert f"standardised alphas of {min(std):.2f}–{max(std):.2f}" in docs

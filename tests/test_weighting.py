"""Respondent weighting (the ``[weighting]`` table): raking to population margins.

Expected values are worked by hand (the 2×2 raking fixed point, Kish's formula) or
checked with independent arithmetic (bincount shares), never copied from the code.
"""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ddci_cli.survey.clean import Survey
from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.method import parse_method
from ddci_cli.survey.weighting import (DESIGN_WEIGHT, RakingFrame, WeightingSpec, kish_effective_n,
                                prepare, rake, rake_survey, weighting_spec)

BASE = """
[index]
name = "weighting"
[input]
unit_column = "Đơn vị"
respondent_column = "Mã DN"
min_responses = 1
[normalization]
method = "none"
[[subindices]]
id = "k"
  [[subindices.indicators]]
  id = "q1"
  column = "Q1"
"""

# 2×2 table of respondents: rows = "Quy mô" (Nhỏ, Lớn), columns = "Ngành" (CN, DV)
COUNTS = {("Nhỏ", "CN"): 40, ("Nhỏ", "DV"): 10, ("Lớn", "CN"): 20, ("Lớn", "DV"): 30}
MARGINS = '''
[weighting]
margins = { "Quy mô" = { "Nhỏ" = 0.5, "Lớn" = 0.5 }, "Ngành" = { "CN" = 0.4, "DV" = 0.6 } }
'''
# Raking keeps the sample's odds ratio (40·30)/(10·20) = 6 and fits the margins:
# p11 + p12 = .5, p11 + p21 = .4, p12 + p22 = .6  →  p12 = .5 − p11, p21 = .4 − p11,
# p22 = .1 + p11;  p11(.1 + p11) = 6(.5 − p11)(.4 − p11)  →  5p11² − 5.5p11 + 1.2 = 0
# →  p11 = (5.5 − 2.5)/10 = 0.3 (the other root 0.8 > .4 is infeasible), so
# p = [[.3, .2], [.1, .4]] and each respondent's weight is 100·p_ij / n_ij:
HAND_WEIGHT = {("Nhỏ", "CN"): 100 * 0.3 / 40, ("Nhỏ", "DV"): 100 * 0.2 / 10,
               ("Lớn", "CN"): 100 * 0.1 / 20, ("Lớn", "DV"): 100 * 0.4 / 30}
CELL_VALUE = {("Nhỏ", "CN"): 1, ("Nhỏ", "DV"): 2, ("Lớn", "CN"): 3, ("Lớn", "DV"): 4}


def _frame(cats: list[np.ndarray], targets: list[np.ndarray], design: np.ndarray,
           **spec) -> RakingFrame:
    margins = {f"m{j}": {f"c{c}": float(t) for c, t in enumerate(tg)}
               for j, tg in enumerate(targets)}
    return RakingFrame(np.arange(len(design)), design, cats, targets,
                       WeightingSpec(margins, **spec))


def _two_by_two():
    size, sector = [], []
    for (s, k), n in COUNTS.items():
        size += [0 if s == "Nhỏ" else 1] * n
        sector += [0 if k == "CN" else 1] * n
    return np.array(size), np.array(sector)


def test_two_by_two_raking_matches_the_hand_computed_fixed_point():
    size, sector = _two_by_two()
    frame = _frame([size, sector], [np.array([.5, .5]), np.array([.4, .6])], np.ones(100),
                   tolerance=1e-13, max_iterations=1000)
    result = rake(frame.design, frame)
    assert result.converged
    cells = [("Nhỏ", "CN"), ("Nhỏ", "DV"), ("Lớn", "CN"), ("Lớn", "DV")]
    for (s, k) in cells:
        mask = (size == (s == "Lớn")) & (sector == (k == "DV"))
        np.testing.assert_allclose(result.weights[mask], HAND_WEIGHT[(s, k)], rtol=1e-10)
    assert result.weights.sum() == pytest.approx(100.0)  # the design total is kept


def test_margins_reproduced_to_1e6_when_trim_does_not_bind():
    rng = np.random.default_rng(7)
    k = 3000
    cats = [rng.integers(0, 4, k), rng.integers(0, 3, k), rng.integers(0, 5, k)]
    targets = [np.array([.1, .2, .3, .4]), np.array([.5, .3, .2]),
               np.array([.15, .25, .2, .3, .1])]
    design = rng.uniform(0.5, 2.0, k)
    frame = _frame(cats, targets, design, trim=(0.05, 20.0))
    result = rake(design, frame)
    assert result.converged
    ratio = result.weights / design
    assert 0.05 < ratio.min() and ratio.max() < 20.0  # trimming did not bind
    for c, t in zip(cats, targets):
        share = np.bincount(c, weights=result.weights, minlength=len(t)) / result.weights.sum()
        np.testing.assert_allclose(share, t, atol=1e-6)


def test_binding_trim_keeps_ratios_in_bounds_and_reports_non_convergence():
    # 90% of the sample is in category 0 but the population has 10%: the weights of
    # category 0 would need a ratio near 0.11, below the trim bound of 0.5
    cats = [np.array([0] * 90 + [1] * 10)]
    frame = _frame(cats, [np.array([.1, .9])], np.ones(100), trim=(0.5, 3.0),
                   max_iterations=50)
    result = rake(frame.design, frame)
    assert not result.converged
    assert result.iterations == 50
    ratio = result.weights / frame.design
    assert ratio.min() >= 0.5 - 1e-12 and ratio.max() <= 3.0 + 1e-12
    assert result.max_error > 0.05


def test_a_batch_rakes_each_element_as_if_alone():
    rng = np.random.default_rng(3)
    k = 500
    cats = [rng.integers(0, 3, k), rng.integers(0, 2, k)]
    targets = [np.array([.2, .3, .5]), np.array([.35, .65])]
    batch = rng.poisson(1.0, (4, k)).astype(float) * rng.uniform(0.5, 2, k)
    frame = _frame(cats, targets, rng.uniform(0.5, 2, k), trim=(0.2, 5.0))
    together = rake(batch, frame)
    for b in range(len(batch)):
        alone = rake(batch[b], frame)
        np.testing.assert_array_equal(together.weights[b], alone.weights)
        assert together.iterations[b] == alone.iterations


def test_kish_effective_sample_size_by_hand():
    weights = np.array([1.0, 1.0, 2.0, 3.0, 0.0, 5.0])
    unit = np.array([0, 0, 0, 1, 1, -1])
    ess = kish_effective_n(weights, unit, 2)
    # unit 0: (1+1+2)² / (1+1+4) = 16/6; unit 1: the weight-0 row does not count → 1
    np.testing.assert_allclose(ess, [16 / 6, 1.0])


# ------------------------------------------------------------------ method file checks


def _method(extra: str):
    return parse_method(textwrap.dedent(BASE) + textwrap.dedent(extra))


def _problems(extra: str):
    with pytest.raises(InputError) as info:
        _method(extra)
    return info.value.report.problems


def test_unknown_weighting_key_names_the_path_and_suggests():
    problems = _problems(MARGINS + "max_iteration = 10\n")
    assert [(p.code, p.key) for p in problems] == [("unknown_key", "weighting.max_iteration")]
    assert "did you mean 'max_iterations'" in problems[0].message


@pytest.mark.parametrize("shares, key", [
    ('{ "Nhỏ" = 0.0, "Lớn" = 1.0 }', 'weighting.margins."Quy mô"."Nhỏ"'),
    ('{ "Nhỏ" = -0.5, "Lớn" = 1.5 }', 'weighting.margins."Quy mô"."Nhỏ"'),
    ('{ "Nhỏ" = "half", "Lớn" = 0.5 }', 'weighting.margins."Quy mô"."Nhỏ"'),
    ('{ "Nhỏ" = 0.5, " nhỏ " = 0.5 }', 'weighting.margins."Quy mô"." nhỏ "'),
    ('{}', 'weighting.margins."Quy mô"'),
])
def test_bad_shares_are_errors_naming_the_key(shares, key):
    problems = _problems(f'[weighting]\nmargins = {{ "Quy mô" = {shares} }}\n')
    assert key in [p.key for p in problems if p.severity == "error"]


@pytest.mark.parametrize("extra, key", [
    ("trim = [2.0, 5.0]", "weighting.trim"),
    ("trim = [0.2]", "weighting.trim"),
    ("max_iterations = 0", "weighting.max_iterations"),
    ("tolerance = 0", "weighting.tolerance"),
])
def test_bad_settings_are_errors_naming_the_key(extra, key):
    problems = _problems(MARGINS + extra + "\n")
    assert [p.key for p in problems if p.severity == "error"] == [key]


def test_missing_margins_is_an_error():
    problems = _problems("[weighting]\ntrim = [0.5, 2.0]\n")
    assert [p.key for p in problems] == ["weighting.margins"]


def test_shares_not_summing_to_one_are_rescaled_with_a_warning():
    method = _method('[weighting]\nmargins = { "Ngành" = { "CN" = 2, "DV" = 6 } }\n')
    warnings = [p for p in method.problems if p.code == "margin_not_normalised"]
    assert [p.key for p in warnings] == ['weighting.margins."Ngành"']
    assert weighting_spec(method).margins == {"Ngành": {"CN": 0.25, "DV": 0.75}}
    quiet = _method('[weighting]\nmargins = { "Ngành" = { "CN" = 0.3, "DV" = 0.7000000001 } }\n')
    assert not quiet.problems  # within 1e-6 of 1


# ------------------------------------------------------------------ survey checks


def _survey(sizes: list, respondents: list | None = None, units: list | None = None) -> Survey:
    n = len(sizes)
    units = units if units is not None else [0] * n
    return Survey("s.csv", None, 1, n, ["A", "B"], ["all", "all"], np.array(units),
                  np.ones(n), np.ones((n, 1)), np.arange(n) + 2,
                  None if respondents is None else np.array(respondents),
                  extra={"Quy mô": np.array(sizes, dtype=object)})


SIZE_ONLY = '[weighting]\nmargins = { "Quy mô" = { "Nhỏ" = 0.6, "Lớn" = 0.4 } }\n'


def _prepare_problems(survey: Survey):
    report = ProblemReport()
    frame = prepare(survey, weighting_spec(_method(SIZE_ONLY)), report)
    return frame, [(p.code, p.key, p.row) for p in report.problems]


def test_category_absent_from_margins_is_an_error_naming_the_key():
    frame, problems = _prepare_problems(_survey(["Nhỏ", "Lớn", "Vừa", "vừa "]))
    assert frame is None
    assert problems == [("weighting_unknown_category", 'weighting.margins."Quy mô"', 4)]


def test_margin_category_absent_from_data_is_an_error():
    frame, problems = _prepare_problems(_survey(["Nhỏ", "nhỏ"]))
    assert frame is None
    assert problems == [("weighting_empty_category", 'weighting.margins."Quy mô"."Lớn"', None)]


def test_blank_category_is_an_error_with_its_row():
    _, problems = _prepare_problems(_survey(["Nhỏ", None, "Lớn"]))
    assert problems == [("weighting_missing_category", 'weighting.margins."Quy mô"', 3)]


def test_respondent_with_two_categories_is_an_error():
    survey = _survey(["Nhỏ", "Lớn", "Lớn"], respondents=[0, 0, 1], units=[0, 1, 0])
    _, problems = _prepare_problems(survey)
    assert [p[0] for p in problems] == ["weighting_inconsistent_category"]


def test_numeric_categories_match_text_keys():
    method = _method('[weighting]\nmargins = { "Quy mô" = { "1" = 0.5, "2" = 0.5 } }\n')
    frame = prepare(_survey([1.0, 2, "2", 1]), weighting_spec(method), ProblemReport())
    assert list(frame.categories[0]) == [0, 1, 1, 0]


def test_a_respondents_raking_factor_applies_to_all_its_rows():
    # respondent 0 (Nhỏ) rates both units; respondents 1, 2 (Lớn) one each, weights 2 and 1
    survey = _survey(["Nhỏ", "Nhỏ", "Lớn", "Lớn"], respondents=[0, 0, 1, 2],
                     units=[0, 1, 0, 1])
    survey.weights = np.array([1.0, 1.0, 2.0, 1.0])
    report = ProblemReport()
    rake_survey(survey, _method(SIZE_ONLY), report)
    assert not report.problems
    # design total 1 + 2 + 1 = 4; Nhỏ gets 0.6·4 = 2.4 (factor 2.4), Lớn 1.6 over a design
    # of 3 (factor 1.6/3 each)
    np.testing.assert_allclose(survey.weights, [2.4, 2.4, 2 * 1.6 / 3, 1.6 / 3])
    np.testing.assert_array_equal(survey.extra[DESIGN_WEIGHT], [1.0, 1.0, 2.0, 1.0])
    assert survey.weighting["converged"] and survey.weighting["respondents"] == 3


# ------------------------------------------------------------------ end to end


def _write_two_by_two(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Mã DN", "Đơn vị", "Quy mô", "Ngành", "Q1"])
        firm = 0
        for (s, k), n in COUNTS.items():
            for _ in range(n):
                firm += 1
                w.writerow([f"DN{firm}", "Sở A", s, k, CELL_VALUE[(s, k)]])
                if firm % 2:  # odd firms also rate Sở B with a fixed answer
                    w.writerow([f"DN{firm}", "Sở B", s, k, 3])
    return path


def test_score_uses_raked_weights_and_reports_convergence(ddci, tmp_path):
    survey = _write_two_by_two(tmp_path / "survey.csv")
    method = tmp_path / "method.toml"
    method.write_text(textwrap.dedent(BASE) + MARGINS + "tolerance = 1e-12\n", "utf-8")
    doc = ddci.score(survey, method)
    units = {u["unit"]: u for u in doc["units"]}
    # Sở A: Σ p_ij v_ij = .3·1 + .2·2 + .1·3 + .4·4 = 2.6 (unweighted it would be 2.4)
    assert units["Sở A"]["indicators"]["q1"]["value"] == pytest.approx(2.6, rel=1e-9)
    weighting = doc["weighting"]
    assert weighting["converged"] is True and weighting["respondents"] == 100
    assert weighting["max_margin_error"] <= 1e-12
    assert weighting["margins"]["Ngành"]["DV"]["achieved"] == pytest.approx(0.6, abs=1e-9)
    # Kish for Sở A: Σw = 100, Σw² = 40·.75² + 10·2² + 20·.5² + 30·(4/3)² = 120.8333…
    assert weighting["effective_n"]["Sở A"] == pytest.approx(100 ** 2 / (22.5 + 40 + 5 + 160 / 3))


def test_unknown_margin_column_is_a_missing_column_error(ddci, tmp_path):
    survey = _write_two_by_two(tmp_path / "survey.csv")
    method = tmp_path / "method.toml"
    method.write_text(textwrap.dedent(BASE) + '[weighting]\nmargins = { "Vùng" = '
                      '{ "Bắc" = 1.0 } }\n', "utf-8")
    doc = ddci.score(survey, method, expect_rc=1)
    missing = [p for p in doc["problems"] if p["code"] == "missing_column"]
    assert [p["key"] for p in missing] == ['weighting.margins."Vùng"']


def test_not_converged_is_a_warning(ddci, tmp_path):
    survey = _write_two_by_two(tmp_path / "survey.csv")
    method = tmp_path / "method.toml"
    method.write_text(textwrap.dedent(BASE) + MARGINS + "max_iterations = 1\n", "utf-8")
    doc = ddci.score(survey, method)
    assert doc["weighting"]["converged"] is False
    assert [p["severity"] for p in doc["problems"]
            if p["code"] == "weighting_not_converged"] == ["warning"]
    ddci.score(survey, method, "--strict", expect_rc=1)


# ------------------------------------------------------------------ docs/uncertainty.md

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "ddci_haiphong_2024"


def test_docs_weighting_example_runs_on_the_sample(ddci, tmp_path):
    import re

    text = (ROOT / "docs" / "uncertainty.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(\[weighting\].*?)```", text, re.S).group(1)
    method = tmp_path / "method.toml"
    method.write_text(SAMPLE.with_suffix(".toml").read_text(encoding="utf-8") + "\n" + block,
                      encoding="utf-8")
    doc = ddci.score(SAMPLE.with_suffix(".xlsx"), method)
    w = doc["weighting"]
    # the figures quoted on the page
    assert "converges in 5 cycles" in text and w["converged"] and w["iterations"] == 5
    assert w["max_margin_error"] < 1e-9
    assert [round(r, 2) for r in w["weight_ratio"]] == [0.37, 1.62]
    assert round(w["effective_n"]["Sở Tài chính"], 1) == 106.3
    for column, shares in w["margins"].items():
        for share in shares.values():
            assert share["achieved"] == pytest.approx(share["target"], abs=1e-9)

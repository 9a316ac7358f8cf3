"""`ddci sensitivity`: the Sobol estimator on known functions, the batched model against
an independent numpy rebuild of COINr's ASEM index, the input draws, seeds, the CLI.

The ASEM survey is COINr's published ASEM_iData.csv, read in place from ../shared/data; the
method is built from ASEM_iMeta.csv by tests/reference.py."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import rankdata

from reference import asem_method_text, asem_survey

from ddci_cli.uncertainty import sensitivity as sens
from ddci_cli.uncertainty import sobol
from ddci_cli.errors import ProblemReport, UsageError
from ddci_cli.method import parse_method
from ddci_cli.pipeline import score
from ddci_cli.scores import score_survey
from ddci_cli.method.sensitivity import Settings, resolve_settings


def asem_text(extra: str = "") -> str:
    """COINr's sensitivity setup: minmax on [1, 100], z-scores 10 ± 2."""
    text = asem_method_text().replace("range = [0, 100]", "range = [1, 100]\nzscore = [10, 2]")
    assert "zscore = [10, 2]" in text
    return text + extra


@pytest.fixture(scope="module")
def asem():
    method = parse_method(asem_text())
    scores, _ = score(asem_survey(), method)
    return scores


def settings(**kw) -> Settings:
    base = dict(mode="uncertainty", runs=200, weights=0.0, dirichlet=None,
                normalization=("minmax",), aggregation=("arithmetic",), min_responses=(1,),
                exclude_subindex=False)
    return Settings(**{**base, **kw})


# ----------------------------------------------------------------- the estimator alone

def ishigami(u: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_truth(a: float = 7.0, b: float = 0.1):
    """Analytic indices (Ishigami & Homma 1990; Sobol' & Levitan 1999)."""
    v1 = 0.5 * (1 + b * np.pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * np.pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0]) / v, np.array([v1 + v13, v2, v13]) / v


def run_estimator(model, n: int, groups: list[list[int]], dims: int, seed: int = 0):
    a, b = sobol.base_samples(n, dims, seed)
    points = sobol.saltelli_points(a, b, [np.array(g) for g in groups])
    assert points.shape == (n * (len(groups) + 2), dims)
    return sobol.sobol_indices(*sobol.split_outputs(model(points), n, len(groups)), seed=seed)


def test_ishigami_known_indices():
    first, total = ishigami_truth()
    # a fourth column the function ignores: no effect at all
    est = run_estimator(ishigami, 2 ** 13, [[0], [1], [2], [3]], 4)
    np.testing.assert_allclose(est.first_order[:3], first, atol=0.03)
    np.testing.assert_allclose(est.total[:3], total, atol=0.03)
    assert est.first_order[3] == 0 and est.total[3] == 0
    for i in range(3):
        lo, hi = est.total_ci[i]
        assert lo <= est.total[i] <= hi and lo <= total[i] + 0.02 and hi >= total[i] - 0.02


def test_additive_model_and_groups():
    coef = np.array([1.0, 2.0, 3.0, 0.0])
    model = lambda u: u @ coef                     # noqa: E731 - additive: S_i = ST_i
    share = coef ** 2 / (coef ** 2).sum()
    est = run_estimator(model, 2 ** 12, [[0], [1, 2], [3]], 4)
    np.testing.assert_allclose(est.first_order, [share[0], share[1] + share[2], 0], atol=0.02)
    np.testing.assert_allclose(est.total, [share[0], share[1] + share[2], 0], atol=0.02)


def test_constant_model_gives_undefined_indices():
    est = run_estimator(lambda u: np.zeros(len(u)), 64, [[0], [1]], 2)
    assert np.isnan(est.first_order).all() and np.isnan(est.total).all()
    assert np.isnan(est.total_ci).all()


# ----------------------------------------------------------------- draws

def test_uniform_weight_draws(asem):
    method = asem.method
    s = settings(weights=0.25, runs=4000)
    u = np.random.default_rng(0).random((4000, len(method.subindices)))
    draws = sens.map_draws(u, s, method)
    nominal = np.array([k.weight for k in method.subindices])
    ratio = draws.sub_weights / nominal
    assert ratio.min() >= 0.75 and ratio.max() <= 1.25
    np.testing.assert_allclose(ratio.mean(axis=0), 1, atol=0.02)
    np.testing.assert_allclose(ratio.var(axis=0), 0.5 ** 2 / 12, rtol=0.1)  # U(0.75, 1.25)


def test_dirichlet_weight_draws(asem):
    method = asem.method
    alpha = 5.0
    s = settings(weights=0.0, dirichlet=alpha)
    u = np.random.default_rng(1).random((20000, len(method.subindices)))
    shares = sens.map_draws(u, s, method).sub_weights
    shares = shares / shares.sum(axis=1, keepdims=True)
    nominal = np.array([k.weight for k in method.subindices])
    c = alpha * len(nominal) * nominal / nominal.sum()
    c0 = c.sum()
    np.testing.assert_allclose(shares.mean(axis=0), c / c0, atol=0.005)
    np.testing.assert_allclose(shares.var(axis=0), c * (c0 - c) / (c0 ** 2 * (c0 + 1)),
                               rtol=0.08)


def test_exclusion_draws(asem):
    method = asem.method
    k = len(method.subindices)
    s = settings(exclude_subindex=True)
    u = np.random.default_rng(2).random((9000, 1))
    draws = sens.map_draws(u, s, method)
    counts = np.bincount(draws.excluded + 1, minlength=k + 1)
    np.testing.assert_allclose(counts / 9000, 1 / (k + 1), atol=0.015)
    rows = draws.excluded >= 0
    assert (draws.sub_weights[rows, draws.excluded[rows]] == 0).all()
    assert ((draws.sub_weights > 0).sum(axis=1) == np.where(rows, k - 1, k)).all()


# ----------------------------------------------------------------- the batched model

def asem_reference(scores, weights: np.ndarray, norm: str, agg: str) -> np.ndarray:
    """COINr-style rebuild of the ASEM index in plain numpy, one run at a time, ranked
    with scipy's 'min' ranks of the composite rounded to 10 decimals."""
    method = scores.method
    x = scores.values.values
    d = np.array([i.direction for i in method.indicators], float)
    if norm == "minmax":
        lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
        s = np.where(d > 0, 1 + 99 * (x - lo) / (hi - lo), 1 + 99 * (hi - x) / (hi - lo))
    else:
        s = 10 + 2 * d * (x - np.nanmean(x, axis=0)) / np.nanstd(x, axis=0, ddof=1)
    pillars = []
    for k in method.subindices:
        cols = [j for j, i in enumerate(method.indicators) if i.subindex == k.id]
        w = np.array([method.indicators[j].weight for j in cols])
        part = s[:, cols]
        has = ~np.isnan(part)
        pillars.append(np.where(has, part, 0) @ w / (has @ w))
    p = np.column_stack(pillars)
    if agg == "arithmetic":
        comp = p @ weights / weights.sum()
    else:
        comp = np.exp(np.log(p) @ weights / weights.sum())
    return rankdata(-np.round(comp, 10), method="min")


def test_batched_runs_match_independent_rebuild(asem):
    s = settings(weights=0.25, normalization=("minmax", "zscore"),
                 aggregation=("arithmetic", "geometric"), exclude_subindex=True, runs=300)
    result = sens.uncertainty_analysis(asem, s, seed=3)
    d = result.draws
    seen = set()
    for r in range(0, 300, 7):
        norm, agg = s.normalization[d.normalization[r]], s.aggregation[d.aggregation[r]]
        seen.add((norm, agg, d.excluded[r] >= 0))
        weights = d.sub_weights[r].copy()
        if d.excluded[r] >= 0:  # excluded sub-index: weight 0, whatever the draw says
            weights[d.excluded[r]] = 0.0
        want = asem_reference(asem, weights, norm, agg)
        np.testing.assert_array_equal(result.ranks[r], want, err_msg=f"run {r}")
    assert len(seen) == 8  # every combination was checked


def test_nominal_runs_reproduce_score(asem):
    result = sens.uncertainty_analysis(asem, settings(runs=5), seed=0)
    assert (result.ranks == asem.rank).all()
    np.testing.assert_array_equal(result.keys[0], asem.keys)


def test_block_pipeline_called_once_per_group(asem, monkeypatch):
    calls = []
    real = sens.block_pipeline

    def counting(x, *args, **kw):
        calls.append(kw["sub_weights"].shape[0])
        return real(x, *args, **kw)

    monkeypatch.setattr(sens, "block_pipeline", counting)
    s = settings(weights=0.25, normalization=("minmax", "zscore"),
                 aggregation=("arithmetic", "geometric"), runs=1000)
    sens.uncertainty_analysis(asem, s, seed=0)
    assert len(calls) == 4 and sum(calls) == 1000


# ----------------------------------------------------------------- toy survey

def write_toy(folder: Path, tiers: str = "", sensitivity: str = "") -> tuple[Path, Path]:
    """10 units with 4..22 evaluations, two sub-indices of two questions each."""
    rng = np.random.default_rng(11)
    rows = []
    for u in range(10):
        level = rng.normal(3, 0.7)
        for _ in range(4 + 2 * u):
            rows.append([f"U{u}", *np.clip(np.round(level + rng.normal(0, 1, 4)), 1, 5)])
    survey = folder / "toy.csv"
    with survey.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Unit", "a1", "a2", "b1", "b2"], *rows])
    method = folder / "toy.toml"
    inds = lambda names: "".join(  # noqa: E731
        f'  [[subindices.indicators]]\n  id = "{n}"\n  column = "{n}"\n  valid = [1, 5]\n'
        for n in names)
    method.write_text(
        '[index]\nname = "toy"\nlanguage = "en"\n[input]\nunit_column = "Unit"\n'
        'min_responses = 4\n[normalization]\nmethod = "minmax"\nrange = [1, 10]\n'
        '[aggregation]\nmultiplier = 10\n'
        f'[[subindices]]\nid = "a"\nweight = 2\n{inds(["a1", "a2"])}'
        f'[[subindices]]\nid = "b"\n{inds(["b1", "b2"])}{tiers}{sensitivity}',
        encoding="utf-8")
    return survey, method


def test_min_responses_masking_matches_score(tmp_path):
    survey, method_path = write_toy(tmp_path)
    method = parse_method(method_path.read_text(encoding="utf-8"))
    scores, _ = score(survey, method)
    s = settings(min_responses=(4, 9, 15), runs=60)
    result = sens.uncertainty_analysis(scores, s, seed=1)
    for threshold in s.min_responses:
        again = score_survey(scores.survey, replace(method, min_responses=threshold),
                             ProblemReport())
        runs = np.array(s.min_responses)[result.draws.min_responses] == threshold
        assert runs.any()
        assert (result.ranks[runs] == again.rank).all(), threshold
    # units below a threshold are not ranked in those runs
    assert (result.ranks == 0).any()
    # rank statistics over the runs where each unit is ranked (numpy's default quantiles)
    ranked = np.where(result.ranks > 0, result.ranks, np.nan)
    by_name = {u["unit"]: u for u in sens.unit_summaries(result)}
    some_gaps = 0
    for j, name in enumerate(scores.survey.units):
        col = ranked[:, j][~np.isnan(ranked[:, j])]
        got = by_name[name]
        assert got["runs_ranked"] == len(col)
        some_gaps += 0 < len(col) < len(ranked)
        if not len(col):
            assert got["mean_rank"] is None and got["q95_rank"] is None
            continue
        assert got["mean_rank"] == pytest.approx(col.mean())
        assert got["median_rank"] == pytest.approx(np.median(col))
        assert got["q05_rank"] == pytest.approx(np.quantile(col, 0.05))
        assert got["q95_rank"] == pytest.approx(np.quantile(col, 0.95))
    assert some_gaps


def test_input_without_effect_has_zero_indices(tmp_path):
    # every unit has ≥ 4 evaluations: thresholds 1, 2, 3 never change who is ranked
    survey, method_path = write_toy(tmp_path)
    scores, _ = score(survey, parse_method(method_path.read_text(encoding="utf-8")))
    s = settings(mode="sobol", runs=256, weights=0.5, min_responses=(1, 2, 3))
    result = sens.sobol_analysis(scores, s, seed=0)
    idx = result.indices["all"]
    assert idx["min_responses"]["total"] == 0 and idx["min_responses"]["first_order"] == 0
    assert idx["weights"]["total"] > 0.5
    assert result.evaluations == 256 * 4


def test_tier_probability_counts_nominal_normalisation_only(tmp_path):
    tiers = '[[tiers]]\nlabel = "high"\nmin = 60\n[[tiers]]\nlabel = "low"\nmin = 10\n'
    survey, method_path = write_toy(tmp_path, tiers)
    scores, _ = score(survey, parse_method(method_path.read_text(encoding="utf-8")))
    # z-scores (μ = 0) put every composite below both tiers; only minmax runs may count
    s = settings(normalization=("minmax", "zscore"), runs=100)
    units = sens.unit_summaries(sens.uncertainty_analysis(scores, s, seed=0))
    ranked = [u for u in units if u["nominal_rank"]]
    assert ranked and all(u["tier_probability"][u["nominal_tier"]] == 1.0 for u in ranked)
    assert all(sum(u["tier_probability"].values()) == 1.0 for u in ranked)
    # runs that drop a unit (threshold 15) do not count for its tiers: U0..U5 (4..14
    # evaluations) are ranked only under threshold 4, where their composite is nominal
    s = settings(normalization=("minmax", "zscore"), min_responses=(4, 15), runs=200)
    units = {u["unit"]: u for u in sens.unit_summaries(
        sens.uncertainty_analysis(scores, s, seed=0))}
    for name in ("U0", "U3", "U5"):
        u = units[name]
        assert 0 < u["runs_ranked"] < 200
        assert u["tier_probability"][u["nominal_tier"]] == 1.0


# ----------------------------------------------------------------- settings

def test_settings_from_table_then_flags(tmp_path):
    extra = ('\n[sensitivity]\nruns = 64\nweights = 0.1\nnormalization = ["minmax", '
             '"zscore"]\n')
    method = parse_method(asem_text(extra))
    s = resolve_settings(method)
    assert (s.runs, s.weights, s.normalization, s.aggregation) == \
        (64, 0.1, ("minmax", "zscore"), ("arithmetic",))
    s = resolve_settings(method, runs=128, weights_dirichlet=2.0, aggregation="geometric")
    assert (s.runs, s.weights, s.dirichlet, s.aggregation) == (128, 0.0, 2.0, ("geometric",))
    assert s.groups() == ["weights", "normalization"]
    # nothing named anywhere: weights ±25%
    assert resolve_settings(parse_method(asem_text())).weights == 0.25
    with pytest.raises(UsageError):
        resolve_settings(method, mode="sobol", runs=1000)
    with pytest.raises(UsageError):
        resolve_settings(method, normalization="minmax,minmx")


@pytest.mark.parametrize("table, key", [
    ('normalization = ["minmx"]', "sensitivity.normalization"),
    ('mode = "sobol"\nruns = 1000', "sensitivity.runs"),
    ('weights = 0.3\nweights_dirichlet = 2', "sensitivity.weights_dirichlet"),
    ('min_responses = [0, 2.5]', "sensitivity.min_responses"),
    ('wieghts = 0.3', "sensitivity.wieghts"),
])
def test_table_errors_name_the_key(table, key):
    from ddci_cli.errors import InputError

    with pytest.raises(InputError) as err:
        parse_method(asem_text(f"\n[sensitivity]\n{table}\n"))
    assert key in [p.key for p in err.value.report.problems]


def test_geometric_needs_positive_scale():
    from ddci_cli.errors import InputError

    text = asem_method_text()  # range [0, 100]
    with pytest.raises(InputError) as err:
        parse_method(text + '\n[sensitivity]\naggregation = ["arithmetic", "geometric"]\n')
    assert "sensitivity.aggregation" in [p.key for p in err.value.report.problems]


# ----------------------------------------------------------------- seeds and the CLI

def test_seed_reproducible_and_different(asem):
    for mode, runs in (("uncertainty", 300), ("sobol", 128)):
        s = settings(mode=mode, runs=runs, weights=0.25, normalization=("minmax", "zscore"))
        one, two = (sens.document(sens.analyse(asem, s, seed=7)) for _ in range(2))
        other = sens.document(sens.analyse(asem, s, seed=8))
        assert one == two
        assert one["units"] != other["units"]
        if mode == "sobol":
            assert one["indices"] != other["indices"]


def test_first_runs_do_not_depend_on_n(asem):
    s = settings(weights=0.25, normalization=("minmax", "zscore"))
    short = sens.uncertainty_analysis(asem, replace(s, runs=50), seed=4)
    long = sens.uncertainty_analysis(asem, replace(s, runs=500), seed=4)
    np.testing.assert_array_equal(short.ranks, long.ranks[:50])


@pytest.fixture
def asem_method_file(tmp_path) -> Path:
    path = tmp_path / "asem110.toml"
    path.write_text(asem_text(), encoding="utf-8")
    return path


def test_cli_uncertainty_json(ddci, asem_method_file, tmp_path):
    args = ("sensitivity", asem_survey(), "-m", asem_method_file, "--runs", "200",
            "--normalization", "minmax,zscore", "--aggregation", "arithmetic,geometric",
            "--weights", "0.25", "--json")
    proc = ddci.run(*args, "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["schema_version"], doc["runs"], doc["seed"]) == (1, 200, 3)
    assert "indices" not in doc and len(doc["units"]) == 51
    unit = doc["units"][0]
    assert set(unit) >= {"unit", "block", "nominal_rank", "mean_rank", "median_rank",
                         "q05_rank", "q95_rank", "tier_probability"}
    for u in doc["units"]:
        assert 1 <= u["q05_rank"] <= u["median_rank"] <= u["q95_rank"] <= 51
    again = json.loads(ddci.run(*args, "--seed", "3").stdout)
    assert again == doc
    other = json.loads(ddci.run(*args, "--seed", "4").stdout)
    assert other["units"] != doc["units"]


def test_cli_sobol_outputs(ddci, asem_method_file, tmp_path):
    xlsx, out_csv = tmp_path / "s.xlsx", tmp_path / "s.csv"
    proc = ddci.run("sensitivity", asem_survey(), "-m", asem_method_file,
                    "--mode", "sobol", "--runs", "128", "--normalization", "minmax,zscore",
                    "--weights", "0.25", "--json", "-o", xlsx, "-o", out_csv)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["evaluations"] == 128 * 4
    inputs = doc["indices"]["asem"]
    assert set(inputs) == {"weights", "normalization"}
    for v in inputs.values():
        assert set(v) == {"first_order", "total", "first_order_ci", "total_ci"}
        assert len(v["first_order_ci"]) == 2 and len(v["total_ci"]) == 2
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    assert "Sensitivity" in wb.sheetnames  # the report's sheet: ranks, then the indices
    texts = {c.value for row in wb["Sensitivity"].iter_rows() for c in row}
    assert {"DEU", "weights", "normalization"} <= texts
    with out_csv.open(encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == 51


def test_cli_usage_errors(ddci, asem_method_file, tmp_path):
    survey = asem_survey()
    assert ddci.run("sensitivity", survey, "-m", asem_method_file, "--mode", "sobol",
                    "--runs", "1000").returncode == 2
    assert ddci.run("sensitivity", survey, "-m", asem_method_file, "--weights", "0.2",
                    "--weights-dirichlet", "3").returncode == 2
    plain = tmp_path / "asem.toml"
    plain.write_text(asem_method_text(), encoding="utf-8")
    proc = ddci.run("sensitivity", survey, "-m", plain, "--aggregation",
                    "arithmetic,geometric")  # range [0, 100]: geometric undefined
    assert proc.returncode == 2 and "range" in proc.stderr


def test_cli_table_error_exit_1(ddci, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(asem_text('\n[sensitivity]\nnormalization = ["minmx"]\n'),
                    encoding="utf-8")
    proc = ddci.run("sensitivity", asem_survey(), "-m", path, "--json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["ok"] is False
    assert "sensitivity.normalization" in [p["key"] for p in doc["problems"]]


def test_terminal_shows_negative_estimate_as_noise(capsys):
    from ddci_cli.cli import render

    doc = {"index": "x", "mode": "sobol", "runs": 8, "evaluations": 32,
           "units": [{"unit": "A", "block": "b", "nominal_rank": 1, "nominal_tier": None,
                      "mean_rank": 1.0, "median_rank": 1.0, "q05_rank": 1.0,
                      "q95_rank": 1.0, "tier_probability": {}}],
           "indices": {"b": {"weights": {"first_order": -0.012, "total": 0.3,
                                         "first_order_ci": [-0.05, 0.02],
                                         "total_ci": [0.2, 0.4]}}}}
    render.sensitivity(doc, {"b": "Block"}, english=True)
    out = capsys.readouterr().out
    assert "≈ 0 (noise)" in out and re.search(r"0\.300", out)
    assert "-0.012" not in out


def test_documented_sample_figures():
    """The figures docs/uncertainty.md quotes for the 2024 sample are what the code gives."""
    root = Path(__file__).resolve().parents[1]
    sample = root / "data" / "samples" / "ddci_haiphong_2024"
    docs = (root / "docs" / "uncertainty.md").read_text(encoding="utf-8")
    from ddci_cli.method import load_method

    method = load_method(sample.with_suffix(".toml"))
    scores, _ = score(sample.with_suffix(".xlsx"), method)
    cli = dict(weights=0.25, normalization="minmax,rank", min_responses="30,100")
    units = sens.unit_summaries(sens.analyse(scores, resolve_settings(method, **cli), 0))
    ngoai_vu = next(u for u in units if u["unit"] == "Sở Ngoại vụ")
    assert ngoai_vu["runs_ranked"] == 523 and ngoai_vu["tier_probability"]["Tốt"] == 1.0
    assert '"runs_ranked": 523' in docs
    s = resolve_settings(method, mode="sobol", runs=1024, exclude_subindex=True, **cli)
    indices = sens.analyse(scores, s, 0).indices["department"]
    for name, v in indices.items():
        lo, hi = v["first_order_ci"]
        row = (f"| {name} | {v['first_order']:.3f} [{lo:.3f}, {hi:.3f}] | "
               f"{v['total']:.3f} [{v['total_ci'][0]:.3f}, {v['total_ci'][1]:.3f}] |")
        assert row.replace("-", "−") in docs, row

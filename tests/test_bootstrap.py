"""Bootstrap intervals (``ddci score --bootstrap N``).

The batched replicates are checked against an independent path — the nominal pipeline
(:func:`score_survey`) run on the resampled survey written out row by row — and the
intervals against their definition; a simulation over synthetic surveys drawn from a
fixed population checks that the 95% intervals cover the population composite.
"""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ddci_cli.uncertainty.bootstrap import (bootstrap_replicates, intervals, with_intervals,
                               percentile_interval, resampler)
from ddci_cli.survey.clean import Survey
from ddci_cli.errors import ProblemReport, UsageError
from ddci_cli.method import parse_method
from ddci_cli.scores import block_pipeline, plan_blocks, score_survey
from ddci_cli.survey.weighting import rake_survey

METHOD = """
[index]
name = "bootstrap"
[input]
unit_column = "unit"
block_column = "block"
respondent_column = "firm"
min_responses = {min_responses}
min_indicator_responses = 2
[normalization]
method = "minmax"
range = [1, 10]
[aggregation]
multiplier = 10
[[blocks]]
id = "dept"
[[blocks]]
id = "dist"
[[subindices]]
id = "a"
weight = 2
  [[subindices.indicators]]
  id = "q1"
  column = "Q1"
  [[subindices.indicators]]
  id = "q2"
  column = "Q2"
  direction = "negative"
[[subindices]]
id = "b"
  [[subindices.indicators]]
  id = "q3"
  column = "Q3"
  statistic = "share"
  share_of = [4, 5]
  [[subindices.indicators]]
  id = "q4"
  column = "Q4"
  blocks = ["dist"]
"""
WEIGHTING = """
[weighting]
margins = { size = { small = 0.7, large = 0.3 } }
trim = [0.3, 3.0]
"""
BLOCK_OF = {0: "dept", 1: "dept", 2: "dept", 3: "dept", 4: "dist", 5: "dist", 6: "dist"}


def make_method(min_responses: int = 5, weighting: bool = False):
    text = textwrap.dedent(METHOD).format(min_responses=min_responses)
    return parse_method(text + (textwrap.dedent(WEIGHTING) if weighting else ""))


def make_survey(seed: int = 1, firms: int = 120, respondents: bool = True) -> Survey:
    """Firms rating 1–3 of 7 units (4 departments, 3 districts) on a 1–5 scale, with
    unit effects, firm leniency, missing answers and design weights."""
    rng = np.random.default_rng(seed)
    rows_firm, rows_unit = [], []
    for f in range(firms):
        for u in rng.choice(7, rng.integers(1, 4), replace=False):
            rows_firm.append(f)
            rows_unit.append(u)
    firm, unit = np.array(rows_firm), np.array(rows_unit)
    level = np.linspace(-1, 1, 7)[unit][:, None] + rng.normal(0, .4, firms)[firm][:, None]
    X = np.clip(np.round(3 + level + rng.normal(0, 1, (len(unit), 4))), 1, 5)
    X[rng.random(X.shape) < 0.1] = np.nan
    n = len(unit)
    size = np.where(rng.random(firms) < 0.5, "small", "large")[firm].astype(object)
    return Survey("s.csv", None, 1, n, [f"U{u}" for u in range(7)],
                  [BLOCK_OF[u] for u in range(7)], unit, rng.uniform(0.5, 2, firms)[firm],
                  X, np.arange(n) + 2, firm if respondents else None,
                  extra={"size": size})


def scored(survey: Survey, method, weighting: bool = False):
    report = ProblemReport()
    if weighting:
        rake_survey(survey, method, report)
    scores = score_survey(survey, method, report)
    assert not report.has_errors, report.problems
    return scores


def expanded(survey: Survey, counts: np.ndarray, group: np.ndarray) -> Survey:
    """The resampled survey written out: each drawn cluster's rows repeated as often as
    drawn, each copy a respondent of its own."""
    rows, firms = [], []
    for r in np.flatnonzero(group >= 0):
        for copy in range(int(counts[group[r]])):
            rows.append(r)
            firms.append(group[r] * 1000 + copy)
    rows = np.array(rows, int)
    return Survey("x.csv", None, 1, len(rows), survey.units, survey.unit_blocks,
                  survey.unit_of_row[rows], survey.extra.get("\x00design_weight",
                                                             survey.weights)[rows],
                  survey.X[rows], np.arange(len(rows)) + 2, np.array(firms),
                  extra={k: v[rows] for k, v in survey.extra.items() if not k.startswith("\0")})


@pytest.mark.parametrize("respondents", [True, False])
@pytest.mark.parametrize("weighting", [False, True])
def test_each_replicate_equals_scoring_the_resampled_survey(respondents, weighting):
    method = make_method(weighting=weighting)
    survey = make_survey(respondents=respondents)
    scores = scored(survey, method, weighting)
    n = 6
    reps = bootstrap_replicates(scores, n, seed=11, keep_scores=True)
    draw = resampler(survey)
    counts = draw.counts(np.random.SeedSequence(11).spawn(n))
    for r in range(n):
        again = scored(expanded(survey, counts[r], draw.group_of_row), method, weighting)
        np.testing.assert_allclose(reps.composite[r], again.composite, rtol=1e-10)
        np.testing.assert_allclose(reps.subindices[r], again.subindices, rtol=1e-10)
        np.testing.assert_allclose(reps.scores[r], again.scores, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(np.nan_to_num(reps.rank[r]), again.rank)


def test_cluster_draws_whole_respondents_and_follow_the_seed_scheme():
    survey = make_survey(firms=80)
    draw = resampler(survey)
    assert draw.kind == "respondents"
    n_firms = 80
    seeds = np.random.SeedSequence(5).spawn(300)
    counts = draw.counts(seeds)
    assert counts.shape == (300, n_firms)
    assert (counts.sum(axis=1) == n_firms).all()
    # SPEC §4: replicate r draws from SeedSequence(seed).spawn(N)[r]: here, K uniform
    # numbers picking K respondents with replacement
    for r in (0, 17, 299):
        u = np.random.default_rng(np.random.SeedSequence(5).spawn(300)[r]).random(n_firms)
        np.testing.assert_array_equal(counts[r], np.bincount((u * n_firms).astype(int),
                                                             minlength=n_firms))
    # multinomial(K, 1/K): mean 1, variance 1 − 1/K
    assert counts.mean() == pytest.approx(1.0)
    assert counts.var() == pytest.approx(1 - 1 / n_firms, rel=0.05)
    # every row of a respondent gets the respondent's count
    multipliers = counts[:, draw.group_of_row]
    for f in range(5):
        rows = np.flatnonzero(survey.respondents == f)
        assert (multipliers[:, rows] == multipliers[:, rows[:1]]).all()


def test_without_respondents_evaluations_are_drawn_within_each_unit():
    survey = make_survey(respondents=False)
    draw = resampler(survey)
    assert draw.kind == "evaluations within units"
    counts = draw.counts(np.random.SeedSequence(2).spawn(50))
    rows_of_cluster = np.empty(len(draw.order), int)
    rows_of_cluster[draw.group_of_row[draw.group_of_row >= 0]] = \
        np.flatnonzero(draw.group_of_row >= 0)
    per_unit = np.stack([np.bincount(survey.unit_of_row[rows_of_cluster], weights=c,
                                     minlength=7) for c in counts])
    np.testing.assert_array_equal(per_unit, np.tile(np.bincount(survey.unit_of_row), (50, 1)))


def test_chunk_size_and_replicate_count_do_not_change_replicates():
    method = make_method(weighting=True)
    scores = scored(make_survey(), method, weighting=True)
    whole = bootstrap_replicates(scores, 40, seed=3, chunk=40)
    pieces = bootstrap_replicates(scores, 40, seed=3, chunk=7)
    np.testing.assert_array_equal(pieces.composite, whole.composite)
    np.testing.assert_array_equal(pieces.rank, whole.rank)
    first = bootstrap_replicates(scores, 15, seed=3, chunk=4)  # spawn(N)[r] ignores N
    np.testing.assert_array_equal(first.composite, whole.composite[:15])
    ci_whole, ci_pieces = intervals(scores, whole), intervals(scores, pieces)
    for u in ci_whole:
        np.testing.assert_allclose(ci_pieces[u]["composite"], ci_whole[u]["composite"],
                                   rtol=1e-12)
        assert ci_pieces[u]["rank"] == ci_whole[u]["rank"]


def test_same_seed_same_intervals_other_seed_other_intervals():
    method = make_method()
    scores = scored(make_survey(), method)
    first = with_intervals(scores, 60, seed=9).ci
    assert with_intervals(scores, 60, seed=9).ci == first
    other = with_intervals(scores, 60, seed=10)
    assert other.ci != first
    assert other.bootstrap["replicates"] == 60 and other.bootstrap["seed"] == 10
    assert scores.ci is None  # results are values: the nominal scores are not changed


def test_percentile_interval_is_the_2_5_and_97_5_percentiles():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(999, 3))
    a[::10, 1] = np.nan
    got = percentile_interval(a)
    for j in range(3):
        col = a[:, j][~np.isnan(a[:, j])]
        np.testing.assert_allclose(got[:, j], np.percentile(col, [2.5, 97.5]))
    ranks = rng.integers(1, 8, size=(200, 2)).astype(float)
    np.testing.assert_array_equal(percentile_interval(ranks, discrete=True),
                                  np.percentile(ranks, [2.5, 97.5], axis=0,
                                                method="inverted_cdf"))


def test_ci_entries_only_for_ranked_units_and_tied_with_next():
    method = make_method(min_responses=58)
    survey = make_survey(firms=200)  # units have 53–62 evaluations
    scores = scored(survey, method)
    scores = with_intervals(scores, 200, seed=1)
    ok = [u for u, s in enumerate(scores.status) if s == "ok"]
    assert set(scores.ci) == set(ok) and len(ok) == 5  # two units have < 58 evaluations
    for u in ok:
        ci = scores.ci[u]
        assert ci["composite"][0] <= ci["composite"][1]
        assert 1 <= ci["rank"][0] <= ci["rank"][1] and isinstance(ci["rank"][0], int)
        block_subs = {"a", "b"}
        assert set(ci["subindices"]) == block_subs
        if ci["next_difference"] is not None:
            lo, hi = ci["next_difference"]
            assert ci["tied_with_next"] == (lo <= 0 <= hi)


def test_tied_with_next_separates_close_and_distant_units():
    # units 0 and 1 draw from the same population, unit 2 is far below; one block
    rng = np.random.default_rng(4)
    unit = np.repeat([0, 1, 2], 200)
    means = np.array([4.0, 4.0, 2.0])[unit]
    X = np.clip(np.round(means[:, None] + rng.normal(0, 1, (600, 4))), 1, 5)
    survey = Survey("s.csv", None, 1, 600, ["A", "B", "C"], ["dist"] * 3, unit,
                    np.ones(600), X, np.arange(600) + 2)
    scores = scored(survey, make_method())
    scores = with_intervals(scores, 300, seed=0)
    order = [int(u) for u in np.argsort(scores.rank)]
    first, second, last = order
    assert scores.ci[first]["tied_with_next"] is True
    assert scores.ci[second]["tied_with_next"] is False
    assert scores.ci[last]["tied_with_next"] is None  # no next unit in the block


def test_negative_replicates_is_a_usage_error():
    scores = scored(make_survey(), make_method())
    with pytest.raises(UsageError):
        with_intervals(scores, -5)


# --------------------------------------------------------------------------- coverage


def test_intervals_of_mid_field_units_cover_the_population_composite():
    """A fixed population of 3,000 respondents per unit (12 units, 6 indicators); 200
    surveys of 60 respondents per unit, each with 400 replicates. The target is the
    composite computed from the population — population unit means, normalised with the
    population's own min and max. Mid-field units (ranks 3–10) must be covered in
    90–98% of cases."""
    units, per_unit, n, surveys = 12, 3000, 60, 200
    text = ('[input]\nunit_column = "u"\n[normalization]\nrange = [1, 10]\n'
            '[aggregation]\nmultiplier = 10\n')
    for k, weight in (("a", 2), ("b", 1)):
        text += f'[[subindices]]\nid = "{k}"\nweight = {weight}\n'
        for i in range(3):
            text += f'  [[subindices.indicators]]\n  id = "{k}{i}"\n  column = "{k}{i}"\n'
    method = parse_method(text)
    rng = np.random.default_rng(12345)
    quality = np.linspace(-1, 1, units)[:, None] + rng.normal(0, 0.3, (units, 6))
    population = np.clip(np.round(3 + quality[:, None, :]
                                  + rng.normal(0, 1, (units, per_unit, 6))), 1, 5)
    population[rng.random(population.shape) < 0.1] = np.nan
    plan = plan_blocks(method, ["all"] * units)[0]
    truth = block_pipeline(np.nanmean(population, axis=1), plan, method).composite
    mid = np.argsort(-truth)[2:-2]
    covered = []
    unit_of_row = np.repeat(np.arange(units), n)
    for s in range(surveys):
        X = np.concatenate([population[u, rng.choice(per_unit, n, replace=False)]
                            for u in range(units)])
        survey = Survey("sim", None, 1, len(X), [f"u{u}" for u in range(units)],
                        ["all"] * units, unit_of_row, np.ones(len(X)), X,
                        np.arange(len(X)) + 2)
        reps = bootstrap_replicates(scored(survey, method), 400, seed=s)
        lo, hi = percentile_interval(reps.composite)
        covered.append(((lo <= truth) & (truth <= hi))[mid])
    coverage = float(np.mean(covered))
    print(f"mid-field coverage {coverage:.4f}")
    assert 0.90 <= coverage <= 0.98


# --------------------------------------------------------------------------- CLI


def write_csv(survey: Survey, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["firm", "unit", "block", "size", "Q1", "Q2", "Q3", "Q4"])
        for r in range(survey.rows):
            u = survey.unit_of_row[r]
            w.writerow([f"F{survey.respondents[r]}", survey.units[u], survey.unit_blocks[u],
                        survey.extra["size"][r]]
                       + ["" if np.isnan(v) else int(v) for v in survey.X[r]])
    return path


@pytest.fixture
def files(tmp_path):
    survey = write_csv(make_survey(firms=200), tmp_path / "survey.csv")
    method = tmp_path / "method.toml"
    method.write_text(textwrap.dedent(METHOD).format(min_responses=5), "utf-8")
    return survey, method


def test_cli_bootstrap_json_is_reproducible_with_seed(ddci, files):
    survey, method = files
    first = ddci.score(survey, method, "--bootstrap", "100", "--seed", "4")
    again = ddci.score(survey, method, "--bootstrap", "100", "--seed", "4")
    other = ddci.score(survey, method, "--bootstrap", "100", "--seed", "5")
    assert first["units"] == again["units"]
    assert first["units"] != other["units"]
    assert first["bootstrap"]["replicates"] == 100 and first["seed"] == 4
    for unit in first["units"]:
        assert set(unit["ci"]) >= {"composite", "rank", "subindices", "tied_with_next"}
    plain = ddci.score(survey, method)
    assert all("ci" not in u for u in plain["units"]) and "bootstrap" not in plain


def test_cli_ranking_marks_units_tied_with_the_next(ddci, files):
    survey, method = files
    proc = ddci.run("score", survey, "-m", method, "--bootstrap", "100", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert "≈ next" in proc.stdout
    assert "bootstrap" not in proc.stderr  # no progress bar without a terminal
    bad = ddci.run("score", survey, "-m", method, "--bootstrap", "-3")
    assert bad.returncode == 2 and "--bootstrap" in bad.stderr


def test_cli_flat_outputs_have_interval_columns_for_every_unit(ddci, tmp_path):
    survey = write_csv(make_survey(firms=200), tmp_path / "survey.csv")
    method = tmp_path / "method.toml"
    method.write_text(textwrap.dedent(METHOD).format(min_responses=58), "utf-8")
    out = tmp_path / "out.csv"
    proc = ddci.run("score", survey, "-m", method, "--bootstrap", "50", "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 7
    for row in rows:
        has_interval = row["composite_ci_low"] != ""
        assert has_interval == (row["status"] == "ok")
        assert (row["rank_ci_high"] != "") == has_interval


# --------------------------------------------------------------------------- docs

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "ddci_haiphong_2024"


def test_docs_edge_example_figures():
    """The measured min-max edge example in docs/uncertainty.md."""
    from ddci_cli.pipeline import score

    scores, _ = score(SAMPLE.with_suffix(".xlsx"), SAMPLE.with_suffix(".toml"))
    reps = bootstrap_replicates(scores, 1000, seed=0, keep_scores=True)
    units = {name: u for u, name in enumerate(scores.survey.units)}
    ind = {i.id: j for j, i in enumerate(scores.method.indicators)}
    text = (ROOT / "docs" / "uncertainty.md").read_text(encoding="utf-8")
    for unit, indicator, low, high, share, bound in (
            ("Sở Du lịch", "en1", 9.065, 10.0, 73.4, 10.0),
            ("Ban Quản lý Khu kinh tế", "en1", 1.0, 1.0, 98.6, 1.0),
            ("Sở Ngoại vụ", "en2", 9.311, 10.0, 84.6, 10.0)):
        x = reps.scores[:, units[unit], ind[indicator]]
        lo, hi = percentile_interval(x)
        assert (round(lo, 3), round(hi, 3)) == (low, high)
        assert round(100 * np.mean(np.isclose(x, bound)), 1) == share
        assert f"[{low:.3f}, {high:.3f}] | {share}%" in text
    scores = with_intervals(scores, 1000, seed=0)
    lo, hi = scores.ci[units["Sở Tài chính"]]["composite"]
    assert (round(lo, 2), round(hi, 2)) == (83.02, 90.16)
    assert "87.68 with interval [83.02, 90.16]" in text


def test_rows_without_a_respondent_id_are_clusters_of_their_own(tmp_path):
    from ddci_cli.pipeline import read_survey

    path = tmp_path / "s.csv"
    path.write_text("firm,unit,block,Q1,Q2,Q3,Q4\nF1,U0,dept,1,2,3,\nF1,U4,dist,2,3,4,5\n"
                    ",U0,dept,3,3,3,\n,U4,dist,4,4,4,4\n,U0,dept,5,5,5,\n", "utf-8")
    survey = read_survey(path, make_method(min_responses=1))
    draw = resampler(survey)
    # F1 (two rows) is one cluster; each of the three rows without an id is its own
    assert len(draw.order) == 4
    assert draw.group_of_row[0] == draw.group_of_row[1]
    assert len(set(draw.group_of_row[2:])) == 3

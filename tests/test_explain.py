"""``ddci explain`` (SPEC §11): contributions that add up to the composite, gaps to the
block mean and to the unit above, and what-ifs whose promised rank the full pipeline
gives when the unit value is changed."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

import ddci_cli.scores as scores_module
from ddci_cli.errors import ProblemReport, UsageError
from ddci_cli.explain import explain
from ddci_cli.pipeline import score
from ddci_cli.scores import OK, score_survey

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
TOL = 1e-9


@pytest.fixture(scope="module", params=[2023, 2024])
def sample(request):
    year = request.param
    survey = SAMPLES / f"ddci_haiphong_{year}.xlsx"
    method = SAMPLES / f"ddci_haiphong_{year}.toml"
    scores, _ = score(survey, method)
    return survey, method, scores


def rescore(monkeypatch, scores, u: int, i: int, value: float):
    """The nominal pipeline of ``score`` from the unit values on (normalisation with its
    bounds from the data, aggregation, rounding keys, ranks), with unit ``u``'s value of
    indicator ``i`` replaced by ``value``."""
    original = scores.values

    def patched(*args, **kwargs):
        values = original.values.copy()
        values[u, i] = value
        return dataclasses.replace(original, values=values)

    with monkeypatch.context() as m:
        m.setattr(scores_module, "unit_values", patched)
        return score_survey(scores.survey, scores.method, ProblemReport())


def _check_sums(scores, doc):
    assert sum(s["contribution"] for s in doc["subindices"]) == pytest.approx(
        doc["composite"], abs=TOL)
    assert sum(i["contribution"] or 0.0 for i in doc["indicators"]) == pytest.approx(
        doc["composite"], abs=TOL)
    gaps = sum(s["contribution"] - s["block_mean_contribution"] for s in doc["subindices"])
    assert gaps == pytest.approx(doc["composite"] - doc["block_mean"], abs=TOL)
    ind_gaps = sum((i["contribution"] or 0.0) - i["block_mean_contribution"]
                   for i in doc["indicators"])
    assert ind_gaps == pytest.approx(doc["composite"] - doc["block_mean"], abs=TOL)
    if doc["above"]:
        assert sum(doc["above"]["subindices"].values()) == pytest.approx(
            doc["above"]["gap"], abs=TOL)
        assert doc["above"]["rank"] < doc["rank"]


@pytest.mark.slow
def test_every_unit_adds_up_and_every_what_if_holds(sample, monkeypatch):
    _, _, scores = sample
    method, proposed = scores.method, 0
    ids = [ind.id for ind in method.indicators]
    for u, status in enumerate(scores.status):
        doc = explain(scores, u)
        if status != OK:
            assert doc["composite"] is None and doc["what_if"] == []
            continue
        _check_sums(scores, doc)
        ranks = [w["rank"] for w in doc["what_if"]]
        assert ranks == sorted(ranks) and len(ranks) <= 3
        for w in doc["what_if"]:
            i = ids.index(w["indicator"])
            assert w["from"] == scores.values.values[u, i]
            block = [v for v in range(len(scores.status))
                     if scores.survey.unit_blocks[v] == doc["block"]
                     and scores.values.responses[v] >= method.min_responses]
            seen = scores.values.values[block, i]
            assert np.nanmin(seen) <= w["to"] <= np.nanmax(seen)   # within the observed range
            again = rescore(monkeypatch, scores, u, i, w["to"])
            assert again.rank[u] == w["rank"] < scores.rank[u]
            assert again.composite[u] == pytest.approx(w["composite"], abs=TOL)
            proposed += 1
    assert proposed >= 10


def test_arithmetic_contributions_follow_the_formula(sample):
    _, _, scores = sample
    method = scores.method
    u = next(v for v, s in enumerate(scores.status) if s == OK and scores.rank[v] > 3)
    doc = explain(scores, scores.survey.units[u])
    _check_sums(scores, doc)
    weights = {k.id: k.weight for k in method.subindices}
    total = sum(weights[s["id"]] for s in doc["subindices"] if s["score"] is not None)
    for s in doc["subindices"]:
        assert s["contribution"] == pytest.approx(
            method.multiplier * weights[s["id"]] / total * s["score"], abs=TOL)
    assert doc["block_mean"] == pytest.approx(np.mean(
        [scores.composite[v] for v in range(len(scores.status))
         if scores.status[v] == OK and scores.survey.unit_blocks[v] == doc["block"]]))


def test_geometric_contributions_still_add_up(tmp_path):
    text = (SAMPLES / "ddci_haiphong_2024.toml").read_text(encoding="utf-8")
    text = text.replace('subindex = "arithmetic"', 'subindex = "geometric"').replace(
        'composite = "arithmetic"', 'composite = "geometric"')
    method = tmp_path / "geometric.toml"
    method.write_text(text, encoding="utf-8")
    scores, _ = score(SAMPLES / "ddci_haiphong_2024.xlsx", method)
    assert scores.method.composite_aggregation == "geometric"
    for u in [v for v, s in enumerate(scores.status) if s == OK][:8]:
        doc = explain(scores, u)
        _check_sums(scores, doc)
        logs = {s["id"]: np.log(s["score"]) for s in doc["subindices"]}
        k = doc["subindices"][0]
        # shares of ln(C/multiplier): each contribution is C·W'_k·ln S_k / ln(C/multiplier)
        weights = {s.id: s.weight for s in scores.method.subindices}
        total = sum(weights[i] for i in logs)
        expect = doc["composite"] * (weights[k["id"]] / total) * logs[k["id"]] / np.log(
            doc["composite"] / scores.method.multiplier)
        assert k["contribution"] == pytest.approx(expect, rel=1e-9)


def test_unknown_and_unranked_units(sample):
    _, _, scores = sample
    with pytest.raises(UsageError, match="no unit named"):
        explain(scores, "Sở Không Có")
    name = scores.survey.units[0]
    assert explain(scores, name.upper())["unit"] == name    # case does not matter


@pytest.mark.slow
def test_explain_command_json_and_terminal(ddci):
    survey = SAMPLES / "ddci_haiphong_2024.xlsx"
    method = SAMPLES / "ddci_haiphong_2024.toml"
    proc = ddci.run("explain", survey, "-m", method, "Sở Nội vụ", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    for key in ("schema_version", "unit", "block", "composite", "rank", "block_mean",
                "subindices", "indicators", "what_if"):
        assert key in doc
    assert set(doc["subindices"][0]) >= {"id", "score", "weight", "contribution",
                                         "block_mean_contribution"}
    assert set(doc["indicators"][0]) >= {"id", "subindex", "value", "score", "contribution"}
    assert all(set(w) >= {"indicator", "from", "to", "rank"} for w in doc["what_if"])
    text = ddci.run("explain", survey, "-m", method, "Sở Nội vụ", "--lang", "en")
    assert text.returncode == 0, text.stderr
    assert "Contribution" in text.stdout and "Sở Nội vụ" in text.stdout
    missing = ddci.run("explain", survey, "-m", method, "Nội")
    assert missing.returncode == 2 and "Sở Nội vụ" in missing.stderr

"""``ddci sensitivity`` with the SPEC §10 steps varied: the runs' prepared values are
stacked so each block and (normalisation × aggregation) pair is one ``block_pipeline``
call, with every run's ranks those of the method under that run's choices."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

import ddci_cli.uncertainty.sensitivity as sens
from ddci_cli.errors import ProblemReport
from ddci_cli.method import parse_method
from ddci_cli.method.sensitivity import resolve_settings
from ddci_cli.pipeline import score
from ddci_cli.scores import score_survey
from test_treatment import method_text, write_survey

TABLES = ('[imputation]\nmethod = "mean"\nby = "grp"\n[treatment]\nmethod = "winsorise"\n'
          '[sensitivity]\ntreatment = ["none", "winsorise"]\n'
          'imputation = ["none", "mean", "median"]\nwinmax = [1, 5]\n'
          'min_responses = [1, 2]\nnormalization = ["minmax", "zscore"]\nruns = 80\n')


def toy(tmp_path):
    """39 units in two blocks, some evaluated twice (so min_responses 2 drops units), a
    skewed indicator with gaps."""
    rows = [(f"u{k}", "X" if k % 3 else "Y", "g" if k % 2 else "h", 1,
             k ** 3 if k % 7 else "", (k * 37) % 23) for k in range(1, 40)]
    rows += [r for r in rows if int(r[0][1:]) % 4 == 0]
    method = parse_method(method_text(TABLES))
    scores, _ = score(write_survey(tmp_path, rows), method)
    return method, scores


def test_one_pipeline_call_per_block_and_normalisation(tmp_path, monkeypatch):
    method, scores = toy(tmp_path)
    calls = []
    real = sens.block_pipeline

    def counting(x, plan, *args, **kw):
        calls.append((plan.block, x.shape[0]))
        return real(x, plan, *args, **kw)

    monkeypatch.setattr(sens, "block_pipeline", counting)
    s = resolve_settings(method)
    sens.uncertainty_analysis(scores, s, seed=1)
    assert sorted(b for b, _ in calls) == ["X", "X", "Y", "Y"]
    assert max(v for _, v in calls) > 1  # the variants are stacked along the batch axis


def test_each_run_ranks_as_the_method_with_its_choices(tmp_path):
    method, scores = toy(tmp_path)
    s = resolve_settings(method)
    result = sens.analyse(scores, s, seed=5)
    seen = set()
    d = result.draws
    for r in range(s.runs):
        t, i = s.treatment[d.treatment[r]], s.imputation[d.imputation[r]]
        w, m = s.winmax[d.winmax[r]], s.min_responses[d.min_responses[r]]
        seen.add((t, i, w, m))
        run = replace(method, treatment=replace(method.treatment, method=t, winmax=w),
                      imputation=replace(method.imputation, method=i), min_responses=m,
                      normalization=s.normalization[d.normalization[r]])
        want = score_survey(scores.survey, run, ProblemReport())
        np.testing.assert_array_equal(result.ranks[r], want.rank, err_msg=str((t, i, w, m)))
    assert len(seen) >= 20


def test_flags_name_the_steps_through_the_cli(tmp_path):
    import json

    from test_bad_inputs import run_cli

    rows = [(f"u{k}", "X", "g" if k % 2 else "h", 1, k ** 3 if k % 7 else "", k % 5)
            for k in range(1, 25)]
    survey = write_survey(tmp_path, rows)
    method = tmp_path / "method.toml"
    method.write_text(method_text(), encoding="utf-8")  # no [imputation], no [treatment]
    code, out, err = run_cli("sensitivity", survey, "-m", method, "--runs", "30", "--json",
                             "--treatment", "none,winsorise", "--imputation", "none,median",
                             "--winmax", "1,5")
    assert code == 0, err
    settings = json.loads(out)["settings"]
    assert (settings["treatment"], settings["imputation"], settings["winmax"]) == \
        (["none", "winsorise"], ["none", "median"], [1, 5])
    assert settings["weights"] == 0.0  # naming the steps alone leaves the weights fixed
    for flag, value in (("--winmax", "2.5"), ("--treatment", "trim"),
                        ("--imputation", "knn")):
        code, _, err = run_cli("sensitivity", survey, "-m", method, "--runs", "10", flag,
                               value)
        assert code == 2 and flag in err, (flag, err)

"""The Python API (ddci_cli.api) and docs/python.md, which must run as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ddci_cli as ddci
from ddci_cli.errors import InputError, UsageError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "ddci_haiphong_2024.xlsx"
METHOD = ROOT / "data" / "samples" / "ddci_haiphong_2024.toml"


@pytest.fixture(scope="module")
def results():
    return ddci.score(SAMPLE, METHOD)


def test_docs_python_session_runs(tmp_path, monkeypatch):
    text = (ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 8
    for name in ("data", "docs"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/python.md", "exec"), namespace)
    assert "missing_column" in namespace["codes"]
    assert (tmp_path / "ranking-2024.png").stat().st_size > 10_000
    assert (tmp_path / "report-2024.xlsx").stat().st_size > 10_000
    assert len(namespace["risers"]) == 5 and (namespace["risers"]["rank_change"] > 0).all()
    assert list(namespace["tiny"].units["unit"]) == ["X", "Y", "Z"]


def test_units_frame_is_the_json_document(results):
    doc = results.to_dict()
    frame = results.units
    assert list(frame.columns) == ["block", "unit", "status", "responses", "composite",
                                   "rank", "tier"]
    assert list(frame["unit"]) == [u["unit"] for u in doc["units"]]
    for row, unit in zip(frame.itertuples(), doc["units"]):
        assert (None if pd.isna(row.rank) else int(row.rank)) == unit["rank"]
        assert (None if np.isnan(row.composite) else row.composite) == unit["composite"]
        assert row.tier == unit["tier"] or (unit["tier"] is None and row.tier is None)
    assert frame["rank"].dtype == "Int64"


def test_to_dict_equals_score_json(results, ddci):
    cli = ddci.score(SAMPLE, METHOD)
    api = results.to_dict()
    assert cli["units"] == api["units"]
    assert json.dumps(api, allow_nan=False)


def test_subindices_and_indicators_frames(results):
    doc = {u["unit"]: u for u in results.to_dict()["units"]}
    sub = results.subindices
    block, unit = sub.index[0]
    for k, v in doc[unit]["subindices"].items():
        assert (np.isnan(sub.loc[(block, unit), k]) if v is None else
                sub.loc[(block, unit), k] == v)
    ind = results.indicators
    first = ind.iloc[0]
    item = doc[first["unit"]]["indicators"][first["indicator"]]
    assert (first["value"], first["score"], first["n"]) == (item["value"], item["score"],
                                                            item["n"])
    assert len(ind) == sum(len(u["indicators"]) for u in doc.values())


def test_rescore_equals_scoring_with_the_changed_method(results, tmp_path):
    text = METHOD.read_text(encoding="utf-8")
    changed = re.sub(r'(\[normalization\][^\[]*?method = )"minmax"', r'\1"zscore"', text,
                     count=1, flags=re.S)
    assert changed != text
    path = tmp_path / "zscore.toml"
    path.write_text(changed, encoding="utf-8")
    expected = ddci.score(SAMPLE, path).to_dict()["units"]
    got = results.rescore(normalization="zscore").to_dict()["units"]
    assert got == expected
    assert results.to_dict()["units"] != got  # the original results are not changed


def test_rescore_weights_and_bad_settings(results):
    sub = results.method.subindices[0].id
    heavier = results.rescore(weights={sub: 1e9})
    # with one sub-index almost all the weight, the composite order follows that sub-index
    doc = heavier.to_dict()["units"]
    ranked = [u for u in doc if u["rank"] is not None and u["block"] == doc[0]["block"]]
    values = [u["subindices"][sub] for u in ranked if u["subindices"].get(sub) is not None]
    assert values == sorted(values, reverse=True)
    with pytest.raises(UsageError):
        results.rescore(normalisation="zscore")
    with pytest.raises(UsageError):
        results.rescore(weights={sub: float("inf")})
    with pytest.raises(UsageError):
        results.rescore(weights={"no_such_thing": 1})


def test_bootstrap_returns_new_results_with_intervals(results):
    boot = results.bootstrap(40, seed=3)
    assert results.scores.ci is None
    frame = boot.units
    ok = frame[frame.status == "ok"]
    assert (ok["composite_low"] <= ok["composite"]).all()
    assert (ok["composite"] <= ok["composite_high"]).all()
    assert boot.to_dict()["units"] == results.bootstrap(40, seed=3).to_dict()["units"]


def test_dataframe_survey_scores_like_the_file():
    csv = ROOT / "docs" / "examples" / "tiny.csv"
    method = ROOT / "docs" / "examples" / "tiny.toml"
    from_file = ddci.score(csv, method).to_dict()["units"]
    frame = pd.read_csv(csv, sep=";", skiprows=2, dtype=str, keep_default_na=False)
    from_frame = ddci.score(frame, method).to_dict()["units"]
    assert from_frame == from_file


def test_dataframe_problems_name_the_frame_row():
    frame = pd.DataFrame({"Đơn vị": ["X", "X", "Y"], "w": [1, 1, 1], "A1": ["4", "abc", "3"],
                          "A2": [1, 2, 3], "B1": [1.5, 2.0, None]})
    with pytest.raises(InputError) as caught:
        ddci.score(frame, ROOT / "docs" / "examples" / "tiny.toml")
    bad = [p for p in caught.value.report.problems if p.code == "non_numeric_value"]
    assert bad and bad[0].row == 3  # the header is row 1, the frame's second row is row 3


def test_sensitivity_frame(results):
    robust = ddci.sensitivity(results, runs=64, weights=0.25, seed=2)
    assert {"unit", "nominal_rank", "mean_rank", "q05_rank", "q95_rank"} <= set(robust.columns)
    again = ddci.sensitivity(results, runs=64, weights=0.25, seed=2)
    pd.testing.assert_frame_equal(robust, again)


def test_explain_matches_the_command(results, ddci):
    unit = results.units.iloc[3]["unit"]
    doc = results.explain(unit)
    assert doc["unit"] == unit and doc["rank"] == int(results.units.iloc[3]["rank"])
    total = sum(k["contribution"] for k in doc["subindices"])
    assert abs(total - doc["composite"]) < 1e-9
    proc = ddci.run("explain", SAMPLE, "-m", METHOD, unit, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == json.loads(json.dumps(doc))


def test_rescore_keeps_the_imputation_groups():
    """Imputation by a unit attribute: a re-run with another setting imputes from the same
    groups as the first run (the value imputed for U4 is its group's mean, 4, not the block
    mean)."""
    frame = pd.DataFrame({
        "unit": ["U1", "U2", "U3", "U4", "U5"], "grp": ["g", "g", "h", "g", "h"],
        "a": [3.0, 5.0, 1.0, None, 2.0], "b": [1.0, 2.0, 3.0, 4.0, 5.0]})
    text = ('[input]\nunit_column = "unit"\n[imputation]\nmethod = "mean"\nby = "grp"\n'
            '[[subindices]]\nid = "s"\n  [[subindices.indicators]]\n  id = "a"\n  column = "a"\n'
            '  [[subindices.indicators]]\n  id = "b"\n  column = "b"\n')
    from ddci_cli.method.load import parse_method

    first = ddci.score(frame, parse_method(text))
    again = first.rescore(decimals=4)

    def imputed(results):
        row = results.to_dict()["units"]
        return next(u for u in row if u["unit"] == "U4")["indicators"]["a"]

    assert imputed(first)["imputed"] and imputed(first)["value"] == 4.0
    assert imputed(again) == imputed(first)


def test_rescore_keeps_the_warnings_of_reading():
    """A re-run scores the same unit values, so what reading them warned about still
    stands (here `1.000` in a column of small numbers); scoring's own warnings are made
    again by the re-run."""
    frame = pd.DataFrame({"Đơn vị": ["X", "X", "Y", "Y"], "w": [1, 1, 1, 1],
                          "A1": ["4", "Không biết", "3", "1.000"], "A2": [1, 2, 3, 3],
                          "B1": [1.5, 2.0, None, 1]})
    first = ddci.score(frame, ROOT / "docs" / "examples" / "tiny.toml")
    codes = [p.code for p in first.problems]
    assert "ambiguous_separator" in codes
    assert [p.code for p in first.rescore(decimals=3).problems] == codes

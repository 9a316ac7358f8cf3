"""``ddci diagnose``: skewness G1 and excess kurtosis G2 per block and indicator over the
eligible units' values (SPEC §10 formulas), and the units winsorising would treat, in
--json, the terminal and the .xlsx output."""

from __future__ import annotations

import json
import math

import pytest
from openpyxl import load_workbook

from test_bad_inputs import run_cli
from test_treatment import method_text, write_survey

# block X: a = 1, 2, 3, 4, 100 (one outlier), b spread evenly; block Y: 3 units (< 4 values)
ROWS = [("x1", "X", "g", 1, 1, 1), ("x2", "X", "g", 1, 2, 2), ("x3", "X", "g", 1, 3, 3),
        ("x4", "X", "g", 1, 4, 4), ("x5", "X", "g", 1, 100, 5),
        ("y1", "Y", "g", 1, 1, 1), ("y2", "Y", "g", 1, 2, 5), ("y3", "Y", "g", 1, 50, 9)]


def g1_g2(values: list[float]) -> tuple[float, float]:
    """SPEC §10 by hand: central moments with divisor n."""
    n = len(values)
    mean = sum(values) / n
    m2, m3, m4 = (sum((v - mean) ** k for v in values) / n for k in (2, 3, 4))
    g1 = math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2 ** 1.5
    g2 = ((n + 1) * (m4 / m2 ** 2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return g1, g2


def files(tmp_path, tables=""):
    survey = write_survey(tmp_path, ROWS)
    method = tmp_path / "method.toml"
    method.write_text(method_text(tables), encoding="utf-8")
    return survey, method


def test_json_g1_g2_by_hand_and_the_units_treated(tmp_path):
    survey, method = files(tmp_path)
    code, out, err = run_cli("diagnose", survey, "-m", method, "--json")
    assert code == 0, err
    outliers = json.loads(out)["outliers"]
    assert outliers["settings"] == {"winmax": 5, "skew": 2.0, "kurtosis": 3.5,
                                    "fallback": "log", "from": "default",
                                    "imputation": "none"}
    found = {(o["block"], o["indicator"]): o for o in outliers["indicators"]}
    a = found[("X", "a")]
    g1, g2 = g1_g2([1, 2, 3, 4, 100])
    assert g1 > 2 and g2 > 3.5  # fails: both over the thresholds
    assert a["skewness"] == pytest.approx(g1, abs=1e-12)
    assert a["kurtosis"] == pytest.approx(g2, abs=1e-12)
    assert (a["n"], a["passes"], a["points"], a["would_winsorise"], a["log"]) == \
        (5, False, 1, ["x5"], False)
    b = found[("X", "b")]
    assert b["skewness"] == pytest.approx(0.0, abs=1e-12)
    assert b["kurtosis"] == pytest.approx(g1_g2([1, 2, 3, 4, 5])[1], abs=1e-12)
    assert b["passes"] is True and b["would_winsorise"] == [] and b["points"] == 0
    y = found[("Y", "a")]  # three values: null, untouched
    assert y["n"] == 3 and y["skewness"] is None and y["kurtosis"] is None
    assert y["passes"] is None and y["would_winsorise"] == []


def test_the_methods_settings(tmp_path):
    survey, method = files(tmp_path, '[treatment]\nmethod = "winsorise"\nskew = 5\n')
    code, out, err = run_cli("diagnose", survey, "-m", method, "--json")
    assert code == 0, err
    outliers = json.loads(out)["outliers"]
    assert outliers["settings"]["from"] == "method" and outliers["settings"]["skew"] == 5
    a = next(o for o in outliers["indicators"] if (o["block"], o["indicator"]) == ("X", "a"))
    assert a["passes"] is True and a["would_winsorise"] == []  # |G1| ≈ 2.2 < 5


def test_only_eligible_units_count(tmp_path):
    """min_responses = 2 and x5 has one evaluation: a is 1, 2, 3, 4 over four units."""
    survey = write_survey(tmp_path, ROWS + [r for r in ROWS if r[0] != "x5"])
    method = tmp_path / "method.toml"
    method.write_text(method_text().replace('block_column = "block"',
                                            'block_column = "block"\nmin_responses = 2'),
                      encoding="utf-8")
    code, out, err = run_cli("diagnose", survey, "-m", method, "--json")
    assert code == 0, err
    a = next(o for o in json.loads(out)["outliers"]["indicators"]
             if (o["block"], o["indicator"]) == ("X", "a"))
    assert a["n"] == 4 and a["skewness"] == pytest.approx(g1_g2([1, 2, 3, 4])[0], abs=1e-12)
    assert a["kurtosis"] == pytest.approx(g1_g2([1, 2, 3, 4])[1], abs=1e-12)


def test_terminal_and_workbook(tmp_path):
    survey, method = files(tmp_path)
    code, out, err = run_cli("diagnose", survey, "-m", method, "--lang", "en")
    assert code == 0, err
    assert "Skewness G1 and kurtosis G2" in out
    line = next(ln for ln in out.splitlines() if " x5" in ln)
    assert f"{g1_g2([1, 2, 3, 4, 100])[0]:.2f}" in line
    book = tmp_path / "diag.xlsx"
    code, _, err = run_cli("diagnose", survey, "-m", method, "-o", book, "--lang", "en")
    assert code == 0, err
    ws = load_workbook(book)["Distribution"]
    heads = [c.value for c in ws[1]]
    assert heads[:5] == ["block", "indicator", "n", "skewness G1", "kurtosis G2"]
    assert heads[5] == "passes (|G1| < 2 or G2 < 3.5)"
    rows = {(r[0], r[1]): r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[("X", "a")][3] == pytest.approx(g1_g2([1, 2, 3, 4, 100])[0])
    assert rows[("X", "a")][5:] == ("no", 1, "x5", "no")
    assert rows[("Y", "a")][3] is None

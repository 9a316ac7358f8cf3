"""Differential test: the real ``ddci score --json`` against the plain reference scorer in
oracle.py (SPEC §4), on random small methods and surveys, plus hand-picked cases.

Example counts: ``DDCI_ORACLE_EXAMPLES`` (default 60) for the normal run, and
``DDCI_ORACLE_SLOW_EXAMPLES`` (default 500) for the ``slow`` test. Both are derandomized,
so every run tests the same examples.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import os
import random
import sys
import tempfile
import tomllib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, note, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracle  # noqa: E402

FAST_EXAMPLES = int(os.environ.get("DDCI_ORACLE_EXAMPLES", "60"))
SLOW_EXAMPLES = max(500, int(os.environ.get("DDCI_ORACLE_SLOW_EXAMPLES", "500")))

REL_TOL = 1e-9
ABS_TOL = 1e-9

# Weights and coverages whose sums and products are exact in binary floating point, so
# the coverage rule cannot be decided by rounding noise; non-integer weights included.
WEIGHTS = [1, 2, 0.5, 1.5, 0.25, 3, 1.25, 2.5]
COVERAGES = [0, 0.25, 0.5, 0.75, 1, 0.3, 0.6, 0.9, 0.4]
ROW_WEIGHTS = ["0", "0.5", "1", "1.7", "2.25", "3", "0.8", "1", "1"]


# ----------------------------------------------------------------- running ddci

def _app():
    from ddci_cli.cli import app
    return getattr(app, "app", app)  # the module, while the package re-exports lazily


def run_score(survey: Path, method: Path) -> tuple[int, dict | None, str]:
    from typer.testing import CliRunner

    result = CliRunner().invoke(_app(), ["score", str(survey), "-m", str(method), "--json"])
    try:
        doc = json.loads(result.stdout)
    except json.JSONDecodeError:
        doc = None
    stderr = ""
    try:
        stderr = result.stderr
    except (ValueError, AttributeError):
        pass
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += f"\nexception: {result.exception!r}"
    return result.exit_code, doc, stderr


# ------------------------------------------------------------------ writing files

def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(value)


def toml_text(method: dict) -> str:
    """The small subset of TOML the generated methods need."""
    lines = []
    for name in ("index", "input", "normalization", "aggregation", "ranking"):
        if name in method:
            lines.append(f"[{name}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in method[name].items()]
            lines.append("")
    for block in method.get("blocks", []):
        lines.append("[[blocks]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in block.items()]
        lines.append("")
    for sub in method["subindices"]:
        lines.append("[[subindices]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in sub.items() if k != "indicators"]
        for ind in sub["indicators"]:
            lines.append("  [[subindices.indicators]]")
            lines += [f"  {k} = {_toml_value(v)}" for k, v in ind.items()]
        lines.append("")
    for tier in method.get("tiers", []):
        lines.append("[[tiers]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in tier.items()]
        lines.append("")
    return "\n".join(lines) + "\n"


def write_case(folder: Path, header: list[str], table: list[list[str]], method_text: str):
    survey = folder / "survey.csv"
    with open(survey, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(table)
    method = folder / "method.toml"
    method.write_text(method_text, encoding="utf-8")
    return survey, method


def oracle_rows(header: list[str], table: list[list[str]], method: dict) -> list[dict]:
    """The CSV table as the oracle's rows: texts become exact decimals, blank is None."""
    inp = method["input"]
    data_columns = {ind.get("column", ind["id"]) for sub in method["subindices"]
                    for ind in sub["indicators"]}
    rows = []
    for cells in table:
        row = {}
        for name, text in zip(header, cells):
            if name == inp["unit_column"]:
                row["unit"] = text
            elif name == inp.get("block_column"):
                row["block"] = text
            elif name == inp.get("weight_column"):
                row["weight"] = Decimal(text)
            elif name in data_columns:
                row[name] = Decimal(text) if text.strip() else None
        row.setdefault("block", None)
        rows.append(row)
    return rows


# ------------------------------------------------------------------ comparing

def close(a, b, noise: float = 0.0) -> bool:
    """Equal to 1e-9 (relative, absolute near zero), or within the oracle's bound on the
    double-precision error of an ill-conditioned normalisation."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=max(ABS_TOL, noise))


def compare(doc: dict, expected: list[dict], method: dict) -> None:
    """Assert ddci's JSON document agrees with the oracle's results."""
    problems = []
    got = {u["unit"]: u for u in doc["units"]}
    assert sorted(got) == sorted(r["unit"] for r in expected), \
        f"units differ: ddci {sorted(got)}, oracle {sorted(r['unit'] for r in expected)}"
    for exp in expected:
        name = exp["unit"]
        unit = got[name]
        for field in ("block", "responses", "status"):
            if unit[field] != exp[field]:
                problems.append(f"{name}: {field} ddci {unit[field]!r}, oracle {exp[field]!r}")
        if set(unit["indicators"]) != set(exp["indicators"]):
            problems.append(f"{name}: indicators ddci {sorted(unit['indicators'])}, "
                            f"oracle {sorted(exp['indicators'])}")
        for ind, e in exp["indicators"].items():
            g = unit["indicators"].get(ind)
            if g is None:
                continue
            if g["n"] != e["n"]:
                problems.append(f"{name}/{ind}: n ddci {g['n']}, oracle {e['n']}")
            for field in ("value", "score"):
                noise = exp["noise"]["indicators"][ind] if field == "score" else 0.0
                if not close(g[field], e[field], noise):
                    problems.append(f"{name}/{ind}: {field} ddci {g[field]!r}, "
                                    f"oracle {e[field]!r}")
        if set(unit["subindices"]) != set(exp["subindices"]):
            problems.append(f"{name}: sub-indices ddci {sorted(unit['subindices'])}, "
                            f"oracle {sorted(exp['subindices'])}")
        for sub, e in exp["subindices"].items():
            if sub in unit["subindices"] and not close(unit["subindices"][sub], e,
                                                       exp["noise"]["subindices"].get(sub, 0)):
                problems.append(f"{name}/{sub}: sub-index ddci {unit['subindices'][sub]!r}, "
                                f"oracle {e!r}")
        if not close(unit["composite"], exp["composite"], exp["noise"]["composite"]):
            problems.append(f"{name}: composite ddci {unit['composite']!r}, "
                            f"oracle {exp['composite']!r}")
    assert not problems, "\n".join(problems)

    # Ranks and tiers. (1) From ddci's own composites, by the oracle's rule: exact, with
    # no floating-point excuse. (2) The oracle's own ranks and tiers, in every block where
    # no composite sits within a few ulps of a rounding half.
    decimals = int(method.get("ranking", {}).get("decimals", 2))
    tiers = method.get("tiers", [])
    for block in {r["block"] for r in expected}:
        ok = {u["unit"]: u["composite"] for u in doc["units"]
              if u["block"] == block and u["status"] == "ok"}
        for name, (rank, tier) in oracle.rank_and_tier(ok, decimals, tiers).items():
            g = got[name]
            if (g["rank"], g["tier"]) != (rank, tier):
                key = oracle.rounding_key(g["composite"], decimals)
                problems.append(
                    f"{name}: composite {g['composite']!r} at decimals {decimals} has key "
                    f"{key}; rank/tier ddci ({g['rank']}, {g['tier']!r}), by the rule "
                    f"({rank}, {tier!r})")
        block_units = [r for r in expected if r["block"] == block]
        fragile = any(oracle.key_is_fragile(r["exact"]["composite"], decimals,
                                            r["noise"]["composite"])
                      for r in block_units if r["status"] == "ok")
        for exp in block_units:
            g = got[exp["unit"]]
            if exp["status"] != "ok":
                if (g["rank"], g["tier"]) != (None, None):
                    problems.append(f"{exp['unit']}: status {exp['status']} but rank "
                                    f"{g['rank']!r}, tier {g['tier']!r}")
            elif not fragile and (g["rank"], g["tier"]) != (exp["rank"], exp["tier"]):
                problems.append(f"{exp['unit']}: rank/tier ddci ({g['rank']}, {g['tier']!r}),"
                                f" oracle ({exp['rank']}, {exp['tier']!r}) key {exp['key']}")
    assert not problems, "\n".join(problems)


def rank_ties_are_fragile(expected: list[dict], method: dict) -> bool:
    """True when some unit value of a rank-normalised indicator sits within a few ulps of
    a 10-significant-digit half, where float noise in the unit value decides the tie."""
    if method.get("normalization", {}).get("method", "minmax") != "rank":
        return False
    return any(r["status"] != "insufficient_responses" and v["value"] is not None
               and oracle.significant_key_is_fragile(v["value"])
               for r in expected for v in r["exact"]["indicators"].values())


# ------------------------------------------------------------------ generating

@st.composite
def direct_methods(draw):
    """One indicator, ``none``, multiplier 1: each composite is a unit value, so values
    written on a rounding half reach the rounding key unchanged."""
    blocks = ["b1", "b2"][:draw(st.integers(1, 2))]
    method = {
        "index": {"name": "oracle"},
        "input": {"unit_column": "unit", "block_column": "block"},
        "normalization": {"method": "none"},
        "aggregation": {"multiplier": 1},
        "ranking": {"decimals": draw(st.one_of(st.integers(0, 12), st.integers(7, 12),
                                               st.integers(7, 12)))},
        "blocks": [{"id": b} for b in blocks],
        "subindices": [{"id": "s1", "indicators": [{"id": "i1", "column": "C1"}]}],
    }
    if draw(st.booleans()):
        method["input"]["weight_column"] = "weight"
    return method


@st.composite
def methods(draw, norm: str | None = None):
    n_blocks = draw(st.integers(1, 2))
    blocks = ["b1", "b2"][:n_blocks]
    sub_how = draw(st.sampled_from(["arithmetic", "arithmetic", "geometric"]))
    comp_how = draw(st.sampled_from(["arithmetic", "arithmetic", "geometric"]))
    geometric = "geometric" in (sub_how, comp_how)
    if norm is None:
        norm = draw(st.sampled_from(["minmax", "goalposts", "zscore", "rank", "none"]))
    if geometric:  # every score stays > 0
        rng = draw(st.sampled_from([[1, 10], [1, 100], [2, 5], [0.5, 1.5]]))
        zs = draw(st.sampled_from([[100, 1], [100, 10], [50, 5]]))
    else:
        rng = draw(st.sampled_from([[0, 100], [1, 10], [-1, 1], [0, 1], [-50, 50], [1, 7]]))
        zs = draw(st.sampled_from([[0, 1], [50, 10], [100, 15], [-3, 0.5]]))
    method = {
        "index": {"name": "oracle"},
        "input": {"unit_column": "unit", "block_column": "block",
                  "min_responses": draw(st.sampled_from([1, 1, 1, 2, 3, 4])),
                  "min_indicator_responses": draw(st.sampled_from([1, 1, 1, 2, 3]))},
        "normalization": {"method": norm, "range": rng, "zscore": zs},
        "aggregation": {"subindex": sub_how, "composite": comp_how,
                        "multiplier": draw(st.sampled_from([1, 10, 2.5, 0.1, 100])),
                        "min_coverage": draw(st.sampled_from(COVERAGES))},
        "ranking": {"decimals": draw(st.one_of(st.integers(0, 12), st.integers(7, 12)))},
        "blocks": [{"id": b} for b in blocks],
        "subindices": [],
    }
    if draw(st.booleans()):
        method["input"]["weight_column"] = "weight"
    if draw(st.integers(0, 3)) == 0:
        method["input"]["missing_codes"] = [9]  # outside valid: cells "9" are missing
    column = 0
    for k in range(draw(st.integers(1, 3))):
        sub = {"id": f"s{k + 1}", "weight": draw(st.sampled_from(WEIGHTS))}
        sub_blocks = blocks
        if n_blocks == 2 and draw(st.booleans()):
            sub_blocks = draw(st.sampled_from([["b1"], ["b2"], ["b1", "b2"]]))
            sub["blocks"] = sub_blocks
        sub["indicators"] = []
        for _ in range(draw(st.integers(1, 3))):
            column += 1
            ind = {"id": f"i{column}", "column": f"C{column}"}
            statistic = "mean"
            if not (norm == "none" and geometric) and draw(st.integers(0, 3)) == 0:
                statistic = "share"
            if norm != "none" and draw(st.booleans()):
                ind["direction"] = "negative"
            elif draw(st.booleans()):
                ind["direction"] = "positive"
            ind["valid"] = [1, 5]
            if statistic == "share":
                ind["statistic"] = "share"
                if draw(st.booleans()):
                    ind["share_of"] = sorted(draw(st.sets(st.integers(1, 5), min_size=1,
                                                          max_size=4)))
                else:
                    lo = draw(st.integers(1, 4))
                    ind["share_range"] = [lo, draw(st.integers(lo + 1, 5))]
                if norm == "goalposts" and draw(st.booleans()):
                    ind["goalposts"] = draw(st.sampled_from([[20, 80], [0, 50], [10, 100]]))
            elif norm == "goalposts" and draw(st.booleans()):
                ind["goalposts"] = draw(st.sampled_from([[2, 4], [1, 5], [1.5, 4.5], [0, 10]]))
            ind["weight"] = draw(st.sampled_from(WEIGHTS))
            if draw(st.integers(0, 4)) == 0:
                ind["missing_codes"] = [0]
            if len(sub_blocks) == 2 and draw(st.integers(0, 3)) == 0:
                ind["blocks"] = [draw(st.sampled_from(sub_blocks))]
            sub["indicators"].append(ind)
        # a sub-index has at least one indicator in every block it exists in
        for b in sub_blocks:
            if not any(b in ind.get("blocks", sub_blocks) for ind in sub["indicators"]):
                sub["indicators"][0].pop("blocks", None)
        method["subindices"].append(sub)
    # every block has at least one sub-index
    for b in blocks:
        if not any(b in s.get("blocks", blocks) for s in method["subindices"]):
            method["subindices"][0].pop("blocks", None)
    if n_blocks == 1 and draw(st.integers(0, 3)) == 0:
        # no [[blocks]]: every unit is in the one block "all"
        del method["blocks"]
        del method["input"]["block_column"]
        for sub in method["subindices"]:
            sub.pop("blocks", None)
            for ind in sub["indicators"]:
                ind.pop("blocks", None)
    return method


def near_tie_values(rnd: random.Random) -> list[str]:
    """Texts that tie at 10 significant digits: first one on the half that rounds up
    (``…5`` as 11th digit) and the 10-digit value it rounds to, then a 10-digit value and
    three more differing from it only after the 10th digit, in random order."""
    base = Decimal(f"{rnd.randint(1, 4)}.{rnd.randint(0, 10 ** 9 - 1):09d}")
    step = Decimal("1e-10")
    others = [base, base + step * rnd.randint(1, 4), base - step * rnd.randint(1, 4),
              base + Decimal("1e-13") * rnd.randint(1, 400)]
    rnd.shuffle(others)
    return [str(v) for v in [base + 5 * step, base + 10 * step] + others]


def half_value(rnd: random.Random, decimals: int) -> tuple[str, str]:
    """A text whose last digit is a 5 just after ``decimals`` places (at most 15
    significant digits, so it is its float's shortest repr), and that text rounded half
    up to ``decimals`` places."""
    int_digits = max(1, min(5, 14 - decimals))
    whole = rnd.randint(10 ** (int_digits - 1), 10 ** int_digits - 1)
    frac = "".join(rnd.choice("0123456789") for _ in range(decimals)) + "5"
    text = f"{whole}.{frac}"
    rounded = Decimal(text).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return text, format(rounded, "f")


@st.composite
def direct_cases(draw):
    """Units whose composites sit on rounding halves, next to units at the rounded value."""
    method = draw(direct_methods())
    rnd = random.Random(draw(st.integers(0, 2 ** 32 - 1)))
    decimals = method["ranking"]["decimals"]
    has_weight = "weight_column" in method["input"]
    header = ["unit", "block"] + (["weight"] if has_weight else []) + ["C1"]
    table = []
    for b in [blk["id"] for blk in method["blocks"]]:
        values: list[str] = []
        for i in range(draw(st.integers(2, 8))):
            kind = rnd.random()
            if kind < 0.5:
                text, rounded = half_value(rnd, decimals)
                values.append(text)
                if rnd.random() < 0.7:
                    values.append(rounded)
            elif kind < 0.7 and values:
                values.append(rnd.choice(values))
            else:
                values.append(f"{rnd.randint(1, 99999)}.{rnd.randint(0, 999):03d}1")
        for i, v in enumerate(values):
            for _ in range(rnd.choice([1, 1, 1, 2, 3])):
                cells = [f"{b.upper()}U{i + 1}", b]
                if has_weight:
                    cells.append(rnd.choice(["1", "1", "0.5", "2.25", "0"]))
                table.append(cells + [v])
    return method, header, table


@st.composite
def cases(draw, norm: str | None = None, near_ties: bool = False):
    """A random method and survey; ``near_ties`` puts near-tie values in the first mean
    indicator column."""
    method = draw(methods(norm))
    rnd = random.Random(draw(st.integers(0, 2 ** 32 - 1)))
    blocks = [b["id"] for b in method.get("blocks", [{"id": "b1"}])]
    columns = [ind["column"] for sub in method["subindices"] for ind in sub["indicators"]]
    codes = {ind["column"]: [str(c) for c in method["input"].get("missing_codes", [])]
             + [str(c) for c in ind.get("missing_codes", [])]
             for sub in method["subindices"] for ind in sub["indicators"]}
    mean_columns = [ind["column"] for sub in method["subindices"] for ind in sub["indicators"]
                    if ind.get("statistic", "mean") == "mean"]
    has_weight = "weight_column" in method["input"]
    missing_rate = draw(st.sampled_from([0.0, 0.1, 0.3, 0.6]))
    tie_rate = draw(st.sampled_from([0.0, 0.2, 0.5]))
    near_columns = {c: near_tie_values(rnd) for k, c in enumerate(mean_columns)
                    if (near_ties and k == 0) or draw(st.integers(0, 3)) == 0}
    header = ["unit", "block"] + (["weight"] if has_weight else []) + columns
    table = []
    for b in blocks:
        units: list[list[list[str]]] = []
        for i in range(draw(st.integers(2, 8))):
            name = f"{b.upper()}U{i + 1}"
            if units and rnd.random() < tie_rate:  # the same rows as an earlier unit
                rows = [[name] + r[1:] for r in rnd.choice(units)]
            else:
                rows = []
                # the block's units take the near-tie values in turn
                near = {c: v[i % len(v)] for c, v in near_columns.items()}
                for _ in range(rnd.randint(1, 6)):
                    cells = [name, b]
                    if has_weight:
                        cells.append(rnd.choice(ROW_WEIGHTS))
                    for c in columns:
                        if rnd.random() < missing_rate:
                            cells.append(rnd.choice([""] + codes[c]))
                        elif c in near:
                            cells.append(near[c])
                        else:
                            cells.append(str(rnd.randint(1, 5)))
                    rows.append(cells)
            units.append(rows)
            table += rows
    return method, header, table


def tier_strategy(expected: list[dict], decimals: int):
    """1-3 tiers whose mins are sometimes exactly a ranked unit's key."""
    keys = sorted({r["key"] for r in expected if r["key"] is not None})
    quantum = Decimal(1).scaleb(-decimals)
    candidates = []
    for k in keys:
        candidates += [k, k + quantum, k - quantum]
    candidates += [Decimal(0), Decimal(50), Decimal("5.5")]
    # as the method file's floats read them: distinct floats, written as their repr
    candidates = sorted({Decimal(repr(float(c))) for c in candidates})
    return st.lists(st.sampled_from(candidates), min_size=1, max_size=3,
                    unique_by=lambda c: float(c))


# ------------------------------------------------------------------ the tests

def check_case(method: dict, header: list[str], table: list[list[str]], data) -> None:
    """Score the case with ddci's command line and with the oracle and compare. ``data``
    (hypothesis) adds tiers and notes; None for the hand-picked cases."""
    method = copy.deepcopy(method)
    expected = None
    try:
        expected = oracle.score(oracle_rows(header, table, method), method)
    except oracle.NoEligibleUnits:
        pass
    if expected is not None and data is not None and data.draw(st.booleans(), label="tiers"):
        mins = data.draw(tier_strategy(expected, method["ranking"]["decimals"]), label="mins")
        method["tiers"] = [{"label": f"T{i}", "min": m} for i, m in enumerate(mins)]
    text = toml_text(method)
    parsed = tomllib.loads(text)  # the oracle reads what ddci reads
    if data is not None:  # shown by --hypothesis-show-statistics
        event(f"normalisation {parsed['normalization']['method']}")
        event(f"decimals {'7-12' if parsed['ranking']['decimals'] >= 7 else '0-6'}")
        event(f"blocks {len(parsed.get('blocks', []))}, "
              f"sub-indices {len(parsed['subindices'])}")
        event(f"aggregation {parsed['aggregation'].get('subindex', 'arithmetic')}/"
              f"{parsed['aggregation'].get('composite', 'arithmetic')}")
        if expected is None:
            event("no eligible unit")
    with tempfile.TemporaryDirectory() as tmp:
        survey, method_path = write_case(Path(tmp), header, table, text)
        csv_text = survey.read_text(encoding="utf-8")
        if data is not None:
            note(f"--- method.toml ---\n{text}--- survey.csv ---\n{csv_text}")
        code, doc, stderr = run_score(survey, method_path)
    if expected is None:
        assert code == 1, f"exit {code}, expected 1 (no_eligible_units)\n{stderr}"
        assert doc is not None and doc["ok"] is False
        assert "no_eligible_units" in {p["code"] for p in doc["problems"]}, doc["problems"]
        return
    assert code == 0 and doc is not None, f"exit {code}\n{stderr}\n{doc}"
    rows = oracle_rows(header, table, parsed)
    expected = oracle.score(rows, parsed)
    if rank_ties_are_fragile(expected, parsed):
        # a unit value on a 10-significant-digit half: ddci's float decides the tie
        floats = {u["unit"]: {i: v["value"] for i, v in u["indicators"].items()}
                  for u in doc["units"]}
        expected = oracle.score(rows, parsed, tie_floats=floats)
        if data is not None:
            event("a unit value on a 10-significant-digit half")
    if data is not None and any(r["fragile"] for r in expected):
        event("float noise could flip a constant-indicator test")
        assume(False)
    compare(doc, expected, parsed)


SETTINGS = dict(deadline=None, derandomize=True, database=None, print_blob=True,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


ALL_CASES = st.one_of(cases(), cases(), cases(), direct_cases(),
                      cases("rank", near_ties=True))


@settings(max_examples=FAST_EXAMPLES, **SETTINGS)
@given(case=ALL_CASES, data=st.data())
def test_ddci_agrees_with_oracle(case, data):
    method, header, table = case
    check_case(method, header, table, data)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, **SETTINGS)
@given(case=ALL_CASES, data=st.data())
def test_ddci_agrees_with_oracle_many(case, data):
    method, header, table = case
    check_case(method, header, table, data)


# ------------------------------------------------------------------ hand-picked cases

def one_indicator_method(norm: str, decimals: int, *, direction: str = "positive",
                         tiers: list | None = None, rng=(1, 10)) -> dict:
    method = {
        "index": {"name": "regression"},
        "input": {"unit_column": "unit", "block_column": "block"},
        "normalization": {"method": norm, "range": list(rng)},
        "aggregation": {"multiplier": 1},
        "ranking": {"decimals": decimals},
        "blocks": [{"id": "b1"}],
        "subindices": [{"id": "s1", "indicators": [
            {"id": "i1", "column": "C1", "direction": direction}]}],
    }
    if tiers:
        method["tiers"] = tiers
    return method


def run_hand_case(method: dict, values: dict[str, str]) -> tuple[dict, dict]:
    """ddci's and the oracle's units by name, for one indicator with one row per unit."""
    header = ["unit", "block", "C1"]
    table = [[u, "b1", v] for u, v in values.items()]
    with tempfile.TemporaryDirectory() as tmp:
        survey, path = write_case(Path(tmp), header, table, toml_text(method))
        code, doc, stderr = run_score(survey, path)
    assert code == 0, stderr
    parsed = tomllib.loads(toml_text(method))
    expected = oracle.score(oracle_rows(header, table, parsed), parsed)
    return {u["unit"]: u for u in doc["units"]}, {r["unit"]: r for r in expected}


@pytest.mark.parametrize("composite, decimals, key", [
    ("1.00000005", 7, "1.0000001"),
    ("6135.40786075", 7, "6135.4078608"),
    ("294.970081125", 8, "294.97008113"),
    ("514.0032381875", 9, "514.003238188"),
    ("78.50160324515", 10, "78.5016032452"),
    ("541.654725536155", 11, "541.65472553616"),
    ("4.0839410463605", 12, "4.083941046361"),
    ("0.5", 0, "1"),
    ("2.675", 2, "2.68"),
])
def test_rounding_key_on_a_half(composite, decimals, key):
    """A composite whose shortest repr ends in a 5 right after ``decimals`` places rounds up
    (SPEC §4 "Rounding key"): it ties with a unit whose composite is that key, and both
    reach a tier whose min is the key."""
    assert str(oracle.rounding_key(float(composite), decimals)) == key
    method = one_indicator_method("none", decimals,
                                  tiers=[{"label": "top", "min": Decimal(key)}])
    got, expected = run_hand_case(method, {"HALF": composite, "KEY": key, "LOW": "0.1"})
    assert expected["HALF"]["composite"] == float(composite)
    assert (expected["HALF"]["rank"], expected["HALF"]["tier"]) == (1, "top")
    assert (expected["KEY"]["rank"], expected["KEY"]["tier"]) == (1, "top")
    assert got["HALF"]["composite"] == float(composite)
    assert (got["HALF"]["rank"], got["HALF"]["tier"]) == (1, "top"), got["HALF"]
    assert (got["KEY"]["rank"], got["KEY"]["tier"]) == (1, "top"), got["KEY"]
    check_case(method, ["unit", "block", "C1"],
               [[u, "b1", v] for u, v in {"HALF": composite, "KEY": key, "LOW": "0.1"}.items()],
               None)


@pytest.mark.parametrize("direction", ["positive", "negative"])
@pytest.mark.parametrize("values", [
    {"A": "26.480206625", "B": "26.48020663", "C": "3"},
    {"A": "1.2345678905", "B": "1.234567891", "C": "3"},
    {"A": "3.1234567891", "B": "3.123456789", "C": "1"},
])
def test_rank_normalisation_ties_at_ten_significant_digits(values, direction):
    """Values equal to 10 significant digits (their shortest repr rounded half up) are
    ties in rank normalisation: they share the average rank."""
    method = one_indicator_method("rank", 6, direction=direction)
    got, expected = run_hand_case(method, values)
    assert expected["A"]["indicators"]["i1"]["score"] == expected["B"]["indicators"]["i1"]["score"]
    assert got["A"]["indicators"]["i1"]["score"] == got["B"]["indicators"]["i1"]["score"], \
        (got["A"]["indicators"], got["B"]["indicators"])
    assert got["A"]["rank"] == got["B"]["rank"]
    check_case(method, ["unit", "block", "C1"], [[u, "b1", v] for u, v in values.items()], None)


def test_rank_normalisation_keeps_eleventh_digit_apart_when_not_equal():
    """26.48020662 and 26.48020663 differ at the 10th digit: no tie."""
    method = one_indicator_method("rank", 6)
    got, _ = run_hand_case(method, {"A": "26.48020662", "B": "26.48020663", "C": "3"})
    assert got["A"]["indicators"]["i1"]["score"] == 5.5
    assert got["B"]["indicators"]["i1"]["score"] == 10.0

"""`ddci compare`: changes across years, worked out by hand (tests/data/years/README.md),
and reproduced from VCCI's published PCI 2013–2016 tables, read in place from
../shared/data/pci (the methods for them are written by tests/reference.py).

The three-year fixture uses normalisation "none" and multiplier 1, so a composite is
(mean Q1 + mean Q2) / 2 of a unit's rows; every expected number below is computed in the
comment beside it from the CSV rows.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from reference import pci_method_text, pci_survey, write_pci_method

YEARS = Path(__file__).parent / "data" / "years"
APPROX = dict(rel=1e-12, abs=1e-12)


def run_json(ddci, *args, expect_rc: int = 0) -> dict:
    proc = ddci.run("compare", *args, "--json")
    assert proc.returncode == expect_rc, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def three_years(ddci, *extra) -> dict:
    return run_json(ddci, *(YEARS / f"ddci_{y}.csv" for y in (2021, 2022, 2023)),
                    "-m", YEARS / "method.toml", "--crosswalk", YEARS / "crosswalk.csv", *extra)


def by_unit(doc) -> dict[str, dict]:
    units = {u["unit"]: u for u in doc["units"]}
    assert len(units) == len(doc["units"]), "a unit history is listed twice"
    return units


# --------------------------------------------------------------------------- three years

# Composites by hand, (mean Q1 + mean Q2) / 2:
# 2021: A (5+7)/2 = 6 (n 2), B 2 (n 1), C (8+6)/2 = 7 (n 3), D (6+6)/2 = 6 (n 2), E (3+5)/2 = 4
#       ranks: C 1, A 2, D 2 (tie), E 4, B 5
# 2022: Anew 7, BC (6+4)/2 = 5 (n 2), D1 9, D2 (3+5)/2 = 4, N 8
#       ranks: D1 1, N 2, Anew 3, BC 4, D2 5
# 2023: Anew 8, BC 5, D (6+8)/2 = 7, N 9, P 2;  ranks: N 1, Anew 2, D 3, BC 4, P 5


def test_three_years_lists_every_unit_in_every_year(ddci):
    doc = three_years(ddci)
    assert doc["years"] == [2021, 2022, 2023]
    assert doc["scale"] == "none (unit values)"
    seen = {(int(y), rec["unit"]) for u in doc["units"] for y, rec in u["years"].items()}
    assert seen == {(2021, n) for n in "ABCDE"} | \
        {(2022, n) for n in ("Anew", "BC", "D1", "D2", "N")} | \
        {(2023, n) for n in ("Anew", "BC", "D", "N", "P")}
    units = by_unit(doc)
    # one history per unit: A→Anew, B, C (merged), D→D1, D→D2 (split: both keep D's past),
    # D (re-merged in 2023), E (abolished), N (new 2022), P (new 2023)
    assert sorted(units) == sorted(["Anew", "B", "BC", "C", "D", "D1", "D2", "E", "N", "P"])
    assert list(units["Anew"]["years"]) == ["2021", "2022", "2023"]
    assert units["Anew"]["years"]["2021"]["unit"] == "A"
    assert list(units["D1"]["years"]) == list(units["D2"]["years"]) == ["2021", "2022"]
    assert units["D1"]["years"]["2021"]["unit"] == units["D2"]["years"]["2021"]["unit"] == "D"
    assert list(units["E"]["years"]) == ["2021"]
    assert [e["event"] for e in units["E"]["events"]] == ["abolished"]
    assert [e["event"] for e in units["B"]["events"]] == ["merged_into"]
    assert units["B"]["successors"] == {"2022": ["BC"]}
    assert [e["event"] for e in units["P"]["events"]] == ["new"]
    assert units["BC"]["predecessors"]["2022"] == ["B", "C"]
    assert units["D"]["predecessors"] == {"2023": ["D1", "D2"]}


def test_three_years_changes_by_hand(ddci):
    units = by_unit(three_years(ddci))
    ch = {name: u["changes"] for name, u in units.items()}
    first = {name: u["changes_from_first"] for name, u in units.items()}
    assert ch["Anew"]["2021"] is None                        # first year: no predecessor
    assert ch["Anew"]["2022"]["composite"] == pytest.approx(1.0, **APPROX)   # 7 − 6
    assert ch["Anew"]["2022"]["rank"] == -1                  # 2 → 3: fell one place
    assert ch["Anew"]["2022"]["subindices"] == pytest.approx({"s1": 2.0, "s2": 0.0})  # 7−5, 7−7
    assert ch["Anew"]["2023"]["composite"] == pytest.approx(1.0, **APPROX)   # 8 − 7
    assert ch["Anew"]["2023"]["rank"] == 1                   # 3 → 2
    assert first["Anew"]["2023"]["composite"] == pytest.approx(2.0, **APPROX)  # 8 − 6
    assert first["Anew"]["2023"]["rank"] == 0                # 2 → 2
    # merge by responses: B (n 1, composite 2) + C (n 3, composite 7) → 23/4 = 5.75
    assert ch["BC"]["2022"]["composite"] == pytest.approx(5 - 5.75, **APPROX)
    assert ch["BC"]["2022"]["rank"] is None                  # no rank change for a merge
    # s1: 6 − (1·2 + 3·8)/4 = −0.5;  s2: 4 − (1·2 + 3·6)/4 = −1
    assert ch["BC"]["2022"]["subindices"] == pytest.approx({"s1": -0.5, "s2": -1.0})
    assert ch["BC"]["2023"]["composite"] == pytest.approx(0.0, **APPROX)     # 5 − 5
    assert ch["BC"]["2023"]["rank"] == 0
    assert first["BC"]["2023"]["composite"] == pytest.approx(-0.75, **APPROX)  # 5 − 5.75
    assert first["BC"]["2023"]["rank"] is None
    # split: both successors inherit D (composite 6, rank 2)
    assert ch["D1"]["2022"]["composite"] == pytest.approx(3.0, **APPROX)     # 9 − 6
    assert ch["D1"]["2022"]["rank"] == 1                                     # 2 → 1
    assert ch["D2"]["2022"]["composite"] == pytest.approx(-2.0, **APPROX)    # 4 − 6
    assert ch["D2"]["2022"]["rank"] == -3                                    # 2 → 5
    # stated weights 1 (D1, 9) and 3 (D2, 4): (9 + 12)/4 = 5.25 → 7 − 5.25
    assert ch["D"]["2023"]["composite"] == pytest.approx(1.75, **APPROX)
    assert ch["D"]["2023"]["rank"] is None
    # since 2021 both halves lead back to D alone: 7 − 6, rank 2 → 3
    assert first["D"]["2023"]["composite"] == pytest.approx(1.0, **APPROX)
    assert first["D"]["2023"]["rank"] == -1
    assert ch["N"]["2022"] is None and ch["N"]["2023"]["composite"] == pytest.approx(1.0)
    assert first["N"]["2023"] is None                        # N did not exist in 2021
    assert ch["P"]["2023"] is None


def test_human_output_is_short_with_markers(ddci):
    proc = ddci.run("compare", *(YEARS / f"ddci_{y}.csv" for y in (2021, 2022, 2023)),
                    "-m", YEARS / "method.toml", "--crosswalk", YEARS / "crosswalk.csv")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "Years test — All: 2022 → 2023 (none (unit values))"
    table = [ln.split() for ln in lines[2:7]]
    assert [row[0] for row in table] == ["1", "2", "3", "4", "5"]
    assert table[0][:5] == ["1", "9.00", "+1.00", "▲", "1"]            # N: 8 → 9, rank 2 → 1
    assert table[3][:5] == ["4", "5.00", "+0.00", "=", "0"]            # BC
    assert lines[7] == "rose 2, fell 0, unchanged 1"
    assert "E (2021; abolished in 2022)" in lines[8]
    assert "B (2021; → BC in 2022)" in lines[8]


# --------------------------------------------------------------------------- years


def test_year_from_option_and_order_of_files(ddci, tmp_path):
    a, b = tmp_path / "first.csv", tmp_path / "second.csv"
    shutil.copy(YEARS / "ddci_2021.csv", a)
    shutil.copy(YEARS / "ddci_2022.csv", b)
    # files given newest first: the comparison is still in year order
    doc = run_json(ddci, b, a, "-m", YEARS / "method.toml", "--year", "2022", "--year", "2021")
    assert doc["years"] == [2021, 2022]
    assert [i["path"] for i in doc["inputs"]] == [str(a), str(b)]


@pytest.mark.parametrize("names, extra, message", [
    (("survey.csv", "other.csv"), (), "cannot tell the year of survey.csv"),
    (("ddci_2021_vs_2022.csv", "x_2023.csv"), (), "several years (2021, 2022)"),
    (("a_2021.csv", "b_2021.csv"), (), "are both year 2021"),
    (("a_2021.csv", "b_2022.csv"), ("--year", "2021"), "--year was given 1 times for 2"),
])
def test_ambiguous_years_are_usage_errors(ddci, tmp_path, names, extra, message):
    for name in names:
        shutil.copy(YEARS / "ddci_2021.csv", tmp_path / name)
    proc = ddci.run("compare", *(tmp_path / n for n in names), "-m", YEARS / "method.toml",
                    *extra)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_method_year_used_when_each_file_has_its_method(ddci, tmp_path):
    methods = []
    for year in (2030, 2031):
        text = (YEARS / "method.toml").read_text(encoding="utf-8")
        m = tmp_path / f"m{year}.toml"
        m.write_text(text.replace('language = "en"', f'language = "en"\nyear = {year}'),
                     encoding="utf-8")
        methods += ["-m", m]
    doc = run_json(ddci, YEARS / "ddci_2021.csv", YEARS / "ddci_2022.csv", *methods)
    assert doc["years"] == [2030, 2031]


# --------------------------------------------------------------------------- scales

# pooled_2021: X q1 2 q2 1, Y q1 4 q2 3;  pooled_2022: X q1 6 q2 2, Y q1 3 q2 5 (q2 negative)
# pooled bounds: q1 in [2, 6], q2 in [1, 5]; s = 100 (x − m)/4, negative 100 (M − x)/4
#   2021 X: q1 0, q2 100 → 50;    Y: q1 50, q2 50 → 50
#   2022 X: q1 100, q2 75 → 87.5; Y: q1 25, q2 0 → 12.5
# per-year bounds: 2021 X 0/100 → 50, Y 100/0 → 50; 2022 X 100/100 → 100, Y 0/0 → 0


def pooled(ddci, *extra):
    doc = run_json(ddci, YEARS / "pooled_2021.csv", YEARS / "pooled_2022.csv", "-m",
                   YEARS / "pooled_method.toml", *extra)
    return doc, by_unit(doc)


def test_pooled_bounds_by_hand(ddci):
    doc, units = pooled(ddci, "--pool-bounds")
    assert doc["scale"] == "pooled bounds"
    assert units["X"]["years"]["2021"]["composite"] == pytest.approx(50.0, **APPROX)
    assert units["Y"]["years"]["2021"]["composite"] == pytest.approx(50.0, **APPROX)
    assert units["X"]["years"]["2022"]["composite"] == pytest.approx(87.5, **APPROX)
    assert units["Y"]["years"]["2022"]["composite"] == pytest.approx(12.5, **APPROX)
    assert units["X"]["changes"]["2022"]["composite"] == pytest.approx(37.5, **APPROX)
    assert units["Y"]["changes"]["2022"]["composite"] == pytest.approx(-37.5, **APPROX)
    assert units["X"]["changes"]["2022"]["rank"] == 0      # 2021 tie (1, 1) → X 1
    assert units["Y"]["changes"]["2022"]["rank"] == -1     # → Y 2


def test_per_year_minmax_by_hand(ddci):
    doc, units = pooled(ddci)
    assert doc["scale"] == "per-year minmax"
    assert units["X"]["changes"]["2022"]["composite"] == pytest.approx(50.0, **APPROX)
    assert units["Y"]["changes"]["2022"]["composite"] == pytest.approx(-50.0, **APPROX)


def test_pooled_bounds_need_minmax(ddci):
    proc = ddci.run("compare", *(YEARS / f"ddci_{y}.csv" for y in (2021, 2022)), "-m",
                    YEARS / "method.toml", "--pool-bounds")
    assert proc.returncode == 2
    assert "uses 'none'" in proc.stderr


def test_pooled_bounds_of_one_year_are_minmax(tmp_path):
    """Pooling a single year must give exactly the ordinary per-year scores."""
    import numpy as np

    from ddci_cli.errors import ProblemReport
    from ddci_cli.pipeline import score
    from ddci_cli.years.pooled import pooled_scores

    cases = [lambda: (YEARS / "pooled_2022.csv", YEARS / "pooled_method.toml"),
             lambda: (pci_survey(2014), _minmax_pci(tmp_path))]  # skips without ../shared/data
    for case in cases:
        scores, _ = score(*case())
        again, = pooled_scores([scores], ProblemReport())
        np.testing.assert_array_equal(again.composite, scores.composite)
        np.testing.assert_array_equal(again.subindices, scores.subindices)
        np.testing.assert_array_equal(again.rank, scores.rank)


def _minmax_pci(tmp_path: Path) -> Path:
    text = pci_method_text(2014)
    out = tmp_path / "pci_minmax.toml"
    out.write_text(text.replace('method = "none"', 'method = "minmax"\nrange = [1, 10]'),
                   encoding="utf-8")
    return out


# --------------------------------------------------------------------------- PCI, real data


# The spellings VCCI's published tables use for one province in different years: this
# test's own statement of which names are the same province.
PCI_CROSSWALK = """year,old,new,weight
2014,TT- Huế,TT.Huế,
2015,TT.Huế,TT-Huế,
2016,TT-Huế,TT.Huế,
2016,Bắc Kạn,Bắc Cạn,
2016,Đắk Lắk,Đăk Lăk,
2016,Đắk Nông,Đăk Nông,
"""


def published(year: int) -> dict[str, dict]:
    with pci_survey(year).open(encoding="utf-8-sig") as fh:
        return {r["province"]: r for r in csv.DictReader(fh)}


def test_pci_2013_2016_changes_match_published_tables(ddci, tmp_path):
    """VCCI spelled three provinces differently over the years; with the crosswalk every
    province has one four-year history whose changes are the published differences."""
    args = [pci_survey(y) for y in range(2013, 2017)]
    for y in range(2013, 2017):
        args += ["-m", write_pci_method(y, tmp_path)]
    crosswalk = tmp_path / "pci_crosswalk.csv"
    crosswalk.write_text(PCI_CROSSWALK, encoding="utf-8")
    doc = run_json(ddci, *args, "--crosswalk", crosswalk)
    assert len(doc["units"]) == 63
    tables = {y: published(y) for y in range(2013, 2017)}
    for unit in doc["units"]:
        assert list(unit["years"]) == ["2013", "2014", "2015", "2016"], unit["unit"]
        for y in range(2014, 2017):
            now = tables[y][unit["years"][str(y)]["unit"]]
            before = tables[y - 1][unit["years"][str(y - 1)]["unit"]]
            change = unit["changes"][str(y)]
            assert change["composite"] == pytest.approx(
                float(now["pci"]) - float(before["pci"]), abs=2e-5)
            assert change["rank"] == int(before["rank"]) - int(now["rank"])
        start = tables[2013][unit["years"]["2013"]["unit"]]
        end = tables[2016][unit["years"]["2016"]["unit"]]
        assert unit["changes_from_first"]["2016"]["rank"] == int(start["rank"]) - int(end["rank"])


def test_pci_without_crosswalk_lists_the_unmatched_spellings(ddci, tmp_path):
    args = [pci_survey(y) for y in (2015, 2016)]
    doc = run_json(ddci, *args, "-m", write_pci_method(2015, tmp_path), "-m",
                   write_pci_method(2016, tmp_path))
    units = by_unit(doc)
    assert len(units) == 63 + 4           # four provinces appear under two spellings
    for old, new in (("Bắc Kạn", "Bắc Cạn"), ("TT-Huế", "TT.Huế")):
        assert list(units[old]["years"]) == ["2015"]
        assert [e["event"] for e in units[old]["events"]] == ["absent"]
        assert list(units[new]["years"]) == ["2016"]
        assert units[new]["changes"]["2016"] is None


# --------------------------------------------------------------------------- outputs


def test_outputs_json_csv_xlsx(ddci, tmp_path):
    from openpyxl import load_workbook

    outs = [tmp_path / "c.json", tmp_path / "c.csv", tmp_path / "c.xlsx"]
    doc = three_years(ddci, *(x for o in outs for x in ("-o", o)))
    assert json.loads(outs[0].read_text(encoding="utf-8"))["units"] == doc["units"]
    with outs[1].open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == sum(len(u["years"]) for u in doc["units"])   # one per unit and year
    d_2023 = next(r for r in rows if r["unit"] == "D" and r["year"] == "2023")
    assert float(d_2023["change_composite"]) == pytest.approx(1.75)
    book = load_workbook(outs[2])
    sheet = book["Comparison"]
    assert len(sheet._charts) == 1                    # one block, one line chart
    assert sheet._charts[0].tagname == "lineChart"
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "Anew" in values and "E" in values


# --------------------------------------------------------------------------- bootstrap


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    root = Path(__file__).resolve().parents[1] / "data" / "samples"
    if all((root / f"ddci_haiphong_{y}.{x}").exists() for y in (2023, 2024)
           for x in ("xlsx", "toml")):
        return root
    from ddci_cli.sample.writer import write_sample

    out = tmp_path_factory.mktemp("samples")
    for year in (2023, 2024):
        write_sample(out, year=year, seed=0, respondents=1200)
    return out


def test_bootstrap_intervals_of_changes(ddci, samples):
    """Independent years: var(change) = var(2023) + var(2024), so the change interval's
    width is close to the root sum of squares of the two years' own interval widths
    (from `ddci score --bootstrap` with the same replicates)."""
    n, seed = 400, 3
    files = [samples / f"ddci_haiphong_{y}.xlsx" for y in (2023, 2024)]
    method = samples / "ddci_haiphong_2024.toml"
    doc = run_json(ddci, *files, "-m", method, "--bootstrap", str(n), "--seed", str(seed))
    assert doc["bootstrap"]["replicates"] == n
    from ddci_cli.years.bootstrap import year_seed

    widths = {}
    for year, path in zip((2023, 2024), files):
        single = ddci.score(path, method, "--bootstrap", str(n), "--seed",
                            str(year_seed(seed, year)))
        widths[year] = {u["unit"]: u["ci"]["composite"][1] - u["ci"]["composite"][0]
                        for u in single["units"] if u.get("ci")}
    ratios = []
    for unit in doc["units"]:
        change = unit["changes"]["2024"]
        lo, hi = change["ci"]["composite"]
        assert change["significant"]["composite"] == (lo > 0 or hi < 0)
        r_lo, r_hi = change["ci"]["rank"]
        assert isinstance(r_lo, int) and isinstance(r_hi, int) and r_lo <= r_hi
        assert change["significant"]["rank"] == (r_lo > 0 or r_hi < 0)
        expected = (widths[2023][unit["unit"]] ** 2 + widths[2024][unit["unit"]] ** 2) ** 0.5
        ratios.append((hi - lo) / expected)
    assert 0.9 < sum(ratios) / len(ratios) < 1.1
    again = run_json(ddci, *files, "-m", method, "--bootstrap", str(n), "--seed", str(seed))
    assert again["units"] == doc["units"]                  # same seed, same intervals


# --------------------------------------------------------------------------- docs


def test_docs_years_examples_run(ddci, samples):
    """Every `ddci compare` example of docs/years.md runs, and the output shown there is
    what the command prints."""
    import re

    root = Path(__file__).resolve().parents[1]
    for name in ("data", "tests"):
        (ddci.cwd / name).symlink_to(root / name)
    if samples != root / "data" / "samples":
        pytest.skip("data/samples is not there")
    text = (root / "docs" / "years.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", text, re.S)
    commands = [b.strip() for b in blocks if b.startswith("ddci compare")]
    assert len(commands) == 2
    outputs = [ddci.run(*c.split()[1:]) for c in commands]
    for proc in outputs:
        assert proc.returncode == 0, proc.stderr
    shown = next(b for b in blocks if b.startswith("DDCI Hải Phòng"))
    for line in shown.splitlines():
        if line.strip() != "…":
            assert line in outputs[0].stdout.splitlines(), line


def test_comparison_workbook_without_the_full_report(monkeypatch, tmp_path):
    """When the report writer takes no comparison, compare writes its own workbook: the
    Comparison sheet (values, one line chart per block) and the data sheet."""
    from openpyxl import load_workbook

    from ddci_cli import report
    from ddci_cli.years.compare import compare
    from ddci_cli.report.compare_book import write_comparison_workbook
    from ddci_cli.method import load_method

    monkeypatch.setattr(report, "write_workbook", lambda scores, target, seed=0, lang=None: None)
    cmp = compare([YEARS / f"ddci_{y}.csv" for y in (2021, 2022, 2023)],
                  [load_method(YEARS / "method.toml")], crosswalk=YEARS / "crosswalk.csv")
    write_comparison_workbook(cmp, tmp_path / "c.xlsx")
    book = load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames == ["Comparison", "Comparison data"]
    ws = book["Comparison"]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0]}
    # Unit, composite 2021..2023, change 2022→2023, rank 2021..2023, rank change, since 2021
    assert rows["D"][1:10] == (None, None, 7, 1.75, None, None, 3, None, 1)
    assert rows["Anew"][1:4] == (6, 7, 8)
    assert "abolished" in rows["E"][-1]
    assert len(ws._charts) == 1
    data = list(book["Comparison data"].iter_rows(values_only=True))
    assert len(data) - 1 == 16    # 5 + 5 + 5 unit-years; D of 2021 is in the D1 and D2 histories

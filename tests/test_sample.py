"""The synthetic sample: reproducible, realistic in shape, and clearly marked synthetic."""

from __future__ import annotations

import json
import tomllib
import unicodedata

import numpy as np
import pytest
from openpyxl import load_workbook

from ddci_cli.sample import design as sample_design
from ddci_cli.sample import writer as sample
from ddci_cli.sample.writer import generate_survey, sample_method_toml, write_sample

UNIT, RESPONDENT, WEIGHT = "Đơn vị", "Mã DN", "Trọng số"


def match_key(text: str) -> str:
    """SPEC §2 name key: NFC, trimmed, inner whitespace collapsed, case-folded."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


@pytest.fixture(scope="module")
def method() -> dict:
    return tomllib.loads(sample_method_toml(2024))


@pytest.fixture(scope="module")
def survey():
    return generate_survey(2024, 0, 2500)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("samples")
    return write_sample(out, year=2024, seed=0, respondents=2500)


def canonical_units(frame, method: dict):
    lookup = {}
    for name, entry in method["units"].items():
        for spelling in [name, *entry["aliases"]]:
            lookup[match_key(spelling)] = name
    return frame[UNIT].map(lambda cell: lookup[match_key(cell)])


def indicators(method: dict) -> list[dict]:
    return [ind for sub in method["subindices"] for ind in sub["indicators"]]


# ---------------------------------------------------------------- determinism

def test_same_arguments_give_identical_cells_and_method():
    a, b = generate_survey(2024, 3, 400), generate_survey(2024, 3, 400)
    assert list(a.columns) == list(b.columns)
    assert a.astype(str).equals(b.astype(str))
    assert a.map(type).equals(b.map(type))
    assert sample_method_toml(2024) == sample_method_toml(2024)


def test_written_files_are_byte_identical(tmp_path):
    first = write_sample(tmp_path / "one", year=2024, seed=1, respondents=300)
    second = write_sample(tmp_path / "two", year=2024, seed=1, respondents=300)
    assert [p.name for p in first] == ["ddci_haiphong_2024.xlsx", "ddci_haiphong_2024.toml"]
    for p, q in zip(first, second):
        assert p.read_bytes() == q.read_bytes()
    assert not list((tmp_path / "one").glob(".*.tmp")), "temporary files left behind"


def test_seed_changes_the_data():
    a, b = generate_survey(2024, 0, 400), generate_survey(2024, 1, 400)
    assert not a.astype(str).equals(b.astype(str))


# ---------------------------------------------------------------- shape

def test_units_blocks_and_aliases(method):
    blocks = [u["block"] for u in method["units"].values()]
    assert len(blocks) == 35
    assert blocks.count("department") == 21 and blocks.count("district") == 14
    assert all(1 <= len(u["aliases"]) <= 2 for u in method["units"].values())
    assert "Sở Kế hoạch và Đầu tư" in method["units"]
    assert "Huyện An Lão" in method["units"]
    keys = [match_key(s) for n, u in method["units"].items() for s in [n, *u["aliases"]]]
    assert len(keys) == len(set(keys)), "an alias collides with another unit"


def test_respondents_rate_one_to_three_units(survey):
    per_firm = survey.groupby(RESPONDENT).size()
    assert len(per_firm) == 2500
    assert per_firm.between(1, 3).all()
    assert 4500 <= len(survey) <= 5500
    assert survey[RESPONDENT].str.fullmatch(r"DN\d{5}").all()


def test_every_unit_is_well_above_min_responses(survey, method):
    counts = canonical_units(survey, method).value_counts()
    assert len(counts) == 35
    assert counts.min() >= 2 * method["input"]["min_responses"]
    assert not survey.assign(u=canonical_units(survey, method)) \
        .duplicated([RESPONDENT, "u"]).any(), "a firm rated the same unit twice"


def test_some_unit_cells_need_canonicalisation(survey, method):
    names = set(method["units"])
    loose = survey[UNIT][~survey[UNIT].isin(names)]
    assert 0.01 * len(survey) < len(loose) < 0.1 * len(survey)
    aliases = {a for u in method["units"].values() for a in u["aliases"]}
    assert loose.isin(aliases).any()
    assert loose.str.startswith(" ").any()


def test_block_cells_use_block_labels(survey, method):
    labels = {match_key(b["label"]) for b in method["blocks"]}
    assert survey["Khối"].map(match_key).isin(labels).all()


def test_weights_are_positive_and_constant_per_firm(survey):
    weights = survey[WEIGHT]
    assert (weights > 0).all() and weights.max() <= 3.0
    assert 0.4 <= weights.median() <= 1.5
    assert (survey.groupby(RESPONDENT)[WEIGHT].nunique() == 1).all()


def test_method_has_forty_plus_indicators_of_every_kind(method):
    inds = indicators(method)
    assert len(inds) >= 40
    assert {i["statistic"] for i in inds} == {"mean", "share"}
    assert {i["direction"] for i in inds} == {"positive", "negative"}
    assert any(i.get("share_of") == [4, 5] for i in inds)
    assert any(i.get("share_of") == [1] for i in inds)
    assert all(i["label"] and i["label_en"] for i in inds)


def test_method_settings(method):
    assert method["normalization"] == {"method": "minmax", "range": [1, 10], "zscore": [0, 1]}
    assert method["aggregation"]["multiplier"] == 10
    assert method["input"]["min_responses"] == 30
    assert method["ranking"]["decimals"] == 2
    assert method["input"]["missing_codes"] == ["Không biết", "KB", 99]
    assert 4 <= len(method["tiers"]) <= 5
    land = next(s for s in method["subindices"] if s["id"] == "land_access")
    assert land["blocks"] == ["district"]


def test_every_indicator_column_is_in_the_header(survey, method):
    assert {i["column"] for i in indicators(method)} <= set(survey.columns)
    for column in (UNIT, RESPONDENT, WEIGHT, "Khối", "Quy mô", "Ngành"):
        assert column in survey.columns


def test_missing_codes_and_blanks_are_present(survey, method):
    cols = [i["column"] for i in indicators(method)]
    cells = survey[cols].to_numpy().ravel()
    numbers = np.array([isinstance(c, int) and c != 99 for c in cells])
    texts = np.array([isinstance(c, str) for c in cells])
    codes = np.array([c == 99 for c in cells])
    blank = np.array([c is None for c in cells])
    assert "Không biết" in set(cells[texts]) and "KB" in set(cells[texts])
    assert codes.any()
    assert {match_key(t) for t in cells[texts]} == {"không biết", "kb"}
    answered_or_skipped = numbers | texts | codes
    dont_know = (texts | codes).sum() / (answered_or_skipped.sum() + 1)
    assert 0.04 <= dont_know <= 0.09
    assert blank.any()


def test_answers_fall_in_valid_ranges(survey, method):
    for ind in indicators(method):
        values = [c for c in survey[ind["column"]] if isinstance(c, int) and c != 99]
        low, high = ind["valid"]
        assert values and low <= min(values) and max(values) <= high, ind["id"]


def test_all_text_is_nfc(method):
    text = sample_method_toml(2024)
    assert unicodedata.is_normalized("NFC", text)
    for unit in sample_design.UNITS:
        assert unicodedata.is_normalized("NFC", unit.name)


# ---------------------------------------------------------------- years

def test_years_differ_plausibly():
    q23, q24 = sample.unit_quality(2023), sample.unit_quality(2024)
    level23, level24 = q23.mean(axis=1), q24.mean(axis=1)
    change = level24 - level23
    assert (change > 0).any() and (change < 0).any()
    assert np.corrcoef(level23, level24)[0, 1] > 0.6
    assert not generate_survey(2023).astype(str).equals(generate_survey(2024).astype(str))


def test_method_files_of_two_years_differ_only_in_name_and_year():
    a = sample_method_toml(2023).splitlines()
    b = sample_method_toml(2024).splitlines()
    changed = [(x, y) for x, y in zip(a, b) if x != y]
    assert len(a) == len(b)
    assert all(x.startswith(("name", "year", "#")) for x, _ in changed)
    assert tomllib.loads("\n".join(a))["index"]["year"] == 2023


# ---------------------------------------------------------------- marked synthetic

def test_method_file_says_synthetic(method):
    text = sample_method_toml(2024)
    assert text.startswith("# SYNTHETIC DATA")
    assert "synthetic" in method["index"]["name"]
    assert method["index"]["year"] == 2024 and method["index"]["language"] == "vi"


def test_workbook_is_marked_synthetic_with_header_on_row_3(written, method):
    xlsx, toml = written
    wb = load_workbook(xlsx, read_only=False)
    assert wb.sheetnames == ["Data", "Ghi chú"]
    data = wb["Data"]
    assert "SYNTHETIC" in data["A1"].value and "2024" in data["A1"].value
    assert any(str(r).startswith("A1:") for r in data.merged_cells.ranges)
    header = [c.value for c in data[3]]
    assert header == sample.survey_columns()
    assert "ddci-synthetic" in wb.properties.keywords
    assert "synthetic" in wb.properties.title
    notes = " ".join(str(c.value) for row in wb["Ghi chú"].iter_rows() for c in row if c.value)
    assert "ddci sample" in notes and "--seed 0" in notes and "giả lập" in notes
    assert toml.read_text(encoding="utf-8") == sample_method_toml(2024)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        generate_survey(2024, -1)
    with pytest.raises(ValueError):
        generate_survey(2024, 0, 0)


# ---------------------------------------------------------------- with the real pipeline

def test_sample_method_loads_without_problems(written):
    method_mod = pytest.importorskip("ddci_cli.method")
    if not hasattr(method_mod, "load_method"):
        pytest.skip("ddci_cli.method.load_method is not available")
    loaded = method_mod.load_method(written[1])
    assert list(getattr(loaded, "problems", ())) == []


def test_sample_scores_cleanly_across_several_tiers(written, ddci):
    doc = ddci.score(written[0], written[1])
    assert doc["problems"] == []
    assert {u["status"] for u in doc["units"]} == {"ok"}
    assert len(doc["units"]) == 35
    assert len({u["tier"] for u in doc["units"]}) >= 4
    assert json.dumps(doc, ensure_ascii=False).count("synthetic") >= 1

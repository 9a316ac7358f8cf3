"""Units (SPEC §2 "Units", "Look-alike units", §5 `ddci units`): blocks never guessed,
conflicting [units] names and aliases, look-alike spellings, invisible characters, and the
`ddci units` command; all through the command line, on files built here."""

from __future__ import annotations

import itertools
import json
import random
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_bad_inputs import run_cli

METHOD = """
[input]
unit_column = "Đơn vị"
block_column = "Khối"
min_responses = {min_responses}

[[blocks]]
id = "department"
label = "Khối Sở, ban, ngành"

[[blocks]]
id = "district"
label = "Khối quận, huyện"

[[subindices]]
id = "a"
  [[subindices.indicators]]
  id = "a1"
  column = "A1"
  valid = [1, 5]
"""

SINGLE_BLOCK = """
[input]
unit_column = "Đơn vị"
block_column = "Khối"

[[blocks]]
id = "department"
label = "Khối Sở, ban, ngành"

[[subindices]]
id = "a"
  [[subindices.indicators]]
  id = "a1"
  column = "A1"
"""


def write_survey(path, units: list[tuple[str, str, int]]) -> None:
    """A CSV survey: for each (unit, block cell, n), n rows rating the unit 1..5."""
    lines = ["Đơn vị,Khối,A1"]
    for name, block, n in units:
        lines += [f'"{name}","{block}",{i % 5 + 1}' for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_method(path, extra: str = "", min_responses: int = 1, text: str = METHOD) -> None:
    path.write_text(text.format(min_responses=min_responses) + extra, encoding="utf-8")


def run_json(*args) -> tuple[int, dict]:
    code, out, err = run_cli(*args, "--json")
    assert "Traceback" not in err
    return code, json.loads(out)


def codes(doc: dict, code: str) -> list[dict]:
    return [p for p in doc["problems"] if p["code"] == code]


DEP, DIS = "Khối Sở, ban, ngành", "Khối quận, huyện"


# --- item 8: invisible characters never make a second unit --------------------------------

@pytest.mark.parametrize("invisible", ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_an_invisible_character_does_not_make_a_second_unit(tmp_path, invisible):
    write_survey(tmp_path / "s.csv", [("Sở Tài chính", DEP, 3),
                                      (f"Sở Tài{invisible} chính", DEP, 2),
                                      ("Quận Hải An", DIS, 3)])
    write_method(tmp_path / "m.toml")
    code, doc = run_json("score", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 0
    names = sorted(u["unit"] for u in doc["units"])
    assert names == ["Quận Hải An", "Sở Tài chính"]
    assert [u["responses"] for u in doc["units"] if u["unit"] == "Sở Tài chính"] == [5]


# --- item 4: a unit is never put in a block by guess ---------------------------------------

def test_blank_block_cell_of_an_unlisted_unit_is_an_error(tmp_path):
    write_survey(tmp_path / "s.csv", [("Sở Mới", DEP, 3), ("Sở Mới", "", 1),
                                      ("Quận Hải An", DIS, 3)])
    write_method(tmp_path / "m.toml")
    code, doc = run_json("validate", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 1
    [problem] = codes(doc, "unknown_block")
    assert (problem["row"], problem["column"], problem["value"]) == (5, "Khối", "Sở Mới")
    assert "blank" in problem["message"] and DEP in problem["message"]


def test_blank_block_cells_of_a_listed_unit_take_its_block(tmp_path):
    write_survey(tmp_path / "s.csv", [("Sở Mới", "", 3), ("Quận Hải An", DIS, 3)])
    write_method(tmp_path / "m.toml", '[units."Sở Mới"]\nblock = "department"\n')
    code, doc = run_json("score", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 0
    assert {u["unit"]: u["block"] for u in doc["units"]}["Sở Mới"] == "department"


def test_one_block_takes_every_unit_whatever_its_block_cells(tmp_path):
    write_survey(tmp_path / "s.csv", [("Sở Mới", "", 2), ("Sở Mới", DEP, 1),
                                      ("Sở Cũ", "", 2)])
    write_method(tmp_path / "m.toml", text=SINGLE_BLOCK)
    code, doc = run_json("score", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 0
    assert [u["block"] for u in doc["units"]] == ["department", "department"]


# --- item 7: names and aliases of [units] lead to one unit each -----------------------------

@pytest.mark.parametrize("table, code, both", [
    ('[units."Sở Tài chính"]\naliases = ["STC"]\n[units."Sở Xây dựng"]\naliases = ["stc "]\n',
     "duplicate_alias", ("Sở Tài chính", "Sở Xây dựng")),
    ('[units."Sở Tài chính"]\n[units."Sở Xây dựng"]\naliases = ["SỞ TÀI  CHÍNH"]\n',
     "duplicate_alias", ("Sở Tài chính", "Sở Xây dựng")),
    ('[units."Sở Tài chính"]\n[units."sở tài\u200b chính"]\n',
     "duplicate_unit", ("Sở Tài chính", "sở tài\u200b chính")),
])
def test_conflicting_names_and_aliases_are_errors_naming_both(tmp_path, table, code, both):
    write_survey(tmp_path / "s.csv", [("Sở Tài chính", DEP, 2), ("STC", DEP, 2)])
    write_method(tmp_path / "m.toml", table)
    rc, doc = run_json("validate", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert rc == 1
    [problem] = codes(doc, code)
    assert problem["key"].startswith("units.")
    assert all(f"'{name}'" in problem["message"] for name in both)


# --- item 8: look-alike spellings ---------------------------------------------------------

def test_abbreviations_are_similar_units_with_counts_and_a_snippet(tmp_path):
    write_survey(tmp_path / "s.csv", [("Sở TN&MT", DEP, 14),
                                      ("Sở Tài nguyên và Môi trường", DEP, 13),
                                      ("Sở Kế hoạch và Đầu tư", DEP, 30), ("Sở KH&ĐT", DEP, 4),
                                      ("Quận 1", DIS, 30), ("Quận 2", DIS, 30)])
    write_method(tmp_path / "m.toml", min_responses=20)
    code, doc = run_json("validate", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 0
    found = {p["value"]: p for p in codes(doc, "similar_units")}
    assert set(found) == {"Sở TN&MT", "Sở KH&ĐT"}
    assert found["Sở TN&MT"]["row"] == 2 and found["Sở KH&ĐT"]["row"] == 59
    split = found["Sở TN&MT"]["message"]
    assert "(13 responses" in split and "(14 responses" in split
    assert "min_responses = 20" in split and "27 responses" in split
    other = found["Sở KH&ĐT"]["message"]
    assert "min_responses" not in other
    # the snippets pasted into the method file make each pair one ranked unit
    snippets = "\n".join(p["message"].split("\n", 1)[1] for p in found.values())
    assert "Sở Kế hoạch và Đầu tư" in tomllib.loads(snippets)["units"]
    write_method(tmp_path / "m.toml", "\n" + snippets + "\n", min_responses=20)
    code, doc = run_json("score", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 0 and not codes(doc, "similar_units")
    responses = {u["unit"]: u["responses"] for u in doc["units"]}
    assert responses["Sở Tài nguyên và Môi trường"] == 27
    assert responses["Sở Kế hoạch và Đầu tư"] == 34


@pytest.mark.parametrize("a, b, similar", [
    ("Sở Tài chính", "Sở Tài chinh", True),          # a diacritic
    ("Sở Xây dựng", "Sở Xây dựngg", True),           # one letter
    ("Sở Giao thông vận tải", "So Giao thong van tai", True),
    ("UBND quận Hải An", "Ủy ban nhân dân quận Hải An", True),
    ("Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội", True),
    ("Quận 1", "Quận 2", False),                     # numbers differ: two units
    ("Phường 10", "Phường 1", False),
    ("Sở Nội vụ", "Sở Ngoại vụ", False),
    ("Sở Tài chính", "Sở Tư pháp", False),
    ("Sở Công Thương", "Sở Thông tin và Truyền thông", False),
    ("?", "-", False),                               # no letters: nothing to compare
])
def test_which_spellings_look_alike(tmp_path, a, b, similar):
    write_survey(tmp_path / "s.csv", [(a, DEP, 2), (b, DEP, 2)])
    write_method(tmp_path / "m.toml")
    code, doc = run_json("validate", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 0
    assert bool(codes(doc, "similar_units")) is similar


def test_unknown_unit_names_the_nearest_listed_name(tmp_path):
    write_survey(tmp_path / "s.csv", [("Sở Tài chinh", DEP, 2), ("Sở KH&ĐT", DEP, 2),
                                      ("Quận Hải An", DIS, 2)])
    write_method(tmp_path / "m.toml", '[units."Sở Tài chính"]\n[units."Sở Kế hoạch và Đầu tư"]'
                 '\n[units."Quận Hải An"]\n')
    code, doc = run_json("validate", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    hints = {p["value"]: p["message"] for p in codes(doc, "unknown_unit")}
    assert "did you mean 'Sở Tài chính'?" in hints["Sở Tài chinh"]
    assert "did you mean 'Sở Kế hoạch và Đầu tư'?" in hints["Sở KH&ĐT"]


# --- ddci units ---------------------------------------------------------------------------

def _units_survey(tmp_path):
    write_survey(tmp_path / "s.csv", [("Sở TN&MT", DEP, 14), ("Sở Tài chính", DEP, 5),
                                      ("Sở Tài nguyên và Môi trường", DEP, 13),
                                      ("Quận Hải An", DIS, 6), ("Sở Tư pháp", DEP, 2)])
    write_method(tmp_path / "m.toml", '[units."Sở Tài chính"]\nblock = "department"\n'
                 'aliases = ["STC"]\n', min_responses=20)


def test_units_lists_units_counts_blocks_and_groups(tmp_path):
    _units_survey(tmp_path)
    code, out, err = run_cli("units", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 0
    lines = out.splitlines()
    assert any("Sở TN&MT" in line and "14" in line and "group 1" in line for line in lines)
    assert any("Quận Hải An" in line and "6" in line and "quận, huyện" in line
               for line in lines)
    assert any(line.startswith("Sở Tài chính") and "[units]" in line for line in lines)
    assert '[units."Sở Tài nguyên và Môi trường"]' in out
    assert "similar_units" in err


def test_units_toml_is_a_whole_table_that_makes_the_survey_clean(tmp_path):
    _units_survey(tmp_path)
    code, out, _ = run_cli("units", tmp_path / "s.csv", "-m", tmp_path / "m.toml", "--toml")
    assert code == 0
    table = tomllib.loads(out)["units"]
    assert set(table) == {"Sở Tài chính", "Sở Tài nguyên và Môi trường", "Quận Hải An",
                          "Sở Tư pháp"}
    assert table["Sở Tài chính"]["aliases"] == ["STC"]
    assert table["Sở Tài nguyên và Môi trường"] == {"block": "department",
                                                    "aliases": ["Sở TN&MT"]}
    write_method(tmp_path / "m.toml", "\n" + out, min_responses=20)
    code, doc = run_json("validate", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 0
    assert not codes(doc, "unknown_unit") and not codes(doc, "similar_units")


def test_units_json_document(tmp_path):
    _units_survey(tmp_path)
    code, doc = run_json("units", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 0 and doc["ok"] is True
    by_name = {u["unit"]: u for u in doc["units"]}
    assert by_name["Sở TN&MT"] == {"unit": "Sở TN&MT", "responses": 14, "block": "department",
                                   "listed": False, "first_row": 2, "group": 1,
                                   "nearest_listed": None}
    assert by_name["Sở Tài chính"]["listed"] is True
    assert doc["groups"][0]["names"] == ["Sở Tài nguyên và Môi trường", "Sở TN&MT"]
    assert doc["groups"][0]["responses"] == [13, 14]
    assert "units" in tomllib.loads(doc["toml"])


def test_units_through_the_console_script(ddci, tmp_path):
    _units_survey(tmp_path)
    proc = ddci.run("units", tmp_path / "s.csv", "-m", tmp_path / "m.toml", "--toml")
    assert proc.returncode == 0, proc.stderr
    assert "Sở TN&MT" in tomllib.loads(proc.stdout)["units"]["Sở Tài nguyên và Môi trường"][
        "aliases"]


def test_units_with_a_broken_method_is_exit_1(tmp_path):
    _units_survey(tmp_path)
    write_method(tmp_path / "m.toml", '[units."A"]\naliases = ["B"]\n[units."B"]\n')
    code, _, err = run_cli("units", tmp_path / "s.csv", "-m", tmp_path / "m.toml")
    assert code == 1 and "duplicate_alias" in err


# --- the look-alike index against brute force ----------------------------------------------

def _levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[:], i
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
    return row[-1]


@settings(max_examples=300, deadline=None)
@given(st.text("abc ", max_size=12), st.text("abc ", max_size=12), st.integers(0, 3))
def test_banded_distance_agrees_with_levenshtein(a, b, k):
    from ddci_cli.survey.lookalike import within

    assert within(a, b, k) == (_levenshtein(a, b) <= k)


def test_candidate_pairs_miss_no_pair_within_the_distance():
    from ddci_cli.survey.lookalike import _edit_pairs, max_distance

    rng = random.Random(7)
    for _ in range(60):
        keys = set()
        for _ in range(6):
            base = "".join(rng.choice("ab c") for _ in range(rng.randint(6, 22)))
            for _ in range(4):
                s = list(base)
                for _ in range(rng.randint(0, 3)):
                    pos = rng.randint(0, max(len(s) - 1, 0))
                    rng.choice([lambda: s.insert(pos, "a"), lambda: s.pop(pos) if s else None,
                                lambda: s.__setitem__(pos, "c") if s else None])()
                keys.add("".join(s))
        keys = sorted(keys)
        got = {frozenset((keys[i], keys[j])) for i, j in _edit_pairs(keys)}
        want = {frozenset(p) for p in itertools.combinations(keys, 2)
                if _levenshtein(*p) <= max_distance(min(map(len, p))) > 0}
        assert got == want


def test_every_format_character_is_removed_from_the_match_key():
    import sys
    import unicodedata

    from ddci_cli.text import match_key

    cf = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert len(cf) > 150
    assert match_key("Sở Tài" + "".join(cf) + " chính") == match_key("Sở Tài chính")


def test_units_toml_asks_for_the_block_it_cannot_know(tmp_path):
    write_survey(tmp_path / "s.csv", [("Sở TN&MT", "", 3), ("Sở Tài nguyên và Môi trường", "", 2),
                                      ("Sở Tư pháp", "", 2)])
    write_method(tmp_path / "m.toml")
    code, out, err = run_cli("units", tmp_path / "s.csv", "-m", tmp_path / "m.toml", "--toml")
    assert code == 0 and "unknown_block" in err
    table = tomllib.loads(out)["units"]
    assert table == {"Sở Tài nguyên và Môi trường": {"aliases": ["Sở TN&MT"]}, "Sở Tư pháp": {}}
    assert out.count('# block = ?  one of: "department", "district"') == 2

"""The CLI end to end on the shipped samples: outputs, JSON Schema, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SURVEY = SAMPLES / "ddci_haiphong_2024.xlsx"
METHOD = SAMPLES / "ddci_haiphong_2024.toml"
SCHEMA = json.loads((ROOT / "docs" / "schema" / "score-v1.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_doc(tmp_path_factory):
    from conftest import DdciRunner, _ddci_executable

    runner = DdciRunner(_ddci_executable(), tmp_path_factory.mktemp("cli"))
    return runner.score(SURVEY, METHOD)


def test_sample_json_validates_against_the_schema(sample_doc):
    jsonschema.validate(sample_doc, SCHEMA)
    blocks = {u["block"] for u in sample_doc["units"]}
    assert blocks == {"department", "district"}
    assert len(sample_doc["units"]) == 35
    assert_ranks_follow_the_rule(sample_doc, decimals=2)


def assert_ranks_follow_the_rule(doc: dict, decimals: int) -> None:
    """SPEC §4, computed here from the printed composites: a ranked unit's rank is 1 + the
    number of ranked units of its block whose composite, rounded half up to ``decimals``
    places on its shortest repr, is larger; only status ok units have a composite and rank."""
    from decimal import ROUND_HALF_UP, Decimal

    def key(c):
        return Decimal(repr(c)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)

    ranked = [u for u in doc["units"] if u["status"] == "ok"]
    for u in doc["units"]:
        assert (u["rank"] is not None) == (u["status"] == "ok") == (u["composite"] is not None)
    for u in ranked:
        same = [v for v in ranked if v["block"] == u["block"]]
        assert u["rank"] == 1 + sum(key(v["composite"]) > key(u["composite"]) for v in same)
    for block in {u["block"] for u in ranked}:
        assert min(u["rank"] for u in ranked if u["block"] == block) == 1


def test_schema_rejects_a_broken_document(sample_doc):
    broken = json.loads(json.dumps(sample_doc))
    broken["units"][0]["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)
    broken = json.loads(json.dumps(sample_doc))
    del broken["units"][0]["composite"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_error_document_validates(ddci, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Đơn vị,A1\nX,abc\n", encoding="utf-8")
    method = tmp_path / "m.toml"
    method.write_text('[input]\nunit_column = "Đơn vị"\n[[subindices]]\nid = "a"\n'
                      '[[subindices.indicators]]\nid = "a1"\ncolumn = "A1"\n', encoding="utf-8")
    doc = ddci.score(bad, method, expect_rc=1)
    jsonschema.validate(doc, SCHEMA)
    problem = doc["problems"][0]
    assert (problem["code"], problem["row"], problem["column"], problem["value"]) == \
        ("non_numeric_value", 2, "A1", "abc")


def test_every_output_format(ddci, tmp_path):
    outs = [tmp_path / f"r.{ext}" for ext in ("json", "csv", "parquet", "xlsx")]
    args = [a for out in outs for a in ("-o", out)]
    doc = ddci.score(SURVEY, METHOD, *args)
    assert json.loads(outs[0].read_text(encoding="utf-8"))["units"] == doc["units"]
    raw = outs[1].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    flat = pd.read_csv(outs[1], encoding="utf-8-sig")
    assert len(flat) == 35 and "Sở Tài chính" in set(flat["unit"])
    parquet = pd.read_parquet(outs[2])
    first = doc["units"][0]
    row = parquet[parquet["unit"] == first["unit"]].iloc[0]
    assert row["composite"] == pytest.approx(first["composite"], abs=1e-12)
    from openpyxl import load_workbook

    assert len(load_workbook(outs[3]).sheetnames) >= 2
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("args, code", [
    (["--version"], 0),
    (["score", str(SURVEY), "-m", str(METHOD), "--lenient", "--strict"], 2),
    (["score", str(SURVEY), "-m", str(METHOD), "-o", "out.docx"], 2),
    (["score", str(SURVEY), "-m", str(METHOD), "-o", "no/such/folder/out.xlsx"], 2),
    (["score", str(SURVEY), "-m", str(METHOD), "-o", str(SURVEY)], 2),
    (["score", str(SURVEY), "-m", "missing.toml"], 1),
    (["score", "missing.xlsx", "-m", str(METHOD)], 1),
    (["score", str(SURVEY)], 2),
    (["frobnicate"], 2),
])
def test_exit_codes(ddci, args, code):
    before = SURVEY.read_bytes()
    proc = ddci.run(*args)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert SURVEY.read_bytes() == before
    assert not (Path(ddci.cwd) / "out.docx").exists()


def test_plain_output_lists_both_blocks(ddci):
    proc = ddci.run("score", SURVEY, "-m", METHOD)
    assert proc.returncode == 0, proc.stderr
    assert "Khối Sở, ban, ngành" in proc.stdout and "Khối quận, huyện" in proc.stdout
    assert "Sở Tài chính" in proc.stdout


def test_init_templates_load(ddci, tmp_path):
    from ddci_cli.method import load_method

    for template in ("ddci", "pci"):
        folder = tmp_path / template
        folder.mkdir()
        proc = ddci.run("init", folder, "--template", template)
        assert proc.returncode == 0, proc.stderr
        method = load_method(folder / "method.toml")
        if template == "pci":
            assert [k.weight for k in method.subindices] == [5, 5, 20, 5, 10, 5, 5, 20, 20, 5]
            assert (method.range, method.multiplier) == ((1.0, 10.0), 10)
        assert ddci.run("init", folder, "--template", template).returncode == 2

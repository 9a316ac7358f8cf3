"""Starter method files written by `ddci init`."""

from __future__ import annotations

import tomllib

import pytest

from ddci_cli.cli.init import TEMPLATES, template_text, write_template

PCI_IDS = ["entry_costs", "land_access", "transparency", "time_costs", "informal_charges",
           "policy_bias", "proactivity", "business_support", "labor_training",
           "legal_institutions"]
PCI_WEIGHTS = [5, 5, 20, 5, 10, 5, 5, 20, 20, 5]

# Every key of SPEC §3 that the DDCI template must spell out with an explicit value.
SECTION_KEYS = {
    "index": {"name", "year", "language"},
    "input": {"sheet", "unit_column", "block_column", "respondent_column", "weight_column",
              "missing_codes", "min_responses", "min_indicator_responses", "strict_units"},
    "normalization": {"method", "range", "zscore"},
    "aggregation": {"subindex", "composite", "multiplier", "min_coverage"},
    "ranking": {"decimals"},
}


def parsed(template: str) -> dict:
    return tomllib.loads(template_text(template))


def test_templates_are_listed_and_parse():
    assert TEMPLATES == ("ddci", "pci")
    for name in TEMPLATES:
        assert parsed(name)["subindices"]


def test_pci_template_has_the_vcci_structure():
    doc = parsed("pci")
    assert [s["id"] for s in doc["subindices"]] == PCI_IDS
    assert [s["weight"] for s in doc["subindices"]] == PCI_WEIGHTS
    assert doc["normalization"]["method"] == "minmax"
    assert doc["normalization"]["range"] == [1, 10]
    assert doc["aggregation"]["multiplier"] == 10
    assert doc["ranking"]["decimals"] == 2
    assert len(doc["blocks"]) == 1
    for sub in doc["subindices"]:
        assert sub["label"] and sub["label_en"]
        assert 1 <= len(sub["indicators"]) <= 2
    assert "PLACEHOLDER" in template_text("pci")


def test_ddci_template_spells_out_every_key():
    doc = parsed("ddci")
    for section, keys in SECTION_KEYS.items():
        assert keys <= set(doc[section]), section
    assert doc["input"]["min_responses"] == 30
    assert [b["id"] for b in doc["blocks"]] == ["department", "district"]
    assert len(doc["tiers"]) >= 4
    inds = [i for s in doc["subindices"] for i in s["indicators"]]
    assert {"share_of", "share_range", "goalposts", "missing_codes", "blocks"} <= \
        {k for i in inds for k in i}
    assert "[units." in template_text("ddci")


def test_write_template_writes_method_toml(tmp_path):
    path = write_template(tmp_path / "new" / "folder", "pci")
    assert path.name == "method.toml"
    assert path.read_text(encoding="utf-8") == template_text("pci")
    assert write_template(tmp_path).read_text(encoding="utf-8") == template_text("ddci")


def test_write_template_refuses_to_overwrite(tmp_path):
    target = tmp_path / "method.toml"
    target.write_text("# mine\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_template(tmp_path, "ddci")
    assert target.read_text(encoding="utf-8") == "# mine\n"
    write_template(tmp_path, "ddci", force=True)
    assert target.read_text(encoding="utf-8") == template_text("ddci")
    assert not list(tmp_path.glob(".*.tmp"))


def test_unknown_template_is_refused(tmp_path):
    with pytest.raises(ValueError):
        write_template(tmp_path, "ppci")
    assert not (tmp_path / "method.toml").exists()


@pytest.mark.parametrize("template", TEMPLATES)
def test_templates_load_without_problems(template, tmp_path):
    method_mod = pytest.importorskip("ddci_cli.method")
    if not hasattr(method_mod, "load_method"):
        pytest.skip("ddci_cli.method.load_method is not available")
    loaded = method_mod.load_method(write_template(tmp_path, template))
    assert list(getattr(loaded, "problems", ())) == []

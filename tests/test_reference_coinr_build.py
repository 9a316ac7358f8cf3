"""COINr 1.1.14's full example build on ASEM, every stage, through `ddci score --json`.

Published data (../shared/data/coinr_asem/, read in place):
  ASEM_iData.csv              the survey, unmodified (uCode the unit, EurAsia_group the
                              imputation attribute, Area/Energy/GDP/Population denominators)
  ASEM_iMeta.csv              structure, directions, weights, and each indicator's Denominator
  full_build/denominated.csv  indicators divided by their denominators
  full_build/imputed.csv      missing values = mean of the unit's EurAsia_group
  full_build/treated.csv      winsorised with winmax 5, skew 2, kurtosis 3.5
  full_build/normalised.csv   min-max to [0, 100]
  full_build/aggregated.csv   8 pillars, Conn, Sust, Index
  full_build/treat_details.csv  per indicator: skew/kurtosis before, points winsorised, after

The method is the one tests/reference.py writes for ASEM plus what COINr did before
normalising: `denominator` from iMeta's Denominator column, `[imputation] method = "mean",
by = "EurAsia_group"` and `[treatment] method = "winsorise"` with COINr's thresholds.
In the JSON, an indicator's "value" is the denominated value (the imputed value, marked
"imputed": true, where COINr imputed), "treated" the treated value and "score" the
normalised one; the top-level "treatment" list holds the per-indicator record.
"""

from __future__ import annotations

import csv
import math

import pytest

from reference import asem_method_text, asem_meta, asem_survey, shared_data, write_toml

TOL = 1e-9


def stage(name: str) -> dict[str, dict[str, float]]:
    with shared_data("coinr_asem", "full_build", name).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["uCode"]: {k: math.nan if v in ("", "NA") else float(v)
                         for k, v in r.items() if k != "uCode"} for r in rows}


def treat_details() -> dict[str, dict[str, str]]:
    path = shared_data("coinr_asem", "full_build", "treat_details.csv")
    with path.open(encoding="utf-8", newline="") as f:
        return {r["iCode"]: r for r in csv.DictReader(f)}


def build_method_text() -> str:
    """The ASEM method of tests/reference.py plus COINr's denominators, imputation and
    treatment of build_example_coin()."""
    denominators = {m["iCode"]: m["Denominator"] for m in asem_meta()
                    if m["Type"] == "Indicator" and m["Denominator"] not in ("", "NA")}
    lines = []
    for line in asem_method_text().splitlines():
        lines.append(line)
        if line.startswith("  column = "):
            code = line.split("=", 1)[1].strip().strip('"')
            if code in denominators:
                lines.append(f'  denominator = "{denominators[code]}"')
    lines += ["", "[imputation]", 'method = "mean"', 'by = "EurAsia_group"', "",
              "[treatment]", 'method = "winsorise"', "winmax = 5", "skew = 2",
              "kurtosis = 3.5", 'fallback = "log"', ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conftest import DdciRunner, _ddci_executable

    folder = tmp_path_factory.mktemp("coinr_build")
    method = write_toml(folder / "asem_build.toml", build_method_text())
    doc = DdciRunner(_ddci_executable(), folder).score(asem_survey(), method)
    return doc


def test_method_names_coinr_denominators(tmp_path):
    import tomllib

    method = tomllib.loads(build_method_text())
    named = {i["id"]: i.get("denominator") for s in method["subindices"]
             for i in s["indicators"]}
    meta = {m["iCode"]: m["Denominator"] for m in asem_meta() if m["Type"] == "Indicator"}
    assert named == {k: (None if v == "NA" else v) for k, v in meta.items()}
    assert sum(v is not None for v in named.values()) == 17
    assert method["imputation"] == {"method": "mean", "by": "EurAsia_group"}


def _close(got, want) -> bool:
    if math.isnan(want):
        return got is None
    return got is not None and abs(got - want) <= TOL * max(1.0, abs(want))


def test_every_stage_matches_coinr(built):
    den, imp, tre, nor = (stage(f"{s}.csv") for s in ("denominated", "imputed", "treated",
                                                      "normalised"))
    units = {u["unit"]: u for u in built["units"]}
    assert set(units) == set(den) and len(units) == 51
    bad, imputed = [], 0
    for code, u in units.items():
        assert u["status"] == "ok", code
        for ic, entry in u["indicators"].items():
            raw = den[code][ic]
            if entry.get("imputed"):
                imputed += 1
                if not math.isnan(raw) or entry["n"] != 0:
                    bad.append((code, ic, "imputed an observed value", entry))
            elif not _close(entry["value"], raw):
                bad.append((code, ic, "denominated", entry["value"], raw))
            if not _close(entry["value"], imp[code][ic]):
                bad.append((code, ic, "imputed", entry["value"], imp[code][ic]))
            if not _close(entry["treated"], tre[code][ic]):
                bad.append((code, ic, "treated", entry["treated"], tre[code][ic]))
            if not _close(entry["score"], nor[code][ic]):
                bad.append((code, ic, "normalised", entry["score"], nor[code][ic]))
    assert not bad, bad[:20]
    # every NA of the denominated data was imputed (each group has values everywhere)
    assert imputed == sum(math.isnan(v) for row in den.values() for v in row.values())
    assert imputed > 0


def test_aggregates_match_coinr(built):
    agg = stage("aggregated.csv")
    pillars = [m["iCode"] for m in asem_meta()
               if m["Type"] == "Aggregate" and m["Level"] == "2"]
    bad = []
    for u in built["units"]:
        want = agg[u["unit"]]
        for p in pillars:
            if not _close(u["subindices"][p], want[p]):
                bad.append((u["unit"], p, u["subindices"][p], want[p]))
        if not _close(u["composite"], want["Index"]):
            bad.append((u["unit"], "Index", u["composite"], want["Index"]))
    assert not bad, bad[:20]
    index = {code: row["Index"] for code, row in agg.items()}
    for u in built["units"]:
        assert u["rank"] == 1 + sum(v > index[u["unit"]] for v in index.values())


def test_treatment_table_matches_treat_details(built):
    details = treat_details()
    records = {r["indicator"]: r for r in built["treatment"]}
    assert set(records) == set(details)
    for ic, d in details.items():
        r = records[ic]
        assert r["block"] == "asem" and r["n"] == 51
        assert r["passed_before"] == (d["check_SkewKurt0.Pass"] == "TRUE"), ic
        assert abs(r["skew_before"] - float(d["check_SkewKurt0.Skew"])) < TOL, ic
        assert abs(r["kurtosis_before"] - float(d["check_SkewKurt0.Kurt"])) < TOL, ic
        nwin = 0 if d["winsorise.nwin"] == "NA" else int(d["winsorise.nwin"])
        assert r["winsorised"] == nwin, ic
        assert len(r["units_winsorised"]) == nwin, ic
        assert r["log"] is False, ic
        if nwin:
            assert r["passed_after"] is (d["check_SkewKurt1.Pass"] == "TRUE"), ic
            assert abs(r["skew_after"] - float(d["check_SkewKurt1.Skew"])) < TOL, ic
            assert abs(r["kurtosis_after"] - float(d["check_SkewKurt1.Kurt"])) < TOL, ic
    assert sum(r["winsorised"] for r in records.values()) == sum(
        int(d["winsorise.nwin"]) for d in details.values() if d["winsorise.nwin"] != "NA")


def test_missing_denominator_warns_once(built):
    warned = [p for p in built["problems"] if p["code"] == "missing_denominator"]
    assert len(warned) == 1 and warned[0]["column"] == "Energy"
    assert warned[0]["severity"] == "warning"


def test_document_follows_the_schema(built):
    import json
    from pathlib import Path

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "docs" / "schema" /
                         "score-v1.json").read_text(encoding="utf-8"))
    jsonschema.validate(built, schema)
    # the new fields are declared, not just allowed
    entry = schema["$defs"]["unit"]["properties"]["indicators"]["additionalProperties"][
        "properties"]
    assert {"imputed", "treated", "winsorised"} <= set(entry)
    assert "treatment" in schema["properties"]

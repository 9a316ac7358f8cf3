"""Regenerate the reference-data fixtures from the copied raw files.

Run from anywhere:  python tests/data/make_reference_fixtures.py

Inputs (raw, copied verbatim from the shared reference data; see the README.md
beside each):
  tests/data/pci/pci_YYYY_subindices.csv          (VCCI PCI 2013-2016)
  tests/data/coinr_asem/ASEM_iData.csv            (COINr ASEM example data)
  tests/data/coinr_asem/ASEM_iMeta.csv            (COINr ASEM structure)

Outputs (derived, committed so the tests need not run this script):
  tests/data/pci/pci_YYYY_survey.csv       one row per province: "province" + the
                                           ten published sub-index scores
  tests/data/pci/pci_YYYY_method.toml      SPEC §3 method: 10 sub-indices, one
                                           indicator each, normalisation "none",
                                           multiplier 10, decimals 4, six tiers
  tests/data/coinr_asem/asem_survey.csv    uCode + the 49 indicators (raw values)
  tests/data/coinr_asem/asem_method.toml   8 pillars, iMeta weights/directions,
                                           minmax [0, 100], min_coverage 0

Only the standard library is used so the derivation is easy to review. Numbers
are copied as the text found in the raw file (no float round trip), except
that scientific notation (``2e-06``, ``3e+05``) is rewritten in positional form
(``0.000002``, ``300000``), which denotes exactly the same number: SPEC §2 only
accepts numeric text of the form ``^[+-]?\\d+([.,]\\d+)?$``.
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
PCI_DIR = HERE / "pci"
ASEM_DIR = HERE / "coinr_asem"

PCI_YEARS = (2013, 2014, 2015, 2016)

# (id, weight, Vietnamese label, English label) in VCCI's order.
PCI_SUBINDICES = [
    ("entry_costs", 5, "Chi phí gia nhập thị trường", "Entry costs"),
    ("land_access", 5, "Tiếp cận đất đai", "Land access and security of tenure"),
    ("transparency", 20, "Tính minh bạch", "Transparency"),
    ("time_costs", 5, "Chi phí thời gian", "Time costs"),
    ("informal_charges", 10, "Chi phí không chính thức", "Informal charges"),
    ("policy_bias", 5, "Cạnh tranh bình đẳng", "Policy bias"),
    ("proactivity", 5, "Tính năng động của chính quyền", "Proactivity"),
    ("business_support", 20, "Dịch vụ hỗ trợ doanh nghiệp", "Business support services"),
    ("labor_training", 20, "Đào tạo lao động", "Labor training"),
    ("legal_institutions", 5, "Thiết chế pháp lý", "Legal institutions"),
]

# Best to worst.
PCI_TIERS = [
    ("Rất tốt", "Very good"),
    ("Tốt", "Good"),
    ("Khá", "Fairly good"),
    ("Trung bình", "Average"),
    ("Tương đối thấp", "Relatively low"),
    ("Thấp", "Low"),
]

# COINr ASEM: the Conn pillars get 0.1 each (5 × 0.1 = 0.5) and the Sust pillars
# 1/6 each (3 × 1/6 = 0.5), so the ddci composite is 0.5·Conn + 0.5·Sust = Index.
ASEM_PARENT_WEIGHT = {"Conn": "0.1", "Sust": repr(1 / 6)}  # "0.16666666666666666"

NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def q(s: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML escapes)."""
    return json.dumps(s, ensure_ascii=False)


def positional(text: str) -> str:
    """The numeric text as SPEC §2 accepts it, denoting the same number."""
    text = text.strip()
    if NUMBER.match(text):
        return text
    d = Decimal(text)  # raises on anything that is not a number
    out = format(d, "f")
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    assert NUMBER.match(out), text
    assert float(out) == float(text), (text, out)
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_toml(path: Path, text: str) -> None:
    tomllib.loads(text)  # must parse
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- PCI


def pci_tier_cutoffs(rows: list[dict[str, str]]) -> list[tuple[str, str, float]]:
    """(label, label_en, min) best to worst.

    VCCI does not publish the cut-offs; each tier's ``min`` is halfway between
    the lowest published pci of that tier and the highest of the tier below,
    rounded to 4 decimals (the gaps between tiers are > 0.3, so the rounding
    cannot move a province). The lowest tier gets ``min = 0``.
    """
    by_tier: dict[str, list[float]] = {}
    for r in rows:
        by_tier.setdefault(r["tier"], []).append(float(r["pci"]))
    labels = [t for t, _ in PCI_TIERS]
    assert set(by_tier) == set(labels), sorted(by_tier)
    out = []
    for i, (label, label_en) in enumerate(PCI_TIERS):
        if i + 1 == len(PCI_TIERS):
            out.append((label, label_en, 0.0))
            continue
        lo = min(by_tier[label])
        hi_below = max(by_tier[labels[i + 1]])
        assert hi_below < lo, f"tiers {label} / {labels[i + 1]} overlap"
        cut = round((lo + hi_below) / 2, 4)
        assert hi_below + 1e-3 < cut < lo - 1e-3, (label, hi_below, cut, lo)
        out.append((label, label_en, cut))
    return out


def make_pci(year: int) -> None:
    raw = read_csv(PCI_DIR / f"pci_{year}_subindices.csv")
    assert len(raw) == 63, len(raw)
    ids = [sid for sid, *_ in PCI_SUBINDICES]

    header = ["province"] + ids
    write_csv(
        PCI_DIR / f"pci_{year}_survey.csv",
        header,
        [[r["province"]] + [positional(r[c]) for c in ids] for r in raw],
    )

    lines = [
        f"# PCI {year}: the published sub-index scores re-aggregated with VCCI's weights.",
        "# Generated by tests/data/make_reference_fixtures.py from "
        f"pci_{year}_subindices.csv; do not edit.",
        "",
        "[index]",
        f"name = {q(f'PCI {year} (VCCI, published sub-indices)')}",
        f"year = {year}",
        'language = "vi"',
        "",
        "[input]",
        'unit_column = "province"',
        "min_responses = 1",
        "min_indicator_responses = 1",
        "",
        "[normalization]",
        'method = "none"',
        "",
        "[aggregation]",
        'subindex = "arithmetic"',
        'composite = "arithmetic"',
        "multiplier = 10",
        "min_coverage = 0.5",
        "",
        "[ranking]",
        "decimals = 4",
        "",
        "[[blocks]]",
        'id = "province"',
        'label = "Tỉnh, thành phố"',
        'label_en = "Provinces"',
        "",
    ]
    for sid, weight, label, label_en in PCI_SUBINDICES:
        lines += [
            "[[subindices]]",
            f"id = {q(sid)}",
            f"label = {q(label)}",
            f"label_en = {q(label_en)}",
            f"weight = {weight}",
            "",
            "  [[subindices.indicators]]",
            f"  id = {q(sid + '_score')}",
            f"  column = {q(sid)}",
            f"  label = {q(label + ' (điểm công bố)')}",
            '  direction = "positive"',
            '  statistic = "mean"',
            "  weight = 1",
            "",
        ]
    lines.append(
        "# Cut-offs: halfway between the lowest published pci of a tier and the"
        " highest of the tier below."
    )
    for label, label_en, cut in pci_tier_cutoffs(raw):
        lines += [
            "[[tiers]]",
            f"label = {q(label)}",
            f"label_en = {q(label_en)}",
            f"min = {cut!r}",
            "",
        ]
    write_toml(PCI_DIR / f"pci_{year}_method.toml", "\n".join(lines))


# ------------------------------------------------------------------- COINr ASEM


def make_asem() -> None:
    meta = read_csv(ASEM_DIR / "ASEM_iMeta.csv")
    data = read_csv(ASEM_DIR / "ASEM_iData.csv")
    indicators = [m for m in meta if m["Type"] == "Indicator"]
    pillars = [m for m in meta if m["Type"] == "Aggregate" and m["Level"] == "2"]
    assert len(indicators) == 49 and len(pillars) == 8 and len(data) == 51
    assert {p["Parent"] for p in pillars} == set(ASEM_PARENT_WEIGHT)

    codes = [m["iCode"] for m in indicators]
    rows = []
    for r in data:
        row = [r["uCode"]]
        for c in codes:
            v = r[c].strip()
            row.append("" if v in ("", "NA") else positional(v))
        rows.append(row)
    write_csv(ASEM_DIR / "asem_survey.csv", ["uCode"] + codes, rows)

    direction = {"1": "positive", "-1": "negative"}
    lines = [
        "# COINr ASEM example: min-max to [0, 100], weighted arithmetic pillars,",
        "# pillar weights making the composite equal to COINr's Index.",
        "# Generated by tests/data/make_reference_fixtures.py from ASEM_iMeta.csv;"
        " do not edit.",
        "",
        "[index]",
        'name = "COINr ASEM example (minmax, arithmetic mean)"',
        'language = "en"',
        "",
        "[input]",
        'unit_column = "uCode"',
        "min_responses = 1",
        "min_indicator_responses = 1",
        "",
        "[normalization]",
        'method = "minmax"',
        "range = [0, 100]",
        "",
        "[aggregation]",
        'subindex = "arithmetic"',
        'composite = "arithmetic"',
        "multiplier = 1",
        "min_coverage = 0",
        "",
        "[ranking]",
        "decimals = 10",
        "",
        "[[blocks]]",
        'id = "asem"',
        'label = "ASEM"',
        'label_en = "ASEM"',
        "",
    ]
    for p in pillars:
        lines += [
            f"# level 2, parent {p['Parent']}",
            "[[subindices]]",
            f"id = {q(p['iCode'])}",
            f"label = {q(p['iName'])}",
            f"label_en = {q(p['iName'])}",
            f"weight = {ASEM_PARENT_WEIGHT[p['Parent']]}",
            "",
        ]
        for m in indicators:
            if m["Parent"] != p["iCode"]:
                continue
            lines += [
                "  [[subindices.indicators]]",
                f"  id = {q(m['iCode'])}",
                f"  column = {q(m['iCode'])}",
                f"  label = {q(m['iName'])}",
                f"  direction = {q(direction[m['Direction']])}",
                '  statistic = "mean"',
                f"  weight = {positional(m['Weight'])}",
                "",
            ]
    write_toml(ASEM_DIR / "asem_method.toml", "\n".join(lines))


def main() -> None:
    for year in PCI_YEARS:
        make_pci(year)
    make_asem()
    print("fixtures written under", HERE)


if __name__ == "__main__":
    main()

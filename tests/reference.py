"""The published reference data, read where it is published: ``../shared/data``.

The project keeps no copies of that data (nor files derived from it); see the README.md
in that folder. Tests read the published files from ``<repository>/../shared/data``
unmodified (``DDCI_SHARED_DATA`` names another folder), and skip with a reason that says
so when the folder is absent. What a test needs beyond the published files, the method
TOML files, is written here into the test's own temporary folder from the structure the
publishers document:

- PCI (VCCI, 2013–2016): one block, the ten sub-indices with VCCI's weights, each with one
  indicator that is the published sub-index column, normalisation "none", multiplier 10,
  ``ranking.decimals = 4``, six tiers whose ``min`` is halfway between the lowest published
  pci of a tier and the highest of the tier below (VCCI does not publish the cut-offs).
- COINr's ASEM example: one block, the 8 level-2 pillars of ``ASEM_iMeta.csv`` as
  sub-indices with the indicators' iMeta weights and directions, minmax to [0, 100],
  ``min_coverage = 0``, pillar weights 0.1 under Conn and 1/6 under Sust (so the composite
  is 0.5·Conn + 0.5·Sust, COINr's Index).
"""

from __future__ import annotations

import csv
import json
import os
import tomllib
from pathlib import Path

import pytest

ENV_VAR = "DDCI_SHARED_DATA"
DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data_dir() -> Path:
    """Where the published reference data is looked for (it may be absent)."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else DEFAULT_DIR


def shared_data(*parts: str) -> Path:
    """A path inside the published reference data; skips the test when the folder is absent.

    A file missing from a folder that is present is a broken checkout, not an absent one:
    that fails instead of skipping.
    """
    root = shared_data_dir()
    if not root.is_dir():
        pytest.skip(f"published reference data not found at {root}; these tests read "
                    f"../shared/data (set {ENV_VAR} to read it from elsewhere)")
    path = root.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path} is missing from the published reference data at {root}")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def q(text: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


def write_toml(path: Path, text: str) -> Path:
    tomllib.loads(text)  # must parse
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- PCI

PCI_YEARS = (2013, 2014, 2015, 2016)

# (id = the published column, weight, Vietnamese label, English label) in VCCI's order.
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


def pci_survey(year: int) -> Path:
    """The published table itself: province, the ten sub-indices, pci, rank, tier."""
    return shared_data("pci", f"pci_{year}_subindices.csv")


def pci_tier_cutoffs(rows: list[dict[str, str]]) -> list[tuple[str, str, float]]:
    """(label, label_en, min) best to worst.

    Each tier's ``min`` is halfway between the lowest published pci of that tier and the
    highest of the tier below, rounded to 4 decimals (the gaps between tiers are > 0.3, so
    the rounding cannot move a province). The lowest tier gets ``min = 0``.
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


def pci_method_text(year: int) -> str:
    rows = read_csv(pci_survey(year))
    assert len(rows) == 63, len(rows)
    lines = [
        f"# PCI {year}: the published sub-index scores re-aggregated with VCCI's weights.",
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
    lines.append("# Cut-offs: halfway between the lowest published pci of a tier and the"
                 " highest of the tier below.")
    for label, label_en, cut in pci_tier_cutoffs(rows):
        lines += [
            "[[tiers]]",
            f"label = {q(label)}",
            f"label_en = {q(label_en)}",
            f"min = {cut!r}",
            "",
        ]
    return "\n".join(lines)


def write_pci_method(year: int, folder: Path) -> Path:
    """``folder/pci_YYYY_method.toml`` for the published table of that year."""
    return write_toml(folder / f"pci_{year}_method.toml", pci_method_text(year))


# ------------------------------------------------------------------- COINr ASEM

# The Conn pillars get 0.1 each (5 × 0.1 = 0.5) and the Sust pillars 1/6 each
# (3 × 1/6 = 0.5), so the ddci composite is 0.5·Conn + 0.5·Sust = Index.
ASEM_PARENT_WEIGHT = {"Conn": 0.1, "Sust": 1 / 6}
ASEM_DIRECTION = {"1": "positive", "-1": "negative"}


def asem_survey() -> Path:
    """COINr's ASEM_iData.csv itself: 51 countries, groups, denominators, 49 indicators."""
    return shared_data("coinr_asem", "ASEM_iData.csv")


def asem_meta() -> list[dict[str, str]]:
    return read_csv(shared_data("coinr_asem", "ASEM_iMeta.csv"))


def asem_method_text() -> str:
    meta = asem_meta()
    indicators = [m for m in meta if m["Type"] == "Indicator"]
    pillars = [m for m in meta if m["Type"] == "Aggregate" and m["Level"] == "2"]
    assert len(indicators) == 49 and len(pillars) == 8
    assert {p["Parent"] for p in pillars} == set(ASEM_PARENT_WEIGHT)
    lines = [
        "# COINr ASEM example: min-max to [0, 100], weighted arithmetic pillars,",
        "# pillar weights making the composite equal to COINr's Index.",
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
            f"weight = {ASEM_PARENT_WEIGHT[p['Parent']]!r}",
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
                f"  direction = {q(ASEM_DIRECTION[m['Direction']])}",
                '  statistic = "mean"',
                f"  weight = {float(m['Weight'])!r}",
                "",
            ]
    return "\n".join(lines)


def write_asem_method(folder: Path, name: str = "asem_method.toml") -> Path:
    return write_toml(folder / name, asem_method_text())

"""Build a :class:`Method` from a parsed TOML document, checking every rule of SPEC §3."""

from __future__ import annotations

from typing import Any

from ddci_cli.method.model import (AGGREGATIONS, DEFAULT_BLOCK, NORMALIZATIONS, Block, Indicator, Method,
                     SubIndex, Tier, UnitEntry)
from ddci_cli.method.schema import TableReader
from ddci_cli.method.treatment import imputation_rule, treatment_rule

TOP_KEYS = ("index", "input", "normalization", "aggregation", "ranking", "blocks",
            "subindices", "tiers", "units", "weighting", "sensitivity", "imputation",
            "treatment", "answers")
INPUT_KEYS = ("sheet", "unit_column", "block_column", "respondent_column", "weight_column",
              "missing_codes", "min_responses", "min_indicator_responses", "strict_units",
              "thousands", "decimal_mark", "leading_code", "layout", "grid_pattern",
              "repeat_sheet")
LAYOUTS = ("long", "grid", "repeat")  # SPEC §2 "Layouts"
THOUSANDS = (".", ",", " ")  # SPEC §2 step 3: Vietnamese grouping 1.500.000, 1,500,000, 1 500 000
DECIMAL_MARKS = (".", ",")
SUBINDEX_KEYS = ("id", "label", "label_en", "weight", "blocks", "indicators")
INDICATOR_KEYS = ("id", "column", "label", "label_en", "direction", "statistic", "valid",
                  "weight", "blocks", "share_of", "share_range", "goalposts", "missing_codes",
                  "denominator", "answers")


def build_method(doc: dict, r: TableReader) -> Method:
    r.check_keys(doc, TOP_KEYS, "")
    index = r.table(doc, "index", "")
    r.check_keys(index, ("name", "year", "language"), "index")
    inp = r.table(doc, "input", "")
    r.check_keys(inp, INPUT_KEYS, "input")
    if "input" not in doc:
        r.error("missing_key", "input", "the [input] table is required (it names unit_column)")
    norm = r.table(doc, "normalization", "")
    r.check_keys(norm, ("method", "range", "zscore"), "normalization")
    agg = r.table(doc, "aggregation", "")
    r.check_keys(agg, ("subindex", "composite", "multiplier", "min_coverage"), "aggregation")
    ranking = r.table(doc, "ranking", "")
    r.check_keys(ranking, ("decimals",), "ranking")

    blocks = _blocks(doc, r)
    block_ids = tuple(b.id for b in blocks)
    subindices = _subindices(doc, r, block_ids)
    fields: dict[str, Any] = dict(
        name=r.text(index, "name", "index", "Composite index"),
        year=r.number(index, "year", "index", None, integer=True, minimum=1900, maximum=2999),
        language=r.choice(index, "language", "index", ("vi", "en"), "vi"),
        sheet=_sheet(inp, r),
        unit_column=_unit_column(doc, inp, r),
        block_column=r.text(inp, "block_column", "input", None),
        respondent_column=r.text(inp, "respondent_column", "input", None),
        weight_column=r.text(inp, "weight_column", "input", None),
        missing_codes=r.codes(inp, "missing_codes", "input"),
        min_responses=r.number(inp, "min_responses", "input", 1, integer=True, minimum=1),
        min_indicator_responses=r.number(inp, "min_indicator_responses", "input", 1,
                                         integer=True, minimum=1),
        strict_units=r.boolean(inp, "strict_units", "input", False),
        **_separators(inp, r),
        normalization=r.choice(norm, "method", "normalization", NORMALIZATIONS, "minmax"),
        range=r.pair(norm, "range", "normalization", (0.0, 100.0)),
        zscore=r.pair(norm, "zscore", "normalization", (0.0, 1.0), increasing=False),
        subindex_aggregation=r.choice(agg, "subindex", "aggregation", AGGREGATIONS,
                                      "arithmetic"),
        composite_aggregation=r.choice(agg, "composite", "aggregation", AGGREGATIONS,
                                       "arithmetic"),
        multiplier=r.number(agg, "multiplier", "aggregation", 1.0, positive=True),
        min_coverage=r.number(agg, "min_coverage", "aggregation", 0.5, minimum=0, maximum=1),
        decimals=r.number(ranking, "decimals", "ranking", 2, integer=True, minimum=0,
                          maximum=12),
        blocks=blocks,
        subindices=subindices,
        tiers=_tiers(doc, r),
        units=_units(doc, r, block_ids),
        extra={k: doc[k] for k in ("weighting", "sensitivity") if k in doc},
        imputation=imputation_rule(doc, r), treatment=treatment_rule(doc, r),  # SPEC §10
        **_export_keys(doc, inp, r),
    )
    method = Method(**fields)
    _check_cross_rules(method, r)
    if "weighting" in doc:
        from ddci_cli.method.weighting import check_weighting

        check_weighting(doc["weighting"], r)
    if "sensitivity" in doc:
        from ddci_cli.method.sensitivity import check_table

        check_table(method, r)
    return method


def _unit_column(doc: dict, inp: dict, r: TableReader) -> str:
    """``input.unit_column``: required, except in the grid layout, whose units come from
    the headers (then "" when absent)."""
    if "input" not in doc:
        return ""
    if inp.get("layout") == "grid" and "unit_column" not in inp:
        return ""
    return r.text(inp, "unit_column", "input") or ""


def _export_keys(doc: dict, inp: dict, r: TableReader) -> dict[str, Any]:
    """The keys that read online-survey exports (SPEC §2 "Answers as text", "Layouts")."""
    pattern = r.text(inp, "grid_pattern", "input", "{question} [{unit}]")
    if any(pattern.count(part) != 1 for part in ("{question}", "{unit}")):
        r.error("bad_value", "input.grid_pattern", "must hold {question} and {unit} once "
                "each, e.g. \"{question} [{unit}]\"", pattern)
        pattern = "{question} [{unit}]"
    return dict(answers=answer_table(doc, "answers", "", r) or (),
                leading_code=r.boolean(inp, "leading_code", "input", False),
                layout=r.choice(inp, "layout", "input", LAYOUTS, "long"),
                grid_pattern=pattern,
                repeat_sheet=r.text(inp, "repeat_sheet", "input", None))


def answer_table(parent: dict, key: str, path: str, r: TableReader
                 ) -> tuple[tuple[str, float], ...] | None:
    """An ``answers`` table (answer text → numeric code) as (text, code) pairs; None when
    absent. Texts are compared like text missing codes, so two spellings of one text with
    different codes are an ``answer_conflict`` error naming both."""
    if key not in parent:
        return None
    from ddci_cli.text import match_key

    here = f"{path}.{key}" if path else key
    table = r.table(parent, key, path)
    pairs: list[tuple[str, float]] = []
    seen: dict[str, tuple[str, float]] = {}
    for text, code in table.items():
        where = f'{here}."{text}"'
        if isinstance(code, bool) or not isinstance(code, (int, float)) or code != code \
                or code in (float("inf"), float("-inf")):
            r.error("bad_type", where, "must be a finite number: the code this answer "
                    "stands for", code)
            continue
        k = match_key(text)
        if not k:
            r.error("bad_value", where, "an answer text cannot be blank", text)
        elif k in seen and seen[k][1] != float(code):
            r.error("answer_conflict", where, f"answer '{text}' = {code:g} but '{seen[k][0]}' "
                    f"= {seen[k][1]:g}, and they are the same text (compared ignoring case, "
                    "spacing and invisible characters); keep one of the two", text)
        elif k not in seen:
            seen[k] = (text, float(code))
            pairs.append((text, float(code)))
    return tuple(pairs)


def _sheet(inp: dict, r: TableReader) -> Any:
    value = inp.get("sheet")
    if value is None or isinstance(value, str) or (isinstance(value, int) and value >= 1
                                                   and not isinstance(value, bool)):
        return value
    r.error("bad_type", "input.sheet", "must be a sheet name or a 1-based index", value)
    return None


def _separators(inp: dict, r: TableReader) -> dict[str, str | None]:
    """``input.thousands`` and ``input.decimal_mark``: how numeric texts are written."""
    found = {}
    for key, allowed in (("thousands", THOUSANDS), ("decimal_mark", DECIMAL_MARKS)):
        value = inp.get(key)
        if value is not None and value not in allowed:
            shown = " or ".join(f'"{c}"' for c in allowed)
            r.error("bad_value", f"input.{key}", f"must be {shown}", value)
            value = None
        found[key] = value
    if found["thousands"] is not None and found["thousands"] == found["decimal_mark"]:
        r.error("bad_value", "input.decimal_mark", f"cannot be the thousands separator "
                f"('{found['thousands']}') too; use the other mark", found["decimal_mark"])
        found["decimal_mark"] = None
    return found


def _blocks(doc: dict, r: TableReader) -> tuple[Block, ...]:
    blocks, seen = [], set()
    for n, table in enumerate(r.tables(doc, "blocks", "")):
        path = f"blocks[{n}]"
        r.check_keys(table, ("id", "label", "label_en"), path)
        bid = r.text(table, "id", path)
        if bid is None:
            continue
        if bid in seen:
            r.error("duplicate_id", f"{path}.id", f"duplicate block id '{bid}'", bid)
        seen.add(bid)
        label = r.text(table, "label", path, bid)
        blocks.append(Block(bid, label, r.text(table, "label_en", path, label)))
    return tuple(blocks) or (Block(DEFAULT_BLOCK, "Tất cả", "All"),)


def _block_list(table: dict, r: TableReader, path: str, allowed: tuple[str, ...],
                default: tuple[str, ...]) -> tuple[str, ...]:
    names = r.texts(table, "blocks", path)
    if names is None:
        return default
    for name in names:
        if name not in allowed:
            r.error("unknown_block", f"{path}.blocks",
                    f"block '{name}' is not declared; declared: {', '.join(allowed)}", name)
    return tuple(n for n in names if n in allowed) or default


def _subindices(doc: dict, r: TableReader, block_ids: tuple[str, ...]) -> tuple[SubIndex, ...]:
    tables = r.tables(doc, "subindices", "")
    if not tables and "subindices" not in doc:
        r.error("missing_key", "subindices", "at least one [[subindices]] table is required")
    result, sub_ids, ind_ids = [], set(), set()
    for n, table in enumerate(tables):
        path = f"subindices[{n}]"
        r.check_keys(table, SUBINDEX_KEYS, path)
        sid = r.text(table, "id", path) or f"subindex{n + 1}"
        if sid in sub_ids:
            r.error("duplicate_id", f"{path}.id", f"duplicate sub-index id '{sid}'", sid)
        sub_ids.add(sid)
        label = r.text(table, "label", path, sid)
        blocks = _block_list(table, r, path, block_ids, block_ids)
        indicators = []
        for j, ind in enumerate(r.tables(table, "indicators", path)):
            indicator = _indicator(ind, r, f"{path}.indicators[{j}]", sid, blocks)
            if indicator.id in ind_ids:
                r.error("duplicate_id", f"{path}.indicators[{j}].id",
                        f"duplicate indicator id '{indicator.id}'", indicator.id)
            ind_ids.add(indicator.id)
            indicators.append(indicator)
        if not indicators:
            r.error("empty_subindex", path, f"sub-index '{sid}' has no indicators; add "
                    "[[subindices.indicators]] tables under it")
        result.append(SubIndex(sid, label, r.text(table, "label_en", path, label),
                               float(r.number(table, "weight", path, 1.0, positive=True)),
                               blocks, tuple(indicators)))
    return tuple(result)


def _indicator(t: dict, r: TableReader, path: str, sid: str,
               sub_blocks: tuple[str, ...]) -> Indicator:
    r.check_keys(t, INDICATOR_KEYS, path)
    iid = r.text(t, "id", path) or path
    label = r.text(t, "label", path, iid)
    statistic = r.choice(t, "statistic", path, ("mean", "share"), "mean")
    share_of = r.numbers(t, "share_of", path)
    share_range = r.pair(t, "share_range", path, increasing=False)
    if share_range and share_range[0] > share_range[1]:
        r.error("bad_range", f"{path}.share_range", "needs a <= b", list(share_range))
    if statistic == "share" and (share_of is None) == (share_range is None):
        r.error("bad_share", path, "a share indicator needs exactly one of share_of and "
                "share_range")
    if statistic == "mean" and (share_of or share_range):
        r.error("bad_share", path, "share_of/share_range need statistic = \"share\"")
    valid = r.pair(t, "valid", path)
    if valid and statistic == "share":
        outside = [v for v in (share_of or share_range or ()) if not valid[0] <= v <= valid[1]]
        if outside:
            r.error("bad_share", path, f"share values {outside} are outside valid {list(valid)}")
    return Indicator(
        id=iid, column=r.text(t, "column", path) or iid, label=label,
        label_en=r.text(t, "label_en", path, label), subindex=sid,
        direction=-1 if r.choice(t, "direction", path, ("positive", "negative"),
                                 "positive") == "negative" else 1,
        statistic=statistic, weight=float(r.number(t, "weight", path, 1.0, positive=True)),
        blocks=_block_list(t, r, path, sub_blocks, sub_blocks), valid=valid,
        share_of=share_of, share_range=share_range, goalposts=r.pair(t, "goalposts", path),
        missing_codes=r.codes(t, "missing_codes", path),
        denominator=r.text(t, "denominator", path, None),
        answers=answer_table(t, "answers", path, r))


def _tiers(doc: dict, r: TableReader) -> tuple[Tier, ...]:
    tiers, mins = [], {}
    for n, table in enumerate(r.tables(doc, "tiers", "")):
        path = f"tiers[{n}]"
        r.check_keys(table, ("label", "label_en", "min", "color"), path)
        label = r.text(table, "label", path) or f"tier {n + 1}"
        low = r.number(table, "min", path)
        if low is None:
            continue
        if low in mins:
            r.error("duplicate_tier", f"{path}.min", f"same min as tiers[{mins[low]}]", low)
        mins[low] = n
        color = r.text(table, "color", path, None)
        tiers.append(Tier(label, r.text(table, "label_en", path, label), float(low), color))
    return tuple(tiers)


def _units(doc: dict, r: TableReader, block_ids: tuple[str, ...]) -> tuple[UnitEntry, ...]:
    entries = []
    for name, table in r.table(doc, "units", "").items():
        path = f'units."{name}"'
        if not isinstance(table, dict):
            r.error("bad_type", path, "must be a table with block and aliases")
            continue
        r.check_keys(table, ("block", "aliases"), path)
        block = r.text(table, "block", path, None)
        if block is not None and block not in block_ids:
            r.error("unknown_block", f"{path}.block", f"block '{block}' is not declared", block)
        entries.append(UnitEntry(name.strip(), block, r.texts(table, "aliases", path) or ()))
    _check_unit_names(entries, r)
    return tuple(entries)


def _check_unit_names(entries: list[UnitEntry], r: TableReader) -> None:
    """Every name and alias must lead to one unit (SPEC §2 "Units"): two names equal under
    the match key, an alias that is another unit's name, or an alias claimed by two units
    would send evaluations to one of them silently. One pass over the names, one over the
    aliases: linear in the size of the table."""
    from ddci_cli.text import match_key

    same = "(names are compared ignoring case, spacing and invisible characters)"
    owner: dict[str, str] = {}
    for entry in entries:
        key = match_key(entry.name)
        if not key:
            r.error("bad_value", f'units."{entry.name}"', "a unit name cannot be blank")
        elif key in owner:
            r.error("duplicate_unit", f'units."{entry.name}"', f"unit '{entry.name}' and unit "
                    f"'{owner[key]}' are the same name {same}; keep one of the two tables",
                    entry.name)
        else:
            owner[key] = entry.name
    claimed: dict[str, str] = {}
    for entry in entries:
        path = f'units."{entry.name}".aliases'
        for alias in entry.aliases:
            key = match_key(alias)
            named, first = owner.get(key), claimed.get(key)
            if not key:
                r.error("bad_value", path, "an alias cannot be blank", alias)
            elif named is not None and named != entry.name:
                r.error("duplicate_alias", path, f"alias '{alias}' of unit '{entry.name}' is "
                        f"the name of unit '{named}' {same}; remove the alias, or merge the "
                        "two units into one table", alias)
            elif first is not None and first != entry.name:
                r.error("duplicate_alias", path, f"alias '{alias}' is claimed by unit "
                        f"'{first}' and by unit '{entry.name}'; keep it under one of them",
                        alias)
            else:
                claimed.setdefault(key, entry.name)


def _check_cross_rules(m: Method, r: TableReader) -> None:
    """Rules that involve several keys (geometric bounds, negative with none, codes)."""
    geometric = "geometric" in (m.subindex_aggregation, m.composite_aggregation)
    if geometric and m.normalization in ("minmax", "goalposts", "rank") and m.range[0] <= 0:
        r.error("geometric_nonpositive", "normalization.range", "geometric aggregation needs "
                f"a lower bound above 0 (got {m.range[0]:g}); use e.g. [1, 100]",
                list(m.range))
    if geometric and m.normalization == "zscore" and m.zscore[0] <= 0:
        r.error("geometric_nonpositive", "normalization.zscore", "geometric aggregation needs "
                "μ > 0; use e.g. [10, 2]", list(m.zscore))
    if m.normalization == "zscore" and m.zscore[1] <= 0:
        r.error("bad_value", "normalization.zscore", "σ must be greater than 0",
                list(m.zscore))
    for n, k in enumerate(m.subindices):
        for j, ind in enumerate(k.indicators):
            path = f"subindices[{n}].indicators[{j}]"
            if m.normalization == "none" and ind.direction < 0:
                r.error("negative_with_none", f"{path}.direction", "a negative indicator "
                        "cannot use normalization \"none\"; use another method", "negative")
            codes = [c for c in m.missing_codes + ind.missing_codes if isinstance(c, float)]
            inside = [c for c in codes if ind.valid and ind.valid[0] <= c <= ind.valid[1]]
            if inside:
                r.warning("missing_code_in_range", f"{path}.valid", f"numeric missing codes "
                          f"{inside} lie inside valid {list(ind.valid)}; real answers with "
                          "that value will be treated as missing", inside)
            gp = ind.goalposts
            if m.normalization == "goalposts" and gp is None and ind.valid is None \
                    and ind.statistic == "mean":
                r.error("missing_goalposts", path, "goalposts normalisation needs "
                        "goalposts = [L, H] or valid = [a, b] on a mean indicator")

"""``ddci explain SURVEY -m METHOD UNIT``: why a unit has its rank, and what would move it
(SPEC §11). The analysis is :mod:`ddci_cli.explain`; this module reads, scores and renders."""

from __future__ import annotations

from dataclasses import dataclass

from ddci_cli.check import load_method_checked
from ddci_cli.cli import render
from ddci_cli.cli.commands import SurveySettings
from ddci_cli.explain import explain
from ddci_cli.pipeline import score

TEXT = {
    "vi": {"title": "{unit} – hạng {rank} / {n} ({block}), điểm {composite}",
           "unranked": "{unit} ({block}) không được xếp hạng: {status}",
           "summary": "Trung bình khối {mean}; chênh lệch {gap:+.2f}.",
           "above": "Đơn vị xếp ngay trên: {unit} (hạng {rank}), hơn {gap:.2f} điểm.",
           "subs": "Đóng góp của từng chỉ số thành phần (điểm tổng hợp)",
           "heads": ["Chỉ số thành phần", "Điểm", "Đóng góp", "TB khối", "Chênh lệch",
                     "So với đơn vị trên"],
           "inds": "Chỉ tiêu đóng góp nhiều nhất và ít nhất so với trung bình khối",
           "iheads": ["Chỉ tiêu", "Giá trị", "Điểm", "Đóng góp", "TB khối", "Chênh lệch"],
           "whatif": "Thay đổi đơn lẻ giúp tăng hạng nhiều nhất (tính lại toàn bộ)",
           "wheads": ["Chỉ tiêu", "Từ", "Đến", "Như đơn vị", "Hạng mới", "Điểm mới"],
           "none": "Không có thay đổi đơn lẻ nào (trong khoảng quan sát của khối) làm tăng "
                   "hạng."},
    "en": {"title": "{unit} – rank {rank} of {n} ({block}), composite {composite}",
           "unranked": "{unit} ({block}) is not ranked: {status}",
           "summary": "Block mean {mean}; difference {gap:+.2f}.",
           "above": "Ranked just above: {unit} (rank {rank}), {gap:.2f} points ahead.",
           "subs": "Contribution of each sub-index (composite points)",
           "heads": ["Sub-index", "Score", "Contribution", "Block mean", "Difference",
                     "Against unit above"],
           "inds": "Indicators furthest above and below the block mean's contribution",
           "iheads": ["Indicator", "Value", "Score", "Contribution", "Block mean",
                      "Difference"],
           "whatif": "Single changes that gain the most rank places (fully re-scored)",
           "wheads": ["Indicator", "From", "To", "As unit", "New rank", "New composite"],
           "none": "No single change within the block's observed range gains a rank place."},
}
SHOWN_INDICATORS = 4      # furthest above and below the block mean, each


@dataclass(frozen=True, kw_only=True)
class ExplainSettings(SurveySettings):
    """What ``ddci explain`` is asked to do: why ``unit`` has its rank."""

    unit: str
    lang: str | None = None


def run_explain(s: ExplainSettings) -> int:
    method = load_method_checked(s.method, s.survey, s.read)
    scores, report = score(s.survey, method, s.read)
    document = explain(scores, s.unit)
    if s.json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json(document)
    elif not s.quiet:
        show(document, method, s.lang or method.language)
    if not s.quiet and report.problems:
        render.problems(report.problems)
    return 0


def show(doc: dict, method, lang: str) -> None:
    """The explanation as terminal tables, in ``lang`` (vi or en)."""
    t = TEXT.get(lang, TEXT["en"])
    english = lang == "en"
    label = _labels(method, english)
    block = label.get(("block", doc["block"]), doc["block"])
    if doc["composite"] is None:
        render.message(t["unranked"].format(unit=doc["unit"], block=block,
                                            status=doc["status"]))
        return
    digits = f".{method.decimals}f"
    rows = [[label.get(("sub", s["id"]), s["id"]), _f(s["score"]), _f(s["contribution"]),
             _f(s["block_mean_contribution"]),
             _f(_diff(s["contribution"], s["block_mean_contribution"]), "+.2f"),
             _f(-(doc["above"] or {}).get("subindices", {}).get(s["id"], 0.0), "+.2f")
             if doc["above"] else "–"] for s in doc["subindices"]]
    title = t["title"].format(unit=doc["unit"], rank=doc["rank"], n=doc["ranked_units"],
                              block=block, composite=format(doc["composite"], digits))
    render.table(title, t["heads"], rows, right=range(1, 6))
    render.table(t["inds"], t["iheads"], _indicator_rows(doc, label), right=range(1, 6))
    notes = [t["summary"].format(mean=format(doc["block_mean"], digits),
                                 gap=doc["composite"] - doc["block_mean"])]
    if doc["above"]:
        notes.append(t["above"].format(**doc["above"]))
    for note in notes:
        print(render.escape(note))
    print()
    if doc["what_if"]:
        render.table(t["whatif"], t["wheads"],
                     [[label.get(("ind", w["indicator"]), w["indicator"]), _f(w["from"]),
                       _f(w["to"]), w["level_of"] or "", str(w["rank"]),
                       format(w["composite"], digits)] for w in doc["what_if"]],
                     right=(1, 2, 4, 5))
    else:
        print(render.escape(t["none"]))


def _indicator_rows(doc: dict, label: dict) -> list[list[str]]:
    items = [i for i in doc["indicators"] if i["contribution"] is not None]
    items.sort(key=lambda i: -_diff(i["contribution"], i["block_mean_contribution"]))
    picked = items[:SHOWN_INDICATORS] + items[SHOWN_INDICATORS:][-SHOWN_INDICATORS:]
    return [[label.get(("ind", i["id"]), i["id"]), _f(i["value"]), _f(i["score"]),
             _f(i["contribution"]), _f(i["block_mean_contribution"]),
             _f(_diff(i["contribution"], i["block_mean_contribution"]), "+.2f")]
            for i in picked]


def _labels(method, english: bool) -> dict:
    def of(item):
        return (item.label_en or item.label) if english else item.label

    out = {("block", b.id): of(b) for b in method.blocks}
    out.update({("sub", k.id): of(k) for k in method.subindices})
    out.update({("ind", i.id): f"{i.id} {of(i)}".strip() for i in method.indicators})
    return out


def _diff(a, b) -> float:
    return (a or 0.0) - (b or 0.0)


def _f(value, spec: str = ".2f") -> str:
    return "–" if value is None else format(value, spec)

"""Texts of the Comparison sheet in every report language, and the sentence that says what
was compared: the years, the scale the composites are on, and how units were linked.

The table has the shape of report.labels.LABELS (key → {language: text}); a key missing in
a language falls back to English.
"""

from __future__ import annotations

from collections import Counter

from ddci_cli.years.compare import Comparison

FALLBACK = "en"

TEXTS: dict[str, dict[str, str]] = {
    "sheet": {"vi": "So sánh", "en": "Comparison"},
    "data": {"vi": "Dữ liệu so sánh", "en": "Comparison data"},
    "title": {"vi": "{index}: so sánh {first}–{last}", "en": "{index}: comparison {first}–{last}"},
    "col.unit": {"vi": "Đơn vị", "en": "Unit"},
    "col.composite": {"vi": "Điểm {year}", "en": "Composite {year}"},
    "col.rank": {"vi": "Hạng {year}", "en": "Rank {year}"},
    "col.change": {"vi": "Thay đổi điểm {a}→{b}", "en": "Composite change {a}→{b}"},
    "col.rank_change": {"vi": "Thay đổi hạng {a}→{b}", "en": "Rank change {a}→{b}"},
    "col.ci": {"vi": "KTC của thay đổi điểm", "en": "Interval of the change"},
    "col.sig": {"vi": "Có ý nghĩa thống kê", "en": "Significant"},
    "col.note": {"vi": "Ghi chú", "en": "Note"},
    "yes": {"vi": "có", "en": "yes"},
    "no": {"vi": "không", "en": "no"},
    "chart": {"vi": "{block}: hạng {first} → {last}", "en": "{block}: rank {first} → {last}"},
    "axis": {"vi": "Hạng (1 = cao nhất)", "en": "Rank (1 = best)"},
    "compared": {"vi": "So sánh điểm tổng hợp và hạng của từng đơn vị trong khối, {years}. "
                       "Thang đo: {scale}.",
                 "en": "Each unit's composite and rank within its block, {years}. Scale: "
                       "{scale}."},
    "linked": {"vi": "{links} Thay đổi hạng > 0 là tăng hạng; hạng 1 là cao nhất.",
               "en": "{links} A rank change > 0 is a rise; rank 1 is the best."},
    "years.two": {"vi": "năm {a} và năm {b}", "en": "{a} against {b}"},
    "years.many": {"vi": "các năm {years}", "en": "the years {years}"},
    "scale.per-year minmax": {"vi": "min–max theo từng năm (điểm so với các đơn vị cùng năm)",
                              "en": "min–max per year (scores against the same year's "
                                    "units)"},
    "scale.per-year zscore": {"vi": "điểm chuẩn z theo từng năm",
                              "en": "z-scores per year"},
    "scale.per-year rank": {"vi": "thứ hạng theo từng năm", "en": "ranks per year"},
    "scale.goalposts": {"vi": "ngưỡng cố định (goalposts), chung cho các năm",
                        "en": "fixed goalposts, the same every year"},
    "scale.none (unit values)": {"vi": "giá trị đơn vị, không chuẩn hóa",
                                 "en": "unit values, not normalised"},
    "scale.pooled bounds": {"vi": "min–max với cận chung của các năm so sánh",
                            "en": "min–max with bounds pooled over the compared years"},
    "scale.mixed": {"vi": "khác nhau giữa các năm ({what}); thay đổi ít ý nghĩa",
                    "en": "different in different years ({what}); changes mean little"},
    "links.none": {"vi": "Đơn vị được nối theo tên (không có bảng đối chiếu).",
                   "en": "Units matched by name (no crosswalk)."},
    "links.crosswalk": {"vi": "Đơn vị được nối theo tên và bảng đối chiếu {file}{events}.",
                        "en": "Units matched by name and the crosswalk {file}{events}."},
    "event.new": {"vi": "mới", "en": "new"},
    "event.renamed": {"vi": "đổi tên từ", "en": "renamed from"},
    "event.merged": {"vi": "hợp nhất từ", "en": "merged from"},
    "event.split": {"vi": "tách từ", "en": "split from"},
    "event.merged_into": {"vi": "hợp nhất vào", "en": "merged into"},
    "event.abolished": {"vi": "giải thể", "en": "abolished"},
    "event.absent": {"vi": "không khảo sát; trước là", "en": "not surveyed; last"},
    "event.back": {"vi": "khảo sát lại; trước là", "en": "surveyed again; was"},
    "count.renamed": {"vi": "{n} đổi tên", "en": "{n} renamed"},
    "count.merged": {"vi": "{n} hợp nhất", "en": "{n} merged"},
    "count.split": {"vi": "{n} tách", "en": "{n} split"},
    "count.abolished": {"vi": "{n} giải thể", "en": "{n} abolished"},
    "count.new": {"vi": "{n} mới", "en": "{n} new"},
}


def text(lang: str, key: str, **values) -> str:
    row = TEXTS[key]
    out = row.get(lang, row[FALLBACK])
    return out.format(**values) if values else out


def scale_text(lang: str, scale: str) -> str:
    """``Comparison.scale`` (an English code, see years.compare.SCALES) in ``lang``."""
    if scale.startswith("mixed ("):
        parts = [scale_text(lang, s.strip()) for s in scale[len("mixed ("):-1].split(", ")]
        return text(lang, "scale.mixed", what="; ".join(parts))
    key = f"scale.{scale}"
    return text(lang, key) if key in TEXTS else scale


def compared_sentence(cmp: Comparison, lang: str, event_counts: Counter) -> tuple[str, str]:
    """What was compared (the years and the scale), and how units were linked across the
    years: two lines under the sheet's title."""
    years = [str(y) for y in cmp.years]
    which = (text(lang, "years.two", a=years[0], b=years[1]) if len(years) == 2
             else text(lang, "years.many", years=", ".join(years)))
    if cmp.crosswalk is None:
        links = text(lang, "links.none")
    else:
        from pathlib import Path

        counts = [text(lang, f"count.{k}", n=event_counts[k])
                  for k in ("renamed", "merged", "split", "abolished", "new")
                  if event_counts.get(k)]
        links = text(lang, "links.crosswalk", file=Path(cmp.crosswalk.path).name,
                     events=f" ({', '.join(counts)})" if counts else "")
    return (text(lang, "compared", years=which, scale=scale_text(lang, cmp.scale)),
            text(lang, "linked", links=links))

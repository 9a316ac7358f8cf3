"""Every text of the report in every report language: one table, key → {language: text}.

A third language is one more entry in each row (and its code in ``LANGUAGES``); a key
missing in a language falls back to English. Texts may hold ``{placeholders}`` filled by
:meth:`Labels.__call__`.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("vi", "en")
FALLBACK = "en"

LABELS: dict[str, dict[str, str]] = {
    # sheet names (made safe and unique by workbook.safe_sheet_title)
    "sheet.summary": {"vi": "Tổng hợp", "en": "Summary"},
    "sheet.subindices": {"vi": "Chỉ số thành phần", "en": "Sub-indices"},
    "sheet.indicators": {"vi": "Chỉ tiêu", "en": "Indicators"},
    "sheet.diagnostics": {"vi": "Chẩn đoán", "en": "Diagnostics"},
    "sheet.method": {"vi": "Phương pháp", "en": "Method"},
    "sheet.about": {"vi": "Thông tin", "en": "About"},
    "sheet.sensitivity": {"vi": "Độ nhạy", "en": "Sensitivity"},
    "sheet.years": {"vi": "Qua các năm", "en": "Years"},
    # titles and notes
    "title.summary": {"vi": "Bảng xếp hạng theo khối", "en": "Ranking by block"},
    "title.subindices": {"vi": "Điểm chỉ số thành phần theo khối",
                         "en": "Sub-index scores by block"},
    "title.indicators": {"vi": "Giá trị, điểm chuẩn hóa và số trả lời của từng chỉ tiêu",
                         "en": "Value, normalised score and answers of every indicator"},
    "title.scorecard": {"vi": "Thẻ điểm", "en": "Scorecard"},
    "title.diagnostics": {"vi": "Chẩn đoán dữ liệu", "en": "Data diagnostics"},
    "title.method": {"vi": "Phương pháp tính", "en": "Method"},
    "title.about": {"vi": "Thông tin về báo cáo", "en": "About this report"},
    "title.sensitivity": {"vi": "Phân tích độ nhạy của thứ hạng",
                          "en": "Sensitivity of the ranks"},
    "title.years": {"vi": "So sánh qua các năm", "en": "Comparison over the years"},
    "title.year": {"vi": "năm {year}", "en": "{year}"},
    "note.synthetic": {"vi": "DỮ LIỆU GIẢ LẬP – không mô tả bất kỳ đơn vị thực nào",
                       "en": "SYNTHETIC DATA – describes no real unit"},
    "note.scale": {"vi": "Điểm tổng hợp trên thang {low:g}–{high:g}; hạng 1 là cao nhất. "
                         "Màu ô Xếp loại theo bậc xếp loại.",
                   "en": "Composite on a {low:g}–{high:g} scale; rank 1 is the best. "
                         "The Tier cell is coloured by tier."},
    "note.relative": {"vi": "Chỉ tiêu xếp theo chênh lệch điểm chuẩn hóa so với trung bình "
                            "khối.",
                      "en": "Indicators ordered by their normalised score minus the block "
                            "mean."},
    "note.tied": {"vi": "≈ đơn vị hạng sau", "en": "≈ next-ranked unit"},
    "note.tied_explained": {"vi": "«≈ đơn vị hạng sau»: khoảng tin cậy của chênh lệch điểm "
                                  "với đơn vị hạng sau chứa 0.",
                            "en": "“≈ next-ranked unit”: the interval of the difference "
                                  "to the next-ranked unit contains 0."},
    "page.footer": {"vi": "Trang &P / &N", "en": "Page &P of &N"},
    # column headers
    "col.block": {"vi": "Khối", "en": "Block"},
    "col.rank": {"vi": "Hạng", "en": "Rank"},
    "col.unit": {"vi": "Đơn vị", "en": "Unit"},
    "col.composite": {"vi": "Điểm tổng hợp", "en": "Composite"},
    "col.tier": {"vi": "Xếp loại", "en": "Tier"},
    "col.responses": {"vi": "Số phiếu", "en": "Responses"},
    "col.evaluations": {"vi": "Số dòng khảo sát", "en": "Survey rows"},
    "col.note": {"vi": "Ghi chú", "en": "Note"},
    "col.status": {"vi": "Trạng thái", "en": "Status"},
    "col.ci_low": {"vi": "Điểm: cận dưới KTC", "en": "Composite CI low"},
    "col.ci_high": {"vi": "Điểm: cận trên KTC", "en": "Composite CI high"},
    "col.rank_ci_low": {"vi": "Hạng: KTC từ", "en": "Rank CI from"},
    "col.rank_ci_high": {"vi": "Hạng: KTC đến", "en": "Rank CI to"},
    "col.change_composite": {"vi": "Thay đổi điểm so với {year}",
                             "en": "Composite change vs {year}"},
    "col.change_rank": {"vi": "Thay đổi hạng so với {year}", "en": "Rank change vs {year}"},
    "col.subindex": {"vi": "Chỉ số thành phần", "en": "Sub-index"},
    "col.id": {"vi": "Mã", "en": "ID"},
    "col.indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "col.statistic": {"vi": "Thống kê", "en": "Statistic"},
    "col.value": {"vi": "Giá trị", "en": "Value"},
    "col.score": {"vi": "Điểm chuẩn hóa", "en": "Normalised score"},
    "col.n": {"vi": "Số trả lời (n)", "en": "Answers (n)"},
    "col.unit_score": {"vi": "Điểm đơn vị", "en": "Unit score"},
    "col.block_mean": {"vi": "Trung bình khối", "en": "Block mean"},
    "col.block_best": {"vi": "Cao nhất khối", "en": "Block best"},
    "col.difference": {"vi": "Chênh lệch so với TB khối", "en": "Difference from block mean"},
    "col.answers": {"vi": "Số câu trả lời hợp lệ", "en": "Valid answers"},
    "col.rows": {"vi": "Số lượt đánh giá", "en": "Evaluations"},
    "col.missing_rate": {"vi": "Tỷ lệ thiếu", "en": "Missing rate"},
    "col.alpha": {"vi": "Cronbach's alpha", "en": "Cronbach's alpha"},
    "col.items": {"vi": "Số chỉ tiêu", "en": "Indicators"},
    "col.severity": {"vi": "Mức độ", "en": "Severity"},
    "col.code": {"vi": "Mã vấn đề", "en": "Code"},
    "col.place": {"vi": "Vị trí", "en": "Place"},
    "col.message": {"vi": "Nội dung", "en": "Message"},
    "col.item": {"vi": "Mục", "en": "Item"},
    "col.key": {"vi": "Khóa trong tệp phương pháp", "en": "Method file key"},
    "col.setting": {"vi": "Giá trị", "en": "Value"},
    "col.label": {"vi": "Tên", "en": "Label"},
    "col.label_en": {"vi": "Tên tiếng Anh", "en": "English label"},
    "col.weight": {"vi": "Trọng số", "en": "Weight"},
    "col.weight_share": {"vi": "Tỷ trọng", "en": "Weight share"},
    "col.blocks": {"vi": "Khối áp dụng", "en": "Blocks"},
    "col.column": {"vi": "Cột dữ liệu", "en": "Survey column"},
    "col.direction": {"vi": "Chiều", "en": "Direction"},
    "col.valid": {"vi": "Khoảng hợp lệ", "en": "Valid range"},
    "col.share_of": {"vi": "Tính tỷ lệ của", "en": "Share of"},
    "col.goalposts": {"vi": "Mốc chuẩn hóa", "en": "Goalposts"},
    "col.min": {"vi": "Điểm tối thiểu", "en": "Minimum"},
    "col.colour": {"vi": "Màu", "en": "Colour"},
    "col.aliases": {"vi": "Tên gọi khác", "en": "Aliases"},
    "col.nominal_rank": {"vi": "Hạng gốc", "en": "Nominal rank"},
    "col.mean_rank": {"vi": "Hạng trung bình", "en": "Mean rank"},
    "col.median_rank": {"vi": "Hạng trung vị", "en": "Median rank"},
    "col.q05_rank": {"vi": "Hạng phân vị 5%", "en": "Rank, 5th percentile"},
    "col.q95_rank": {"vi": "Hạng phân vị 95%", "en": "Rank, 95th percentile"},
    "col.tier_probability": {"vi": "Xác suất {tier}", "en": "P({tier})"},
    "col.input": {"vi": "Yếu tố", "en": "Input"},
    "col.first_order": {"vi": "Chỉ số bậc một", "en": "First order"},
    "col.total": {"vi": "Chỉ số tổng", "en": "Total"},
    "col.year_composite": {"vi": "Điểm {year}", "en": "Composite {year}"},
    "col.year_rank": {"vi": "Hạng {year}", "en": "Rank {year}"},
    # row labels
    "row.block_mean": {"vi": "Trung bình khối", "en": "Block mean"},
    "row.block_best": {"vi": "Cao nhất khối", "en": "Block best"},
    # statuses, statistics, directions
    "status.ok": {"vi": "", "en": ""},
    "status.incomplete": {"vi": "Thiếu điểm chỉ số thành phần, không xếp hạng",
                          "en": "Sub-indices missing, not ranked"},
    "status.insufficient_responses": {"vi": "Dưới {n} phiếu, không xếp hạng",
                                      "en": "Fewer than {n} responses, not ranked"},
    "stat.mean": {"vi": "Trung bình", "en": "Mean"},
    "stat.share": {"vi": "Tỷ lệ (%)", "en": "Share (%)"},
    "dir.positive": {"vi": "Thuận (+)", "en": "Positive (+)"},
    "dir.negative": {"vi": "Nghịch (−)", "en": "Negative (−)"},
    "severity.error": {"vi": "Lỗi", "en": "Error"},
    "severity.warning": {"vi": "Cảnh báo", "en": "Warning"},
    "severity.info": {"vi": "Thông tin", "en": "Info"},
    # charts
    "chart.ranking": {"vi": "{block}: điểm tổng hợp", "en": "{block}: composite"},
    "chart.profile": {"vi": "Chỉ số thành phần so với khối",
                      "en": "Sub-indices against the block"},
    "chart.png_title": {"vi": "{index}: xếp hạng", "en": "{index}: ranking"},
    # scorecards
    "card.block": {"vi": "Khối", "en": "Block"},
    "card.rank": {"vi": "Hạng", "en": "Rank"},
    "card.of": {"vi": "trên {n} đơn vị", "en": "of {n} units"},
    "card.composite": {"vi": "Điểm tổng hợp", "en": "Composite"},
    "card.tier": {"vi": "Xếp loại", "en": "Tier"},
    "card.responses": {"vi": "Số phiếu", "en": "Responses"},
    "card.strongest": {"vi": "Chỉ tiêu mạnh nhất (trên trung bình khối, tối đa ba)",
                       "en": "Strongest indicators (above the block mean, up to three)"},
    "card.weakest": {"vi": "Chỉ tiêu yếu nhất (dưới trung bình khối, tối đa ba)",
                     "en": "Weakest indicators (below the block mean, up to three)"},
    "card.none_above": {"vi": "Không có chỉ tiêu nào trên trung bình khối.",
                        "en": "No indicator is above the block mean."},
    "card.none_below": {"vi": "Không có chỉ tiêu nào dưới trung bình khối.",
                        "en": "No indicator is below the block mean."},
    "card.subindices": {"vi": "Chỉ số thành phần", "en": "Sub-indices"},
    "card.explain": {"vi": "Vì sao ở hạng này, và điều gì giúp tăng hạng",
                     "en": "Why this rank, and what would move it"},
    "card.vs_mean": {"vi": "Điểm tổng hợp {composite} so với trung bình khối {mean} "
                           "({gap:+.2f}); phần chênh lệch lớn nhất: {parts}.",
                     "en": "Composite {composite} against the block mean {mean} ({gap:+.2f}); "
                           "the largest differences: {parts}."},
    "card.vs_above": {"vi": "Đơn vị xếp ngay trên: {unit} (hạng {rank}), hơn {gap:.2f} điểm.",
                      "en": "Ranked just above: {unit} (rank {rank}), {gap:.2f} points "
                            "ahead."},
    "card.what_if": {"vi": "Thay đổi một giá trị (đến mức một đơn vị khác trong khối đạt "
                           "được), tính lại toàn bộ:",
                     "en": "Changing one value (to a level another unit of the block has), "
                           "fully re-scored:"},
    "card.no_what_if": {"vi": "Không có thay đổi đơn lẻ nào làm tăng hạng.",
                        "en": "No single change gains a rank place."},
    "value.minmax": {"vi": "min–max (tối thiểu–tối đa)", "en": "min–max"},
    "value.goalposts": {"vi": "ngưỡng cố định (goalposts)", "en": "goalposts"},
    "value.zscore": {"vi": "điểm chuẩn z (z-score)", "en": "z-score"},
    "value.rank": {"vi": "theo thứ hạng", "en": "rank"},
    "value.none": {"vi": "không chuẩn hóa", "en": "none"},
    "value.arithmetic": {"vi": "trung bình cộng có trọng số", "en": "weighted arithmetic mean"},
    "value.geometric": {"vi": "trung bình nhân có trọng số", "en": "weighted geometric mean"},
    "sens.runs": {"vi": "{runs} lần mô phỏng Monte Carlo (seed {seed}); thay đổi: {varied}.",
                  "en": "{runs} Monte Carlo runs (seed {seed}); varied: {varied}."},
    "sens.weights": {"vi": "trọng số mỗi chỉ số thành phần × U(1 − {p:g}, 1 + {p:g}) "
                           "(±{pct:g} %)",
                     "en": "each sub-index weight × U(1 − {p:g}, 1 + {p:g}) (±{pct:g} %)"},
    "sens.dirichlet": {"vi": "trọng số theo phân phối Dirichlet quanh tỷ trọng gốc "
                             "(α = {a:g})",
                       "en": "weights from a Dirichlet around the nominal shares (α = {a:g})"},
    "sens.choice": {"vi": "{what}: {values}", "en": "{what}: {values}"},
    "sens.nothing": {"vi": "không có gì", "en": "nothing"},
    "sens.tiers": {"vi": "Xác suất xếp loại: tỷ lệ số lần mô phỏng đơn vị đạt bậc đó, trong "
                         "các lần dùng cách chuẩn hóa gốc và có xếp hạng đơn vị. Hạng: 1 là "
                         "cao nhất; Q5–Q95 là khoảng chứa 90 % số lần.",
                   "en": "Tier probability: the share of runs giving the unit that tier, "
                         "among the runs that use the nominal normalisation and rank the "
                         "unit. Ranks: 1 is the best; Q5–Q95 holds 90 % of the runs."},
    "sens.normalization": {"vi": "cách chuẩn hóa", "en": "normalisation"},
    "sens.aggregation": {"vi": "cách tổng hợp", "en": "aggregation"},
    "sens.min_responses": {"vi": "số phiếu tối thiểu", "en": "minimum responses"},
    "sens.exclude": {"vi": "bỏ lần lượt từng chỉ số thành phần",
                     "en": "leaving out one sub-index at a time"},
    "col.from": {"vi": "Từ", "en": "From"},
    "col.to": {"vi": "Đến", "en": "To"},
    "col.new_rank": {"vi": "Hạng mới", "en": "New rank"},
    "col.new_composite": {"vi": "Điểm mới", "en": "New composite"},
    # diagnostics sections
    "diag.responses": {"vi": "Số phiếu theo đơn vị", "en": "Responses per unit"},
    "diag.missing": {"vi": "Tỷ lệ thiếu theo chỉ tiêu", "en": "Missing rate per indicator"},
    "diag.alpha": {"vi": "Độ tin cậy (Cronbach's alpha) theo chỉ số thành phần",
                   "en": "Reliability (Cronbach's alpha) per sub-index"},
    "diag.alpha_none": {"vi": "Chưa tính (chạy `ddci diagnose`).",
                        "en": "Not computed (run `ddci diagnose`)."},
    "diag.problems": {"vi": "Vấn đề và cảnh báo", "en": "Problems and warnings"},
    "diag.no_problems": {"vi": "Không có.", "en": "None."},
    # imputation and treatment (SPEC §10)
    "col.treated": {"vi": "Giá trị sau xử lý ngoại lai", "en": "Treated value"},
    "note.imputed": {"vi": "Chữ nghiêng: giá trị được gán (thiếu số liệu, lấy {how} của các "
                           "đơn vị cùng nhóm trong khối).",
                     "en": "Italic: an imputed value (missing, replaced by the {how} of the "
                           "units of its group in the block)."},
    "note.winsorised": {"vi": "Ô nền cam: giá trị ngoại lai đã được kéo về giá trị gần nhất "
                              "(winsorise); điểm chuẩn hóa tính từ giá trị sau xử lý.",
                        "en": "Orange cell: an outlier winsorised (moved to the nearest other "
                              "value); the normalised score uses the treated value."},
    "impute.mean": {"vi": "trung bình", "en": "mean"},
    "impute.median": {"vi": "trung vị", "en": "median"},
    "diag.treatment": {"vi": "Xử lý ngoại lai theo chỉ tiêu (độ lệch G1, độ nhọn G2)",
                       "en": "Outlier treatment per indicator (skewness G1, kurtosis G2)"},
    "diag.treatment_rule": {"vi": "Winsorise tối đa {winmax} điểm khi |G1| ≥ {skew:g} và "
                                  "G2 ≥ {kurtosis:g}; nếu vẫn không đạt: {fallback}.",
                            "en": "Winsorise up to {winmax} points while |G1| ≥ {skew:g} and "
                                  "G2 ≥ {kurtosis:g}; if it still fails: {fallback}."},
    "diag.fallback_log": {"vi": "lấy logarit giá trị gốc", "en": "log of the untreated values"},
    "diag.fallback_none": {"vi": "giữ giá trị đã winsorise", "en": "keep the winsorised values"},
    "col.skew_before": {"vi": "Độ lệch trước (G1)", "en": "Skewness before (G1)"},
    "col.kurtosis_before": {"vi": "Độ nhọn trước (G2)", "en": "Kurtosis before (G2)"},
    "col.skew_after": {"vi": "Độ lệch sau (G1)", "en": "Skewness after (G1)"},
    "col.kurtosis_after": {"vi": "Độ nhọn sau (G2)", "en": "Kurtosis after (G2)"},
    "col.units_winsorised": {"vi": "Đơn vị được winsorise", "en": "Units winsorised"},
    "col.points_winsorised": {"vi": "Số điểm winsorise", "en": "Points winsorised"},
    "col.passed": {"vi": "Đạt sau xử lý", "en": "Passes after"},
    "col.log": {"vi": "Dùng logarit", "en": "Log used"},
    "col.values_n": {"vi": "Số đơn vị có giá trị", "en": "Units with a value"},
    "bool.yes": {"vi": "Có", "en": "Yes"},
    "bool.no": {"vi": "Không", "en": "No"},
    "treat.few": {"vi": "< 4 giá trị, không xử lý", "en": "< 4 values, untreated"},
    # method sections and rules
    "method.rules": {"vi": "Quy tắc tính", "en": "Rules"},
    "method.blocks": {"vi": "Khối", "en": "Blocks"},
    "method.subindices": {"vi": "Chỉ số thành phần", "en": "Sub-indices"},
    "method.indicators": {"vi": "Chỉ tiêu", "en": "Indicators"},
    "method.tiers": {"vi": "Xếp loại", "en": "Tiers"},
    "method.units": {"vi": "Đơn vị và tên gọi khác", "en": "Units and aliases"},
    "rule.name": {"vi": "Tên chỉ số", "en": "Index name"},
    "rule.year": {"vi": "Năm", "en": "Year"},
    "rule.language": {"vi": "Ngôn ngữ", "en": "Language"},
    "rule.unit_column": {"vi": "Cột đơn vị", "en": "Unit column"},
    "rule.block_column": {"vi": "Cột khối", "en": "Block column"},
    "rule.weight_column": {"vi": "Cột trọng số", "en": "Weight column"},
    "rule.missing_codes": {"vi": "Mã không trả lời", "en": "Missing codes"},
    "rule.min_responses": {"vi": "Số phiếu tối thiểu để xếp hạng",
                           "en": "Minimum responses to be ranked"},
    "rule.min_indicator_responses": {"vi": "Số trả lời tối thiểu của một chỉ tiêu",
                                     "en": "Minimum answers per indicator"},
    "rule.normalization": {"vi": "Chuẩn hóa", "en": "Normalisation"},
    "rule.range": {"vi": "Thang điểm chuẩn hóa", "en": "Score range"},
    "rule.subindex_aggregation": {"vi": "Tổng hợp chỉ số thành phần",
                                  "en": "Sub-index aggregation"},
    "rule.composite_aggregation": {"vi": "Tổng hợp điểm chung", "en": "Composite aggregation"},
    "rule.multiplier": {"vi": "Hệ số nhân", "en": "Multiplier"},
    "rule.min_coverage": {"vi": "Tỷ lệ trọng số tối thiểu", "en": "Minimum weight coverage"},
    "rule.decimals": {"vi": "Số chữ số thập phân khi xếp hạng", "en": "Decimals for ranking"},
    # about
    "about.version": {"vi": "Phần mềm", "en": "Tool"},
    "about.time": {"vi": "Thời điểm tạo (UTC)", "en": "Created (UTC)"},
    "about.index": {"vi": "Chỉ số", "en": "Index"},
    "about.input": {"vi": "Tệp khảo sát", "en": "Survey file"},
    "about.input_sha": {"vi": "SHA-256 tệp khảo sát", "en": "Survey file SHA-256"},
    "about.sheet": {"vi": "Sheet và dòng tiêu đề", "en": "Sheet and header row"},
    "about.rows": {"vi": "Số dòng dữ liệu", "en": "Data rows"},
    "about.method": {"vi": "Tệp phương pháp", "en": "Method file"},
    "about.method_sha": {"vi": "SHA-256 tệp phương pháp", "en": "Method file SHA-256"},
    "about.command": {"vi": "Lệnh", "en": "Command line"},
    "about.seed": {"vi": "Hạt giống ngẫu nhiên (seed)", "en": "Seed"},
    "about.language": {"vi": "Ngôn ngữ báo cáo", "en": "Report language"},
    "about.bootstrap": {"vi": "Khoảng tin cậy (bootstrap)", "en": "Intervals (bootstrap)"},
    "about.bootstrap_text": {"vi": "{n} lần lấy mẫu lại, mức {level:g}%, {kind}",
                             "en": "{n} replicates, {level:g}% level, {kind}"},
    "about.data": {"vi": "Dữ liệu", "en": "Data"},
    "about.synthetic": {"vi": "Giả lập (tạo bằng `ddci sample`), không phải số liệu thật",
                        "en": "Synthetic (written by `ddci sample`), not real figures"},
    "about.real": {"vi": "Dữ liệu khảo sát", "en": "Survey data"},
    "about.sheet_row": {"vi": "{sheet}, dòng {row}", "en": "{sheet}, row {row}"},
    "about.no_command": {"vi": "(gọi từ thư viện Python)", "en": "(called from Python)"},
}


class Labels:
    """Texts of one report language: ``labels("col.rank")``, ``labels("card.of", n=21)``."""

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, key: str, **values: Any) -> str:
        row = LABELS[key]
        text = row.get(self.lang, row[FALLBACK])
        return text.format(**values) if values else text

    @property
    def english(self) -> bool:
        return self.lang == "en"

    def of(self, item: Any) -> str:
        """The label of a method item (block, sub-index, indicator, tier) in this language."""
        if self.lang == "vi":
            return item.label
        return getattr(item, f"label_{self.lang}", None) or item.label_en or item.label

"""The design of the synthetic Hải Phòng DDCI survey: units, sub-indices, indicators, tiers,
the notes that describe them, and the method file rendered from them.

No randomness here. `ddci_cli.sample` draws answers from this design, and the method file
comes from the same definitions, so survey columns and method file cannot drift apart.
All strings are NFC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

# Column names of the generated survey (the method file's [input] section names the first four).
STT_COLUMN = "STT"
RESPONDENT_COLUMN = "Mã DN"
UNIT_COLUMN = "Đơn vị"
BLOCK_COLUMN = "Khối"
WEIGHT_COLUMN = "Trọng số"
SIZE_COLUMN = "Quy mô"
SECTOR_COLUMN = "Ngành"

DONT_KNOW = "Không biết"
DONT_KNOW_SHORT = "KB"
NUMERIC_MISSING = 99  # the field team's code for "không trả lời" in count questions

SHEET_DATA = "Data"
SHEET_NOTES = "Ghi chú"


@dataclass(frozen=True)
class Block:
    id: str
    label: str
    label_en: str


BLOCKS = (
    Block("department", "Khối Sở, ban, ngành", "Departments"),
    Block("district", "Khối quận, huyện", "Districts"),
)
BLOCK_BY_ID = {b.id: b for b in BLOCKS}


@dataclass(frozen=True)
class Unit:
    """A rated unit. `share` is its relative share of sampled firms' evaluations (departments)
    or of sampled firms located there (districts); `firm_share` is its true share of the
    province's firms (districts only), from which design weights are derived."""

    name: str
    block: str
    aliases: tuple[str, ...]
    share: float
    firm_share: float = 0.0


DEPARTMENTS = (
    Unit("Sở Kế hoạch và Đầu tư", "department", ("Sở KH&ĐT", "SKHĐT"), 1.6),
    Unit("Sở Tài chính", "department", ("Sở TC",), 1.1),
    Unit("Sở Công Thương", "department", ("Sở CT", "SCT"), 1.3),
    Unit("Sở Xây dựng", "department", ("Sở XD",), 1.2),
    Unit("Sở Giao thông vận tải", "department", ("Sở GTVT",), 1.0),
    Unit("Sở Tài nguyên và Môi trường", "department", ("Sở TN&MT", "STNMT"), 1.3),
    Unit("Sở Lao động - Thương binh và Xã hội", "department",
         ("Sở LĐ-TB&XH", "Sở Lao động – Thương binh và Xã hội"), 1.1),
    Unit("Sở Nông nghiệp và Phát triển nông thôn", "department", ("Sở NN&PTNT",), 0.7),
    Unit("Sở Khoa học và Công nghệ", "department", ("Sở KH&CN",), 0.6),
    Unit("Sở Thông tin và Truyền thông", "department", ("Sở TT&TT",), 0.6),
    Unit("Sở Tư pháp", "department", ("Sở TP",), 0.7),
    Unit("Sở Y tế", "department", ("SYT",), 0.7),
    Unit("Sở Giáo dục và Đào tạo", "department", ("Sở GD&ĐT",), 0.6),
    Unit("Sở Văn hóa và Thể thao", "department", ("Sở VH&TT", "Sở Văn hoá và Thể thao"), 0.55),
    Unit("Sở Du lịch", "department", ("SDL",), 0.55),
    Unit("Sở Nội vụ", "department", ("SNV",), 0.55),
    Unit("Sở Ngoại vụ", "department", ("Sở NgV",), 0.5),
    Unit("Ban Quản lý Khu kinh tế", "department",
         ("BQL KKT", "Ban Quản lý Khu kinh tế Hải Phòng"), 1.0),
    Unit("Cục Thuế thành phố", "department", ("Cục Thuế", "Cục Thuế Hải Phòng"), 2.0),
    Unit("Cục Hải quan", "department", ("Cục Hải quan Hải Phòng",), 1.2),
    Unit("Bảo hiểm xã hội thành phố", "department", ("BHXH thành phố", "BHXH Hải Phòng"), 1.5),
)

# Small districts are oversampled (share > firm_share); design weights undo it.
DISTRICTS = (
    Unit("Quận Hồng Bàng", "district", ("Q. Hồng Bàng",), 0.09, 0.12),
    Unit("Quận Ngô Quyền", "district", ("Q. Ngô Quyền",), 0.12, 0.19),
    Unit("Quận Lê Chân", "district", ("Q. Lê Chân",), 0.10, 0.16),
    Unit("Quận Hải An", "district", ("Q. Hải An",), 0.09, 0.12),
    Unit("Quận Kiến An", "district", ("Q. Kiến An",), 0.065, 0.05),
    Unit("Quận Đồ Sơn", "district", ("Q. Đồ Sơn",), 0.05, 0.025),
    Unit("Quận Dương Kinh", "district", ("Q. Dương Kinh",), 0.055, 0.03),
    Unit("Huyện Thủy Nguyên", "district", ("H. Thủy Nguyên", "Huyện Thuỷ Nguyên"), 0.08, 0.08),
    Unit("Huyện An Dương", "district", ("H. An Dương",), 0.08, 0.07),
    Unit("Huyện An Lão", "district", ("H. An Lão",), 0.055, 0.03),
    Unit("Huyện Kiến Thụy", "district", ("H. Kiến Thụy", "Huyện Kiến Thuỵ"), 0.055, 0.03),
    Unit("Huyện Tiên Lãng", "district", ("H. Tiên Lãng",), 0.055, 0.025),
    Unit("Huyện Vĩnh Bảo", "district", ("H. Vĩnh Bảo",), 0.055, 0.03),
    Unit("Huyện Cát Hải", "district", ("H. Cát Hải",), 0.05, 0.04),
)
UNITS = DEPARTMENTS + DISTRICTS


@dataclass(frozen=True)
class Subindex:
    id: str
    label: str
    label_en: str
    weight: float
    blocks: tuple[str, ...] = ("department", "district")


SUBINDICES = (
    Subindex("market_entry", "Gia nhập thị trường và cấp phép", "Market entry and licensing", 10),
    Subindex("land_access", "Tiếp cận đất đai", "Land access", 10, ("district",)),
    Subindex("transparency", "Tính minh bạch và ứng dụng công nghệ thông tin",
             "Transparency and IT use", 15),
    Subindex("proactivity", "Tính năng động", "Proactivity", 10),
    Subindex("time_costs", "Chi phí thời gian", "Time costs", 10),
    Subindex("informal_charges", "Chi phí không chính thức", "Informal charges", 10),
    Subindex("fair_competition", "Cạnh tranh bình đẳng", "Fair competition", 10),
    Subindex("business_support", "Hỗ trợ doanh nghiệp", "Business support", 10),
    Subindex("legal_institutions", "Thiết chế pháp lý", "Legal institutions", 10),
    Subindex("leadership", "Vai trò người đứng đầu", "Leadership role", 15),
)


@dataclass(frozen=True)
class Indicator:
    """One survey question.

    kind: "likert" (1–5 scale, mean), "agree" (1–5 scale, % answering 4 or 5),
    "yesno" (1 = yes, 2 = no, % yes) or "count" (a non-negative count, mean; `top` is the
    largest valid answer, `goal` the worst goalpost).
    shift: favourability of answers on the latent scale (positive = more 4s and 5s or more
    "yes" for a positive question; for counts, the log of the typical count).
    dk: rate of "don't know" answers, 0–1.
    """

    column: str
    id: str
    subindex: str
    kind: str
    direction: str
    shift: float
    label: str
    label_en: str
    dk: float = 0.06
    blocks: tuple[str, ...] | None = None
    top: int = 0
    goal: int = 0


_P, _N = "positive", "negative"
INDICATORS = (
    Indicator("A1", "en1", "market_entry", "likert", _P, 0.6,
              "Thủ tục hành chính được niêm yết công khai, đầy đủ",
              "Administrative procedures are publicly posted and complete"),
    Indicator("A2", "en2", "market_entry", "agree", _P, 0.3,
              "Hồ sơ được giải quyết đúng thời hạn quy định",
              "Applications are processed within the statutory time limit"),
    Indicator("A3", "en3", "market_entry", "yesno", _N, -0.4,
              "Phải bổ sung, sửa đổi hồ sơ nhiều lần",
              "Had to amend or resubmit the application several times"),
    Indicator("A4", "en4", "market_entry", "count", _N, 0.8,
              "Số lần đi lại để hoàn tất một thủ tục",
              "Visits needed to complete one procedure", top=30, goal=10),
    Indicator("J1", "la1", "land_access", "likert", _P, -0.2,
              "Thủ tục giao đất, cho thuê đất thuận lợi",
              "Land allocation and lease procedures are smooth", dk=0.08),
    Indicator("J2", "la2", "land_access", "count", _N, 1.2,
              "Số tháng chờ cấp giấy chứng nhận quyền sử dụng đất",
              "Months waiting for a land-use right certificate", dk=0.10, top=48, goal=24),
    Indicator("J3", "la3", "land_access", "agree", _P, 0.0,
              "Thông tin quy hoạch, kế hoạch sử dụng đất được công khai",
              "Land-use plans are publicly available", dk=0.08),
    Indicator("J4", "la4", "land_access", "yesno", _N, -0.6,
              "Lo ngại bị thu hồi đất mà không được bồi thường thỏa đáng",
              "Fears expropriation without fair compensation", dk=0.08),
    Indicator("J5", "la5", "land_access", "agree", _P, -0.5,
              "Khung giá đất phù hợp với giá thị trường",
              "The official land price frame matches market prices", dk=0.10),
    Indicator("B1", "tr1", "transparency", "likert", _P, 0.3,
              "Thông tin về quy hoạch, chính sách dễ tiếp cận",
              "Planning and policy information is easy to access"),
    Indicator("B2", "tr2", "transparency", "likert", _P, 0.4,
              "Cổng thông tin điện tử cập nhật đầy đủ, kịp thời",
              "The web portal is complete and up to date"),
    Indicator("B3", "tr3", "transparency", "agree", _P, 0.1,
              "Dịch vụ công trực tuyến dễ sử dụng",
              "Online public services are easy to use"),
    Indicator("B4", "tr4", "transparency", "yesno", _P, 0.2,
              "Đã nộp hồ sơ qua dịch vụ công trực tuyến",
              "Filed an application through online public services", dk=0.03),
    Indicator("B5", "tr5", "transparency", "yesno", _N, -0.5,
              "Cần có “mối quan hệ” để tiếp cận tài liệu của đơn vị",
              "Needed personal connections to obtain the unit's documents", dk=0.09),
    Indicator("B6", "tr6", "transparency", "agree", _P, 0.2,
              "Bộ phận một cửa cấp xã, phường hoạt động hiệu quả",
              "Commune one-stop shops work effectively", blocks=("district",)),
    Indicator("C1", "pr1", "proactivity", "likert", _P, 0.2,
              "Linh hoạt, sáng tạo trong khuôn khổ pháp luật để tháo gỡ vướng mắc",
              "Flexible and creative within the law in solving firms' problems"),
    Indicator("C2", "pr2", "proactivity", "likert", _P, 0.1,
              "Chủ động phát hiện và xử lý vướng mắc của doanh nghiệp",
              "Proactively identifies and solves firms' problems"),
    Indicator("C3", "pr3", "proactivity", "agree", _P, 0.4,
              "Thái độ tích cực đối với doanh nghiệp tư nhân",
              "Positive attitude towards private firms"),
    Indicator("C4", "pr4", "proactivity", "yesno", _P, 0.3,
              "Vướng mắc được giải quyết sau khi phản ánh",
              "Problems were solved after being reported"),
    Indicator("C5", "pr5", "proactivity", "likert", _P, 0.0,
              "Phối hợp tốt với các sở, ngành liên quan",
              "Coordinates well with related departments", blocks=("department",)),
    Indicator("D1", "tc1", "time_costs", "count", _N, 1.4,
              "Số ngày chậm trễ so với thời hạn quy định",
              "Days of delay beyond the statutory time limit", top=60, goal=30),
    Indicator("D2", "tc2", "time_costs", "count", _N, 0.3,
              "Số lần thanh tra, kiểm tra trong năm",
              "Inspections per year", top=20, goal=5),
    Indicator("D3", "tc3", "time_costs", "agree", _P, 0.3,
              "Cán bộ giải quyết công việc hiệu quả",
              "Officials handle matters efficiently"),
    Indicator("D4", "tc4", "time_costs", "yesno", _N, -0.8,
              "Nội dung thanh tra, kiểm tra bị trùng lặp",
              "Inspections overlapped in content"),
    Indicator("E1", "ic1", "informal_charges", "yesno", _N, -0.5,
              "Phải trả chi phí không chính thức",
              "Paid informal charges", dk=0.12),
    Indicator("E2", "ic2", "informal_charges", "agree", _N, -0.4,
              "Hiện tượng nhũng nhiễu khi giải quyết thủ tục là phổ biến",
              "Harassment when handling procedures is common", dk=0.12),
    Indicator("E3", "ic3", "informal_charges", "agree", _P, 0.4,
              "Cán bộ giải quyết công việc không gây phiền hà",
              "Officials handle matters without harassment", dk=0.08),
    Indicator("F1", "fc1", "fair_competition", "agree", _N, -0.3,
              "Doanh nghiệp nhà nước được ưu ái hơn",
              "State-owned enterprises are favoured", dk=0.10),
    Indicator("F2", "fc2", "fair_competition", "agree", _N, -0.2,
              "Doanh nghiệp FDI được ưu tiên hơn doanh nghiệp trong nước",
              "Foreign-invested firms are prioritised over domestic firms", dk=0.10),
    Indicator("F3", "fc3", "fair_competition", "likert", _P, 0.1,
              "Doanh nghiệp được tiếp cận thông tin, cơ hội bình đẳng",
              "Firms have equal access to information and opportunities"),
    Indicator("F4", "fc4", "fair_competition", "yesno", _N, -0.3,
              "Hợp đồng, dự án chủ yếu rơi vào doanh nghiệp có quan hệ",
              "Contracts and projects mostly go to connected firms", dk=0.10),
    Indicator("G1", "bs1", "business_support", "likert", _P, 0.0,
              "Chất lượng các chương trình hỗ trợ doanh nghiệp",
              "Quality of business support programmes"),
    Indicator("G2", "bs2", "business_support", "yesno", _P, -0.4,
              "Đã tham gia chương trình hỗ trợ, xúc tiến",
              "Took part in a support or promotion programme", dk=0.03),
    Indicator("G3", "bs3", "business_support", "agree", _P, 0.0,
              "Thông tin về chính sách hỗ trợ đến doanh nghiệp kịp thời",
              "Information on support policies reaches firms in time"),
    Indicator("G4", "bs4", "business_support", "likert", _P, 0.2,
              "Hội nghị đối thoại với doanh nghiệp hiệu quả",
              "Business dialogue meetings are effective"),
    Indicator("H1", "li1", "legal_institutions", "likert", _P, 0.1,
              "Tin tưởng vào cơ chế phản ánh, kiến nghị",
              "Trust in the feedback and petition mechanism"),
    Indicator("H2", "li2", "legal_institutions", "agree", _P, 0.2,
              "Quyền lợi hợp pháp của doanh nghiệp được bảo vệ",
              "Firms' legitimate interests are protected"),
    Indicator("H3", "li3", "legal_institutions", "yesno", _N, -1.0,
              "Gặp phiền hà sau khi phản ánh, khiếu nại",
              "Faced trouble after filing a complaint", dk=0.09),
    Indicator("H4", "li4", "legal_institutions", "likert", _P, 0.0,
              "Văn bản pháp luật được thực thi nhất quán",
              "Legal documents are enforced consistently"),
    Indicator("I1", "ld1", "leadership", "likert", _P, 0.5,
              "Người đứng đầu quan tâm cải thiện môi trường kinh doanh",
              "The head of the unit is committed to a better business environment"),
    Indicator("I2", "ld2", "leadership", "agree", _P, 0.2,
              "Người đứng đầu tiếp thu và xử lý ý kiến doanh nghiệp",
              "The head listens to and acts on firms' views"),
    Indicator("I3", "ld3", "leadership", "likert", _P, 0.3,
              "Người đứng đầu chỉ đạo cán bộ cấp dưới hiệu quả",
              "The head directs subordinate staff effectively"),
    Indicator("I4", "ld4", "leadership", "yesno", _P, -0.3,
              "Được gặp, đối thoại trực tiếp với người đứng đầu khi cần",
              "Could meet the head in person when needed"),
)
INDICATOR_COLUMNS = tuple(sorted(i.column for i in INDICATORS))  # survey order: A1 … J5


@dataclass(frozen=True)
class Tier:
    label: str
    label_en: str
    min: float


TIERS = (
    Tier("Rất tốt", "Very good", 75),
    Tier("Tốt", "Good", 65),
    Tier("Khá", "Fair", 55),
    Tier("Trung bình", "Average", 45),
    Tier("Thấp", "Low", 0),
)

# Firm characteristics used for design weights and, later, raking.
SIZES = ("Siêu nhỏ", "Nhỏ", "Vừa", "Lớn")
SIZE_SHARES = (0.46, 0.32, 0.14, 0.08)        # share of sampled firms
SIZE_WEIGHT = (1.35, 1.0, 0.8, 0.6)           # micro firms answer less often, so weigh more
SECTORS = ("Công nghiệp - Xây dựng", "Thương mại - Dịch vụ", "Vận tải - Logistics",
           "Nông, lâm nghiệp và thủy sản")
SECTOR_SHARES = (0.30, 0.45, 0.17, 0.08)


def indicator_blocks(ind: Indicator) -> tuple[str, ...]:
    """The blocks in which an indicator exists: its own list, else its sub-index's."""
    if ind.blocks is not None:
        return ind.blocks
    return next(s.blocks for s in SUBINDICES if s.id == ind.subindex)


# ---------------------------------------------------------------- notes

_DASH = "\u2013"
SYNTHETIC_KEYWORDS = "ddci-synthetic, synthetic, dữ liệu giả lập, DDCI, Hải Phòng"
NOTE_VI = ("Đây là dữ liệu giả lập do phần mềm ddci tạo ra để minh họa và kiểm thử, không "
           "phải số liệu khảo sát thật. Mọi điểm số, xếp hạng tính từ tệp này đều là giả lập "
           "và không phản ánh chất lượng điều hành của bất kỳ cơ quan, địa phương nào.")
NOTE_EN = ("SYNTHETIC DATA generated by the ddci tool for demonstration and testing; these "
           "are not real survey responses. Any score or ranking computed from this file is "
           "synthetic and says nothing about any real agency or district.")
_LIKERT_NOTE = ("1 = Hoàn toàn không đồng ý … 5 = Hoàn toàn đồng ý / "
                "1 = strongly disagree … 5 = strongly agree")


def column_dictionary() -> list[list[str]]:
    """One row per survey column: name, Vietnamese and English description, coding,
    sub-index and direction (the last two blank for non-indicator columns)."""
    rows = [
        [STT_COLUMN, "Số thứ tự dòng", "Row number", "1, 2, …"],
        [RESPONDENT_COLUMN, "Mã doanh nghiệp trả lời", "Respondent (firm) id", "DN00001, …"],
        [UNIT_COLUMN, "Đơn vị được đánh giá", "Unit rated",
         "tên hoặc tên viết tắt / name or alias"],
        [BLOCK_COLUMN, "Khối của đơn vị", "Block of the unit",
         " | ".join(b.label for b in BLOCKS)],
        [WEIGHT_COLUMN, "Trọng số thiết kế của doanh nghiệp", "Respondent design weight",
         "số dương, trung bình ≈ 1 / positive, mean ≈ 1"],
        [SIZE_COLUMN, "Quy mô doanh nghiệp", "Firm size", " | ".join(SIZES)],
        [SECTOR_COLUMN, "Ngành kinh doanh chính", "Main sector", " | ".join(SECTORS)],
    ]
    rows = [row + ["", ""] for row in rows]
    labels = {s.id: s.label for s in SUBINDICES}
    for ind in sorted(INDICATORS, key=lambda i: i.column):
        rows.append([ind.column, ind.label, ind.label_en, _coding_note(ind),
                     labels[ind.subindex], ind.direction])
    return rows


def _coding_note(ind: Indicator) -> str:
    if ind.kind == "yesno":
        return "1 = Có / Yes, 2 = Không / No"
    if ind.kind == "count":
        return f"số nguyên / integer 0{_DASH}{ind.top}; 99 = không trả lời / no answer"
    if ind.kind == "agree":
        return f"{_LIKERT_NOTE} (tỷ lệ 4{_DASH}5 / share of 4{_DASH}5)"
    return _LIKERT_NOTE


# ---------------------------------------------------------------- the method file

def _q(value: object) -> str:
    """A TOML value: JSON's string escapes and number syntax are valid TOML."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_q(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, ensure_ascii=False)


def method_toml(year: int) -> str:
    """The method file for the synthetic survey of `year` (UTF-8 TOML text, NFC).
    Only [index] name and year depend on `year`."""
    lines = [
        f"# SYNTHETIC DATA \u2013 DỮ LIỆU GIẢ LẬP. Method file for the synthetic survey",
        f"# ddci_haiphong_{year}.xlsx written by `ddci sample --year {year}`. The survey answers",
        "# are invented; nothing computed from them describes any real unit of Hải Phòng.",
        "",
        "[index]",
        f"name = {_q(f'DDCI Hải Phòng {year} (dữ liệu giả lập / synthetic)')}",
        f"year = {int(year)}",
        'language = "vi"',
        "",
        "[input]",
        f"sheet = {_q(SHEET_DATA)}",
        f"unit_column = {_q(UNIT_COLUMN)}",
        f"block_column = {_q(BLOCK_COLUMN)}",
        f"respondent_column = {_q(RESPONDENT_COLUMN)}",
        f"weight_column = {_q(WEIGHT_COLUMN)}",
        f"missing_codes = {_q([DONT_KNOW, DONT_KNOW_SHORT, NUMERIC_MISSING])}",
        "min_responses = 30",
        "min_indicator_responses = 10",
        "strict_units = false",
        "",
        "[normalization]",
        'method = "minmax"',
        "range = [1, 10]",
        "zscore = [0, 1]",
        "",
        "[aggregation]",
        'subindex = "arithmetic"',
        'composite = "arithmetic"',
        "multiplier = 10",
        "min_coverage = 0.5",
        "",
        "[ranking]",
        "decimals = 2",
    ]
    for part in (_blocks_toml(), _subindices_toml(), _tiers_toml(), _units_toml()):
        lines += part
    return "\n".join(lines) + "\n"


def _blocks_toml() -> list[str]:
    out: list[str] = []
    for b in BLOCKS:
        out += ["", "[[blocks]]", f"id = {_q(b.id)}", f"label = {_q(b.label)}",
                f"label_en = {_q(b.label_en)}"]
    return out


def _subindices_toml() -> list[str]:
    out: list[str] = []
    for s in SUBINDICES:
        out += ["", "[[subindices]]", f"id = {_q(s.id)}", f"label = {_q(s.label)}",
                f"label_en = {_q(s.label_en)}", f"weight = {_q(s.weight)}",
                f"blocks = {_q(s.blocks)}"]
        for ind in (i for i in INDICATORS if i.subindex == s.id):
            out += _indicator_toml(ind)
    return out


_CODING = {  # kind -> statistic, valid range, share set
    "likert": ("mean", [1, 5], None),
    "agree": ("share", [1, 5], [4, 5]),
    "yesno": ("share", [1, 2], [1]),
}


def _indicator_toml(ind: Indicator) -> list[str]:
    if ind.kind == "count":
        statistic, valid, share_of = "mean", [0, ind.top], None
    else:
        statistic, valid, share_of = _CODING[ind.kind]
    out = ["", "  [[subindices.indicators]]", f"  id = {_q(ind.id)}",
           f"  column = {_q(ind.column)}", f"  label = {_q(ind.label)}",
           f"  label_en = {_q(ind.label_en)}", f"  direction = {_q(ind.direction)}",
           f"  statistic = {_q(statistic)}", f"  valid = {_q(valid)}"]
    if share_of is not None:
        out.append(f"  share_of = {_q(share_of)}")
    if ind.kind == "count":
        out.append(f"  goalposts = {_q([0, ind.goal])}")
    out.append("  weight = 1")
    if ind.blocks is not None:
        out.append(f"  blocks = {_q(ind.blocks)}")
    return out


def _tiers_toml() -> list[str]:
    out: list[str] = []
    for t in TIERS:
        out += ["", "[[tiers]]", f"label = {_q(t.label)}", f"label_en = {_q(t.label_en)}",
                f"min = {_q(t.min)}"]
    return out


def _units_toml() -> list[str]:
    out: list[str] = []
    for u in UNITS:
        out += ["", f"[units.{_q(u.name)}]", f"block = {_q(u.block)}",
                f"aliases = {_q(u.aliases)}"]
    return out

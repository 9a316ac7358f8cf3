"""A synthetic Hải Phòng DDCI survey and its method file, for demos, docs and tests.

The data are invented (dữ liệu giả lập): every unit has a latent quality on each question
(a general level, a sub-index profile and a question-specific part) that drifts from year
to year; firms answer around their units' quality with their own leniency and noise, skip
questions ("Không biết", "KB", 99, blank) and sometimes type a unit's name loosely. The same (year, seed, respondents) always gives the same cells and the
same method file byte for byte.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.packaging.core import DocumentProperties
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from ddci_cli.sample import design as d
from ddci_cli.io.write import write_bytes

BASE_YEAR = 2020          # unit quality is anchored here and random-walks to other years
_DASH = "\u2013"


def generate_survey(year: int = 2024, seed: int = 0, respondents: int = 2500) -> pd.DataFrame:
    """One row per evaluation (a firm rating a unit), columns as in `survey_columns()`.

    year: 1990–2100, drives unit quality drift. seed: ≥ 0. respondents: number of firms ≥ 1,
    each rating 1–3 units (about 2 on average). Indicator cells hold Python ints, the
    missing codes "Không biết" / "KB" / 99 (in any spelling a field team types) or None.
    """
    _check_args(year, seed, respondents)
    rng = np.random.default_rng(np.random.SeedSequence([seed, year, 1]))
    firms = _draw_firms(rng, respondents)
    row_firm, row_unit = _assign_units(rng, firms["home"])
    latent = _latent_answers(rng, row_firm, row_unit, unit_quality(year, seed), firms["leniency"])
    answers = _encode_answers(rng, latent, row_unit)
    frame = pd.DataFrame({
        d.STT_COLUMN: np.arange(1, len(row_unit) + 1).tolist(),
        d.RESPONDENT_COLUMN: firms["id"][row_firm],
        d.UNIT_COLUMN: _unit_spellings(rng, row_unit),
        d.BLOCK_COLUMN: _block_cells(rng, row_unit),
        d.WEIGHT_COLUMN: firms["weight"][row_firm].tolist(),
        d.SIZE_COLUMN: np.asarray(d.SIZES, dtype=object)[firms["size"][row_firm]],
        d.SECTOR_COLUMN: np.asarray(d.SECTORS, dtype=object)[firms["sector"][row_firm]],
    })
    for j, ind in enumerate(d.INDICATORS):
        frame[ind.column] = pd.Series(answers[:, j], dtype=object)
    return frame[survey_columns()]


def sample_method_toml(year: int = 2024) -> str:
    """The method file (UTF-8 TOML text, NFC) of the synthetic survey of `year`; only
    [index] name and year depend on `year`, so every year shares one structure."""
    _check_args(year, 0, 1)
    return d.method_toml(year)


def survey_columns() -> list[str]:
    """The header of the generated survey, left to right."""
    fixed = [d.STT_COLUMN, d.RESPONDENT_COLUMN, d.UNIT_COLUMN, d.BLOCK_COLUMN,
             d.WEIGHT_COLUMN, d.SIZE_COLUMN, d.SECTOR_COLUMN]
    return fixed + list(d.INDICATOR_COLUMNS)


def _check_args(year: int, seed: int, respondents: int) -> None:
    if not 1990 <= int(year) <= 2100:
        raise ValueError(f"year must be between 1990 and 2100, got {year}")
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if int(respondents) < 1:
        raise ValueError(f"respondents must be >= 1, got {respondents}")


def _unit_key(name: str) -> int:
    """A stable 32-bit number for a unit name (Python's hash() changes between runs)."""
    return zlib.crc32(name.encode("utf-8"))


def unit_quality(year: int, seed: int = 0) -> np.ndarray:
    """Latent quality of each unit (rows, `sample_design.UNITS` order) on each indicator
    (columns, `INDICATORS` order), on a standard-normal-like scale (about −1.5 to 1.5):
    a general level, a sub-index profile and an indicator-specific part.

    Quality is drawn for BASE_YEAR from (seed, unit name) and moves by one heavy-tailed
    step per year drawn from (seed, unit name, year): most units move a little, a few jump.
    """
    sub_index = {s.id: k for k, s in enumerate(d.SUBINDICES)}
    k_of = np.array([sub_index[i.subindex] for i in d.INDICATORS])
    k, m = len(d.SUBINDICES), len(d.INDICATORS)
    out = np.empty((len(d.UNITS), m))
    for u, unit in enumerate(d.UNITS):
        key = _unit_key(unit.name)
        base = np.random.default_rng(np.random.SeedSequence([seed, key, 0]))
        general = 0.18 * base.standard_normal()
        profile = 0.18 * base.standard_normal(k)
        item = 0.35 * base.standard_normal(m)
        sign, years = (1, range(BASE_YEAR + 1, year + 1)) if year >= BASE_YEAR \
            else (-1, range(year + 1, BASE_YEAR + 1))
        for t in years:
            step = np.random.default_rng(np.random.SeedSequence([seed, key, t]))
            general += sign * 0.07 * np.clip(step.standard_t(3), -4, 4)
            profile += sign * 0.08 * step.standard_normal(k)
            item += sign * 0.08 * step.standard_normal(m)
        out[u] = general + profile[k_of] + item
    return out


def _draw_firms(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Firm ids, home district, size, sector, design weight (mean ≈ 1, within 0.3–3) and
    answering leniency (latent-scale shift, sd ≈ 0.4)."""
    district_share = np.array([u.share for u in d.DISTRICTS])
    firm_share = np.array([u.firm_share for u in d.DISTRICTS])
    home = rng.choice(len(d.DISTRICTS), size=n, p=district_share / district_share.sum())
    size = rng.choice(len(d.SIZES), size=n, p=d.SIZE_SHARES)
    sector = rng.choice(len(d.SECTORS), size=n, p=d.SECTOR_SHARES)
    # Trimmed design weights: size class × (population share / sample share) of the home
    # district, with a little nonresponse noise.
    oversampling = (firm_share / firm_share.sum()) / (district_share / district_share.sum())
    raw = np.asarray(d.SIZE_WEIGHT)[size] * oversampling[home] * rng.lognormal(0.0, 0.15, n)
    weight = np.round(np.clip(raw / raw.mean(), 0.3, 3.0), 3)
    # Ids are not consecutive: questionnaires that came back empty left gaps.
    numbers = np.sort(rng.choice(np.arange(1, int(n * 1.12) + 2), size=n, replace=False))
    ids = np.array([f"DN{k:05d}" for k in numbers], dtype=object)
    leniency = rng.normal(0.0, 0.4, n) - 0.15 * (size == 3)
    return {"id": ids, "home": home, "size": size, "sector": sector,
            "weight": weight, "leniency": leniency}


def _assign_units(rng: np.random.Generator, home: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which units each firm rates: 1–3 units, its home district with probability 0.7 and
    departments by popularity (Gumbel top-k, so no unit twice). Returns (firm, unit) index
    arrays, one entry per evaluation, ordered by firm."""
    n, n_dep = len(home), len(d.DEPARTMENTS)
    count = rng.choice([1, 2, 3], size=n, p=[0.28, 0.45, 0.27])
    rates_home = rng.random(n) < 0.7
    n_departments = count - rates_home
    share = np.array([u.share for u in d.DEPARTMENTS])
    keys = np.log(share) + rng.gumbel(size=(n, n_dep))
    order = np.argsort(-keys, axis=1)
    chosen = np.arange(n_dep)[None, :] < n_departments[:, None]
    units = np.where(chosen, order, -1)
    units = np.concatenate([np.where(rates_home, n_dep + home, -1)[:, None], units], axis=1)
    firm, slot = np.nonzero(units >= 0)
    return firm, units[firm, slot]


def _latent_answers(rng: np.random.Generator, row_firm: np.ndarray, row_unit: np.ndarray,
                    quality: np.ndarray, leniency: np.ndarray) -> np.ndarray:
    """Favourability of each answer (rows × indicators) on a latent scale centred near 0:
    the unit's quality on the indicator, the firm's leniency, the firm's experience
    with this unit (shared by its answers) and item noise."""
    n, m = len(row_unit), len(d.INDICATORS)
    experience = rng.normal(0.0, 0.5, n)
    return (quality[row_unit] + (leniency[row_firm] + experience)[:, None]
            + rng.standard_normal((n, m)))


_LIKERT_CUTS = np.array([-2.0, -0.9, 0.3, 1.5])


def _encode_answers(rng: np.random.Generator, latent: np.ndarray,
                    row_unit: np.ndarray) -> np.ndarray:
    """Turn latent favourability into coded answers (object array, rows × indicators):
    Likert 1–5, yes/no 1/2, counts ≥ 0; then blank cells, missing codes and questions not
    asked in the row's block (blank)."""
    n, m = latent.shape
    sign = np.array([1.0 if i.direction == "positive" else -1.0 for i in d.INDICATORS])
    shift = np.array([i.shift for i in d.INDICATORS])
    kind = np.array([i.kind for i in d.INDICATORS])
    y = latent * sign + shift
    likert = 1 + (y[:, :, None] > _LIKERT_CUTS).sum(axis=2)
    yesno = np.where(y > 0, 1, 2)
    # Counts: good units mean fewer days and visits; gamma-Poisson for the long right tail.
    top = np.array([max(i.top, 1) for i in d.INDICATORS])
    rate = np.exp(np.minimum(shift - 0.45 * latent, 4.0)) * rng.gamma(2.0, 0.5, (n, m))
    counts = np.minimum(rng.poisson(rate), top)
    values = np.where(kind == "yesno", yesno, np.where(kind == "count", counts, likert))
    cells = values.astype(object)
    _apply_missing(rng, cells, kind == "count")
    block_of_unit = np.array([u.block for u in d.UNITS])
    for j, ind in enumerate(d.INDICATORS):
        cells[~np.isin(block_of_unit[row_unit], d.indicator_blocks(ind)), j] = None
    return cells


_DK_SPELLINGS = np.array(["không biết", "Không biết ", "KHÔNG BIẾT",
                          unicodedata.normalize("NFD", d.DONT_KNOW)], dtype=object)


def _apply_missing(rng: np.random.Generator, cells: np.ndarray, is_count: np.ndarray) -> None:
    """In place: ~3% blank cells; "don't know" at each indicator's rate (count questions
    mostly coded 99); about 2% of don't-knows typed "KB" and 3% spelled loosely."""
    n, m = cells.shape
    u = rng.random((n, m))
    dk_rate = np.array([i.dk for i in d.INDICATORS])
    blank = u < 0.03
    dk = (u >= 0.03) & (u < 0.03 + dk_rate)
    style = rng.random((n, m))
    numeric = dk & is_count[None, :] & (style < 0.7)
    short = dk & ~numeric & (style > 0.98)
    odd = dk & ~numeric & ~short & (style < 0.03)
    cells[dk] = d.DONT_KNOW
    cells[numeric] = d.NUMERIC_MISSING
    cells[short] = d.DONT_KNOW_SHORT
    cells[odd] = _DK_SPELLINGS[rng.integers(0, len(_DK_SPELLINGS), int(odd.sum()))]
    cells[blank] = None


def _unit_spellings(rng: np.random.Generator, row_unit: np.ndarray) -> np.ndarray:
    """Unit cells as typed: canonical NFC names, with ~4% aliases, stray spaces, other case
    or NFD encoding, all of which the method's [units] table and the name key resolve."""
    names = np.array([u.name for u in d.UNITS], dtype=object)[row_unit]
    messy = np.flatnonzero(rng.random(len(names)) < 0.04)
    styles = rng.integers(0, 5, len(messy))
    picks = rng.random(len(messy))
    for r, style, pick in zip(messy, styles, picks):
        unit = d.UNITS[row_unit[r]]
        names[r] = _misspell(unit, int(style), float(pick))
    return names


def _misspell(unit: d.Unit, style: int, pick: float) -> str:
    """One loose spelling of a unit: style 0 an alias (chosen by pick in [0, 1)), 1 lower
    case with stray spaces, 2 a doubled space, 3 capitals, 4 NFD encoding."""
    name = unit.name
    if style == 0:
        return unit.aliases[int(pick * len(unit.aliases))]
    if style == 1:
        return f"  {name.lower()} "
    if style == 2:
        return name.replace(" ", "  ", 1) + " "
    if style == 3:
        return name.upper()
    return unicodedata.normalize("NFD", name)


def _block_cells(rng: np.random.Generator, row_unit: np.ndarray) -> np.ndarray:
    """Block labels as typed: the block's label, ~2% in lower case with a trailing space."""
    labels = np.array([d.BLOCK_BY_ID[u.block].label for u in d.UNITS], dtype=object)[row_unit]
    sloppy = rng.random(len(labels)) < 0.02
    labels[sloppy] = np.array([s.lower() + " " for s in labels[sloppy]], dtype=object)
    return labels


# ---------------------------------------------------------------- files

def write_sample(out_dir: Path, year: int = 2024, seed: int = 0,
                 respondents: int = 2500, layout: str = "long") -> list[Path]:
    """Write `ddci_haiphong_{year}.xlsx` (the synthetic survey) and `ddci_haiphong_{year}.toml`
    (its method file) into out_dir, created if missing; existing files are replaced
    atomically. Returns [survey path, toml path]. ``layout`` grid, kobo or odk writes the
    same survey as that online tool exports it (`ddci_haiphong_{year}_{layout}.*`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = generate_survey(year, seed, respondents)
    if layout != "long":
        from ddci_cli.sample.exports import export_files

        written = []
        for name, data in export_files(frame, layout, year).items():
            write_bytes(out_dir / name, data)
            written.append(out_dir / name)
        return written
    xlsx = out_dir / f"ddci_haiphong_{year}.xlsx"
    toml = out_dir / f"ddci_haiphong_{year}.toml"
    write_bytes(xlsx, survey_xlsx_bytes(frame, year, seed, respondents))
    write_bytes(toml, sample_method_toml(year).encode("utf-8"))
    return [xlsx, toml]


def survey_xlsx_bytes(frame: pd.DataFrame, year: int, seed: int, respondents: int) -> bytes:
    """The survey as .xlsx bytes: sheet "Data" (title, note, header on row 3, then one row
    per evaluation) and sheet "Ghi chú" (what the data are, and the column dictionary).
    Document properties and every timestamp are fixed by `year`, so the bytes are
    reproducible."""
    wb = Workbook()
    data = wb.active
    data.title = d.SHEET_DATA
    _fill_data_sheet(data, frame, year)
    _fill_notes_sheet(wb.create_sheet(d.SHEET_NOTES), year, seed, respondents)
    stamp = dt.datetime(year, 12, 31, 8, 0, 0)
    wb.properties = DocumentProperties(
        title=f"DDCI Hải Phòng {year} {_DASH} dữ liệu giả lập (synthetic)",
        subject="Synthetic DDCI survey / Dữ liệu khảo sát DDCI giả lập",
        description=d.NOTE_EN, keywords=d.SYNTHETIC_KEYWORDS, category="synthetic",
        creator="ddci sample", lastModifiedBy="ddci sample", created=stamp, modified=stamp)
    raw = io.BytesIO()
    # ExcelWriter rather than wb.save(): save() stamps the current time as "modified".
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return _with_fixed_zip_times(raw.getvalue(), stamp.timetuple()[:6])


def _fill_data_sheet(ws, frame: pd.DataFrame, year: int) -> None:
    """Title (row 1) and note (row 2), merged across the columns; header on row 3."""
    width = frame.shape[1]
    ws.append([f"DỮ LIỆU TỔNG HỢP (SYNTHETIC {_DASH} DỮ LIỆU GIẢ LẬP, không phải số liệu thật) "
               f"{_DASH} DDCI Hải Phòng {year}"])
    ws.append(["Mỗi dòng là một lượt đánh giá của một doanh nghiệp đối với một đơn vị. "
               "Ô trống, \"Không biết\", \"KB\" và 99 là không trả lời. Xem sheet \"Ghi chú\"."])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"].font = Font(italic=True)
    ws.append(list(frame.columns))
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False, name=None):
        ws.append(row)
    ws.freeze_panes = "C4"
    for letter, size in (("A", 7), ("B", 10), ("C", 36), ("D", 20), ("E", 10), ("F", 10),
                         ("G", 26)):
        ws.column_dimensions[letter].width = size


def _fill_notes_sheet(ws, year: int, seed: int, respondents: int) -> None:
    """What the data are (vi/en), the command that made them, and the column dictionary."""
    command = f"ddci sample OUT --year {year} --seed {seed} --respondents {respondents}"
    for text in (f"GHI CHÚ {_DASH} DỮ LIỆU GIẢ LẬP / NOTES {_DASH} SYNTHETIC DATA",
                 d.NOTE_VI, d.NOTE_EN,
                 f"Lệnh tạo / Generated by: {command}",
                 "Mỗi dòng của sheet Data là một lượt đánh giá (một doanh nghiệp đánh giá một "
                 "đơn vị); tiêu đề cột ở dòng 3. / Each row of sheet Data is one evaluation "
                 "(one firm rating one unit); the header is on row 3.",
                 "Không trả lời / Missing: ô trống / blank, \"Không biết\", \"KB\", 99.",
                 ""):
        ws.append([text])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["Cột / Column", "Mô tả", "Description", "Mã hóa / Coding",
               "Chỉ số thành phần / Sub-index", "Chiều / Direction"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in d.column_dictionary():
        ws.append(row)
    for letter, size in zip("ABCDEF", (14, 60, 60, 40, 28, 12)):
        ws.column_dimensions[letter].width = size


def _with_fixed_zip_times(data: bytes, when: tuple[int, ...]) -> bytes:
    """Rewrite a zip archive with every member stamped `when` (Y, M, D, h, m, s)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=when)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()

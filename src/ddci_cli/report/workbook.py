"""The Excel report (SPEC §7), written with openpyxl.

Sheets, in order: Summary, Sub-indices, Indicators, [Sensitivity], [Years], [one scorecard
per unit], Diagnostics, Method, About — names and texts in the report language. A sheet in
brackets exists only when its data are given. Texts are always string cells, never
formulas (:func:`set_cell`). The same scores, language, seed, time and command line give
the same bytes: document properties and zip entry times are fixed, and nothing else in
the file depends on the clock.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from ddci_cli import __version__
from ddci_cli.scores import Scores
from ddci_cli.io.write import write_with
from ddci_cli.report.about import about_sheet, command_line, method_sheet
from ddci_cli.report.cells import safe_sheet_title, set_cell
from ddci_cli.report.context import Report
from ddci_cli.report.diagnostics import diagnostics_sheet
from ddci_cli.report.extras import sensitivity_sheet, years_sheet
from ddci_cli.report.labels import LANGUAGES, Labels
from ddci_cli.report.scorecards import scorecard_sheets
from ddci_cli.report.sheets import indicator_sheet, subindex_sheet
from ddci_cli.report.style import StyleBook, tier_colours
from ddci_cli.report.summary import summary_sheet

__all__ = ["build_workbook", "write_workbook", "save_workbook", "set_cell",
           "safe_sheet_title", "FIXED_TIME"]

FIXED_TIME = dt.datetime(2000, 1, 1)   # document properties "created" and "modified"


def fixed_time() -> dt.datetime:
    """The document time: ``SOURCE_DATE_EPOCH`` (reproducible-builds convention) when
    set, else FIXED_TIME; never the clock, so identical runs give identical files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        stamp = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
        return max(stamp, dt.datetime(1980, 1, 1))
    return FIXED_TIME


def build_workbook(scores: Scores, *, seed: int = 0, lang: str | None = None,
                   scorecards: bool = False, now: dt.datetime | None = None,
                   command: str | None = None, diagnostics: dict | None = None,
                   sensitivity: dict | None = None, comparison: Any = None) -> Workbook:
    """The report as an openpyxl Workbook. ``lang``: a code of LANGUAGES, default the
    method's ``index.language``. ``now``: the time shown in About (UTC). The optional
    dicts add what they hold: ``diagnostics`` Cronbach's alpha (see
    diagnostics.alpha_rows), ``sensitivity`` the ``ddci sensitivity --json`` document,
    ``comparison`` a ddci_cli.compare.Comparison (or its ``--json`` document) whose last
    year is ``scores``. ``scores.ci`` (``--bootstrap``) adds intervals."""
    method = scores.method
    lang = lang or method.language
    if lang not in LANGUAGES:
        raise ValueError(f"report language must be one of {', '.join(LANGUAGES)}")
    wb = Workbook()
    wb.remove(wb.active)
    book = StyleBook(wb, method.decimals, tier_colours(method.tiers_descending()))
    extras = {"diagnostics": diagnostics if diagnostics is not None else _alpha(scores),
              "sensitivity": sensitivity, "comparison": comparison}
    rep = Report(scores, Labels(lang), book, seed, now, command, extras)
    summary_sheet(wb, rep)
    subindex_sheet(wb, rep)
    indicator_sheet(wb, rep)
    sensitivity_sheet(wb, rep)
    years_sheet(wb, rep)
    if scorecards:
        scorecard_sheets(wb, rep)
    diagnostics_sheet(wb, rep)
    method_sheet(wb, rep)
    about_sheet(wb, rep)
    _properties(wb, rep)
    return wb


def write_workbook(scores: Scores, target: Path, seed: int = 0, lang: str | None = None,
                   *, scorecards: bool = False, now: dt.datetime | None = None,
                   command: str | None = None, diagnostics: dict | None = None,
                   sensitivity: dict | None = None, comparison: Any = None) -> None:
    """Write the report to ``target`` atomically (see :func:`build_workbook`); ``now``
    defaults to the current UTC time, ``command`` to the running ``ddci`` command line."""
    now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    command = command if command is not None else command_line()
    wb = build_workbook(scores, seed=seed, lang=lang, scorecards=scorecards, now=now,
                        command=command, diagnostics=diagnostics, sensitivity=sensitivity,
                        comparison=comparison)
    write_with(Path(target), lambda tmp: save_workbook(wb, tmp))


def _properties(wb: Workbook, rep: Report) -> None:
    props = wb.properties
    props.creator = props.lastModifiedBy = f"ddci {__version__}"
    props.title = rep.title()
    props.subject = rep.labels("title.summary")
    props.language = rep.labels.lang
    props.created = props.modified = fixed_time()
    if rep.synthetic:
        props.keywords = "synthetic"
    wb.active = 0


def _alpha(scores: Scores) -> dict | None:
    """Cronbach's alpha from ddci_cli.diagnose when that module offers it."""
    try:
        from ddci_cli import diagnose
    except ImportError:
        return None
    compute = getattr(diagnose, "subindex_alpha", None)
    if compute is None:
        return None
    try:
        return {"alpha": compute(scores)}
    except Exception:  # the report must not fail because of an optional statistic
        return None


class _FixedTimeZip(zipfile.ZipFile):
    """Every entry gets the same time and mode, so equal content gives equal bytes."""

    def __init__(self, *args, when: dt.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._when = when.timetuple()[:6]

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._when)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as fh:
            self.writestr(arcname or os.path.basename(filename), fh.read())


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save like openpyxl's ``Workbook.save``, but without stamping the clock into the
    document properties or the zip entries."""
    when = wb.properties.modified or fixed_time()
    with _FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True, when=when) as archive:
        ExcelWriter(wb, archive).save()

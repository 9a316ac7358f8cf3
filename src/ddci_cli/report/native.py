"""Native Excel charts (drawn by Excel or LibreOffice from the sheet's own cells): the
ranking of a block, and a unit's sub-indices against its block."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.legend import Legend
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.line import LineProperties
from openpyxl.drawing.spreadsheet_drawing import OneCellAnchor
from openpyxl.drawing.text import (CharacterProperties, Font, Paragraph, ParagraphProperties,
                                   RegularTextRun)

from openpyxl.utils.units import cm_to_EMU

from ddci_cli.report.style import FONT, NAVY, ROW_LINE

TEXT = "404040"
CM_PER_POINT = 2.54 / 72
EMU_PER_POINT = 12700


def _chars(size: float, bold: bool = False, color: str = TEXT) -> CharacterProperties:
    return CharacterProperties(sz=int(size * 100), b=bold, solidFill=color,
                               latin=Font(typeface=FONT))


def text_props(size: float, bold: bool = False) -> RichText:
    props = _chars(size, bold)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def title(text: str, size: float = 11) -> Title:
    props = _chars(size, True, NAVY)
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props,
                                                                              t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _line(color: str) -> GraphicalProperties:
    return GraphicalProperties(ln=LineProperties(solidFill=color))


def _bar_chart(heading: str, low: float | None, high: float | None) -> BarChart:
    chart = BarChart()
    chart.type = "bar"                      # horizontal bars: long unit names stay legible
    chart.style = 2
    chart.title = title(heading)
    chart.x_axis.scaling.orientation = "maxMin"   # first row at the top
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.crosses = "max"            # value labels at the bottom with reversed rows
    chart.y_axis.scaling.min = low
    chart.y_axis.scaling.max = high
    chart.y_axis.majorGridlines = ChartLines(spPr=_line(ROW_LINE))
    chart.x_axis.txPr = text_props(7.5)
    chart.y_axis.txPr = text_props(7.5)
    chart.x_axis.tickLblSkip = 1            # every unit named, even on a short chart
    chart.x_axis.majorTickMark = "none"
    chart.y_axis.numFmt = "0"
    chart.gapWidth = 45
    return chart


def ranking_chart(ws, heading: str, cat_col: int, val_col: int, first: int, last: int,
                  colours: list[str], fmt: str, low: float | None, high: float | None,
                  width_cm: float, height_cm: float) -> BarChart:
    """Composites of rows ``first..last`` as horizontal bars, one colour per bar (its
    tier), each labelled with its value."""
    chart = _bar_chart(heading, low, high)
    chart.add_data(Reference(ws, min_col=val_col, min_row=first, max_row=last),
                   titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=cat_col, min_row=first, max_row=last))
    series = chart.series[0]
    series.graphicalProperties.solidFill = colours[0] if colours else NAVY
    series.graphicalProperties.line.noFill = True
    for idx, colour in enumerate(colours):
        point = DataPoint(idx=idx)
        point.graphicalProperties.solidFill = colour
        point.graphicalProperties.line.noFill = True
        series.dPt.append(point)
    series.dLbls = DataLabelList(showVal=True, showSerName=False, showCatName=False,
                                 showLegendKey=False, showPercent=False, numFmt=fmt,
                                 dLblPos="outEnd", txPr=text_props(8))
    chart.legend = None
    chart.width, chart.height = width_cm, height_cm
    return chart


def profile_chart(ws, heading: str, cat_col: int, series_cols: list[tuple[int, str]],
                  header_row: int, first: int, last: int, low: float | None,
                  high: float | None, width_cm: float, height_cm: float) -> BarChart:
    """Clustered horizontal bars: one series per column in ``series_cols`` (column,
    colour), names from ``header_row``, categories from ``cat_col``."""
    chart = _bar_chart(heading, low, high)
    for col, colour in series_cols:
        chart.add_data(Reference(ws, min_col=col, min_row=header_row, max_row=last),
                       titles_from_data=True)
        series = chart.series[-1]
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.noFill = True
    chart.set_categories(Reference(ws, min_col=cat_col, min_row=first, max_row=last))
    chart.gapWidth = 60
    chart.overlap = -5
    chart.legend = Legend(legendPos="b", txPr=text_props(8))
    chart.width, chart.height = width_cm, height_cm
    return chart


def rows_height_cm(rows: int, row_points: float) -> float:
    return rows * row_points * CM_PER_POINT


def place(ws, chart: BarChart, col: int, row: int, down_points: float = 3.0) -> None:
    """Anchor ``chart`` at (row, col), a few points below the row's top edge: a chart
    starting exactly on a page break would leave a sliver of its frame on the page
    before."""
    anchor = OneCellAnchor()
    anchor._from.col, anchor._from.row = col - 1, row - 1
    anchor._from.rowOff = int(down_points * EMU_PER_POINT)
    anchor.ext.width = cm_to_EMU(chart.width)
    anchor.ext.height = cm_to_EMU(chart.height)
    chart.anchor = anchor
    ws.add_chart(chart)

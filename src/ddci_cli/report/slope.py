"""A slope chart of ranks (native Excel line chart): one line per unit from its rank in the
first compared year to its rank in the last, rank 1 at the top, each line named at its
right end and coloured by the direction of the move (up green, down red, same grey).

No legend: with twenty units a legend is a column of tiny swatches nobody can match to a
line, while a name at the line's end is read directly.
"""

from __future__ import annotations

from openpyxl.chart import LineChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.label import DataLabel, DataLabelList
from openpyxl.chart.layout import Layout, ManualLayout
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties

from ddci_cli.report.native import text_props, title
from ddci_cli.report.style import ROW_LINE

UP, DOWN, SAME = "2E7D32", "C62828", "8C8C8C"
PLOT_SHARE = 0.5           # of the chart's width; the rest holds the names at the right


def move_colour(first: int | None, last: int | None) -> str:
    """Green for a rise (smaller rank number), red for a fall, grey otherwise."""
    if first is None or last is None or first == last:
        return SAME
    return UP if last < first else DOWN


def rank_slope_chart(ws, heading: str, axis_title: str, rows: list[int], name_col: int,
                     first_col: int, last_col: int, header_row: int, n_ranks: int,
                     colours: list[str], width_cm: float, height_cm: float) -> LineChart:
    """Ranks in columns ``first_col..last_col`` (one column per year, years named in
    ``header_row``) of each row in ``rows``; the value axis runs from 1 (top) to
    ``n_ranks`` (bottom) in whole steps."""
    chart = LineChart()
    chart.title = title(heading)
    chart.style = 2
    chart.legend = None
    for row, colour in zip(rows, colours):
        chart.add_data(Reference(ws, min_col=first_col, max_col=last_col, min_row=row),
                       from_rows=True, titles_from_data=False)
        series = chart.series[-1]
        series.tx = _series_name(ws, row, name_col)
        series.smooth = False
        series.marker.symbol = "circle"
        series.marker.size = 4
        series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
        series.marker.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line = LineProperties(solidFill=colour, w=19050)
        last = DataLabel(idx=last_col - first_col, showSerName=True, showVal=False,
                         showCatName=False, showLegendKey=False, showPercent=False,
                         dLblPos="r", txPr=text_props(7))
        series.dLbls = DataLabelList(dLbl=[last], showVal=False, showSerName=False,
                                     showCatName=False, showLegendKey=False,
                                     showPercent=False)
    chart.set_categories(Reference(ws, min_col=first_col, max_col=last_col,
                                   min_row=header_row))
    _axes(chart, n_ranks, axis_title)
    chart.plot_area.layout = Layout(manualLayout=ManualLayout(
        layoutTarget="inner", xMode="edge", yMode="edge", x=0.1, y=0.12,
        w=PLOT_SHARE - 0.1, h=0.8))
    chart.width, chart.height = width_cm, height_cm
    return chart


def _series_name(ws, row: int, col: int):
    from openpyxl.chart.series import SeriesLabel
    from openpyxl.chart.data_source import StrRef
    from openpyxl.utils import quote_sheetname, get_column_letter

    ref = f"{quote_sheetname(ws.title)}!${get_column_letter(col)}${row}"
    return SeriesLabel(strRef=StrRef(ref))


def _axes(chart: LineChart, n_ranks: int, axis_title: str) -> None:
    y = chart.y_axis
    y.scaling.orientation = "maxMin"             # rank 1 at the top
    y.scaling.min, y.scaling.max = 1, max(2, n_ranks)
    y.majorUnit = 1 if n_ranks <= 12 else 2 if n_ranks <= 30 else 5
    y.numFmt = "0"
    y.title = title(axis_title, 8)
    y.majorGridlines = ChartLines(spPr=GraphicalProperties(ln=LineProperties(
        solidFill=ROW_LINE)))
    y.txPr = text_props(7.5)
    y.delete = False
    x = chart.x_axis
    x.txPr = text_props(8, bold=True)
    x.majorTickMark = "none"
    x.delete = False
    x.crosses = "max"                           # year labels at the bottom, below rank n
    x.number_format = "0"

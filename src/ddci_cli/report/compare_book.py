"""``ddci compare -o FILE.xlsx``: the full report of the last year with its Comparison sheet,
or (when the report writer takes no comparison) a workbook of the comparison alone."""

from __future__ import annotations

import inspect
from pathlib import Path

from ddci_cli.io.write import write_with
from ddci_cli.report.comparison import (add_comparison_data_sheet, add_comparison_sheet,
                                        standalone)
from ddci_cli.years.compare import Comparison


def write_comparison_workbook(cmp: Comparison, target: Path, seed: int = 0,
                              lang: str | None = None) -> None:
    from ddci_cli import report

    writer = report.write_workbook
    if "comparison" in inspect.signature(writer).parameters:
        writer(cmp.scores[-1], target, seed=seed, lang=lang, comparison=cmp)
        return
    wb, rep = standalone(cmp, lang)
    add_comparison_sheet(wb, cmp, rep)
    add_comparison_data_sheet(wb, cmp, rep)
    write_with(target, lambda tmp: wb.save(tmp))

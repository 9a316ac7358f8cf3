"""Report writers: the Excel workbook (labels in labels.py) and the ranking chart (PNG)."""

from ddci_cli.report.workbook import build_workbook, write_workbook

__all__ = ["build_workbook", "write_workbook"]

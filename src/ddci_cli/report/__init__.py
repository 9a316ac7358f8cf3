"""Report writers: the Excel workbook (and its labels)."""

from .workbook import write_workbook

__all__ = ["write_workbook"]

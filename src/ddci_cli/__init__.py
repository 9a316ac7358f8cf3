"""ddci: Department and District Competitiveness Index analytics."""

__version__ = "0.1.0"

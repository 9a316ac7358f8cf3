"""The method file: TOML → one validated, frozen ``Method`` (SPEC §3)."""

from ddci_cli.method.model import (AGGREGATIONS, DEFAULT_BLOCK, NORMALIZATIONS, Block,
                                   Indicator, Method, SubIndex, Tier, UnitEntry, nfc)
from ddci_cli.method.load import load_method, parse_method

__all__ = ["AGGREGATIONS", "DEFAULT_BLOCK", "NORMALIZATIONS", "Block", "Indicator", "Method",
           "SubIndex", "Tier", "UnitEntry", "load_method", "nfc", "parse_method"]

"""ddci: Department and District Competitiveness Index analytics.

    import ddci_cli as ddci
    method = ddci.load_method("method.toml")
    results = ddci.score("survey.xlsx", method)     # or a pandas DataFrame
    results.units, results.subindices, results.indicators, results.to_dict()
    results.rescore(normalization="zscore"); results.bootstrap(1000, seed=0)
    ddci.sensitivity(results, runs=1000); ddci.compare([...], method, crosswalk="cw.csv")
    ddci.report.write_workbook(results.scores, "report.xlsx")

Names are imported on first use, so ``import ddci_cli`` (and ``ddci --help``) stays fast.
"""

__version__ = "0.1.0"

_API = {"Results": "ddci_cli.api", "score": "ddci_cli.api", "sensitivity": "ddci_cli.api",
        "compare": "ddci_cli.api", "load_method": "ddci_cli.method.load",
        "Method": "ddci_cli.method.model", "Problem": "ddci_cli.errors",
        "InputError": "ddci_cli.errors", "DdciError": "ddci_cli.errors"}

__all__ = ["__version__", "report", *_API]


def __getattr__(name: str):
    import importlib

    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    if name == "report":
        return importlib.import_module("ddci_cli.report")
    raise AttributeError(f"module 'ddci_cli' has no attribute '{name}'")

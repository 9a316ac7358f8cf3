"""The ``[imputation]`` and ``[treatment]`` tables of the method file (SPEC §10), read
with key-path errors; absent tables mean no imputation and no treatment."""

from __future__ import annotations

from ddci_cli.method.model import Imputation, Treatment
from ddci_cli.method.schema import TableReader

IMPUTATION_METHODS = ("none", "mean", "median")
TREATMENT_METHODS = ("none", "winsorise")
FALLBACKS = ("log", "none")
IMPUTATION_KEYS = ("method", "by")
TREATMENT_KEYS = ("method", "winmax", "skew", "kurtosis", "fallback")


def imputation_rule(doc: dict, r: TableReader) -> Imputation:
    table = r.table(doc, "imputation", "")
    r.check_keys(table, IMPUTATION_KEYS, "imputation")
    return Imputation(
        method=r.choice(table, "method", "imputation", IMPUTATION_METHODS, "none"),
        by=r.text(table, "by", "imputation", "block") or "block")


def treatment_rule(doc: dict, r: TableReader) -> Treatment:
    table = r.table(doc, "treatment", "")
    r.check_keys(table, TREATMENT_KEYS, "treatment")
    default = Treatment()
    return Treatment(
        method=r.choice(table, "method", "treatment", TREATMENT_METHODS, "none"),
        winmax=r.number(table, "winmax", "treatment", default.winmax, integer=True,
                        minimum=0),
        skew=float(r.number(table, "skew", "treatment", default.skew, positive=True)),
        kurtosis=float(r.number(table, "kurtosis", "treatment", default.kurtosis)),
        fallback=r.choice(table, "fallback", "treatment", FALLBACKS, "log"))


def treatment_columns(method) -> dict[str, str]:
    """Columns the treatment tables name → the key path naming them (read with the
    survey): the imputation attribute and the indicators' denominators."""
    wanted = {}
    if method.imputation.by != "block":  # read even when off: sensitivity may turn it on
        wanted[method.imputation.by] = "imputation.by"
    for n, k in enumerate(method.subindices):
        for j, ind in enumerate(k.indicators):
            if ind.denominator:
                wanted.setdefault(ind.denominator,
                                  f"subindices[{n}].indicators[{j}].denominator")
    return wanted

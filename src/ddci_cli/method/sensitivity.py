"""Settings of ``ddci sensitivity`` (SPEC §8): the ``[sensitivity]`` table of the method
file, overridden key by key by the command line, checked against the method.

Keys: ``runs``, ``mode`` (uncertainty | sobol), ``weights`` (p: each sub-index weight ×
U(1−p, 1+p)), ``weights_dirichlet`` (α), ``normalization`` and ``aggregation`` (sets of
methods), ``min_responses`` (a set of thresholds), ``exclude_subindex`` (true: drop one
sub-index at a time), ``treatment``, ``imputation`` (sets of methods) and ``winmax`` (a set
of limits) of SPEC §10. With no uncertain input named anywhere, weights vary by ±25%.
"""

from __future__ import annotations

from dataclasses import dataclass

from ddci_cli.errors import UsageError
from ddci_cli.method.model import AGGREGATIONS, NORMALIZATIONS, Method
from ddci_cli.method.schema import TableReader
from ddci_cli.method.treatment import IMPUTATION_METHODS, TREATMENT_METHODS

MODES = ("uncertainty", "sobol")
TABLE_KEYS = ("runs", "mode", "weights", "weights_dirichlet", "normalization", "aggregation",
              "min_responses", "exclude_subindex", "treatment", "imputation", "winmax")
DEFAULT_RUNS = {"uncertainty": 1000, "sobol": 1024}
DEFAULT_WEIGHT_NOISE = 0.25
# the input groups, in design-column order (also the names in the JSON "indices")
WEIGHTS, NORMALIZATION, AGGREGATION, MIN_RESPONSES, EXCLUDE = (
    "weights", "normalization", "aggregation", "min_responses", "exclude_subindex")
TREATMENT, IMPUTATION, WINMAX = "treatment", "imputation", "winmax"  # SPEC §10 steps


@dataclass(frozen=True)
class Settings:
    """Resolved choices. ``weights`` = p of U(1−p, 1+p) (0 = fixed weights); ``dirichlet``
    = α (concentration per sub-index, around the nominal shares) replaces it when set. A
    set with one element is a fixed choice for every run, not an uncertain input."""

    mode: str
    runs: int
    weights: float
    dirichlet: float | None
    normalization: tuple[str, ...]
    aggregation: tuple[str, ...]
    min_responses: tuple[int, ...]
    exclude_subindex: bool
    treatment: tuple[str, ...] = ("none",)
    imputation: tuple[str, ...] = ("none",)
    winmax: tuple[int, ...] = (5,)

    def groups(self) -> list[str]:
        """The uncertain inputs, in design order."""
        names = [WEIGHTS] if self.weights > 0 or self.dirichlet else []
        names += [n for n in (NORMALIZATION, AGGREGATION, MIN_RESPONSES, TREATMENT,
                              IMPUTATION, WINMAX) if len(getattr(self, n)) > 1]
        return names + [EXCLUDE] * self.exclude_subindex

    def to_dict(self) -> dict:
        return {"mode": self.mode, "runs": self.runs,
                "weights": None if self.dirichlet else self.weights,
                "weights_dirichlet": self.dirichlet, "normalization": list(self.normalization),
                "aggregation": list(self.aggregation),
                "min_responses": list(self.min_responses),
                "exclude_subindex": self.exclude_subindex,
                "treatment": list(self.treatment), "imputation": list(self.imputation),
                "winmax": list(self.winmax)}


# --------------------------------------------------------------------------- settings

def check_table(method: Method, r: TableReader) -> None:
    """Validate the method file's ``[sensitivity]`` table, each problem with its key path."""
    table = method.extra.get("sensitivity")
    if table is None:
        return
    if not isinstance(table, dict):
        r.error("bad_type", "sensitivity", "must be a table")
        return
    r.check_keys(table, TABLE_KEYS, "sensitivity")
    path = "sensitivity"
    mode = r.choice(table, "mode", path, MODES, "uncertainty")
    runs = r.number(table, "runs", path, None, integer=True, minimum=2)
    if mode == "sobol" and isinstance(runs, int) and not is_power_of_two(runs):
        r.error("bad_value", "sensitivity.runs", "the Sobol mode needs a power of two "
                "(e.g. 512, 1024, 2048)", runs)
    r.number(table, "weights", path, None, minimum=0, maximum=0.99)
    r.number(table, "weights_dirichlet", path, None, positive=True)
    if "weights" in table and "weights_dirichlet" in table:
        r.error("bad_value", "sensitivity.weights_dirichlet", "give weights (uniform ±p) or "
                "weights_dirichlet, not both")
    for key, allowed in ((NORMALIZATION, NORMALIZATIONS), (AGGREGATION, AGGREGATIONS),
                         (TREATMENT, TREATMENT_METHODS), (IMPUTATION, IMPUTATION_METHODS)):
        for name in r.texts(table, key, path) or ():
            if name not in allowed:
                r.error("bad_value", f"sensitivity.{key}", f"'{name}' is not one of "
                        f"{', '.join(allowed)}", name)
    for value in r.numbers(table, MIN_RESPONSES, path) or ():
        if value != int(value) or value < 1:
            r.error("bad_value", "sensitivity.min_responses", "must be whole numbers ≥ 1",
                    value)
    for value in r.numbers(table, WINMAX, path) or ():
        if value != int(value) or value < 0:
            r.error("bad_value", "sensitivity.winmax", "must be whole numbers ≥ 0", value)
    r.boolean(table, EXCLUDE, path, False)
    if not r.report.has_errors:
        for key, message in settings_problems(method, resolve_settings(method)):
            r.error("bad_sensitivity", f"sensitivity.{key}", message)


def _split(text: str | None) -> list[str] | None:
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def resolve_settings(method: Method, **cli) -> Settings:
    """The ``[sensitivity]`` table overridden key by key by command-line values (None =
    not given; lists as comma-separated text). Bad command-line values: UsageError."""
    table = dict(method.extra.get("sensitivity") or {})
    if cli.get("weights") is not None or cli.get("weights_dirichlet") is not None:
        table.pop("weights", None), table.pop("weights_dirichlet", None)
    if cli.get("weights") is not None and cli.get("weights_dirichlet") is not None:
        raise UsageError("give --weights or --weights-dirichlet, not both")
    for key in ("mode", "runs", "weights", "weights_dirichlet", "exclude_subindex"):
        if cli.get(key) is not None:
            table[key] = cli[key]
    for key in (NORMALIZATION, AGGREGATION, MIN_RESPONSES, TREATMENT, IMPUTATION, WINMAX):
        if cli.get(key) is not None:
            table[key] = _split(cli[key])
    mode = table.get("mode", "uncertainty")
    if mode not in MODES:
        raise UsageError(f"--mode must be one of {', '.join(MODES)}")
    varied = any(k in table for k in ("weights", "weights_dirichlet", NORMALIZATION,
                                      AGGREGATION, MIN_RESPONSES, EXCLUDE, TREATMENT,
                                      IMPUTATION, WINMAX))
    weights = table.get("weights", 0.0 if varied else DEFAULT_WEIGHT_NOISE)
    settings = Settings(
        mode=mode, runs=int(table.get("runs", DEFAULT_RUNS[mode])), weights=float(weights),
        dirichlet=table.get("weights_dirichlet"),
        normalization=_choices(table, NORMALIZATION, NORMALIZATIONS, method.normalization),
        aggregation=_choices(table, AGGREGATION, AGGREGATIONS, method.composite_aggregation),
        min_responses=_min_responses(table, method), exclude_subindex=bool(
            table.get(EXCLUDE, False)),
        treatment=_choices(table, TREATMENT, TREATMENT_METHODS, method.treatment.method),
        imputation=_choices(table, IMPUTATION, IMPUTATION_METHODS, method.imputation.method),
        winmax=_whole(table, WINMAX, method.treatment.winmax, 0))
    _check_cli_numbers(settings)
    return settings


def _choices(table: dict, key: str, allowed: tuple[str, ...], nominal: str) -> tuple[str, ...]:
    names = [str(n).strip() for n in table.get(key) or [nominal]]
    bad = [n for n in names if n not in allowed]
    if bad:
        raise UsageError(f"--{key}: '{bad[0]}' is not one of {', '.join(allowed)}")
    return tuple(dict.fromkeys(names))


def _whole(table: dict, key: str, nominal: int, least: int) -> tuple[int, ...]:
    """A set of whole numbers ≥ ``least`` (``winmax``), the nominal one when absent."""
    try:
        numbers = [float(v) for v in table.get(key) or [nominal]]
    except ValueError:
        raise UsageError(f"--{key} takes whole numbers, e.g. 3,5") from None
    if any(v != int(v) or v < least for v in numbers):
        raise UsageError(f"--{key} takes whole numbers ≥ {least}, e.g. 3,5")
    return tuple(dict.fromkeys(int(v) for v in numbers))


def _min_responses(table: dict, method: Method) -> tuple[int, ...]:
    values = table.get(MIN_RESPONSES) or [method.min_responses]
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        raise UsageError("--min-responses takes whole numbers, e.g. 20,30,40") from None
    if any(v != int(v) or v < 1 for v in numbers):
        raise UsageError("--min-responses takes whole numbers ≥ 1, e.g. 20,30,40")
    return tuple(dict.fromkeys(int(v) for v in numbers))


def _check_cli_numbers(s: Settings) -> None:
    if s.runs < 2:
        raise UsageError("--runs must be at least 2")
    if s.mode == "sobol" and not is_power_of_two(s.runs):
        raise UsageError(f"runs = {s.runs}: the Sobol mode needs a power of two; give e.g. "
                         "--runs 1024")
    if not 0 <= s.weights < 1:
        raise UsageError("--weights P needs 0 ≤ P < 1 (0.25 = each weight × U(0.75, 1.25))")
    if s.dirichlet is not None and not s.dirichlet > 0:
        raise UsageError("--weights-dirichlet ALPHA needs ALPHA > 0")


def settings_problems(method: Method, s: Settings) -> list[tuple[str, str]]:
    """Choices the method cannot compute, as (key, message) pairs."""
    problems = []
    geometric = "geometric" in s.aggregation or method.subindex_aggregation == "geometric"
    for name in s.normalization:
        if geometric and name in ("minmax", "goalposts", "rank") and method.range[0] <= 0:
            problems.append((AGGREGATION, f"geometric aggregation with '{name}' needs "
                             f"normalization.range with a lower bound above 0 (got "
                             f"{method.range[0]:g}); use e.g. range = [1, 100]"))
        if geometric and name == "zscore" and method.zscore[0] <= 0:
            problems.append((AGGREGATION, "geometric aggregation with 'zscore' needs μ > 0 "
                             "in normalization.zscore; use e.g. zscore = [10, 2]"))
        if name == "none" and any(i.direction < 0 for i in method.indicators):
            problems.append((NORMALIZATION, "'none' cannot reverse negative indicators"))
        if name == "goalposts" and any(i.goalposts is None and i.valid is None and
                                       i.statistic == "mean" for i in method.indicators):
            problems.append((NORMALIZATION, "'goalposts' needs goalposts or valid on every "
                             "mean indicator"))
    if s.exclude_subindex and len(method.subindices) < 2:
        problems.append((EXCLUDE, "excluding a sub-index needs at least two sub-indices"))
    if s.mode == "sobol" and not s.groups():
        problems.append(("mode", "nothing is uncertain: give weights, normalization, "
                         "aggregation, min_responses, exclude_subindex, treatment, "
                         "imputation or winmax"))
    return problems


def is_power_of_two(n: int) -> bool:
    """Sobol mode's base sample N must be a power of two (the Sobol sequence's balance)."""
    return n > 0 and n & (n - 1) == 0

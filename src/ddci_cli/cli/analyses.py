"""``ddci sensitivity`` and ``ddci diagnose``: resolve settings, score, analyse, write the
outputs, render."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from ddci_cli.check import load_method_checked
from ddci_cli.cli import render
from ddci_cli.cli.commands import SurveySettings
from ddci_cli.errors import UsageError
from ddci_cli.io.write import check_outputs, write_formats
from ddci_cli.pipeline import score


@dataclass(frozen=True, kw_only=True)
class MonteCarloFlags:
    """``ddci sensitivity``'s flags for what the runs vary; None: not given, the method's
    ``[sensitivity]`` table (or its default) holds. Lists as comma-separated text."""

    mode: str | None = None
    runs: int | None = None
    weights: float | None = None
    weights_dirichlet: float | None = None
    normalization: str | None = None
    aggregation: str | None = None
    min_responses: str | None = None
    exclude_subindex: bool | None = None
    treatment: str | None = None
    imputation: str | None = None
    winmax: str | None = None


@dataclass(frozen=True, kw_only=True)
class SensitivitySettings(SurveySettings):
    """What ``ddci sensitivity`` is asked to do."""

    outputs: list[Path] = field(default_factory=list)
    lang: str | None = None
    seed: int = 0
    monte_carlo: MonteCarloFlags = field(default_factory=MonteCarloFlags)


def run_sensitivity(s: SensitivitySettings) -> int:
    """``ddci sensitivity``: resolve settings (method table, then flags), score, analyse,
    write outputs, render."""
    from ddci_cli.method.sensitivity import resolve_settings, settings_problems
    from ddci_cli.uncertainty.sensitivity import analyse, document

    check_outputs(s.outputs, [s.survey, s.method])
    method = load_method_checked(s.method, s.survey, s.read)
    resolved = resolve_settings(method, **asdict(s.monte_carlo))
    problems = settings_problems(method, resolved)
    if problems:
        raise UsageError("; ".join(f"--{key.replace('_', '-')}: {msg}"
                                   for key, msg in problems))
    scores, report = score(s.survey, method, s.read)
    result = analyse(scores, resolved, s.seed)
    doc = document(result)
    english = (s.lang or method.language) == "en"
    _write_sensitivity(result, doc, s.outputs, s.seed, s.lang)
    if s.json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json(doc)
    elif not s.quiet:
        render.sensitivity(doc, {b.id: b.label_en if english else b.label
                                 for b in method.blocks}, english)
    if not s.quiet:
        render.problems(report.problems)
        for out in s.outputs:
            render.message(f"wrote {out}")
    return 0


def sensitivity_rows(doc: dict) -> list[dict]:
    """One row per unit (.csv, .parquet): rank statistics, then P(tier) per tier label."""
    labels = list(dict.fromkeys(t for u in doc["units"] for t in u["tier_probability"]))
    return [{**{k: u[k] for k in ("block", "unit", "nominal_rank", "nominal_tier",
                                  "mean_rank", "median_rank", "q05_rank", "q95_rank",
                                  "runs_ranked")},
             **{f"p_{t}": u["tier_probability"].get(t) for t in labels}} for u in doc["units"]]


def _write_sensitivity(result, doc: dict, outputs: list[Path], seed: int,
                  lang: str | None) -> None:
    """.json: the document; .csv/.parquet: one row per unit; .xlsx: the full report with
    its Sensitivity sheet."""
    from ddci_cli.report import write_workbook

    write_formats(outputs, doc, lambda: sensitivity_rows(doc), lambda out: write_workbook(
        result.scores, out, seed=seed, lang=lang, sensitivity=doc))


@dataclass(frozen=True, kw_only=True)
class DiagnoseSettings(SurveySettings):
    """What ``ddci diagnose`` is asked to do: ``outputs`` are .json or .xlsx."""

    outputs: list[Path] = field(default_factory=list)
    lang: str | None = None


def run_diagnose(s: DiagnoseSettings) -> int:
    """``ddci diagnose``: score, diagnose, write .json/.xlsx outputs, render."""
    from ddci_cli.diagnose import document as diagnose_document
    from ddci_cli.io.write import json_bytes, write_bytes
    from ddci_cli.report.diagnose_book import diagnostic_tables, write_sheets

    check_outputs(s.outputs, [s.survey, s.method])
    for out in s.outputs:
        if out.suffix.lower() not in (".json", ".xlsx"):
            raise UsageError(f"ddci diagnose writes .json or .xlsx, not {out.suffix}")
    method = load_method_checked(s.method, s.survey, s.read)
    scores, report = score(s.survey, method, s.read)
    doc = diagnose_document(scores)
    english = (s.lang or method.language) == "en"
    for out in s.outputs:
        if out.suffix.lower() == ".json":
            write_bytes(out, json_bytes(doc))
        else:
            write_sheets(out, diagnostic_tables(doc, english))
    if s.json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json(doc)
    elif not s.quiet:
        render.diagnostics(doc, _block_labels(method, english), english)
    if not s.quiet:
        render.problems(report.problems)
        for out in s.outputs:
            render.message(f"wrote {out}")
    return 0


def _block_labels(method, english: bool) -> dict[str, str]:
    return {b.id: b.label_en if english else b.label for b in method.blocks}

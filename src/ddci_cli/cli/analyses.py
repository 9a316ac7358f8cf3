"""``ddci sensitivity`` and ``ddci diagnose``: resolve settings, score, analyse, write the
outputs, render."""

from __future__ import annotations

from pathlib import Path

from ddci_cli.check import load_method_checked
from ddci_cli.cli import render
from ddci_cli.errors import UsageError
from ddci_cli.io.write import check_outputs, write_formats
from ddci_cli.pipeline import score


def run_sensitivity(survey_path: Path, method_path: Path, outputs: list[Path], json_out: bool,
                options, lang: str | None, seed: int, quiet: bool, cli: dict) -> int:
    """``ddci sensitivity``: resolve settings (method table, then flags), score, analyse,
    write outputs, render."""
    from ddci_cli.method.sensitivity import resolve_settings, settings_problems
    from ddci_cli.uncertainty.sensitivity import analyse, document

    check_outputs(outputs, [survey_path, method_path])
    method = load_method_checked(method_path, survey_path, options)
    settings = resolve_settings(method, **cli)
    problems = settings_problems(method, settings)
    if problems:
        raise UsageError("; ".join(f"--{key.replace('_', '-')}: {msg}"
                                   for key, msg in problems))
    scores, report = score(survey_path, method, options)
    result = analyse(scores, settings, seed)
    doc = document(result)
    english = (lang or method.language) == "en"
    _write_sensitivity(result, doc, outputs, seed, lang)
    if json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json(doc)
    elif not quiet:
        render.sensitivity(doc, {b.id: b.label_en if english else b.label
                                 for b in method.blocks}, english)
    if not quiet:
        render.problems(report.problems)
        for out in outputs:
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


def run_diagnose(survey_path: Path, method_path: Path, outputs: list[Path], json_out: bool,
                options, lang: str | None, quiet: bool) -> int:
    """``ddci diagnose``: score, diagnose, write .json/.xlsx outputs, render."""
    from ddci_cli.diagnose import document as diagnose_document
    from ddci_cli.io.write import json_bytes, write_bytes
    from ddci_cli.report.diagnose_book import diagnostic_tables, write_sheets

    check_outputs(outputs, [survey_path, method_path])
    for out in outputs:
        if out.suffix.lower() not in (".json", ".xlsx"):
            raise UsageError(f"ddci diagnose writes .json or .xlsx, not {out.suffix}")
    method = load_method_checked(method_path, survey_path, options)
    scores, report = score(survey_path, method, options)
    doc = diagnose_document(scores)
    english = (lang or method.language) == "en"
    for out in outputs:
        if out.suffix.lower() == ".json":
            write_bytes(out, json_bytes(doc))
        else:
            write_sheets(out, diagnostic_tables(doc, english))
    if json_out:
        from ddci_cli.cli.runtime import emit_json

        emit_json(doc)
    elif not quiet:
        render.diagnostics(doc, _block_labels(method, english), english)
    if not quiet:
        render.problems(report.problems)
        for out in outputs:
            render.message(f"wrote {out}")
    return 0


def _block_labels(method, english: bool) -> dict[str, str]:
    return {b.id: b.label_en if english else b.label for b in method.blocks}

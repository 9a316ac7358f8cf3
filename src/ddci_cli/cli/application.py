"""The ``ddci`` command line: parse options, call the library, render the result.

No arithmetic and no file-format knowledge here. Errors become one message and an exit
code (SPEC §5): 0 done, 1 input problems, 2 usage, 3 internal, 4 an output could not be
written, 130 Ctrl-C, 141 closed pipe, 143/129 SIGTERM/SIGHUP (temporaries removed).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from ddci_cli import __version__
from ddci_cli.cli.runtime import Run, _lang, guarded, read_options, render
from ddci_cli.errors import UsageError


class _Help:
    """Help that shows metavars, not Python types: flags show none (``--help`` included)
    and arguments only their name (``SURVEY...``, never ``<list[Path]>``)."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    def format_help(self, ctx, formatter):
        for param in self.params:
            if param.param_type_name == "argument":
                param.display_type_rich = lambda ctx: None
        return super().format_help(ctx, formatter)


class _Command(_Help, TyperCommand):
    pass


class _Group(_Help, TyperGroup):
    pass


app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  cls=_Group, help="DDCI/PCI competitiveness index analytics: score, check, compare.")

def _flag(*names: str, help: str):
    """A plain on/off flag: present means on, no ``--no-…`` twin, no metavar."""
    return typer.Option(*names, metavar="", help=help)


SurveyArg = Annotated[Path, typer.Argument(metavar="SURVEY", help="Survey file.",
                                           show_default=False)]
Method = Annotated[Path, typer.Option("--method", "-m", metavar="FILE",
                                      help="Method file (TOML).")]
Outputs = Annotated[Optional[list[Path]], typer.Option(
    "--output", "-o", metavar="FILE", help="Write results; format by extension: .xlsx .csv "
    ".json .parquet .pdf. Repeatable.")]
Json = Annotated[bool, _flag("--json", help="Print one JSON document on stdout.")]
Sheet = Annotated[Optional[str], typer.Option(metavar="NAME|N",
                                              help="Sheet name or 1-based index.")]
HeaderRow = Annotated[Optional[int], typer.Option(
    metavar="N", help="1-based header row (default: found).")]
Encoding = Annotated[Optional[str], typer.Option(
    metavar="NAME", help="CSV encoding, e.g. utf-8, cp1258 (default: detected).")]
Delimiter = Annotated[Optional[str], typer.Option(
    metavar="CHAR", help="CSV delimiter: , ; | or tab (default: sniffed).")]
Lang = Annotated[Optional[str], typer.Option(
    envvar="DDCI_LANG", metavar="vi|en",
    help="Language of the terminal output and the reports (default: the method's "
    "index.language).")]
Seed = Annotated[int, typer.Option(envvar="DDCI_SEED", metavar="N",
                                   help="Seed for every random step.")]
Lenient = Annotated[bool, _flag("--lenient", help="Treat bad cells as missing, with warnings.")]
Strict = Annotated[bool, _flag("--strict", help="Treat warnings as errors (for cron).")]
Quiet = Annotated[bool, _flag("--quiet", "-q", help="Print nothing but errors.")]
Debug = Annotated[bool, _flag("--debug", help="Show tracebacks of internal errors.")]
NoProgress = Annotated[bool, _flag("--no-progress", help="No progress bars.")]


@app.command()
def score(survey: SurveyArg, method: Method,
          output: Outputs = None, json_out: Json = False, sheet: Sheet = None,
          header_row: HeaderRow = None, encoding: Encoding = None, delimiter: Delimiter = None,
          lang: Lang = None, seed: Seed = 0,
          bootstrap: Annotated[int, typer.Option(metavar="N", help="Bootstrap replicates for intervals.")] = 0,
          scorecards: Annotated[bool, _flag(
              "--scorecards", help="Add one scorecard sheet per unit to the .xlsx report.")] = False,
          chart: Annotated[Optional[Path], typer.Option(
              metavar="FILE", help="Also draw each block's ranking as a bar chart (.png, .svg, .pdf).")] = None,
          lenient: Lenient = False, strict: Strict = False, quiet: Quiet = False,
          no_progress: NoProgress = False, debug: Debug = False) -> None:
    """Compute the index, print the ranking per block, write outputs."""
    parameters = dict(locals())  # by name, as cli/plain.py parses them without typer
    from ddci_cli.cli.plain import score_job

    Run(json_out, quiet, debug)(score_job(parameters))


@app.command()
def explain(survey: SurveyArg, method: Method,
            unit: Annotated[str, typer.Argument(metavar="UNIT", help="The unit's name, as in the ranking.")],
            json_out: Json = False, sheet: Sheet = None, header_row: HeaderRow = None,
            encoding: Encoding = None, delimiter: Delimiter = None, lang: Lang = None,
            lenient: Lenient = False, strict: Strict = False, quiet: Quiet = False,
            debug: Debug = False) -> None:
    """Why a unit has its rank: contributions, gaps, and the changes that would move it."""
    from ddci_cli.cli.explain import ExplainSettings, run_explain

    Run(json_out, quiet, debug)(lambda: run_explain(ExplainSettings(
        survey=survey, method=method, unit=unit, json_out=json_out,
        read=read_options(sheet, header_row, encoding, delimiter, lenient, strict),
        lang=_lang(lang), quiet=quiet)))


@app.command()
def validate(survey: SurveyArg, method: Method,
             json_out: Json = False, sheet: Sheet = None, header_row: HeaderRow = None,
             encoding: Encoding = None, delimiter: Delimiter = None, lenient: Lenient = False,
             strict: Strict = False, quiet: Quiet = False, debug: Debug = False) -> None:
    """Read and check everything, compute nothing, list every problem."""
    from ddci_cli.cli.commands import ValidateSettings, run_validate

    Run(json_out, quiet, debug)(lambda: run_validate(ValidateSettings(
        survey=survey, method=method, json_out=json_out,
        read=read_options(sheet, header_row, encoding, delimiter, lenient, strict),
        quiet=quiet)))


@app.command()
def sensitivity(
        survey: SurveyArg, method: Method,
        output: Outputs = None, json_out: Json = False,
        runs: Annotated[Optional[int], typer.Option(metavar="N", help="Runs (sobol: base sample N, a "
                                                    "power of two).")] = None,
        mode: Annotated[Optional[str], typer.Option(
            metavar="uncertainty|sobol", help="What to estimate (default: uncertainty).")] = None,
        weights: Annotated[Optional[float], typer.Option(
            metavar="P", help="Each sub-index weight × U(1−P, 1+P), e.g. 0.25.")] = None,
        weights_dirichlet: Annotated[Optional[float], typer.Option(
            metavar="ALPHA", help="Sub-index weights from a Dirichlet around the nominal shares; larger "
            "ALPHA, tighter.")] = None,
        normalization: Annotated[Optional[str], typer.Option(
            metavar="LIST", help="Normalisations to pick from, e.g. minmax,zscore.")] = None,
        aggregation: Annotated[Optional[str], typer.Option(
            metavar="LIST", help="Composite aggregations, e.g. arithmetic,geometric.")] = None,
        min_responses: Annotated[Optional[str], typer.Option(
            metavar="LIST", help="min_responses thresholds, e.g. 20,30,40.")] = None,
        exclude_subindex: Annotated[Optional[bool], typer.Option(
            "--exclude-subindex/--no-exclude-subindex", metavar="",
            help="Drop one sub-index at a time (or none).")] = None,
        treatment: Annotated[Optional[str], typer.Option(
            metavar="LIST", help="Outlier treatments, e.g. none,winsorise.")] = None,
        imputation: Annotated[Optional[str], typer.Option(
            metavar="LIST", help="Imputations, e.g. none,mean,median.")] = None,
        winmax: Annotated[Optional[str], typer.Option(
            metavar="LIST", help="Most points winsorised per indicator, e.g. 3,5.")] = None,
        sheet: Sheet = None, header_row: HeaderRow = None, encoding: Encoding = None,
        delimiter: Delimiter = None, lang: Lang = None, seed: Seed = 0,
        lenient: Lenient = False, strict: Strict = False, quiet: Quiet = False,
        no_progress: NoProgress = False, debug: Debug = False) -> None:
    """Monte Carlo over weights, normalisation, aggregation: how stable are the ranks?"""
    from ddci_cli.cli.analyses import MonteCarloFlags, SensitivitySettings, run_sensitivity

    Run(json_out, quiet, debug)(lambda: run_sensitivity(SensitivitySettings(
        survey=survey, method=method, outputs=output or [], json_out=json_out,
        read=read_options(sheet, header_row, encoding, delimiter, lenient, strict),
        lang=_lang(lang), seed=seed, quiet=quiet, monte_carlo=MonteCarloFlags(
            mode=mode, runs=runs, weights=weights, weights_dirichlet=weights_dirichlet,
            normalization=normalization, aggregation=aggregation,
            min_responses=min_responses, exclude_subindex=exclude_subindex,
            treatment=treatment, imputation=imputation, winmax=winmax))))


@app.command()
def diagnose(survey: SurveyArg, method: Method,
             output: Outputs = None, json_out: Json = False, sheet: Sheet = None,
             header_row: HeaderRow = None, encoding: Encoding = None,
             delimiter: Delimiter = None, lang: Lang = None, lenient: Lenient = False,
             strict: Strict = False, quiet: Quiet = False, debug: Debug = False) -> None:
    """Reliability and structure: counts, missing rates, Cronbach's alpha, correlations."""
    from ddci_cli.cli.analyses import DiagnoseSettings, run_diagnose

    Run(json_out, quiet, debug)(lambda: run_diagnose(DiagnoseSettings(
        survey=survey, method=method, outputs=output or [], json_out=json_out,
        read=read_options(sheet, header_row, encoding, delimiter, lenient, strict),
        lang=_lang(lang), quiet=quiet)))


@app.command()
def sample(out: Annotated[Path, typer.Argument(metavar="FOLDER",
                                               help="Folder to write into.")] = Path("."),
           year: Annotated[int, typer.Option(metavar="YEAR", help="Survey year.")] = 2024, seed: Seed = 0,
           respondents: Annotated[int, typer.Option(metavar="N", help="Number of firms.")] = 2500,
           layout: Annotated[str, typer.Option(
               metavar="long|grid|kobo|odk", help="long (the field team's sheet), grid (Google Forms CSV), kobo "
               "(KoboToolbox XLSX) or odk (ODK Central zip).")] = "long",
           quiet: Quiet = False, debug: Debug = False) -> None:
    """Write a synthetic survey and its method file (the data are not real)."""
    from ddci_cli.sample.writer import write_sample

    def body():
        if respondents < 10:
            raise UsageError("--respondents must be at least 10")
        if layout not in ("long", "grid", "kobo", "odk"):
            raise UsageError("--layout must be one of long, grid, kobo, odk")
        out.mkdir(parents=True, exist_ok=True)
        for path in write_sample(out, year=year, seed=seed, respondents=respondents,
                                 layout=layout):
            if not quiet:
                render.message(f"wrote {path} (synthetic data)")

    Run(False, quiet, debug)(body)


@app.command()
def init(directory: Annotated[Path, typer.Argument(
             metavar="FOLDER", help="Folder for method.toml (created when missing).")] = Path("."),
         template: Annotated[str, typer.Option(metavar="ddci|pci",
                                                help="Starter template.")] = "ddci",
         force: Annotated[bool, _flag("--force", help="Overwrite an existing file.")] = False,
         from_survey: Annotated[Optional[Path], typer.Option(
             "--from", metavar="SURVEY", help="Draft the method file from a survey export "
             "(unit column, indicators, [answers]).")] = None,
         sheet: Sheet = None, header_row: HeaderRow = None, encoding: Encoding = None,
         delimiter: Delimiter = None, quiet: Quiet = False, debug: Debug = False) -> None:
    """Write a commented starter method file, or draft one from a survey export."""
    from ddci_cli.cli.init import TEMPLATES, write_draft, write_template

    def body():
        if template not in TEMPLATES:
            raise UsageError(f"--template must be one of {', '.join(TEMPLATES)}")
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"{directory} is a file, not a folder")
        try:
            if from_survey is not None:
                path, draft = write_draft(directory, from_survey, force, sheet=sheet,
                                          header_row=header_row, encoding=encoding,
                                          delimiter=delimiter)
                if not quiet:
                    render.message(f"drafted from {from_survey}: layout {draft.layout}, "
                                   f"{len(draft.columns)} indicators, {len(draft.answers)} "
                                   "answer labels; check the lines marked CHECK")
            else:
                path = write_template(directory, template, force=force)
        except FileExistsError as exc:
            raise UsageError(f"{exc.args[0] if exc.args else 'method.toml'} exists; pass "
                             "--force to overwrite it") from None
        if not quiet:
            render.message(f"wrote {path}")

    Run(False, quiet, debug)(body)


@app.command()
def compare(surveys: Annotated[list[Path], typer.Argument(metavar="SURVEY",
                                                         help="Survey files, one per year.")],
            method: Annotated[list[Path], typer.Option(
                "--method", "-m", metavar="FILE",
                help="Method file: once for all surveys, or once per survey.")],
            year: Annotated[Optional[list[int]], typer.Option(
                metavar="YEAR", help="Year of each survey, in file order (default: the method's index.year, "
                "else the year in the file name).")] = None,
            crosswalk: Annotated[Optional[Path], typer.Option(
                metavar="FILE", help="CSV year,old,new,weight: renamed, merged, split, abolished units.")] = None,
            pool_bounds: Annotated[bool, _flag(
                "--pool-bounds", help="Min-max bounds pooled over all compared years (comparable scores).")] = False,
            output: Outputs = None, json_out: Json = False, sheet: Sheet = None,
            header_row: HeaderRow = None, encoding: Encoding = None, delimiter: Delimiter = None,
            lang: Lang = None, seed: Seed = 0,
            bootstrap: Annotated[int, typer.Option(metavar="N", help="Bootstrap replicates for intervals "
                                                   "of the changes.")] = 0,
            lenient: Lenient = False, strict: Strict = False, quiet: Quiet = False,
            no_progress: NoProgress = False, debug: Debug = False) -> None:
    """Score several years, match units across them (crosswalk), report changes."""
    from ddci_cli.cli.compare import CompareSettings, run_compare

    Run(json_out, quiet, debug)(lambda: run_compare(CompareSettings(
        surveys=surveys, methods=method, years=year or None, crosswalk=crosswalk,
        outputs=output or [], json_out=json_out,
        read=read_options(sheet, header_row, encoding, delimiter, lenient, strict),
        lang=_lang(lang), seed=seed, bootstrap=bootstrap, pool_bounds=pool_bounds,
        quiet=quiet, no_progress=no_progress)))


@app.command()
def batch(manifest: Annotated[Path, typer.Argument(metavar="MANIFEST",
                                                   help="Manifest (TOML) listing the jobs.")],
          since: Annotated[Optional[Path], typer.Option(
              metavar="FILE", help="State file: skip jobs whose inputs are unchanged since their last "
              "successful run; updated after the run.")] = None,
          summary: Annotated[Optional[Path], typer.Option(
              metavar="FILE", help="Also write the JSON summary to this file.")] = None,
          job: Annotated[Optional[list[str]], typer.Option(
              metavar="NAME", help="Run only the job with this name (repeatable).")] = None,
          json_out: Json = False, quiet: Quiet = False, debug: Debug = False) -> None:
    """Run the jobs of a manifest (score, compare, validate) for cron and scripts."""
    from ddci_cli.cli.batch import BatchSettings, run_batch

    Run(json_out, quiet, debug)(lambda: run_batch(BatchSettings(
        manifest=manifest, since=since, summary=summary, only=job or [], json_out=json_out,
        quiet=quiet)))


@app.command()
def units(survey: SurveyArg, method: Method,
          toml: Annotated[bool, _flag(
              "--toml", help="Print a whole [units] table draft (TOML) on stdout.")] = False,
          json_out: Json = False, sheet: Sheet = None, header_row: HeaderRow = None,
          encoding: Encoding = None, delimiter: Delimiter = None, quiet: Quiet = False,
          debug: Debug = False) -> None:
    """Distinct units with responses and blocks, look-alike spellings, a [units] draft."""
    from ddci_cli.cli.units import UnitsSettings, run_units

    Run(json_out, quiet, debug)(lambda: run_units(UnitsSettings(
        survey=survey, method=method, toml=toml, json_out=json_out,
        read=read_options(sheet, header_row, encoding, delimiter, False, False),
        quiet=quiet)))


for _info in app.registered_commands:          # every command's help as _Help shows it
    if _info.cls in (None, TyperCommand):
        _info.cls = _Command


def _version(value: bool) -> None:
    if value:
        print(f"ddci {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", "-V", callback=_version, metavar="",
                                                is_eager=True, help="Show the version.")] = False
          ) -> None:
    """DDCI/PCI competitiveness index analytics."""


def main() -> None:
    """Console entry point: maps every failure to an exit code, never a stray traceback."""
    debug = "--debug" in sys.argv
    sys.exit(guarded(lambda: _app_for(sys.argv[1:])(standalone_mode=False), debug,
                     exits=(typer.Exit,)))


def _app_for(argv: list[str]) -> typer.Typer:
    """``app``, or when ``argv`` starts with a command's exact name, a copy of it holding
    only that command: typer builds every registered command (options, annotations) before
    it parses anything, a tenth of a second for the eleven, where only one will run. What
    that command parses, prints and returns is the same either way; a word that is no
    command (a typo) goes to the whole ``app``, whose error lists them all."""
    import copy

    name = argv[0] if argv else None
    chosen = [c for c in app.registered_commands
              if (c.name or c.callback.__name__.replace("_", "-")) == name]
    if len(chosen) != 1:
        return app
    one = copy.copy(app)
    one.registered_commands = chosen
    return one
